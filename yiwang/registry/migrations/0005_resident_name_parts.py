"""Search by any part of a name: `registry_resident_name_part`, every suffix of every
resident's name (张建国 → 张建国, 建国, 国), kept by database triggers.

Any part of a name is the start of one of its suffixes (建国 starts 建国, 国 starts 国), so
a range on the suffixes' B-tree finds the residents whose name contains a text of any
length, one character or more (see yiwang.registry.selectors.search and the registry
section of docs/ARCHITECTURE.md for why not a trigram index). The table holds
(part, resident_id) as its primary key, clustered on SQLite (WITHOUT ROWID), with an index
on resident_id for the triggers' deletes.

Django does not know the table nor its triggers: no model, so no migration is generated
for them, and no foreign key, so that a flush (TRUNCATE on PostgreSQL, DELETE on SQLite)
of the residents never fails on it; the triggers clear it instead (on PostgreSQL a
TRUNCATE trigger). Triggers, not code in the services, so that every writer keeps it: the
services, the importer's bulk inserts and COPY, the demo, `QuerySet.update()`, raw SQL.

On SQLite, a later migration that rebuilds registry_resident (Django copies the table for
most AlterField, RemoveField and some AddField) drops its triggers with the old table:
such a migration must end with `migrations.RunPython(parts.create, parts.drop)`, where
`parts = importlib.import_module("yiwang.registry.migrations.0005_resident_name_parts")`;
`create` may run again (it refills the table); and the same for migration 0006 (the
names' characters). test_search_any_part checks the triggers.
"""

import sys

from django.db import migrations

TABLE = "registry_resident_name_part"
# A name has at most 50 characters (Resident.name): its suffixes start at 1 … 50. SQLite
# allows no common table expression in a trigger, so the offsets are a JSON array, cut
# to the name's length: "[1,2,…,n" is 2n characters long up to 9, 3n - 9 from 10 on (a
# row-level trigger that read all 50 each time spent half an import's time there).
_ALL = "[{}".format(",".join(str(k) for k in range(1, 51)))


def offsets(name: str) -> str:
    """The offsets 1 … length(`name`) of an SQL expression `name`, as a table (SQLite)."""
    n = f"length({name})"
    cut = f"max(1, CASE WHEN {n} <= 9 THEN 2 * {n} ELSE 3 * {n} - 9 END)"
    return f"json_each(substr('{_ALL}', 1, {cut}) || ']')"


# --- SQLite: row-level triggers --------------------------------------------------------

_SQLITE_ADD = f"""
    INSERT INTO {TABLE} (part, resident_id)
    SELECT substr(NEW.name, k.value), NEW.id FROM {offsets('NEW.name')} AS k
    WHERE k.value <= length(NEW.name);
"""
_SQLITE_REMOVE = f"DELETE FROM {TABLE} WHERE resident_id = OLD.id;"

SQLITE_OBJECTS = {
    "table": f"""
        CREATE TABLE IF NOT EXISTS {TABLE} (
            part TEXT NOT NULL,
            resident_id INTEGER NOT NULL,
            PRIMARY KEY (part, resident_id)
        ) WITHOUT ROWID""",
    "index": f"""
        CREATE INDEX IF NOT EXISTS {TABLE}_resident_idx ON {TABLE} (resident_id)""",
}
SQLITE_TRIGGERS = {
    "registry_resident_name_part_insert": f"""
        CREATE TRIGGER IF NOT EXISTS registry_resident_name_part_insert
        AFTER INSERT ON registry_resident
        BEGIN {_SQLITE_ADD} END""",
    "registry_resident_name_part_delete": f"""
        CREATE TRIGGER IF NOT EXISTS registry_resident_name_part_delete
        AFTER DELETE ON registry_resident
        BEGIN {_SQLITE_REMOVE} END""",
    "registry_resident_name_part_update": f"""
        CREATE TRIGGER IF NOT EXISTS registry_resident_name_part_update
        AFTER UPDATE OF id, name ON registry_resident
        WHEN OLD.name IS NOT NEW.name OR OLD.id IS NOT NEW.id
        BEGIN {_SQLITE_REMOVE} {_SQLITE_ADD} END""",
}
SQLITE_FILL = f"""
    INSERT INTO {TABLE} (part, resident_id)
    SELECT substr(r.name, k.value), r.id FROM registry_resident AS r, {offsets('r.name')} AS k
    WHERE k.value <= length(r.name)"""

# --- PostgreSQL: statement-level triggers with transition tables -----------------------

