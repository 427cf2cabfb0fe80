"""Fixtures built once a session: the rows a build adds are kept and inserted again.

Most tests start from the same area tree and the same personas. Building them through the
services (checks, audit entries, one row at a time) costs a tenth of a second a test;
inserting the rows they left behind costs a few milliseconds. `SharedRows.build_or_restore`
runs a build the first time (inside that test's transaction, exactly as before), notes
every row it added, and from then on inserts those same rows, primary keys included, in
the tests that ask for it. Each test still runs in its own transaction, so whatever it
changes is rolled back and the next one gets the rows as built.

A snapshot is only used where it is exactly what the build would make:
- on the local date it was taken and at a clock no earlier than then (a test that travels
  elsewhere builds afresh, under its own clock);
- on a database where its rows fit: when one of its keys is already taken (a test made
  rows of its own first), the insert is undone and the build runs instead.
Tables that database triggers keep (the tallies) are never copied: inserting the rows
they count makes the triggers write them again.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from yiwang.core import tallies


def _trigger_kept() -> set[str]:
    """The tallies kept by triggers on the tables they count (yiwang.core.tallies)."""
    return {t.model.lower() for t in tallies.registered() if t.kept_by == "triggers"}


@dataclass
class _Snapshot:
    taken_at: datetime.datetime
    rows: list[tuple[type, list]]  # (model, instances) in the order the build wrote them
    result: object


def _models():
    trigger_kept = _trigger_kept()
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.label_lower in trigger_kept:
            continue
        yield model


def _integer_key(model) -> bool:
    return model._meta.pk.get_internal_type() in {"AutoField", "BigAutoField", "IntegerField"}


def _high_water() -> dict[type, object]:
    """Each table's highest primary key (its row count where the key is not a number),
    read in one statement."""
    models = list(_models())
    quote = connection.ops.quote_name
    parts = [
        f"SELECT {i}, "
        + (f"MAX({quote(m._meta.pk.column)})" if _integer_key(m) else "COUNT(*)")
        + f" FROM {quote(m._meta.db_table)}"
        for i, m in enumerate(models)
    ]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts))
        highest = dict(cursor.fetchall())
    return {model: highest.get(i) for i, model in enumerate(models)}


def _added_since(before: dict[type, object]) -> list[tuple[type, list]] | None:
    """The rows added since `before`, or None when a table keyed otherwise than by a
    number grew (its new rows cannot be told apart)."""
    rows = []
    for model, top in _high_water().items():
        if top is None or top == before.get(model):
            continue
        if not _integer_key(model):
            return None
        query = model._base_manager.order_by("pk")
        if before.get(model) is not None:
            query = query.filter(pk__gt=before[model])
        rows.append((model, list(query)))
    return rows


class SharedRows:
    """Snapshots by name; see the module's docstring."""

    def __init__(self):
        self._snapshots: dict[str, _Snapshot] = {}

    def build_or_restore(
        self, name: str, build: Callable[[], object], reload: Callable[[object], object]
    ):
        """`build()` makes the rows and returns what the fixture gives; `reload(result)`
        gives the same from the restored rows (fresh instances, read from the database)."""
        now = timezone.now()
        snapshot = self._snapshots.get(name)
        if snapshot is not None and self._fits(snapshot, now) and self._restore(snapshot):
            return reload(snapshot.result)
        before = _high_water()
        result = build()
        rows = _added_since(before)
        if rows is not None:
            self._snapshots[name] = _Snapshot(now, rows, result)
        return result

    @staticmethod
    def _fits(snapshot: _Snapshot, now: datetime.datetime) -> bool:
        return (
            timezone.localdate(snapshot.taken_at) == timezone.localdate(now)
            and snapshot.taken_at <= now
        )

    @staticmethod
    def _restore(snapshot: _Snapshot) -> bool:
        try:
            # One savepoint: foreign keys are checked at its end, so the order of the
            # tables does not matter, and a clash undoes every insert of the snapshot.
            with transaction.atomic():
                for model, instances in snapshot.rows:
                    model._base_manager.bulk_create(
                        [_copy(instance) for instance in instances], batch_size=500
                    )
        except IntegrityError:
            return False
        return True


def _copy(instance):
    clone = type(instance)(**{f.attname: getattr(instance, f.attname) for f in _fields(instance)})
    clone._state.adding = True
    return clone


def _fields(instance):
    return instance._meta.concrete_fields
