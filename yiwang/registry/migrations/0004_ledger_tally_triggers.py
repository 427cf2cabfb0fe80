"""Database triggers that keep the ledger's summaries, whatever writes the rows.

- `registry_ledgertally`: per unit, the active households, active key households and
  living residents, so that the roll-up of a county sums one row per unit (7,849) instead
  of reading every household (337,000) and resident (1,000,000).
- `registry_residenttag.area_code` / `.resident_living`: the resident's unit and whether
  they live there now, so that the roll-up counts current tags without reading residents.

Triggers, not code in the services, so that every writer keeps them: the services, the
importer's bulk inserts, the demo, `QuerySet.update()`, raw SQL. On PostgreSQL the
household and resident triggers are statement-level with transition tables (one
aggregated write per statement, so that bulk inserts stay cheap); the tag copies are set
by a BEFORE trigger. SQLite has row-level triggers only.

Invariant: a tally row exists for every unit that has had an active household or a living
resident; increments insert it (upsert), decrements only update it.

The existing rows are counted here, before the triggers are created.

Django does not know these triggers. On SQLite, a later migration that rebuilds one of the
three tables (Django copies the table for most AlterField, RemoveField and some AddField)
drops its triggers with the old table: such a migration must end with
`migrations.RunPython(triggers.create, triggers.drop)`, where `triggers =
importlib.import_module("yiwang.registry.migrations.0004_ledger_tally_triggers")`; `create`
may run again (it recounts and replaces). test_search_speed checks the triggers are there.
"""

from django.db import migrations

BACKFILL = [
    "DELETE FROM registry_ledgertally",
    """
    INSERT INTO registry_ledgertally (area_code, households, key_households, residents)
    SELECT area_code, SUM(h), SUM(k), SUM(r) FROM (
        SELECT area_code, 1 AS h, CASE WHEN category = 'key' THEN 1 ELSE 0 END AS k, 0 AS r
        FROM registry_household WHERE status = 'active'
        UNION ALL
        SELECT area_code, 0, 0, 1 FROM registry_resident WHERE status = 'living'
    ) AS counts
    GROUP BY area_code
    """,
    """
    UPDATE registry_residenttag SET
        area_code = COALESCE((SELECT r.area_code FROM registry_resident r
                              WHERE r.id = registry_residenttag.resident_id), ''),
        resident_living = COALESCE((SELECT r.status = 'living' FROM registry_resident r
                                    WHERE r.id = registry_residenttag.resident_id), FALSE)
    """,
]

# --- SQLite: row-level triggers --------------------------------------------------------

_SQLITE_HOUSEHOLD_ADD = """
    INSERT INTO registry_ledgertally (area_code, households, key_households, residents)
    SELECT NEW.area_code, 1, NEW.category = 'key', 0 WHERE NEW.status = 'active'
    ON CONFLICT (area_code) DO UPDATE SET
        households = households + 1,
        key_households = key_households + excluded.key_households;
"""
_SQLITE_HOUSEHOLD_REMOVE = """
    UPDATE registry_ledgertally SET
        households = households - 1,
        key_households = key_households - (OLD.category = 'key')
    WHERE OLD.status = 'active' AND area_code = OLD.area_code;
"""
_SQLITE_RESIDENT_ADD = """
    INSERT INTO registry_ledgertally (area_code, households, key_households, residents)
    SELECT NEW.area_code, 0, 0, 1 WHERE NEW.status = 'living'
    ON CONFLICT (area_code) DO UPDATE SET residents = residents + 1;
"""
_SQLITE_RESIDENT_REMOVE = """
    UPDATE registry_ledgertally SET residents = residents - 1
    WHERE OLD.status = 'living' AND area_code = OLD.area_code;
"""
_SQLITE_TAG_COPY = """
    UPDATE registry_residenttag SET
        area_code = COALESCE((SELECT r.area_code FROM registry_resident r
                              WHERE r.id = NEW.resident_id), ''),
        resident_living = COALESCE((SELECT r.status = 'living' FROM registry_resident r
                                    WHERE r.id = NEW.resident_id), FALSE)
    WHERE id = NEW.id;
"""