# COLLATE "C": the parts compare by code point, so that a range [建国, 建图) is exactly the
# parts that start with 建国 whatever the database's collation, and the B-tree serves it.
POSTGRES_OBJECTS = {
    "table": f"""
        CREATE TABLE IF NOT EXISTS {TABLE} (
            part text COLLATE "C" NOT NULL,
            resident_id bigint NOT NULL,
            PRIMARY KEY (part, resident_id)
        )""",
    "index": f"""
        CREATE INDEX IF NOT EXISTS {TABLE}_resident_idx ON {TABLE} (resident_id)""",
}
_POSTGRES_ADD = f"""
    INSERT INTO {TABLE} (part, resident_id)
    SELECT substr(a.name, k), a.id FROM added AS a, generate_series(1, length(a.name)) AS k
"""
POSTGRES_FUNCTION = f"""
    CREATE OR REPLACE FUNCTION registry_resident_name_part_statement() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            {_POSTGRES_ADD};
        ELSIF TG_OP = 'DELETE' THEN
            DELETE FROM {TABLE} AS p USING removed AS o WHERE p.resident_id = o.id;
        ELSIF TG_OP = 'UPDATE' THEN
            -- Only the renamed rows (and a changed id, which nothing does): their parts
            -- go, then the new name's come, from the renamed rows alone.
            DELETE FROM {TABLE} AS p USING removed AS o
            WHERE p.resident_id = o.id AND NOT EXISTS (
                SELECT 1 FROM added AS n WHERE n.id = o.id AND n.name = o.name);
            INSERT INTO {TABLE} (part, resident_id)
            SELECT substr(a.name, k), a.id
            FROM added AS a, generate_series(1, length(a.name)) AS k
            WHERE NOT EXISTS (
                SELECT 1 FROM removed AS o WHERE o.id = a.id AND o.name = a.name);
        ELSE  -- TRUNCATE
            TRUNCATE {TABLE};
        END IF;
        RETURN NULL;
    END $$"""
# What of the residents' writes each statement-level trigger hears (PostgreSQL).
_EVENTS = {
    "insert": "AFTER INSERT ON registry_resident REFERENCING NEW TABLE AS added",
    "update": "AFTER UPDATE ON registry_resident\n        "
    "REFERENCING OLD TABLE AS removed NEW TABLE AS added",
    "delete": "AFTER DELETE ON registry_resident REFERENCING OLD TABLE AS removed",
    "truncate": "AFTER TRUNCATE ON registry_resident",
}


def postgres_triggers(prefix: str, function: str) -> dict[str, str]:
    """The four statement-level triggers `prefix`_insert … _truncate that run
    `function` on every write of the residents (PostgreSQL), by name."""
    return {
        f"{prefix}_{event}": f"""
        CREATE OR REPLACE TRIGGER {prefix}_{event}
        {heard}
        FOR EACH STATEMENT EXECUTE FUNCTION {function}()"""
        for event, heard in _EVENTS.items()
    }


POSTGRES_TRIGGERS = postgres_triggers(
    "registry_resident_name_part", "registry_resident_name_part_statement"
)
POSTGRES_FILL = f"""
    INSERT INTO {TABLE} (part, resident_id)
    SELECT substr(r.name, k), r.id
    FROM registry_resident AS r, generate_series(1, length(r.name)) AS k"""


FUNCTION = "registry_resident_name_part_statement"


def install(schema_editor, kept) -> None:
    """Makes the table of `kept` (a module like this one: TABLE, FUNCTION and the SQL of
    its objects, fill and triggers on each database), fills it from the residents there
    are, and makes its triggers; again from the start when run again (the table refilled,
    the triggers replaced). Migration 0006's table of characters is made the same way."""
    execute = schema_editor.execute
    postgres = schema_editor.connection.vendor == "postgresql"
    for sql in (kept.POSTGRES_OBJECTS if postgres else kept.SQLITE_OBJECTS).values():
        execute(sql)
    execute(f"DELETE FROM {kept.TABLE}")
    execute(kept.POSTGRES_FILL if postgres else kept.SQLITE_FILL)
    if postgres:
        execute(kept.POSTGRES_FUNCTION)
    for sql in (kept.POSTGRES_TRIGGERS if postgres else kept.SQLITE_TRIGGERS).values():
        execute(sql)


def uninstall(schema_editor, kept) -> None:
    """Drops the triggers, the function and the table of `kept` (see `install`)."""
    execute = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        for name in kept.POSTGRES_TRIGGERS:
            execute(f"DROP TRIGGER IF EXISTS {name} ON registry_resident")
        execute(f"DROP FUNCTION IF EXISTS {kept.FUNCTION}()")
    else:
        for name in kept.SQLITE_TRIGGERS:
            execute(f"DROP TRIGGER IF EXISTS {name}")
    execute(f"DROP TABLE IF EXISTS {kept.TABLE}")


def create(apps, schema_editor):
    install(schema_editor, sys.modules[__name__])


def drop(apps, schema_editor):
    uninstall(schema_editor, sys.modules[__name__])


class Migration(migrations.Migration):
    dependencies = [("registry", "0004_ledger_tally_triggers")]

    operations = [migrations.RunPython(create, drop)]
