"""The case tally (`cases_casetally`) and the database triggers that keep it.

Counts of the cases reported in a month (in TIME_ZONE): reported, answered (accepted,
rejected or merged: `responded_on_time` is set) and answered in time, resolved and
resolved in time, rated and rated satisfied or basically satisfied. Two kinds of rows:

- per town, month, category and department (0: none): the rates of a county or a town by
  town, department, category or month;
- per village and month, with category and department 0 (all of them): the rates of a
  town by village.

A county's year is some 10,000 rows, where its cases are a million. Below a town the
rates read the cases themselves (a village has a few thousand a year).

Triggers, not code in the services, so that every writer keeps the tally: the services'
conditional UPDATEs, the escalation sweep, the demo's bulk inserts, `QuerySet.update()`,
raw SQL. On PostgreSQL inserts and deletes are counted by statement-level triggers with
transition tables (one aggregated write per statement: a COPY of a million cases stays
cheap), updates by a row-level trigger that fires only when a counted column changes (a
transition that leaves them alone costs nothing). SQLite has row-level triggers only.

Invariant: a tally row exists for every key that has had a case; increments insert it
(upsert), decrements only update it (a row may fall to zero, and stays).

The month is the local month of `reported_at`: on PostgreSQL `AT TIME ZONE` with the
TIME_ZONE this migration ran with (after changing TIME_ZONE, run `create` again: it
recounts and replaces the triggers); on SQLite the `localtime` modifier, which follows the
TZ environment variable that Django sets from TIME_ZONE in every process it runs (a case
written by another program, such as the sqlite3 shell, would count in the month of that
program's time zone).

Django does not know these triggers. On SQLite, a later migration that rebuilds
`cases_case` (Django copies the table for most AlterField, RemoveField and some AddField)
drops them with the old table: such a migration must end with
`migrations.RunPython(tally.create, tally.drop)`, where `tally =
importlib.import_module("yiwang.cases.migrations.0004_case_tally")`. A test
(yiwang/cases/tests/test_rates.py) fails when a trigger is missing.
"""

import re

from django.conf import settings
from django.db import migrations, models

TALLY = "cases_casetally"
KEY = ("area_code", "month", "category_pk", "department_pk")
COUNTS = (
    "cases",
    "responded",
    "responded_on_time",
    "resolved",
    "resolved_on_time",
    "rated",
    "satisfied",
)
# The columns of a case that the tally reads: an update of any other leaves it alone.
READ = (
    "area_code",
    "reported_at",
    "category_id",
    "assignee_department_id",
    "responded_on_time",
    "resolved_on_time",
    "satisfaction",
)
SATISFIED = "('satisfied', 'basically')"


def _time_zone() -> str:
    name = settings.TIME_ZONE or "UTC"
    if not re.fullmatch(r"[A-Za-z0-9_+\-/]+", name):
        raise ValueError(f"unexpected TIME_ZONE {name!r}")
    return name


def _month(vendor: str, row: str) -> str:
    if vendor == "postgresql":
        return f"(date_trunc('month', {row}reported_at AT TIME ZONE '{_time_zone()}'))::date"
    return f"date({row}reported_at, 'localtime', 'start of month')"


def _keys(vendor: str, row: str = "") -> list[list[str]]:
    """The keys of the two tally rows a case counts in (`row`: `NEW.`, `OLD.` or '' for a
    table's columns): its town's, with its category and department; its village's."""
    month = _month(vendor, row)
    return [
        [
            f"substr({row}area_code, 1, 9)",
            month,
            f"{row}category_id",
            f"COALESCE({row}assignee_department_id, 0)",
        ],
        [f"substr({row}area_code, 1, 12)", month, "0", "0"],
    ]


def _one(vendor: str, row: str) -> list[str]:
    """What one case adds to each count: 0 or 1."""
    false = "FALSE" if vendor == "postgresql" else "0"
    tests = [
        "TRUE" if vendor == "postgresql" else "1",
        f"{row}responded_on_time IS NOT NULL",
        f"COALESCE({row}responded_on_time, {false})",
        f"{row}resolved_on_time IS NOT NULL",
        f"COALESCE({row}resolved_on_time, {false})",
        f"{row}satisfaction <> ''",
        f"{row}satisfaction IN {SATISFIED}",
    ]
    if vendor == "postgresql":
        return [f"({test})::int" for test in tests]
    return tests


