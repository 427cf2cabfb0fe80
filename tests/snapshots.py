"""Fixtures built once a session: the rows a build wrote are kept and written again.

Most tests start from the same area tree and the same personas, and many from the same
small world on top of them. Building these through the services (checks, audit entries,
one row at a time) costs a tenth of a second or more a test; writing the rows they left
behind costs a few milliseconds. `SharedRows.build_or_restore` runs a build the first
time (inside that test's transaction, exactly as before), notes what it changed in the
database (rows added, rows changed, rows removed), and from then on makes those same
changes, primary keys included, in the tests that ask for it. Each test still runs in
its own transaction, so whatever it changes is rolled back and the next one gets the rows
as built.

A snapshot is only used where it is exactly what the build would make:
- on the local date it was taken and at a clock no earlier than then (a test that travels
  elsewhere builds afresh, under its own clock);
- on top of the very snapshots it was built on (personas on the tree whose keys their
  posts name);
- on a database where its rows fit: when one of its keys is already taken (a test made
  rows of its own first), the writes are undone and the build runs instead.
Tables that database triggers keep (the tallies, the visits' keys) are never copied:
writing the rows they count makes the triggers write them again (tests/test_snapshots.py
finds every table a trigger inserts into). Timestamps kept by `auto_now` take the time of
the restore, as they would from a build. The rows are read and written by plain SQL,
in the values the database gave when the snapshot was taken: Django's per-object
machinery would cost as much as the build.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.utils import timezone

from yiwang.core import tallies

# Tables that database triggers alone write, besides the tallies: restoring the rows that
# fire the triggers writes these again, so copying them too would write them twice (and
# fail on their keys: the restore would never fit and the build would run every time).
WRITTEN_BY_TRIGGERS = {"outreach.visitkey"}  # a visit's UUID (outreach migration 0005)


def _trigger_kept() -> set[str]:
    """The tallies kept by triggers on the tables they count (yiwang.core.tallies), and
    the other tables only triggers write."""
    tallies_kept = {t.model.lower() for t in tallies.registered() if t.kept_by == "triggers"}
    return tallies_kept | WRITTEN_BY_TRIGGERS


# Parameters of one statement: SQLite allows 32,766 (PostgreSQL 65,535).
MAX_PARAMETERS = 30_000


@dataclass(eq=False)
class _Changes:
    """What a build did to one table, as the statements that do it again: rows in the
    database's own values, as it gave them."""

    model: type
    added: list[tuple]
    changed: list[tuple]  # the row's values, then its key again
    removed: list

    def write(self, cursor, now):
        meta = self.model._meta
        quote = connection.ops.quote_name
        fields = meta.concrete_fields
        columns = [quote(f.column) for f in fields]
        pk = quote(meta.pk.column)
        # `auto_now` columns take the time of the restore, as a build's would.
        stamped = [i for i, f in enumerate(fields) if getattr(f, "auto_now", False)]
        stamp = connection.ops.adapt_datetimefield_value(now)
        # SQLite gives a time of day back as datetime.time, which it cannot take as a
        # parameter (it knows dates and datetimes only): written as the database's value.
        timed = [i for i, f in enumerate(fields) if f.get_internal_type() == "TimeField"]
        if self.removed:
            cursor.execute(
                f"DELETE FROM {quote(meta.db_table)} WHERE {pk} IN"
                f" ({', '.join(['%s'] * len(self.removed))})",
                self.removed,
            )
        if self.changed:
            cursor.executemany(
                f"UPDATE {quote(meta.db_table)} SET"
                f" {', '.join(f'{c} = %s' for c in columns)} WHERE {pk} = %s",
                [_stamped(row, stamped, stamp, timed) for row in self.changed],
            )
        if self.added:
            # Many rows a statement: a table's statement-level triggers (the residents'
            # search tables on PostgreSQL) then run once a batch, not once a row.
            rows = [_stamped(row, stamped, stamp, timed) for row in self.added]
            one = f"({', '.join(['%s'] * len(columns))})"
            batch = max(1, min(1000, MAX_PARAMETERS // len(columns)))
            for start in range(0, len(rows), batch):
                chunk = rows[start : start + batch]
                cursor.execute(
                    f"INSERT INTO {quote(meta.db_table)} ({', '.join(columns)})"
                    f" VALUES {', '.join([one] * len(chunk))}",
                    [value for row in chunk for value in row],
                )


def _stamped(row: tuple, at: list[int], stamp, timed: list[int]) -> tuple:
    if not at and not timed:
        return row
    row = list(row)
    for i in at:
        row[i] = stamp
    for i in timed:
        row[i] = connection.ops.adapt_timefield_value(row[i])
    return tuple(row)


@dataclass(eq=False)
class _Snapshot:
    taken_at: datetime.datetime
    changes: list[_Changes]
    result: object
    # The snapshots the build stood on (the personas on the tree): their rows must be the
    # very ones in the database, or this one's foreign keys point at nothing.
    under: dict[str, _Snapshot]


def _models():
    trigger_kept = _trigger_kept()
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.label_lower in trigger_kept:
            continue
        yield model


def _ours(model) -> bool:
    return model._meta.app_config.name.startswith("yiwang.")


def _state() -> dict[type, dict]:
    """Every row of every table, by key, as the database gives it (no model machinery:
    a build reads them twice): taken before and after a build (test databases are
    small)."""
    quote = connection.ops.quote_name
    state = {}
    with connection.cursor() as cursor:
        for model in _models():
            meta = model._meta
            columns = [field.column for field in meta.concrete_fields]
            at = columns.index(meta.pk.column)
            cursor.execute(f"SELECT {', '.join(map(quote, columns))} FROM {quote(meta.db_table)}")
            state[model] = {row[at]: row for row in cursor.fetchall()}
    return state


def _diff(before: dict[type, dict], after: dict[type, dict]) -> list[_Changes]:
    """The rows as the database gave them are the values to write them again with."""
    changes = []
    for model, rows in after.items():
        old = before.get(model, {})
        added = [rows[pk] for pk in sorted(set(rows) - set(old))]
        changed = [(*row, pk) for pk, row in rows.items() if pk in old and old[pk] != row]
        removed = [pk for pk in old if pk not in rows]
        if added or changed or removed:
            changes.append(_Changes(model, added, changed, removed))
    return changes


class SharedRows:
    """Snapshots by name; see the module's docstring."""

    def __init__(self):
        self._snapshots: dict[str, _Snapshot] = {}
        self._in_test: dict[str, _Snapshot] = {}

    def begin_test(self):
        """Forgets which snapshots the previous test's database held."""
        self._in_test = {}

    def note_migrated(self):
        """Keeps the rows the data migrations wrote in the project's own tables (default
        categories, tags, programmes, rules …), read right after the test database is
        made."""
        state = _state()
        self._migrated = _diff({}, {model: rows for model, rows in state.items() if _ours(model)})

    def after_flush(self):
        """A transactional test ends by emptying every table; this writes the migrations'
        rows back, keys included, so that a test running after it on the same database (in
        any order) starts where every test starts. Django's own rows (content types,
        permissions) come back through the flush's post_migrate signal."""
        with transaction.atomic(), connection.cursor() as cursor:
            for change in self._migrated:
                change.write(cursor, timezone.now())

    def build_or_restore(
        self,
        name: str,
        build: Callable[[], object],
        reload: Callable[[object], object] | None = None,
    ):
        """`build()` makes the rows and returns what the fixture gives; `reload(result)`
        gives the same from the restored rows. By default `reload` reads every model
        instance in the result (alone, or in a dict, list or tuple) afresh, a query a
        model."""
        now = timezone.now()
        snapshot = self._snapshots.get(name)
        if snapshot is not None and self._fits(snapshot, now) and _restore(snapshot):
            self._in_test[name] = snapshot
            return (reload or _fresh)(snapshot.result)
        before = _state()
        result = build()
        snapshot = _Snapshot(now, _diff(before, _state()), result, dict(self._in_test))
        self._snapshots[name] = self._in_test[name] = snapshot
        return result

    def _fits(self, snapshot: _Snapshot, now: datetime.datetime) -> bool:
        return (
            timezone.localdate(snapshot.taken_at) == timezone.localdate(now)
            and snapshot.taken_at <= now
            and all(self._in_test.get(name) is under for name, under in snapshot.under.items())
        )


def _restore(snapshot: _Snapshot) -> bool:
    """Writes the snapshot's changes; False, with nothing written, when they do not fit."""
    now = timezone.now()
    try:
        # One savepoint: foreign keys are checked at the end of the test's transaction,
        # so the order of the tables does not matter, and a clash undoes every write.
        with transaction.atomic(), connection.cursor() as cursor:
            for change in snapshot.changes:
                change.write(cursor, now)
    except IntegrityError:
        return False
    return True


def _fresh(result):
    """`result` with each model instance in it read again from the database."""
    wanted: dict[type, set] = {}

    def note(value):
        if isinstance(value, Model):
            wanted.setdefault(type(value), set()).add(value.pk)
        elif isinstance(value, dict):
            for item in value.values():
                note(item)
        elif isinstance(value, list | tuple):
            for item in value:
                note(item)

    note(result)
    found = {model: model._base_manager.in_bulk(pks) for model, pks in wanted.items()}

    def swap(value):
        if isinstance(value, Model):
            return found[type(value)][value.pk]
        if isinstance(value, dict):
            return {key: swap(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(swap(item) for item in value)
        return value

    return swap(result)
