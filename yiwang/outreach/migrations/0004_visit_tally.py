"""The households visited per unit and month (`VisitTally`) and the markers that count a
household once a month (`HouseholdVisitMonth`), filled from the visits already stored
(yiwang.outreach.services.tally.rebuild: one INSERT … SELECT per table). Backwards the tables are
dropped."""

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    from yiwang.outreach.services import tally

    tally.rebuild(connection=schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('outreach', '0003_compliance_indexes_rule_rhythm'),
        ('registry', '0004_ledger_tally_triggers'),
    ]

    operations = [
        migrations.CreateModel(
            name='VisitTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('area_code', models.CharField(max_length=18, verbose_name='unit code')),
                ('month', models.DateField(verbose_name='month visited')),
                ('households', models.IntegerField(db_default=0, verbose_name='households visited')),
            ],
            options={
                'verbose_name': 'visit tally',
                'verbose_name_plural': 'visit tallies',
                'constraints': [models.UniqueConstraint(fields=('area_code', 'month'), name='visit_tally_key')],
            },
        ),
        migrations.CreateModel(
            name='HouseholdVisitMonth',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(verbose_name='month visited')),
                ('area_code', models.CharField(max_length=18, verbose_name='area code')),
                ('household', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='registry.household', verbose_name='household')),
            ],
            options={
                'verbose_name': 'household visited in a month',
                'verbose_name_plural': 'households visited in a month',
                'constraints': [models.UniqueConstraint(fields=('household', 'month'), name='visit_month_key')],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
