"""Search by one character: `registry_resident_name_char`, each distinct character of each
resident's name with the resident's area code (张建国 in unit 370829001001001 → 张, 建, 国,
each with that code), kept by database triggers.

One character (伟, 国) is the broadest search there is: it finds tens of thousands of
people in a county. The table of suffixes (migration 0005) finds them too, but a count of
those within a scope, and the first page of them in the list's order, must then fetch each
of them. Here the key is (character, area code, resident): the matches within a scope are
one range of the key, counted from the index alone and read in the list's order (area code
first), so that a page is found by its position (see `yiwang.registry.selectors.search`).

The model `ResidentNameChar` is unmanaged: this migration makes the table. As in 0005, no
foreign key (a flush of the residents never fails on it; the triggers clear it), and
triggers rather than code in the services, so that every writer keeps it: the services,
the importer's bulk inserts and COPY, the demo, `QuerySet.update()`, raw SQL. A resident
who moves (a new area code) has their rows moved with them.

On SQLite a later migration that rebuilds registry_resident drops these triggers with the
old table: it must end with `migrations.RunPython(chars.create, chars.drop)` as well as
0005's (see there); `create` may run again (it refills the table). test_search_any_part
checks the triggers.
"""

import importlib
import sys

import django.db.models.deletion
from django.db import migrations, models

TABLE = "registry_resident_name_char"
# The offsets of a name's characters on SQLite, a JSON array cut to its length (see 0005).
PARTS = importlib.import_module("yiwang.registry.migrations.0005_resident_name_parts")

# --- SQLite: row-level triggers --------------------------------------------------------

# Each character once: at the offset of its first place in the name (王王芳 → 王 at 1,
# 芳 at 3), rather than DISTINCT, whose hash table PostgreSQL sizes by its estimate of the
# rows: a plan kept from a large statement would size it so for every later one.
_SQLITE_ADD = f"""
    INSERT INTO {TABLE} (ch, area_code, resident_id)
    SELECT substr(NEW.name, k.value, 1), NEW.area_code, NEW.id
    FROM {PARTS.offsets('NEW.name')} AS k
    WHERE k.value <= length(NEW.name)
    AND instr(NEW.name, substr(NEW.name, k.value, 1)) = k.value;
"""
_SQLITE_REMOVE = f"DELETE FROM {TABLE} WHERE resident_id = OLD.id;"

SQLITE_OBJECTS = {
    "table": f"""
        CREATE TABLE IF NOT EXISTS {TABLE} (
            ch TEXT NOT NULL,
            area_code TEXT NOT NULL,
            resident_id INTEGER NOT NULL,
            PRIMARY KEY (ch, area_code, resident_id)
        ) WITHOUT ROWID""",
    "index": f"""
        CREATE INDEX IF NOT EXISTS {TABLE}_resident_idx ON {TABLE} (resident_id)""",
}
SQLITE_TRIGGERS = {
    "registry_resident_name_char_insert": f"""
        CREATE TRIGGER IF NOT EXISTS registry_resident_name_char_insert
        AFTER INSERT ON registry_resident
        BEGIN {_SQLITE_ADD} END""",
    "registry_resident_name_char_delete": f"""
        CREATE TRIGGER IF NOT EXISTS registry_resident_name_char_delete
        AFTER DELETE ON registry_resident
        BEGIN {_SQLITE_REMOVE} END""",
    "registry_resident_name_char_update": f"""
        CREATE TRIGGER IF NOT EXISTS registry_resident_name_char_update
        AFTER UPDATE OF id, name, area_code ON registry_resident
        WHEN OLD.name IS NOT NEW.name OR OLD.id IS NOT NEW.id
            OR OLD.area_code IS NOT NEW.area_code
        BEGIN {_SQLITE_REMOVE} {_SQLITE_ADD} END""",
}
SQLITE_FILL = f"""
    INSERT INTO {TABLE} (ch, area_code, resident_id)
    SELECT substr(r.name, k.value, 1), r.area_code, r.id
    FROM registry_resident AS r, {PARTS.offsets('r.name')} AS k
    WHERE k.value <= length(r.name) AND instr(r.name, substr(r.name, k.value, 1)) = k.value"""

