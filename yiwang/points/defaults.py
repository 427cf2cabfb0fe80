"""The county's default templates of the three lists (三张清单) and the default proposal
rules, written once by the migration `default_templates` (inserted when absent, never
overwritten: the county admin changes them on the settings pages).

Points come from deeds: no item rewards using the app (logging in, checking in, time
online), and no item punishes lawful petitioning (上访) or any other lawful complaint.
"""

from decimal import Decimal

# kind, article, text, points, lowest, highest, monthly cap, evidence required
TEMPLATE_ITEMS: list[tuple] = [
    # 党员红色积分
    ("party_member", "1", "参加主题党日活动", "2", None, None, "2", False),
    ("party_member", "2", "结对走访联系户（每次）", "1", None, None, "4", False),
    ("party_member", "3", "带头参加志愿服务", "2", None, None, "6", False),
    ("party_member", "4", "参加必到事件现场处置", "2", None, None, "6", False),
    ("party_member", "5", "参加网格例会", "1", None, None, "4", False),
    ("party_member", "6", "带头调解矛盾纠纷", "3", None, None, "6", True),
    ("party_member", "7", "按时足额交纳党费", "1", None, None, "1", False),
    ("party_member", "8", "违反村规民约", "-5", None, None, None, True),
    ("party_member", "9", "无故缺席组织生活", "-2", None, None, None, False),
    # 群众文明指数（农户）
    ("household", "1", "庭院整洁、门前三包落实", "2", None, None, "2", False),
    ("household", "2", "参加义务劳动", "1", "1", "3", "6", False),
    ("household", "3", "诉求办结并经核实", "1", None, None, "3", False),
    ("household", "4", "孝老爱亲、邻里互助", "3", None, None, "3", True),
    ("household", "5", "移风易俗、红白事简办", "3", None, None, "3", True),
    ("household", "6", "见义勇为", "5", None, None, None, True),
    ("household", "7", "垃圾分类做得好", "1", None, None, "2", False),
    ("household", "8", "赡养老人不力", "-10", None, None, None, True),
    ("household", "9", "乱堆乱放、私搭乱建", "-3", None, None, None, True),
    ("household", "10", "违反村规民约", "-5", None, None, None, True),
    # 村干部履职清单
    ("cadre", "1", "按时参加例会", "1", None, None, "4", False),
    ("cadre", "2", "办结群众诉求", "2", None, None, "10", False),
    ("cadre", "3", "走访联系重点户", "1", None, None, "8", False),
    ("cadre", "4", "参加必到事件现场处置", "2", None, None, "6", False),
    ("cadre", "5", "按期公开村务财务", "2", None, None, "2", True),
    ("cadre", "6", "化解矛盾纠纷", "3", None, None, "9", True),
    ("cadre", "7", "无故缺席例会", "-2", None, None, None, False),
    ("cadre", "8", "群众诉求推诿拖延", "-3", None, None, None, True),
]

# source, (kind, article) of the template item it proposes
PROPOSAL_RULES: list[tuple[str, tuple[str, str]]] = [
    ("pairing_visit", ("party_member", "2")),
    ("closed_case", ("household", "3")),
    ("event", ("party_member", "4")),
    ("meeting", ("party_member", "5")),
    ("volunteer_hours", ("party_member", "3")),
]


def _points(value):
    return None if value is None else Decimal(value)


def template_rows() -> list[dict]:
    """The template items as field values of `TemplateItem`."""
    rows = []
    for order, (kind, article, text, points, low, high, cap, evidence) in enumerate(TEMPLATE_ITEMS):
        rows.append(
            {
                "kind": kind,
                "article": article,
                "text": text,
                "points": Decimal(points),
                "min_points": _points(low),
                "max_points": _points(high),
                "monthly_cap": _points(cap),
                "evidence_required": evidence,
                "order": order,
            }
        )
    return rows


def insert_defaults(template_model, rule_model) -> None:
    """Inserts the default template items and rules that are absent (by kind and article;
    by source and item)."""
    for row in template_rows():
        template_model.objects.get_or_create(kind=row["kind"], article=row["article"], defaults=row)
    for source, (kind, article) in PROPOSAL_RULES:
        item = template_model.objects.filter(kind=kind, article=article).first()
        if item is not None:
            rule_model.objects.get_or_create(source=source, template=item)
