"""The county's defaults: its pairing programmes, visit rules (六必访) and their triggers,
must-attend event types (六必到) and routines (八项制度). Each county changes them on the
settings pages; removing the migration removes only rows nothing refers to yet."""

from django.db import migrations

# The residents starting a business whom party members help (党员帮创业群众).
STARTING_BUSINESS = ("starting_business", "创业群众", "other", False)

PROGRAMMES = [
    # code, name, sponsors' role, paired with, household category, tag, visit every (days)
    ("cadre_key_households", "干部联重点户", "cadre", "household", "key", None, 30),
    ("member_households", "党员联农户", "grid_worker", "household", "ordinary", None, 182),
    ("member_entrepreneurs", "党员帮创业群众", "", "resident", "", "starting_business", 30),
    ("caring_mothers", "爱心妈妈结对", "", "resident", "", "left_behind_child", 30),
    ("finance_counsellors", "金融辅导员对口企业", "", "enterprise", "", None, 90),
]
TRIGGERS = [
    ("hospital_stay", "生病住院"),
    ("bereavement", "家有丧事"),
    ("wedding", "婚嫁喜事"),
    ("dispute", "矛盾纠纷"),
    ("hardship", "突发困难"),
    ("return_home", "外出返乡"),
]
RULES = [
    # code, name, kind, household category, tag, every (days), trigger, within (days)
    ("elderly_alone_weekly", "独居老人每周必访", "periodic", "", "elderly_alone", 7, None, None),
    ("dibao_monthly", "低保户每月必访", "periodic", "", "dibao", 30, None, None),
    ("disability_monthly", "残疾人户每月必访", "periodic", "", "disability", 30, None, None),
    ("ordinary_half_yearly", "普通户每半年必访", "periodic", "ordinary", None, 182, None, None),
    ("hospital_stay", "生病住院必访", "triggered", "", None, None, "hospital_stay", 3),
    ("bereavement", "家有丧事必访", "triggered", "", None, None, "bereavement", 3),
    ("wedding", "婚嫁喜事必访", "triggered", "", None, None, "wedding", 7),
    ("dispute", "矛盾纠纷必访", "triggered", "", None, None, "dispute", 1),
    ("hardship", "突发困难必访", "triggered", "", None, None, "hardship", 1),
    ("return_home", "外出返乡必访", "triggered", "", None, None, "return_home", 7),
]
EVENT_TYPES = [
    ("emergency", "突发事件"),
    ("disaster", "灾情险情"),
    ("dispute", "矛盾纠纷调处"),
    ("funeral", "红白喜事"),
    ("volunteer_service", "志愿服务"),
    ("village_activity", "村级重大活动"),
]
ROUTINES = [
    # code, name, rhythm, times each period
    ("daily_visits", "每日走访", "daily", 1),
    ("daily_patrol", "每日巡查", "daily", 1),
    ("weekly_meeting", "每周网格例会", "weekly", 1),
    ("weekly_report", "每周信息报送", "weekly", 1),
    ("monthly_analysis", "每月形势研判", "monthly", 1),
    ("monthly_evaluation", "一月一评比", "monthly", 1),
    ("monthly_mediation", "每月矛盾排查", "monthly", 1),
    ("quarterly_publicity", "每季度公开公示", "quarterly", 1),
]


def add_defaults(apps, schema_editor):
    Tag = apps.get_model("registry", "Tag")
    Programme = apps.get_model("outreach", "Programme")
    Trigger = apps.get_model("outreach", "Trigger")
    VisitRule = apps.get_model("outreach", "VisitRule")
    EventType = apps.get_model("outreach", "EventType")
    Routine = apps.get_model("outreach", "Routine")
    code, name, category, key = STARTING_BUSINESS
    Tag.objects.get_or_create(
        code=code,
        defaults={"name": name, "category": category, "makes_key_household": key, "order": 20},
    )
    tags = {tag.code: tag for tag in Tag.objects.all()}
    for order, (code, name, role, kind, category, tag, every) in enumerate(PROGRAMMES):
        Programme.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "sponsor_role": role,
                "subject_kind": kind,
                "household_category": category,
                "tag": tags.get(tag),
                "visit_every_days": every,
                "order": order,
            },
        )
    triggers = {}
    for order, (code, name) in enumerate(TRIGGERS):
        triggers[code], _created = Trigger.objects.get_or_create(
            code=code, defaults={"name": name, "order": order}
        )
    for order, (code, name, kind, category, tag, every, trigger, within) in enumerate(RULES):
        VisitRule.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "household_category": category,
                "tag": tags.get(tag),
                "every_days": every,
                "trigger": triggers.get(trigger),
                "within_days": within,
                "order": order,
            },
        )
    for order, (code, name) in enumerate(EVENT_TYPES):
        EventType.objects.get_or_create(code=code, defaults={"name": name, "order": order})
    for order, (code, name, rhythm, times) in enumerate(ROUTINES):
        Routine.objects.get_or_create(
            code=code, defaults={"name": name, "rhythm": rhythm, "times": times, "order": order}
        )


def remove_defaults(apps, schema_editor):
    for model, rows in [
        ("Routine", ROUTINES),
        ("EventType", EVENT_TYPES),
        ("VisitRule", RULES),
        ("Trigger", TRIGGERS),
        ("Programme", PROGRAMMES),
    ]:
        apps.get_model("outreach", model).objects.filter(
            code__in=[row[0] for row in rows]
        ).delete()
    # The tag stays: it belongs to the ledger now, and residents may carry it.


class Migration(migrations.Migration):
    dependencies = [("outreach", "0001_initial"), ("registry", "0002_default_tags")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
