"""The milestone types a county starts with, and their thresholds in working days late
(yellow from, red from); a county admin changes them."""

from django.db import migrations

TYPES = [
    # code, name, yellow from, red from
    ("preparation", "前期手续", 3, 10),
    ("land", "土地征收与供地", 3, 10),
    ("start", "开工", 1, 6),
    ("structure", "主体施工", 2, 8),
    ("equipment", "设备购置安装", 2, 8),
    ("acceptance", "竣工验收", 1, 6),
    ("production", "投产达效", 1, 6),
]


def add(apps, schema_editor):
    MilestoneType = apps.get_model("projects", "MilestoneType")
    for order, (code, name, yellow, red) in enumerate(TYPES):
        MilestoneType.objects.get_or_create(
            code=code,
            defaults={"name": name, "yellow_from": yellow, "red_from": red, "order": order},
        )


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]

    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
