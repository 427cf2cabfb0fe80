"""The demo county's enterprise support (issue 20), the second half of
yiwang.demo.projects (which calls `build` with its seeded generator): twelve
finance-counsellor teams (金融辅导队) of the county's banks, 42 bank staff in all, paired
under outreach's finance-counsellor programme with 147 enterprises (outreach's demo
enterprises, more added when there are fewer; a pairing outreach's demo gave a cadre is
handed over to the bank staff, its history kept), and about sixty enterprise requests
(企业诉求) over the year on the working-day clock (verifying within 1 working day, a
reply within 3, resolved within 15, at most 30 with a reason): most resolved and rated,
the recent ones in every state, a few late and escalated."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.areas.models import Area, Level
from yiwang.demo.areas import spread
from yiwang.outreach.models import Enterprise, Pairing, Programme
from yiwang.projects.models import (
    CounsellorTeam,
    EnterpriseRequest,
    EscalationLevel,
    RequestKind,
    RequestStatus,
    Satisfaction,
)

ENTERPRISES = 147
BANK_STAFF = 42
BANKS = (
    "农业银行嘉祥支行",
    "工商银行嘉祥支行",
    "中国银行嘉祥支行",
    "建设银行嘉祥支行",
    "邮储银行嘉祥县支行",
    "嘉祥农商银行",
    "齐鲁银行嘉祥支行",
    "济宁银行嘉祥支行",
    "恒丰银行嘉祥支行",
    "日照银行嘉祥支行",
    "兴业银行嘉祥支行",
    "嘉祥中成村镇银行",
)
BANK_LOGIN = "bank"  # the demo's login of a bank's counsellor: the first team's leader
FIRMS = "鲁嘉恒信宏达金源华强瑞丰鸿运德润兴邦天宇汇通正泰"
INDUSTRIES = ("机械制造", "纺织服装", "农副产品加工", "石材雕刻", "建材", "商贸物流")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚华玉兰红梅志文斌海燕"
HANDED_OVER = "转由金融辅导队对接"
REQUESTS = 60
# The plan of the sixty: (status, overdue in the stage it is in).
PLAN = (
    [("resolved", False)] * 44
    + [("received", False)] * 3
    + [("received", True)]
    + [("verifying", False)] * 3
    + [("verifying", True)]
    + [("replied", False)] * 5
    + [("replied", "extended")]
    + [("replied", True)] * 2
)
RESOLVED_LATE = 8  # of the resolved ones: a stage done after its due day
KIND_WEIGHTS = {
    RequestKind.FINANCE: 35,
    RequestKind.LAND: 15,
    RequestKind.LABOUR: 20,
    RequestKind.APPROVAL: 20,
    RequestKind.OTHER: 10,
}
DEPARTMENT_OF = {
    RequestKind.FINANCE: "projects_finance",
    RequestKind.LAND: "projects_land",
    RequestKind.LABOUR: "projects_labour",
    RequestKind.APPROVAL: "projects_approval",
    RequestKind.OTHER: "projects_industry",
}
TEXTS = {
    RequestKind.FINANCE: (
        "企业扩大生产需流动资金贷款{n}00万元，希望协调银行加快审批。",
        "现有贷款{n}00万元即将到期，申请办理无还本续贷。",
        "申请科技型中小企业贴息贷款，希望了解办理流程。",
    ),
    RequestKind.LAND: (
        "新上生产线需新增工业用地约{n}亩，请协助办理供地手续。",
        "厂区土地证办理遇到历史遗留问题，请求协调解决。",
    ),
    RequestKind.LABOUR: (
        "旺季缺少熟练工人约{n}人，希望协助招聘。",
        "申请稳岗返还和职业技能培训补贴。",
    ),
    RequestKind.APPROVAL: (
        "新建仓库的规划许可办理进度较慢，请求协调。",
        "设备更新项目申请技改备案，希望加快办理。",
    ),
    RequestKind.OTHER: (
        "厂区门前道路破损严重，影响货车通行。",
        "企业用电容量不足，申请增容{n}00千伏安。",
    ),
}
REPLIES = ("已核实情况，正协调相关单位办理。", "已与企业对接，明确办理时限。")
RESOLUTIONS = (
    "已协调银行完成授信，企业已放款。",
    "已办结相关手续，企业表示满意。",
    "已组织专场招聘会，帮助企业招工到位。",
    "已现场办公解决，并建立跟踪回访机制。",
)
EXTENSION = "涉及多部门联审，延长办理时限"
SATISFACTION = {
    Satisfaction.SATISFIED: 75,
    Satisfaction.BASICALLY: 18,
    Satisfaction.DISSATISFIED: 7,
}


def build(rng, now, county, towns, password, departments, cal) -> dict:
    """Writes the teams, the enterprises' pairings and the requests; returns what it
    built, counted, with `_enterprises_of` ({town code: [enterprise]}) for the projects."""
    from yiwang.outreach.services import schedule

    today = timezone.localdate(now)
    counts: dict = {}
    staff = _bank_staff(rng, county, password, now)
    teams = []
    for bank, people in zip(BANKS, _split(staff, len(BANKS)), strict=True):
        team = CounsellorTeam.objects.create(name=f"{bank}金融辅导队", bank=bank, leader=people[0])
        team.members.add(*people)
        teams.append(people)
    counts["teams"] = len(teams)
    counts["bank_staff"] = len(staff)

    enterprises = _enterprises(rng, towns)
    counts["enterprises"] = len(enterprises)
    finance = Programme.objects.get(code="finance_counsellors")
    finance.chosen_sponsors.add(*staff)
    open_pairings = {
        p.enterprise_id: p
        for p in Pairing.objects.filter(
            programme=finance, enterprise__in=enterprises, ends_on__isnull=True
        )
    }
    ended, made = [], []
    for i, enterprise in enumerate(enterprises):
        sponsor = staff[i % len(staff)]
        old = open_pairings.get(enterprise.pk)
        if old is not None:
            on = max(old.starts_on, today - datetime.timedelta(days=rng.randint(20, 60)))
            old.ends_on, old.end_reason = on, HANDED_OVER
            ended.append(old)
        else:
            on = today - datetime.timedelta(days=rng.randint(30, 330))
        made.append(
            Pairing(
                programme=finance,
                sponsor=sponsor,
                enterprise=enterprise,
                area_code=enterprise.area_code,
                starts_on=on,
                transferred_from=old,
            )
        )
    Pairing.objects.bulk_update(ended, ["ends_on", "end_reason"])
    Pairing.objects.bulk_create(made)
    schedule.cancel_pairing_schedule([p.pk for p in ended])
    schedule.schedule_pairings([p.pk for p in made])
    counts["counsellor_pairings"] = len(made)
    counts["pairings_handed_over"] = len(ended)

    counts.update(_requests(rng, cal, today, enterprises, departments))
    enterprises_of = defaultdict(list)
    for enterprise in enterprises:
        enterprises_of[enterprise.area_code[:9]].append(enterprise)
    counts["_enterprises_of"] = dict(enterprises_of)
    return counts


def _split(people: list, n: int) -> list[list]:
    sizes, out, start = spread(len(people), n), [], 0
    for size in sizes:
        out.append(people[start : start + size])
        start += size
    return out


def _bank_staff(rng, county, password, now) -> list[User]:
    names = [
        f"bank{t + 1:02d}-{m + 1}"
        for t, size in enumerate(spread(BANK_STAFF, len(BANKS)))
        for m in range(size)
    ]
    names[0] = BANK_LOGIN
    return User.objects.bulk_create(
        User(
            username=name,
            area_code=county.code,
            password=password,
            full_name=rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2))),
            phone=f"13{rng.randrange(10**9):09d}",
            date_joined=now,
        )
        for name in names
    )


def _enterprises(rng, towns) -> list[Enterprise]:
    """147 enterprises spread over the towns: the demo's own first, then new ones in the
    towns' villages."""
    from yiwang.demo.outreach import _credit_code

    codes = [code for code, _name in towns]
    by_town: dict[str, list[Enterprise]] = defaultdict(list)
    for enterprise in Enterprise.objects.filter(is_active=True).order_by("area_code", "id"):
        by_town[enterprise.area_code[:9]].append(enterprise)
    chosen: list[Enterprise] = []
    shares = spread(ENTERPRISES, len(codes))
    for code, share in zip(codes, shares, strict=True):
        chosen += by_town.get(code, [])[:share]
    missing = ENTERPRISES - len(chosen)
    if missing > 0:
        taken = _count_by_town(chosen)
        villages = defaultdict(list)
        for pk, code in (
            Area.objects.open()
            .filter(level=Level.VILLAGE)
            .order_by("code")
            .values_list("id", "code")
        ):
            villages[code[:9]].append((pk, code))
        names = set(Enterprise.objects.values_list("name", flat=True))
        new = []
        for code, share in zip(codes, shares, strict=True):
            for n in range(share - taken.get(code, 0)):
                pk, village = villages[code][n % len(villages[code])]
                industry = rng.choice(INDUSTRIES)
                name = f"山东{rng.choice(FIRMS)}{rng.choice(FIRMS)}{industry}有限公司"
                while name in names:
                    name = f"嘉祥{rng.choice(FIRMS)}{rng.choice(FIRMS)}{industry}有限公司"
                names.add(name)
                new.append(
                    Enterprise(
                        name=name,
                        credit_code=_credit_code(rng),
                        area_id=pk,
                        area_code=village,
                        industry=industry,
                        contact_name=rng.choice(SURNAMES) + "经理",
                        contact_phone=f"13{rng.randrange(10**9):09d}",
                    )
                )
        chosen += Enterprise.objects.bulk_create(new)
    return chosen[:ENTERPRISES]


