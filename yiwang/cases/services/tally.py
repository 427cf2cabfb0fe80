"""The case tally (`CaseTally`) as yiwang.core.tallies checks and rebuilds it. Database
triggers keep it; their SQL, and the recount that precedes them, is migration
0004_case_tally's, the one place it is written (later migrations that rebuild cases_case
on SQLite run its `create` again): a rebuild does the same."""

from __future__ import annotations

import importlib

from yiwang.core import tallies


def _migration():
    return importlib.import_module("yiwang.cases.migrations.0004_case_tally")


def triggers(vendor: str) -> list[str]:
    """The names of the triggers that keep the tally."""
    migration = _migration()
    if vendor == "postgresql":
        return list(migration.postgres_triggers())
    return list(migration.sqlite_triggers())


def rebuild(connection=None) -> None:
    """Recounts the tally from the cases, then creates or replaces its triggers (on
    PostgreSQL with TIME_ZONE as it is now), in the caller's transaction."""
    tallies.run_migration(_migration().create, connection)


REGISTRATION = tallies.Tally(
    model="cases.casetally",
    key=("area_code", "month", "category_pk", "department_pk"),
    rebuild=rebuild,
    triggers=triggers,
)
