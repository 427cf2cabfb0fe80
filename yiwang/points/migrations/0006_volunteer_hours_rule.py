"""The default proposal rule of volunteer hours (带头参加志愿服务, the party members' list),
now that volunteering records them; inserted when absent (yiwang.points.defaults)."""

from django.db import migrations


def insert(apps, schema_editor):
    from yiwang.points.defaults import insert_defaults

    insert_defaults(apps.get_model("points", "TemplateItem"), apps.get_model("points", "ProposalRule"))


class Migration(migrations.Migration):
    dependencies = [
        ("points", "0005_entry_visit_at"),
    ]

    operations = [
        migrations.RunPython(insert, migrations.RunPython.noop),
    ]
