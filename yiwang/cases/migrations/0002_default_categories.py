"""The default case categories: the patrol must-report list (巡查八必报) and the kinds of
residents' requests (群众诉求), with their handling level and time limits (in minutes).
A county changes them, adds sub-categories, or retires them."""

from django.db import migrations

H = 60  # minutes in an hour

DEFAULT_CATEGORIES = [
    # code, name, kind, handling level, urgent, accept, dispatch, resolve (minutes)
    ("safety_hazard", "安全隐患", "patrol", "village", True, 30, 30, 8 * H),
    ("instability", "不稳定因素", "patrol", "town", True, 30, 60, 24 * H),
    ("dispute", "矛盾纠纷", "patrol", "village", False, 2 * H, 4 * H, 72 * H),
    ("sanitation", "环境卫生", "patrol", "village", False, 4 * H, 8 * H, 72 * H),
    ("facility_damage", "公共设施损坏", "patrol", "town", False, 4 * H, 8 * H, 7 * 24 * H),
    ("illegal_building", "违法建设", "patrol", "town", False, 4 * H, 8 * H, 7 * 24 * H),
    ("epidemic", "卫生防疫", "patrol", "town", True, 30, 60, 24 * H),
    ("patrol_other", "其他", "patrol", "village", False, 8 * H, 24 * H, 7 * 24 * H),
    ("consultation", "咨询", "request", "village", False, 4 * H, 8 * H, 72 * H),
    ("help", "求助", "request", "village", False, 2 * H, 4 * H, 72 * H),
    ("complaint", "投诉", "request", "town", False, 4 * H, 8 * H, 7 * 24 * H),
    ("suggestion", "建议", "request", "town", False, 24 * H, 24 * H, 15 * 24 * H),
    ("praise", "表扬", "request", "village", False, 24 * H, 24 * H, 72 * H),
]


def add_default_categories(apps, schema_editor):
    Category = apps.get_model("cases", "Category")
    for order, (code, name, kind, level, urgent, accept, dispatch, resolve) in enumerate(
        DEFAULT_CATEGORIES
    ):
        Category.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "handling_level": level,
                "is_urgent": urgent,
                "accept_minutes": accept,
                "dispatch_minutes": dispatch,
                "resolve_minutes": resolve,
                "order": order,
            },
        )


def remove_default_categories(apps, schema_editor):
    Category = apps.get_model("cases", "Category")
    Category.objects.filter(code__in=[row[0] for row in DEFAULT_CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_categories_departments_cases")]

    operations = [migrations.RunPython(add_default_categories, remove_default_categories)]