SQLITE_TRIGGERS = {
    "registry_household_tally_insert": f"""
        CREATE TRIGGER IF NOT EXISTS registry_household_tally_insert
        AFTER INSERT ON registry_household
        BEGIN {_SQLITE_HOUSEHOLD_ADD} END""",
    "registry_household_tally_delete": f"""
        CREATE TRIGGER IF NOT EXISTS registry_household_tally_delete
        AFTER DELETE ON registry_household
        BEGIN {_SQLITE_HOUSEHOLD_REMOVE} END""",
    "registry_household_tally_update": f"""
        CREATE TRIGGER IF NOT EXISTS registry_household_tally_update
        AFTER UPDATE OF status, category, area_code ON registry_household
        WHEN OLD.status IS NOT NEW.status OR OLD.category IS NOT NEW.category
            OR OLD.area_code IS NOT NEW.area_code
        BEGIN {_SQLITE_HOUSEHOLD_REMOVE} {_SQLITE_HOUSEHOLD_ADD} END""",
    "registry_resident_tally_insert": f"""
        CREATE TRIGGER IF NOT EXISTS registry_resident_tally_insert
        AFTER INSERT ON registry_resident
        BEGIN {_SQLITE_RESIDENT_ADD} END""",
    "registry_resident_tally_delete": f"""
        CREATE TRIGGER IF NOT EXISTS registry_resident_tally_delete
        AFTER DELETE ON registry_resident
        BEGIN {_SQLITE_RESIDENT_REMOVE} END""",
    "registry_resident_tally_update": f"""
        CREATE TRIGGER IF NOT EXISTS registry_resident_tally_update
        AFTER UPDATE OF status, area_code ON registry_resident
        WHEN OLD.status IS NOT NEW.status OR OLD.area_code IS NOT NEW.area_code
        BEGIN
            {_SQLITE_RESIDENT_REMOVE} {_SQLITE_RESIDENT_ADD}
            UPDATE registry_residenttag SET
                area_code = NEW.area_code, resident_living = NEW.status = 'living'
            WHERE resident_id = NEW.id;
        END""",
    "registry_residenttag_copy_insert": f"""
        CREATE TRIGGER IF NOT EXISTS registry_residenttag_copy_insert
        AFTER INSERT ON registry_residenttag
        BEGIN {_SQLITE_TAG_COPY} END""",
    # Whoever writes the copies (a save() of a stale instance), they are put right again.
    "registry_residenttag_copy_update": f"""
        CREATE TRIGGER IF NOT EXISTS registry_residenttag_copy_update
        AFTER UPDATE OF resident_id, area_code, resident_living ON registry_residenttag
        WHEN NEW.area_code IS NOT (SELECT r.area_code FROM registry_resident r
                                   WHERE r.id = NEW.resident_id)
            OR NEW.resident_living IS NOT (SELECT r.status = 'living' FROM registry_resident r
                                           WHERE r.id = NEW.resident_id)
        BEGIN {_SQLITE_TAG_COPY} END""",
}

# --- PostgreSQL: statement-level triggers with transition tables -----------------------

POSTGRES_FUNCTIONS = {
    # Adds the per-unit changes of `deltas` (area_code, households, key_households,
    # residents) to the tally in one statement.
    "registry_household_tally_statement": """
        CREATE OR REPLACE FUNCTION registry_household_tally_statement() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                INSERT INTO registry_ledgertally AS t
                    (area_code, households, key_households, residents)
                SELECT area_code, COUNT(*), COUNT(*) FILTER (WHERE category = 'key'), 0
                FROM added WHERE status = 'active' GROUP BY area_code
                ON CONFLICT (area_code) DO UPDATE SET
                    households = t.households + excluded.households,
                    key_households = t.key_households + excluded.key_households;
            ELSIF TG_OP = 'DELETE' THEN
                UPDATE registry_ledgertally AS t SET
                    households = t.households - d.n, key_households = t.key_households - d.k
                FROM (SELECT area_code, COUNT(*) AS n,
                             COUNT(*) FILTER (WHERE category = 'key') AS k
                      FROM removed WHERE status = 'active' GROUP BY area_code) AS d
                WHERE t.area_code = d.area_code;
            ELSE
                INSERT INTO registry_ledgertally AS t
                    (area_code, households, key_households, residents)
                SELECT area_code, SUM(n), SUM(k), 0 FROM (
                    SELECT o.area_code, -1 AS n,
                           -(CASE WHEN o.category = 'key' THEN 1 ELSE 0 END) AS k
                    FROM removed o JOIN added n USING (id)
                    WHERE o.status = 'active' AND (o.status IS DISTINCT FROM n.status
                        OR o.category IS DISTINCT FROM n.category
                        OR o.area_code IS DISTINCT FROM n.area_code)
                    UNION ALL
                    SELECT n.area_code, 1, CASE WHEN n.category = 'key' THEN 1 ELSE 0 END
                    FROM removed o JOIN added n USING (id)
                    WHERE n.status = 'active' AND (o.status IS DISTINCT FROM n.status
                        OR o.category IS DISTINCT FROM n.category
                        OR o.area_code IS DISTINCT FROM n.area_code)
                ) AS d
                GROUP BY area_code
                ON CONFLICT (area_code) DO UPDATE SET
                    households = t.households + excluded.households,
                    key_households = t.key_households + excluded.key_households;
            END IF;
            RETURN NULL;
        END $$""",
    "registry_resident_tally_statement": """
        CREATE OR REPLACE FUNCTION registry_resident_tally_statement() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                INSERT INTO registry_ledgertally AS t
                    (area_code, households, key_households, residents)
                SELECT area_code, 0, 0, COUNT(*)
                FROM added WHERE status = 'living' GROUP BY area_code
                ON CONFLICT (area_code) DO UPDATE SET residents = t.residents + excluded.residents;
            ELSIF TG_OP = 'DELETE' THEN
                UPDATE registry_ledgertally AS t SET residents = t.residents - d.n
                FROM (SELECT area_code, COUNT(*) AS n FROM removed
                      WHERE status = 'living' GROUP BY area_code) AS d
                WHERE t.area_code = d.area_code;
            ELSE
                INSERT INTO registry_ledgertally AS t
                    (area_code, households, key_households, residents)
                SELECT area_code, 0, 0, SUM(n) FROM (
                    SELECT o.area_code, -1 AS n
                    FROM removed o JOIN added n USING (id)
                    WHERE o.status = 'living' AND (o.status IS DISTINCT FROM n.status
                        OR o.area_code IS DISTINCT FROM n.area_code)
                    UNION ALL
                    SELECT n.area_code, 1
                    FROM removed o JOIN added n USING (id)
                    WHERE n.status = 'living' AND (o.status IS DISTINCT FROM n.status
                        OR o.area_code IS DISTINCT FROM n.area_code)
                ) AS d
                GROUP BY area_code
                ON CONFLICT (area_code) DO UPDATE SET residents = t.residents + excluded.residents;
                UPDATE registry_residenttag AS rt SET
                    area_code = n.area_code, resident_living = n.status = 'living'
                FROM removed o JOIN added n USING (id)
                WHERE rt.resident_id = n.id AND (o.status IS DISTINCT FROM n.status
                    OR o.area_code IS DISTINCT FROM n.area_code);
            END IF;
            RETURN NULL;
        END $$""",
    # Whatever the row says, its copies are the resident's.
    "registry_residenttag_copy": """
        CREATE OR REPLACE FUNCTION registry_residenttag_copy() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
            code varchar;
            living boolean;
        BEGIN
            SELECT r.area_code, r.status = 'living' INTO code, living
            FROM registry_resident r WHERE r.id = NEW.resident_id;
            NEW.area_code := COALESCE(code, '');
            NEW.resident_living := COALESCE(living, FALSE);
            RETURN NEW;
        END $$""",
}

