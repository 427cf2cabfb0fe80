"""The default tags: the groups a county looks after, and which of them make a key household."""

from django.db import migrations

DEFAULT_TAGS = [
    # code, name, category, makes a key household
    ("elderly_alone", "独居老人", "elderly", False),
    ("dibao", "低保", "assistance", True),
    ("wubao", "五保", "assistance", True),
    ("serious_illness", "大病", "health", True),
    ("disability", "残疾", "health", True),
    ("petitioner", "信访", "petition", True),
    ("left_behind_child", "留守儿童", "children", False),
    ("child_in_difficulty", "困境儿童", "children", False),
    ("migrant", "外来人员", "migrant", False),
]


def add_default_tags(apps, schema_editor):
    Tag = apps.get_model("registry", "Tag")
    for order, (code, name, category, key) in enumerate(DEFAULT_TAGS):
        Tag.objects.get_or_create(
            code=code,
            defaults={"name": name, "category": category, "makes_key_household": key, "order": order},
        )


def remove_default_tags(apps, schema_editor):
    Tag = apps.get_model("registry", "Tag")
    Tag.objects.filter(code__in=[code for code, *_rest in DEFAULT_TAGS]).delete()


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [migrations.RunPython(add_default_tags, remove_default_tags)]
