"""The cases' timeline partitioned by month on PostgreSQL, and the one foreign key that
points at it made composite.

An attachment names the timeline entry it came with (`event`). On PostgreSQL the timeline
becomes a table partitioned by month on `at` (yiwang.core.partitions), whose key in the
database is (id, at); a foreign key pointing at it must name that key. So an attachment
keeps a copy of its entry's time (`event_at`, filled here from the entries), and its
database constraint becomes (event_id, event_at) → cases_caseevent (id, at): ON UPDATE
CASCADE (the copy follows the entry), ON DELETE SET NULL (event_id), as the model's
SET_NULL does (the index of event_id serves its look-ups). A composite key checks nothing while one of its columns is null (MATCH
SIMPLE): the check constraint `attachment_event_at_set` makes `event_at` present whenever
`event` is. Django's state keeps `event` a plain ForeignKey; SQLite keeps its plain tables
and plain foreign key.

Reversible: backwards, the composite key goes, the timeline is made plain again and the
plain foreign key comes back, then the copy and its check go."""

from django.conf import settings
from django.db import migrations, models

from yiwang.core import partitions

TABLE, COLUMN = "cases_caseevent", "at"
COMPOSITE = "cases_attachment_event_at_fk"


def copy_event_times(apps, schema_editor):
    schema_editor.execute(
        "UPDATE cases_attachment SET event_at = (SELECT e.at FROM cases_caseevent e "
        "WHERE e.id = cases_attachment.event_id) WHERE event_id IS NOT NULL"
    )


def _plain_keys(cursor) -> list[str]:
    cursor.execute(
        "SELECT conname FROM pg_constraint WHERE conrelid = 'cases_attachment'::regclass "
        "AND confrelid = 'cases_caseevent'::regclass AND contype = 'f'"
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
        for name in _plain_keys(cursor):
            cursor.execute(f"ALTER TABLE cases_attachment DROP CONSTRAINT {quote(name)}")
    partitions.partition_by_month(schema_editor, TABLE, COLUMN)
    schema_editor.execute(
        f"ALTER TABLE cases_attachment ADD CONSTRAINT {quote(COMPOSITE)} "
        "FOREIGN KEY (event_id, event_at) REFERENCES cases_caseevent (id, at) "
        "ON UPDATE CASCADE ON DELETE SET NULL (event_id) DEFERRABLE INITIALLY DEFERRED"
    )


def backwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql" or not partitions.is_partitioned(TABLE, connection):
        return
    quote = schema_editor.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    schema_editor.execute(f"ALTER TABLE cases_attachment DROP CONSTRAINT {quote(COMPOSITE)}")
    partitions.unpartition(schema_editor, TABLE)
    model = apps.get_model("cases", "Attachment")
    field = model._meta.get_field("event")
    schema_editor.execute(
        schema_editor._create_fk_sql(model, field, "_fk_%(to_table)s_%(to_column)s")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0011_notices_to_notifications"),
        ("core", "0008_audit_partitioned_by_month"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="attachment",
            name="event_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="time of the event"
            ),
        ),
        migrations.RunPython(copy_event_times, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name="attachment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("event__isnull", True), ("event_at__isnull", False), _connector="OR"
                ),
                name="attachment_event_at_set",
            ),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