def _count_by_town(enterprises) -> dict[str, int]:
    counted: dict[str, int] = defaultdict(int)
    for enterprise in enterprises:
        counted[enterprise.area_code[:9]] += 1
    return counted


def _back(cal, today: datetime.date, n: int) -> datetime.date:
    """The working day `n` working days before today."""
    day = today - datetime.timedelta(days=1)
    while True:
        if cal.is_workday(day) and cal.count(day, today) >= n:
            return day
        day -= datetime.timedelta(days=1)


def _requests(rng, cal, today, enterprises, departments) -> dict:
    rows = []
    late_ones = set(rng.sample(range(44), RESOLVED_LATE))
    for i, (status, overdue) in enumerate(PLAN):
        kind = rng.choices(list(KIND_WEIGHTS), list(KIND_WEIGHTS.values()))[0]
        enterprise = rng.choice(enterprises)
        if status == "resolved":
            received = _back(cal, today, rng.randint(25, 240))
        elif status == "received":
            received = _back(cal, today, rng.randint(4, 8)) if overdue else today
        elif status == "verifying":
            received = _back(cal, today, rng.randint(6, 10) if overdue else 2)
        else:
            received = _back(cal, today, rng.randint(18, 25) if overdue else rng.randint(4, 12))
        request = EnterpriseRequest(
            number=f"QYSQ{received:%Y%m%d}{i + 1:03d}",
            enterprise=enterprise,
            kind=kind,
            text=rng.choice(TEXTS[kind]).format(n=rng.randint(2, 30)),
            department=departments[DEPARTMENT_OF[kind]],
            status=status,
            received_on=received,
            verify_due=cal.add(received, 1),
            reply_due=cal.add(received, 3),
            resolve_due=cal.add(received, 15),
            area_code=enterprise.area_code,
            uuid=_uuid(rng),
        )
        if overdue == "extended":
            request.resolve_due = cal.add(received, 30)
            request.extension_reason = EXTENSION
        late_stage = rng.choice(("verify", "reply", "resolve")) if i in late_ones else ""
        if status != "received":
            request.verified_on = cal.add(received, 2 if late_stage == "verify" else 1)
        if status in ("replied", "resolved"):
            request.replied_on = cal.add(
                received, rng.randint(4, 5) if late_stage == "reply" else rng.randint(2, 3)
            )
            request.reply = rng.choice(REPLIES)
        if status == "resolved":
            request.resolved_on = cal.add(
                received, rng.randint(16, 20) if late_stage == "resolve" else rng.randint(5, 15)
            )
            request.resolution = rng.choice(RESOLUTIONS)
            if rng.random() < 0.9:
                request.satisfaction = rng.choices(list(SATISFACTION), list(SATISFACTION.values()))[
                    0
                ]
        request.verify_late = bool(
            (request.verified_on and request.verified_on > request.verify_due)
            or (status == "received" and today > request.verify_due)
        )
        request.reply_late = bool(
            (request.replied_on and request.replied_on > request.reply_due)
            or (status == "verifying" and today > request.reply_due)
        )
        request.resolve_late = bool(
            (request.resolved_on and request.resolved_on > request.resolve_due)
            or (status == "replied" and today > request.resolve_due)
        )
        lapses = request.verify_late + request.reply_late + request.resolve_late
        request.escalation_level = min(lapses, EscalationLevel.COUNTY)
        if overdue is True and status == "replied" and i % 2:
            request.escalation_level = EscalationLevel.COUNTY
        rows.append(request)
    EnterpriseRequest.objects.bulk_create(rows)
    return {
        "requests": len(rows),
        "requests_open": sum(1 for r in rows if r.status != RequestStatus.RESOLVED),
        "requests_late": sum(1 for r in rows if r.verify_late or r.reply_late or r.resolve_late),
        "requests_escalated": sum(1 for r in rows if r.escalation_level),
        "requests_rated": sum(1 for r in rows if r.satisfaction),
    }


def _uuid(rng):
    import uuid

    return uuid.UUID(int=rng.getrandbits(128), version=4)
