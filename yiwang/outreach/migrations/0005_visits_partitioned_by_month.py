"""Visits partitioned by month on PostgreSQL, with their UUID kept unique and the three
foreign keys that point at them made composite.

On PostgreSQL `outreach_visit` becomes a table partitioned by month on `visited_at`
(yiwang.core.partitions), whose key in the database is (id, visited_at) while the model
keeps `id`. Such a table can keep no unique index without `visited_at`, and a foreign key
pointing at it must name (id, visited_at). Hence:

- The client's UUID, which makes sending a visit idempotent (the same visit sent twice,
  also with another time, at once or a month apart, is stored once), is unique through
  `outreach_visitkey`: one row per visit, primary key `uuid`, kept by database triggers
  on `outreach_visit` on both databases, so that every writer keeps it (record_visit, the
  demo's bulk inserts, raw SQL). An insert adds the visits' keys (PostgreSQL: one
  statement-level trigger with a transition table, so a bulk load costs one INSERT …
  SELECT; SQLite: row-level): a UUID already stored fails the whole INSERT with a unique
  violation, and of two copies inserted at once the second waits on the key's index for
  the first's commit, then fails (record_visit reads the first one back). An update of
  `uuid` or `visited_at` moves the key along (PostgreSQL: a BEFORE UPDATE row trigger,
  which also fires when the row moves to another month's partition, where AFTER UPDATE
  ones do not); a delete removes it (and a TRUNCATE empties it, on PostgreSQL). The
  visits' own unique constraint becomes (uuid, visited_at) (`visit_uuid_key`), whose index
  finds a UUID's visit in one partition once the key has given its time.
- Photos, scheduled visits and points entries keep a copy of their visit's time
  (`visit_at`, filled here and in points' 0005, then set with `visit` by the services),
  and their database constraints become (visit_id, visit_at) → outreach_visit (id,
  visited_at), ON UPDATE CASCADE (the copy follows the visit); ON DELETE CASCADE for the
  photos, NO ACTION for the others (the model's CASCADE and PROTECT). A composite key
  checks nothing while one of its columns is null (MATCH SIMPLE): the photos' copy is NOT
  NULL, and checks make it present wherever a visit is named in the others. Composite
  keys rather than plain columns checked by the services: the database keeps refusing a
  reference to a visit that does not exist, whatever wrote it.

Django's state keeps the plain ForeignKeys and `id` as the primary key; SQLite keeps plain
tables and plain foreign keys, and the same key table and triggers. A later migration that
rebuilds `outreach_visit` on SQLite (Django copies the table for most AlterField and
RemoveField) drops the triggers with the old table, and one that converts it on PostgreSQL
(yiwang.core.partitions rebuilds it) as well: it must end with
`migrations.RunPython(keys.create, keys.drop)`, where `keys =
importlib.import_module("yiwang.outreach.migrations.0005_visits_partitioned_by_month")`.
A test (yiwang/outreach/tests/test_visit_partitions.py) fails when a trigger is missing.

Reversible: backwards, the triggers go, the composite keys go, the table is made plain
again and the plain foreign keys come back, then the copies, the key table and the
constraint on (uuid, visited_at) go and `uuid` is unique again."""

import uuid

from django.db import migrations, models

from yiwang.core import partitions

TABLE, COLUMN = "outreach_visit", "visited_at"
KEYS = "outreach_visitkey"
UUID_KEY = "visit_uuid_key"
# (table, its constraint, ON DELETE)
REFERENCING = (
    ("outreach_visitphoto", "outreach_visitphoto_visit_at_fk", "CASCADE"),
    ("outreach_scheduledvisit", "outreach_scheduledvisit_visit_at_fk", "NO ACTION"),
    ("points_entry", "points_entry_visit_at_fk", "NO ACTION"),
)
MODELS = {
    "outreach_visitphoto": ("outreach", "VisitPhoto"),
    "outreach_scheduledvisit": ("outreach", "ScheduledVisit"),
    "points_entry": ("points", "Entry"),
}

POSTGRESQL_TRIGGERS = f"""
CREATE OR REPLACE FUNCTION outreach_visit_keys_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {KEYS} (uuid, visited_at) SELECT uuid, visited_at FROM new_rows;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION outreach_visit_keys_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM {KEYS} k USING old_rows o WHERE k.uuid = o.uuid;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION outreach_visit_keys_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {KEYS} SET uuid = NEW.uuid, visited_at = NEW.visited_at WHERE uuid = OLD.uuid;
    RETURN NEW;
END $$;
CREATE OR REPLACE FUNCTION outreach_visit_keys_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM {KEYS};
    RETURN NULL;
END $$;
CREATE TRIGGER outreach_visit_keys_insert AFTER INSERT ON {TABLE}
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION outreach_visit_keys_insert();
CREATE TRIGGER outreach_visit_keys_delete AFTER DELETE ON {TABLE}
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION outreach_visit_keys_delete();
CREATE TRIGGER outreach_visit_keys_update BEFORE UPDATE OF uuid, visited_at ON {TABLE}
    FOR EACH ROW WHEN (OLD.uuid IS DISTINCT FROM NEW.uuid
                       OR OLD.visited_at IS DISTINCT FROM NEW.visited_at)
    EXECUTE FUNCTION outreach_visit_keys_update();
CREATE TRIGGER outreach_visit_keys_truncate AFTER TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION outreach_visit_keys_truncate();
"""

