"""Tallies: summary tables kept in step with the rows they count, so that a roll-up reads a
few thousand tally rows instead of a million rows (docs/ARCHITECTURE.md, "Tallies").

A module registers each of its tallies here from its AppConfig.ready(): the model, the
fields that say what a row counts (the rest are the counts), how to rebuild it, and the
database triggers that keep it (none: kept in Python). Core then checks and rebuilds any
tally the same way: `missing_triggers`, `drift` (what a rebuild would change) and
`rebuild`; `manage.py tallies` runs them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection as default_connection
from django.db import transaction


@dataclass(frozen=True)
class Tally:
    # The tally's model, "app_label.modelname".
    model: str
    # The fields that say what a row counts (a unit, a month …); its other fields but the
    # primary key are counts.
    key: tuple[str, ...]
    # Recounts the tally from the rows it counts, set-based, in the caller's transaction
    # (and puts its triggers back): rebuild(connection=…).
    rebuild: Callable
    # The names of the triggers that keep it on a database vendor ("sqlite",
    # "postgresql"): triggers(vendor). None: kept in Python.
    triggers: Callable[[str], Iterable[str]] | None = None

    @property
    def kept_by(self) -> str:
        return "triggers" if self.triggers is not None else "python"

    def counts(self) -> tuple[str, ...]:
        meta = apps.get_model(self.model)._meta
        return tuple(
            f.attname
            for f in meta.concrete_fields
            if not f.primary_key and f.attname not in self.key
        )


_registered: dict[str, Tally] = {}


def register(tally: Tally) -> None:
    """Registers a tally (from its app's ready()); registering it again replaces it."""
    _registered[tally.model.lower()] = tally


def registered() -> list[Tally]:
    return list(_registered.values())


def get(model: str) -> Tally:
    try:
        return _registered[model.lower()]
    except KeyError:
        raise ImproperlyConfigured(f"no tally {model!r} is registered") from None


def missing_triggers(tally: Tally, connection=None) -> list[str]:
    """The triggers that keep `tally` and are missing from the database (a migration that
    rebuilt a table on SQLite drops its triggers with it)."""
    if tally.triggers is None:
        return []
    connection = connection or default_connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        present = {name for (name,) in cursor.fetchall()}
    return [name for name in tally.triggers(connection.vendor) if name not in present]


def rows(tally: Tally, connection=None) -> set[tuple]:
    """The tally's rows as (key, counts), those with a count other than 0: a row that
    fell to 0 and a row that was never made say the same."""
    connection = connection or default_connection
    key, counts = list(tally.key), list(tally.counts())
    queryset = apps.get_model(tally.model)._base_manager.using(connection.alias)
    return {
        (tuple(row[: len(key)]), tuple(row[len(key) :]))
        for row in queryset.values_list(*key, *counts)
        if any(row[len(key) :])
    }


def rebuild(tally: Tally, connection=None) -> None:
    """Recounts `tally` from the rows it counts (and puts its triggers back), atomically:
    after a load that went around what keeps it (bulk inserts with the triggers off, raw
    SQL into a table kept in Python) or a migration that dropped its triggers."""
    connection = connection or default_connection
    with transaction.atomic(using=connection.alias):
        tally.rebuild(connection=connection)


def drift(tally: Tally, connection=None) -> tuple[set[tuple], set[tuple]]:
    """What a rebuild would change, without changing it: (rows kept that a rebuild would
    not make, rows a rebuild would make that are not kept), as `rows` gives them. Both
    empty: the tally is right."""
    connection = connection or default_connection
    with transaction.atomic(using=connection.alias):
        kept = rows(tally, connection)
        tally.rebuild(connection=connection)
        recounted = rows(tally, connection)
        transaction.set_rollback(True, using=connection.alias)
    return kept - recounted, recounted - kept


def local_month_sql(column: str, vendor: str) -> str:
    """SQL for the first day of the local month (TIME_ZONE) of a time column: what a
    tally keyed by month groups by. On PostgreSQL `AT TIME ZONE` with TIME_ZONE as it is
    now (a trigger keeps the zone it was created with: rebuild after changing it); on
    SQLite the `localtime` modifier, which follows the TZ environment variable that Django
    sets from TIME_ZONE in every process it runs."""
    if vendor == "postgresql":
        return f"(date_trunc('month', {column} AT TIME ZONE '{_time_zone()}'))::date"
    return f"date({column}, 'localtime', 'start of month')"


def _time_zone() -> str:
    name = settings.TIME_ZONE or "UTC"
    if not re.fullmatch(r"[A-Za-z0-9_+\-/]+", name):
        raise ValueError(f"unexpected TIME_ZONE {name!r}")
    return name


class MigrationEditor:
    """What a migration's RunPython function uses of a schema editor (`connection`,
    `execute`), so that the function that created a tally's triggers in a migration
    rebuilds it later: `run_migration(module.create)`."""

    def __init__(self, connection):
        self.connection = connection

    def execute(self, sql, params=None):
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)


def run_migration(function: Callable, connection=None) -> None:
    """Runs a migration's RunPython function (apps, schema_editor) on `connection`, in
    the caller's transaction; the function must not use `apps`."""
    function(None, MigrationEditor(connection or default_connection))
