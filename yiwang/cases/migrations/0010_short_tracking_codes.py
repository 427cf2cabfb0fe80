"""Tracking codes of 8 characters a resident can read out on the phone.

The column only narrows from 32 to 20 characters: the codes given before (20 characters)
stay as they are, since residents hold them on paper, and the tracking page still looks
them up (yiwang.cases.services.public.clean_tracking_code). No data is rewritten. SQLite
rebuilds the table for the change, so the tally's triggers are created again (see
0004_case_tally)."""

import importlib

from django.db import migrations, models

tally = importlib.import_module("yiwang.cases.migrations.0004_case_tally")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0009_dispatch_to_a_named_worker"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, tally.create),
        migrations.AlterField(
            model_name="case",
            name="tracking_code",
            field=models.CharField(max_length=20, verbose_name="tracking code"),
        ),
        migrations.RunPython(tally.create, migrations.RunPython.noop),
    ]