SQLITE_TRIGGERS = [
    f"CREATE TRIGGER IF NOT EXISTS outreach_visit_keys_insert AFTER INSERT ON {TABLE} "
    f"BEGIN INSERT INTO {KEYS} (uuid, visited_at) VALUES (NEW.uuid, NEW.visited_at); END",
    f"CREATE TRIGGER IF NOT EXISTS outreach_visit_keys_delete AFTER DELETE ON {TABLE} "
    f"BEGIN DELETE FROM {KEYS} WHERE uuid = OLD.uuid; END",
    f"CREATE TRIGGER IF NOT EXISTS outreach_visit_keys_update AFTER UPDATE OF uuid, "
    f"visited_at ON {TABLE} WHEN OLD.uuid IS NOT NEW.uuid OR OLD.visited_at IS NOT "
    f"NEW.visited_at BEGIN UPDATE {KEYS} SET uuid = NEW.uuid, visited_at = NEW.visited_at "
    "WHERE uuid = OLD.uuid; END",
]
TRIGGERS = (
    "outreach_visit_keys_insert",
    "outreach_visit_keys_delete",
    "outreach_visit_keys_update",
    "outreach_visit_keys_truncate",
)


def create(apps, schema_editor):
    """The triggers that keep the key table (made again: safe to run twice)."""
    drop(apps, schema_editor)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_TRIGGERS)
    else:
        for statement in SQLITE_TRIGGERS:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for name in TRIGGERS:
        if postgresql:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {TABLE}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")
        else:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


def copy_visit_times(apps, schema_editor):
    for table in ("outreach_visitphoto", "outreach_scheduledvisit"):
        schema_editor.execute(
            f"UPDATE {table} SET visit_at = (SELECT v.visited_at FROM {TABLE} v "  # noqa: S608
            f"WHERE v.id = {table}.visit_id) WHERE visit_id IS NOT NULL"
        )


def fill_keys(apps, schema_editor):
    schema_editor.execute(
        f"INSERT INTO {KEYS} (uuid, visited_at) SELECT uuid, visited_at FROM {TABLE}"  # noqa: S608
    )


def _plain_keys(cursor, table: str) -> list[str]:
    cursor.execute(
        "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass "
        "AND confrelid = %s::regclass AND contype = 'f'",
        [table, TABLE],
    )
    return [row[0] for row in cursor.fetchall()]


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql" or partitions.is_partitioned(TABLE, connection):
        return
    quote = schema_editor.quote_name
    with connection.cursor() as cursor:
        # Django's keys are deferred: checked now, so that the tables can be altered.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, _name, _on_delete in REFERENCING:
            for name in _plain_keys(cursor, table):
                cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
    # A unique constraint, made again as one (not a bare index) on the partitioned table.
    schema_editor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT {quote(UUID_KEY)}")
    partitions.partition_by_month(schema_editor, TABLE, COLUMN)
    schema_editor.execute(
        f"ALTER TABLE {TABLE} ADD CONSTRAINT {quote(UUID_KEY)} UNIQUE (uuid, visited_at)"
    )
    for table, name, on_delete in REFERENCING:
        schema_editor.execute(
            f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} "
            f"FOREIGN KEY (visit_id, visit_at) REFERENCES {TABLE} (id, visited_at) "
            f"ON UPDATE CASCADE ON DELETE {on_delete} DEFERRABLE INITIALLY DEFERRED"
        )


def backwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql" or not partitions.is_partitioned(TABLE, connection):
        return
    quote = schema_editor.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for table, name, _on_delete in REFERENCING:
        schema_editor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
    schema_editor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT {quote(UUID_KEY)}")
    partitions.unpartition(schema_editor, TABLE)
    schema_editor.execute(
        f"ALTER TABLE {TABLE} ADD CONSTRAINT {quote(UUID_KEY)} UNIQUE (uuid, visited_at)"
    )
    for table, (app, model_name) in MODELS.items():
        model = apps.get_model(app, model_name)
        field = model._meta.get_field("visit")
        schema_editor.execute(
            schema_editor._create_fk_sql(model, field, "_fk_%(to_table)s_%(to_column)s")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0004_visit_tally"),
        ("points", "0005_entry_visit_at"),
        ("core", "0008_audit_partitioned_by_month"),
    ]

    operations = [
        migrations.CreateModel(
            name="VisitKey",
            fields=[
                (
                    "uuid",
                    models.UUIDField(
                        editable=False, primary_key=True, serialize=False, verbose_name="UUID"
                    ),
                ),
                ("visited_at", models.DateTimeField(verbose_name="visited at")),
            ],
            options={"verbose_name": "visit key", "verbose_name_plural": "visit keys"},
        ),
        migrations.AddField(
            model_name="scheduledvisit",
            name="visit_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="time of the visit"
            ),
        ),
        migrations.AddField(
            model_name="visitphoto",
            name="visit_at",
            field=models.DateTimeField(editable=False, null=True, verbose_name="time of the visit"),
        ),
        migrations.RunPython(copy_visit_times, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="visitphoto",
            name="visit_at",
            field=models.DateTimeField(editable=False, verbose_name="time of the visit"),
        ),
        migrations.AddConstraint(
            model_name="scheduledvisit",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("visit__isnull", True), ("visit_at__isnull", False), _connector="OR"
                ),
                name="scheduled_visit_at_set",
            ),
        ),
        migrations.AddConstraint(
            model_name="visit",
            constraint=models.UniqueConstraint(
                fields=("uuid", "visited_at"), name="visit_uuid_key"
            ),
        ),
        migrations.AlterField(
            model_name="visit",
            name="uuid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, verbose_name="UUID"),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(forwards, backwards, elidable=False),
        migrations.RunPython(create, drop, elidable=False),
    ]
