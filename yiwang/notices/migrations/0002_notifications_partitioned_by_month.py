"""On PostgreSQL, the inbox's notifications (one row per event of every module: a case
dispatched, due soon, escalated …) become a table partitioned by month on `created_at`
(primary key (id, created_at) in the database; `id` stays the model's), with this month's
partition and the next three, the months its rows span, and a DEFAULT partition
(yiwang.core.partitions). No foreign key points at it. SQLite keeps a plain table.

Announcements' receipts and the outbox's deliveries stay plain: they grow per announcement
sent rather than per event, deliveries point at receipts, and a receipt is unique per
(announcement, user), which a partitioned table could only keep with the month in the key.

Reversible: backwards, the table is made plain again, rows and all."""

from django.db import migrations

from yiwang.core import partitions

TABLE, COLUMN = "notices_notification", "created_at"


def forwards(apps, schema_editor):
    partitions.partition_by_month(schema_editor, TABLE, COLUMN)


def backwards(apps, schema_editor):
    partitions.unpartition(schema_editor, TABLE)


class Migration(migrations.Migration):
    dependencies = [
        ("notices", "0001_initial"),
        ("core", "0008_audit_partitioned_by_month"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