POSTGRES_TRIGGERS = {
    ("registry_household_tally_insert", "registry_household"): """
        CREATE OR REPLACE TRIGGER registry_household_tally_insert AFTER INSERT ON registry_household
        REFERENCING NEW TABLE AS added
        FOR EACH STATEMENT EXECUTE FUNCTION registry_household_tally_statement()""",
    ("registry_household_tally_update", "registry_household"): """
        CREATE OR REPLACE TRIGGER registry_household_tally_update AFTER UPDATE ON registry_household
        REFERENCING OLD TABLE AS removed NEW TABLE AS added
        FOR EACH STATEMENT EXECUTE FUNCTION registry_household_tally_statement()""",
    ("registry_household_tally_delete", "registry_household"): """
        CREATE OR REPLACE TRIGGER registry_household_tally_delete AFTER DELETE ON registry_household
        REFERENCING OLD TABLE AS removed
        FOR EACH STATEMENT EXECUTE FUNCTION registry_household_tally_statement()""",
    ("registry_resident_tally_insert", "registry_resident"): """
        CREATE OR REPLACE TRIGGER registry_resident_tally_insert AFTER INSERT ON registry_resident
        REFERENCING NEW TABLE AS added
        FOR EACH STATEMENT EXECUTE FUNCTION registry_resident_tally_statement()""",
    ("registry_resident_tally_update", "registry_resident"): """
        CREATE OR REPLACE TRIGGER registry_resident_tally_update AFTER UPDATE ON registry_resident
        REFERENCING OLD TABLE AS removed NEW TABLE AS added
        FOR EACH STATEMENT EXECUTE FUNCTION registry_resident_tally_statement()""",
    ("registry_resident_tally_delete", "registry_resident"): """
        CREATE OR REPLACE TRIGGER registry_resident_tally_delete AFTER DELETE ON registry_resident
        REFERENCING OLD TABLE AS removed
        FOR EACH STATEMENT EXECUTE FUNCTION registry_resident_tally_statement()""",
    ("registry_residenttag_copy", "registry_residenttag"): """
        CREATE OR REPLACE TRIGGER registry_residenttag_copy
        BEFORE INSERT OR UPDATE OF resident_id, area_code, resident_living
        ON registry_residenttag
        FOR EACH ROW EXECUTE FUNCTION registry_residenttag_copy()""",
}


def create(apps, schema_editor):
    execute = schema_editor.execute
    for sql in BACKFILL:
        execute(sql)
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES_FUNCTIONS.values():
            execute(sql)
        for sql in POSTGRES_TRIGGERS.values():
            execute(sql)
    else:
        for sql in SQLITE_TRIGGERS.values():
            execute(sql)


def drop(apps, schema_editor):
    execute = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        for name, table in POSTGRES_TRIGGERS:
            execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for name in POSTGRES_FUNCTIONS:
            execute(f"DROP FUNCTION IF EXISTS {name}()")
    else:
        for name in SQLITE_TRIGGERS:
            execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("registry", "0003_search_indexes_ledger_tally")]

    operations = [migrations.RunPython(create, drop)]
