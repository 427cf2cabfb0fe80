"""A points entry keeps a copy of its visit's time (`visit_at`), filled here from the
visits, and the check that the copy is there whenever a visit is named: outreach's
migration 0005 partitions the visits by month on PostgreSQL and makes the entries' foreign
key (visit_id, visit_at) → (id, visited_at), which checks nothing while a column is null."""

from django.db import migrations, models


def copy_visit_times(apps, schema_editor):
    schema_editor.execute(
        "UPDATE points_entry SET visit_at = (SELECT v.visited_at FROM outreach_visit v "
        "WHERE v.id = points_entry.visit_id) WHERE visit_id IS NOT NULL"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("points", "0004_passes"),
        ("outreach", "0004_visit_tally"),
    ]

    operations = [
        migrations.AddField(
            model_name="entry",
            name="visit_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="time of the visit"
            ),
        ),
        migrations.RunPython(copy_visit_times, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name="entry",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("visit__isnull", True), ("visit_at__isnull", False), _connector="OR"
                ),
                name="points_entry_visit_at_set",
            ),
        ),
    ]