# --- PostgreSQL: statement-level triggers with transition tables -----------------------

# COLLATE "C": characters and codes compare by code point whatever the database's
# collation, so that a scope (a range of codes) is one range of the key.
POSTGRES_OBJECTS = {
    "table": f"""
        CREATE TABLE IF NOT EXISTS {TABLE} (
            ch text COLLATE "C" NOT NULL,
            area_code text COLLATE "C" NOT NULL,
            resident_id bigint NOT NULL,
            PRIMARY KEY (ch, area_code, resident_id)
        )""",
    "index": f"""
        CREATE INDEX IF NOT EXISTS {TABLE}_resident_idx ON {TABLE} (resident_id)""",
}
_POSTGRES_ADD = f"""
    INSERT INTO {TABLE} (ch, area_code, resident_id)
    SELECT substr(a.name, k, 1), a.area_code, a.id
    FROM added AS a, generate_series(1, length(a.name)) AS k
    WHERE strpos(a.name, substr(a.name, k, 1)) = k
"""
POSTGRES_FUNCTION = f"""
    CREATE OR REPLACE FUNCTION registry_resident_name_char_statement() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            {_POSTGRES_ADD};
        ELSIF TG_OP = 'DELETE' THEN
            DELETE FROM {TABLE} AS c USING removed AS o WHERE c.resident_id = o.id;
        ELSIF TG_OP = 'UPDATE' THEN
            -- Only the renamed and moved rows: their characters go, then come again
            -- with the new name and code.
            DELETE FROM {TABLE} AS c USING removed AS o
            WHERE c.resident_id = o.id AND NOT EXISTS (
                SELECT 1 FROM added AS n
                WHERE n.id = o.id AND n.name = o.name AND n.area_code = o.area_code);
            INSERT INTO {TABLE} (ch, area_code, resident_id)
            SELECT substr(a.name, k, 1), a.area_code, a.id
            FROM added AS a, generate_series(1, length(a.name)) AS k
            WHERE strpos(a.name, substr(a.name, k, 1)) = k AND NOT EXISTS (
                SELECT 1 FROM removed AS o
                WHERE o.id = a.id AND o.name = a.name AND o.area_code = a.area_code);
        ELSE  -- TRUNCATE
            TRUNCATE {TABLE};
        END IF;
        RETURN NULL;
    END $$"""
POSTGRES_TRIGGERS = PARTS.postgres_triggers(
    "registry_resident_name_char", "registry_resident_name_char_statement"
)
POSTGRES_FILL = f"""
    INSERT INTO {TABLE} (ch, area_code, resident_id)
    SELECT substr(r.name, k, 1), r.area_code, r.id
    FROM registry_resident AS r, generate_series(1, length(r.name)) AS k
    WHERE strpos(r.name, substr(r.name, k, 1)) = k"""


FUNCTION = "registry_resident_name_char_statement"


def create(apps, schema_editor):
    """The table, filled from the residents there are, and its triggers (as 0005's are
    made); on SQLite also 0005's triggers again, with the offsets cut to the name."""
    PARTS.install(schema_editor, sys.modules[__name__])
    if schema_editor.connection.vendor != "postgresql":
        for name, sql in PARTS.SQLITE_TRIGGERS.items():
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
            schema_editor.execute(sql)


def drop(apps, schema_editor):
    PARTS.uninstall(schema_editor, sys.modules[__name__])


class Migration(migrations.Migration):
    dependencies = [("registry", "0005_resident_name_parts")]

    operations = [
        migrations.CreateModel(
            name="ResidentNameChar",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "ch", "area_code", "resident", blank=True, editable=False, serialize=False
                    ),
                ),
                ("ch", models.CharField(max_length=1)),
                ("area_code", models.CharField(max_length=18)),
                (
                    "resident",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="registry.resident",
                    ),
                ),
            ],
            options={"db_table": "registry_resident_name_char", "managed": False},
        ),
        migrations.RunPython(create, drop),
    ]