def _grouped() -> list[str]:
    """What the rows of a group add to each count (PostgreSQL, and the recount)."""
    return [
        "COUNT(*)",
        "COUNT(responded_on_time)",
        "COUNT(*) FILTER (WHERE responded_on_time)",
        "COUNT(resolved_on_time)",
        "COUNT(*) FILTER (WHERE resolved_on_time)",
        "COUNT(*) FILTER (WHERE satisfaction <> '')",
        f"COUNT(*) FILTER (WHERE satisfaction IN {SATISFIED})",
    ]


_COLUMNS = ", ".join((*KEY, *COUNTS))
_CONFLICT = f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET " + ", ".join(
    f"{c} = {TALLY}.{c} + excluded.{c}" for c in COUNTS
)


def _recount(vendor: str) -> list[str]:
    if vendor == "postgresql":
        counts = ", ".join(_grouped())
    else:  # SQLite's FILTER is recent: sums of 0 and 1
        counts = ", ".join(["COUNT(*)"] + [f"SUM({e})" for e in _one(vendor, "")[1:]])
    parts = " UNION ALL ".join(
        f"SELECT {', '.join(key)}, {counts} FROM cases_case GROUP BY 1, 2, 3, 4"
        for key in _keys(vendor)
    )
    return [f"DELETE FROM {TALLY}", f"INSERT INTO {TALLY} ({_COLUMNS}) {parts}"]


# --- SQLite: row-level triggers --------------------------------------------------------


def _sqlite_add() -> str:
    values = ", ".join(
        f"({', '.join(key + _one('sqlite', 'NEW.'))})" for key in _keys("sqlite", "NEW.")
    )
    return f"INSERT INTO {TALLY} ({_COLUMNS}) VALUES {values} {_CONFLICT};"


def _sqlite_remove() -> str:
    changes = ", ".join(
        f"{column} = {column} - ({value})"
        for column, value in zip(COUNTS, _one("sqlite", "OLD."), strict=True)
    )
    return " ".join(
        f"UPDATE {TALLY} SET {changes} WHERE "
        + " AND ".join(f"{column} = {value}" for column, value in zip(KEY, key, strict=True))
        + ";"
        for key in _keys("sqlite", "OLD.")
    )


def sqlite_triggers() -> dict[str, str]:
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in READ)
    return {
        "cases_case_tally_insert": f"""
            CREATE TRIGGER IF NOT EXISTS cases_case_tally_insert AFTER INSERT ON cases_case
            BEGIN {_sqlite_add()} END""",
        "cases_case_tally_delete": f"""
            CREATE TRIGGER IF NOT EXISTS cases_case_tally_delete AFTER DELETE ON cases_case
            BEGIN {_sqlite_remove()} END""",
        "cases_case_tally_update": f"""
            CREATE TRIGGER IF NOT EXISTS cases_case_tally_update
            AFTER UPDATE OF {", ".join(READ)} ON cases_case
            WHEN {changed}
            BEGIN {_sqlite_remove()} {_sqlite_add()} END""",
    }


# --- PostgreSQL: statement-level for inserts and deletes, row-level for updates ----------


