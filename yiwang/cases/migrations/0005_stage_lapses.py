"""Whether an answer or a resolution lapsed and the case went up a level: the level above
gets a fresh due time, but the rates count the stage as late all the same.

SQLite rebuilds `cases_case` to add the columns, which drops the tally's triggers with the
old table: they are created again after it, and again after the columns go when the
migration is reversed (see 0004_case_tally)."""

import importlib

from django.db import migrations, models

tally = importlib.import_module("yiwang.cases.migrations.0004_case_tally")


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_case_tally")]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, tally.create),
        migrations.AddField(
            model_name="case",
            name="resolution_lapsed",
            field=models.BooleanField(
                db_default=False, default=False, verbose_name="resolution overdue"
            ),
        ),
        migrations.AddField(
            model_name="case",
            name="response_lapsed",
            field=models.BooleanField(
                db_default=False, default=False, verbose_name="answer overdue"
            ),
        ),
        migrations.RunPython(tally.create, migrations.RunPython.noop),
    ]
