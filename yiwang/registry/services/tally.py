"""The ledger's tally (`LedgerTally`, with the tags' copies of their resident's unit and
status) as yiwang.core.tallies checks and rebuilds it. Database triggers keep it; their
SQL, and the recount that precedes them, is migration 0004_ledger_tally_triggers's, the
one place it is written: a rebuild runs that migration's `create` again."""

from __future__ import annotations

import importlib

from yiwang.core import tallies


def _migration():
    return importlib.import_module("yiwang.registry.migrations.0004_ledger_tally_triggers")


def triggers(vendor: str) -> list[str]:
    """The names of the triggers that keep the tally and the tags' copies."""
    migration = _migration()
    if vendor == "postgresql":
        return [name for name, _table in migration.POSTGRES_TRIGGERS]
    return list(migration.SQLITE_TRIGGERS)


def rebuild(connection=None) -> None:
    """Recounts the tally and the tags' copies from the households and residents, and
    creates the triggers that are missing, in the caller's transaction."""
    tallies.run_migration(_migration().create, connection)


REGISTRATION = tallies.Tally(
    model="registry.ledgertally", key=("area_code",), rebuild=rebuild, triggers=triggers
)