def postgres_functions() -> dict[str, str]:
    counts = ", ".join(_grouped())
    subtract = ", ".join(f"{c} = t.{c} - d.{c}" for c in COUNTS)
    matches = " AND ".join(f"t.{c} = d.{c}" for c in KEY)
    conflict = _CONFLICT.replace(f"{TALLY}.", "t.")

    def grouped(table: str) -> str:
        return " UNION ALL ".join(
            f"SELECT {', '.join(key)}, {counts} FROM {table} GROUP BY 1, 2, 3, 4"
            for key in _keys("postgresql")
        )

    def one(row: str) -> str:
        return ", ".join(
            f"({', '.join(key + _one('postgresql', row))})" for key in _keys("postgresql", row)
        )

    return {
        "cases_case_tally_statement": f"""
            CREATE OR REPLACE FUNCTION cases_case_tally_statement() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'INSERT' THEN
                    INSERT INTO {TALLY} AS t ({_COLUMNS}) {grouped("added")} {conflict};
                ELSE
                    UPDATE {TALLY} AS t SET {subtract}
                    FROM ({grouped("removed")}) AS d ({_COLUMNS})
                    WHERE {matches};
                END IF;
                RETURN NULL;
            END $$""",
        "cases_case_tally_row": f"""
            CREATE OR REPLACE FUNCTION cases_case_tally_row() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE {TALLY} AS t SET {subtract}
                FROM (VALUES {one("OLD.")}) AS d ({_COLUMNS})
                WHERE {matches};
                INSERT INTO {TALLY} AS t ({_COLUMNS}) VALUES {one("NEW.")} {conflict};
                RETURN NULL;
            END $$""",
    }


def postgres_triggers() -> dict[str, str]:
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in READ)
    return {
        "cases_case_tally_insert": """
            CREATE OR REPLACE TRIGGER cases_case_tally_insert AFTER INSERT ON cases_case
            REFERENCING NEW TABLE AS added
            FOR EACH STATEMENT EXECUTE FUNCTION cases_case_tally_statement()""",
        "cases_case_tally_delete": """
            CREATE OR REPLACE TRIGGER cases_case_tally_delete AFTER DELETE ON cases_case
            REFERENCING OLD TABLE AS removed
            FOR EACH STATEMENT EXECUTE FUNCTION cases_case_tally_statement()""",
        "cases_case_tally_update": f"""
            CREATE OR REPLACE TRIGGER cases_case_tally_update
            AFTER UPDATE OF {", ".join(READ)} ON cases_case
            FOR EACH ROW WHEN ({changed})
            EXECUTE FUNCTION cases_case_tally_row()""",
    }


def trigger_names() -> list[str]:
    return list(sqlite_triggers())


def create(apps, schema_editor):
    """Recounts the tally from the cases, then (re)creates the triggers."""
    vendor = schema_editor.connection.vendor
    execute = schema_editor.execute
    for sql in _recount(vendor):
        execute(sql)
    if vendor == "postgresql":
        for sql in postgres_functions().values():
            execute(sql)
        for sql in postgres_triggers().values():
            execute(sql)
    else:
        for sql in sqlite_triggers().values():
            execute(sql)


def drop(apps, schema_editor):
    execute = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        for name in postgres_triggers():
            execute(f"DROP TRIGGER IF EXISTS {name} ON cases_case")
        for name in postgres_functions():
            execute(f"DROP FUNCTION IF EXISTS {name}()")
    else:
        for name in sqlite_triggers():
            execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_reminders_notices_attachments")]

    operations = [
        migrations.CreateModel(
            name="CaseTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("area_code", models.CharField(max_length=18, verbose_name="town or village code")),
                ("month", models.DateField(verbose_name="month reported")),
                ("category_pk", models.BigIntegerField(verbose_name="category id")),
                ("department_pk", models.BigIntegerField(verbose_name="department id")),
                ("cases", models.IntegerField(db_default=0, verbose_name="cases")),
                ("responded", models.IntegerField(db_default=0, verbose_name="answered")),
                (
                    "responded_on_time",
                    models.IntegerField(db_default=0, verbose_name="answered in time"),
                ),
                ("resolved", models.IntegerField(db_default=0, verbose_name="resolved")),
                (
                    "resolved_on_time",
                    models.IntegerField(db_default=0, verbose_name="resolved in time"),
                ),
                ("rated", models.IntegerField(db_default=0, verbose_name="rated")),
                (
                    "satisfied",
                    models.IntegerField(
                        db_default=0, verbose_name="satisfied or basically satisfied"
                    ),
                ),
            ],
            options={
                "verbose_name": "case tally",
                "verbose_name_plural": "case tallies",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("area_code", "month", "category_pk", "department_pk"),
                        name="case_tally_key",
                    )
                ],
            },
        ),
        migrations.RunPython(create, drop),
    ]
