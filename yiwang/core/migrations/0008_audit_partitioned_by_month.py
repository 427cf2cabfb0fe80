"""On PostgreSQL, the audit log becomes a table partitioned by month on `at` (primary key
(id, at) in the database; `id` stays the model's), with this month's partition and the next
three, the months its rows span, and a DEFAULT partition (yiwang.core.partitions). No
foreign key points at it. Writes to the table wait while its rows are copied; see
docs/DEPLOYMENT.md for a big log. SQLite keeps a plain table.

Reversible: backwards, the table is made plain again, rows and all."""

from django.db import migrations

from yiwang.core import partitions

TABLE, COLUMN = "core_auditentry", "at"


def forwards(apps, schema_editor):
    partitions.partition_by_month(schema_editor, TABLE, COLUMN)


def backwards(apps, schema_editor):
    partitions.unpartition(schema_editor, TABLE)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_job_heartbeat"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
