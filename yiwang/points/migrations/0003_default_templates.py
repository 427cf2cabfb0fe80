"""The county's default templates of the three lists and the default proposal rules
(yiwang.points.defaults), inserted when absent. Reversing removes nothing: villages'
lists refer to the items."""

from django.db import migrations


def insert(apps, schema_editor):
    from yiwang.points.defaults import insert_defaults

    insert_defaults(apps.get_model("points", "TemplateItem"), apps.get_model("points", "ProposalRule"))


class Migration(migrations.Migration):
    dependencies = [
        ("points", "0002_entries"),
    ]

    operations = [
        migrations.RunPython(insert, migrations.RunPython.noop),
    ]
