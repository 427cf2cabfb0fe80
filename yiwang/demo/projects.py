"""The demo county's battle map (issue 20): the county's 50 key projects of the year in
its proportions (23 technical upgrades, 17 new builds, 8 research, 2 foreign
cooperation) over its towns and its two parks, each with the stages it reached and the
day it reached each, its 四个一批 batch, its leader in charge (包保领导) and special team
(专班) of the demo's staff with a site worker's account, its permits, a year of
milestones (8 to 15, of the migration's types), its monthly targets, daily progress on
working days (most days lately, fewer far back) with a few site photos, and problems
raised to the county's departments. Most projects are on time; about ten have a
milestone a few working days late (yellow) and six one far behind (red), each of those
with an open problem and a recent photo.

Enterprise support (the finance-counsellor teams, their 147 enterprises and a year of
enterprise requests) is yiwang.demo.enterprise_support's, called from here.

Dates are relative to the demo's clock (`now`) and counted on the working calendar
(yiwang.projects.workdays): a year around today that the `chinese-calendar` package does
not know is entered as weekends only, labelled as the demo's. Everything is generated
from a seed and written in bulk (no services: the rows keep their invariants by
construction: the stage is the last one reached, the investment done is the sum of the
months', one progress entry a day), on a database with areas and no projects yet; else
nothing is written."""

from __future__ import annotations

import datetime
import io
import random
from collections import defaultdict
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from yiwang.accounts.models import Post, Role, User
from yiwang.areas.models import Area, Level
from yiwang.core import audit
from yiwang.core import photos as photo_files
from yiwang.demo.areas import DEMO_PASSWORD
from yiwang.projects.models import (
    STAGE_ORDER,
    Batch,
    CalendarYear,
    DelayCause,
    Milestone,
    MilestoneType,
    MonthlyTarget,
    Permit,
    PermitKind,
    PermitState,
    Problem,
    ProblemStatus,
    ProgressEntry,
    ProgressPhoto,
    Project,
    ProjectKind,
    ProjectMember,
    Stage,
    StageChange,
)
from yiwang.projects.workdays import calendar, package_years

DEMO_CALENDAR_SOURCE = "演示数据：仅按周末推算，未含法定节假日"
KINDS = (
    (ProjectKind.UPGRADE, 23),
    (ProjectKind.NEW_BUILD, 17),
    (ProjectKind.RESEARCH, 8),
    (ProjectKind.FOREIGN, 2),
)
RED, YELLOW = 6, 10
PARKS = ("嘉祥经济开发区", "嘉祥县化工产业园")
IN_A_PARK = 0.35
SITE_LOGIN = "site"  # the demo's site worker login: the first town's projects
SITE_LOGIN_PROJECTS = 4
PRODUCTS = (
    "工程机械配件",
    "精密铸件",
    "石材雕刻制品",
    "高档纺织面料",
    "生物饲料",
    "汽车零部件",
    "新能源电池材料",
    "农机装备",
    "医用防护用品",
    "食品添加剂",
    "绿色环保建材",
    "智能家居",
    "光伏组件支架",
    "高端轴承",
    "特种钢材",
    "有机肥料",
)
NAMES = {
    ProjectKind.UPGRADE: (
        "年产{n}万套{p}智能化技改项目",
        "{p}生产线数字化改造项目",
        "{p}节能降耗技术改造项目",
    ),
    ProjectKind.NEW_BUILD: (
        "年产{n}万吨{p}新建项目",
        "{p}产业园建设项目",
        "{p}生产基地建设项目",
    ),
    ProjectKind.RESEARCH: ("{p}工程技术研究中心项目", "{p}关键技术研发项目"),
    ProjectKind.FOREIGN: ("中德合作{p}项目", "中韩合资{p}项目"),
}
BATCHES = {
    ProjectKind.UPGRADE: {Batch.UPGRADED: 80, Batch.ACCELERATED: 20},
    ProjectKind.NEW_BUILD: {Batch.STARTED: 45, Batch.ACCELERATED: 35, Batch.SIGNED: 20},
    ProjectKind.RESEARCH: {Batch.ACCELERATED: 50, Batch.STARTED: 25, Batch.SIGNED: 25},
    ProjectKind.FOREIGN: {Batch.SIGNED: 50, Batch.STARTED: 50},
}
STAGES = {
    Batch.SIGNED: (Stage.PLANNING, Stage.NEGOTIATING, Stage.SIGNED),
    Batch.STARTED: (Stage.STARTED, Stage.BUILDING),
    Batch.ACCELERATED: (Stage.BUILDING, Stage.BUILDING, Stage.PRODUCING),
    Batch.UPGRADED: (Stage.BUILDING, Stage.PRODUCING, Stage.FULL_CAPACITY),
}
MILESTONES = {
    "preparation": ("完成项目备案", "取得能评批复", "取得环评批复", "完成规划设计方案"),
    "land": ("完成土地摘牌", "取得不动产权证书", "完成场地平整"),
    "start": ("主体工程开工", "桩基工程开工"),
    "structure": ("厂房基础完工", "主体结构封顶", "钢结构安装完成", "配套工程完工"),
    "equipment": ("主要设备到厂", "设备安装完成", "设备联动调试完成"),
    "acceptance": ("竣工验收", "消防验收"),
    "production": ("试生产", "正式投产", "达产达效"),
}
# The last type of milestone a project at each stage has done (the migration's order:
# preparation, land, start, structure, equipment, acceptance, production).
REACH = {Stage.STARTED: 2, Stage.BUILDING: 4, Stage.PRODUCING: 5, Stage.FULL_CAPACITY: 6}
PERMIT_KINDS = (
    PermitKind.LAND,
    PermitKind.ENERGY,
    PermitKind.ENVIRONMENT,
    PermitKind.PLANNING,
    PermitKind.CONSTRUCTION,
)
PERMIT_NUMBERS = {
    PermitKind.LAND: "鲁（{y}）嘉祥县不动产权第{n:07d}号",
    PermitKind.ENERGY: "嘉发改能审〔{y}〕{n}号",
    PermitKind.ENVIRONMENT: "济环审〔{y}〕{n}号",
    PermitKind.PLANNING: "建字第370829{y}{n:05d}号",
    PermitKind.CONSTRUCTION: "370829{y}{n:08d}",
}
PROGRESS = (
    "{area}钢结构吊装，完成{n}榀。",
    "{area}混凝土浇筑约{n}立方米。",
    "设备基础施工，完成{n}%。",
    "{area}砌筑及内外墙抹灰，进场工人{n}人。",
    "主要设备安装调试，完成{n}台（套）。",
    "厂区道路及管网施工，完成约{n}米。",
    "屋面彩钢板安装，完成{n}%。",
    "配电室及变压器安装，供电线路架设{n}米。",
)
AREAS = ("1号车间", "2号车间", "综合楼", "仓库", "研发楼", "配套用房")
DAY_PROBLEMS = (
    "连续降雨，室外作业暂停半天。",
    "部分钢材未按期到场，已催促供货商。",
    "施工用电负荷不足，已联系供电公司。",
    "",
)
PROBLEMS = {
    DelayCause.LAND: "项目用地尚有{n}亩未完成征收，影响{m}施工。",
    DelayCause.FUNDS: "项目贷款{n}00万元尚未放款，设备采购资金紧张，影响{m}。",
    DelayCause.PERMITS: "施工许可手续尚未办结，影响{m}。",
    DelayCause.POWER: "厂区双回路供电尚未接入，影响{m}。",
    DelayCause.EQUIPMENT: "进口设备{n}台因物流延误未到厂，影响{m}。",
    DelayCause.OTHER: "周边村民对施工道路有意见，影响{m}。",
}
DEPARTMENT_OF = {
    DelayCause.LAND: "projects_land",
    DelayCause.FUNDS: "projects_finance",
    DelayCause.PERMITS: "projects_approval",
    DelayCause.POWER: "projects_power",
    DelayCause.EQUIPMENT: "projects_industry",
    DelayCause.OTHER: "housing",
}
# The departments the projects' problems go to, besides the cases demo's.
DEPARTMENTS = (
    ("projects_land", "县自然资源和规划局"),
    ("projects_finance", "县地方金融监督管理局"),
    ("projects_approval", "县行政审批服务局"),
    ("projects_power", "国网嘉祥县供电公司"),
    ("projects_industry", "县工业和信息化局"),
    ("projects_development", "县发展和改革局"),
    ("projects_labour", "县人力资源和社会保障局"),
    ("housing", "县住房和城乡建设局"),
)
ANSWERS = (
    "已召开专题调度会协调解决，相关手续已办结。",
    "已协调相关单位现场办公，问题已解决。",
    "已督促责任单位限期完成，现已落实到位。",
)
DELAY_NOTES = {
    DelayCause.LAND: "土地征收进度滞后",
    DelayCause.FUNDS: "贷款审批周期较长",
    DelayCause.PERMITS: "审批材料补正",
    DelayCause.POWER: "电力接入排期",
    DelayCause.EQUIPMENT: "设备供货延误",
    DelayCause.OTHER: "雨季影响施工",
}
DAY = datetime.timedelta(days=1)
BATCH_SIZE = 2000
COUNT_KEYS = (
    "projects",
    "upgrade",
    "new_build",
    "research",
    "foreign",
    "in_parks",
    "site_workers",
    "stage_changes",
    "permits",
    "milestones",
    "milestones_done",
    "milestones_open_late",
    "red",
    "yellow",
    "targets",
    "progress",
    "photos",
    "problems",
    "problems_open",
    "calendar_years",
)


def enter_demo_years(today: datetime.date) -> int:
    """Years from last year to two years on that the package does not know, entered as
    weekends only with the demo's label: the lag is then computed, never guessed silently."""
    known = package_years()
    entered = 0
    for year in range(today.year - 1, today.year + 3):
        if year not in known and not CalendarYear.objects.filter(year=year).exists():
            CalendarYear.objects.create(year=year, source=DEMO_CALENDAR_SOURCE)
            entered += 1
    return entered


def ensure_departments(county_code: str) -> dict:
    from yiwang.cases.models import Department

    found = {}
    for code, name in DEPARTMENTS:
        found[code], _created = Department.objects.get_or_create(
            code=code, defaults={"name": name, "area_code": county_code}
        )
    return found


def site_photo(rng: random.Random) -> photo_files.Photo:
    """A small synthetic photo of a site (sky, ground, a building going up), read as an
    upload is: re-encoded without metadata, with its thumbnail."""
    from PIL import Image, ImageDraw

    width, height = 480, 360
    image = Image.new("RGB", (width, height), (150 + rng.randrange(60), 190, 230))
    draw = ImageDraw.Draw(image)
    ground = height * 2 // 3
    draw.rectangle((0, ground, width, height), fill=(150, 120, 90))
    left = rng.randrange(40, 200)
    top = rng.randrange(90, 180)
    draw.rectangle((left, top, left + rng.randrange(150, 260), ground), fill=(180, 180, 185))
    for x in range(left, left + 240, 30):
        draw.line((x, top, x, ground), fill=(90, 90, 100), width=3)
    crane = rng.randrange(width // 2, width - 40)
    draw.line((crane, 40, crane, ground), fill=(230, 180, 30), width=6)
    draw.line((crane - 120, 50, crane + 40, 50), fill=(230, 180, 30), width=5)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    out.seek(0)
    out.name = "site.jpg"
    return photo_files.read_photo(out)


class _Staff:
    """The demo's staff that lead and sit in the projects' teams, by town."""

    def __init__(self, county_code: str):
        posts = defaultdict(list)
        for user_id, role, code in (
            Post.objects.current()
            .filter(role__in=(Role.COUNTY_ADMIN, Role.TOWN_ADMIN, Role.GRID_CHIEF))
            .order_by("area_code", "id")
            .values_list("user_id", "role", "area_code")
        ):
            posts[role].append((user_id, code))
        self.county_admin = next(pk for pk, code in posts[Role.COUNTY_ADMIN] if code == county_code)
        self.town_admin = {code: pk for pk, code in reversed(posts[Role.TOWN_ADMIN])}
        self.chiefs: dict[str, list[int]] = defaultdict(list)
        for pk, code in posts[Role.GRID_CHIEF]:
            self.chiefs[code[:9]].append(pk)


def _stage_dates(rng, stage: str, today: datetime.date) -> list[tuple[str, datetime.date]]:
    """The stages up to `stage` with the day each was reached, the last one not after
    today."""
    reached = STAGE_ORDER[stage]
    day = today - datetime.timedelta(days=rng.randint(5, 120))
    dates = [day]
    for _ in range(reached):
        day -= datetime.timedelta(days=rng.randint(25, 100))
        dates.append(day)
    dates.reverse()
    return list(zip(Stage.values[: reached + 1], dates, strict=True))


def _day_back(cal, today: datetime.date, lag: int) -> datetime.date:
    """The day whose lag on `today` is `lag` working days."""
    day = today - DAY
    while cal.lag(day, today) < lag:
        day -= DAY
    return day


@transaction.atomic
def build_demo_projects(*, seed: int = 2026, now: datetime.datetime | None = None) -> dict:
    """Builds the demo's battle map and enterprise support (see the module's docstring)
    on a database with areas and no projects yet; else writes nothing. Returns what it
    built, counted."""
    from yiwang.demo import enterprise_support

    counts: dict[str, int] = dict.fromkeys(COUNT_KEYS, 0)
    county = Area.objects.filter(level=Level.COUNTY).order_by("code").first()
    if county is None or Project.objects.exists():
        return counts
    rng = random.Random(seed)
    now = now or timezone.now()
    today = timezone.localdate(now)
    counts["calendar_years"] = enter_demo_years(today)
    cal = calendar()
    towns = list(
        Area.objects.open().filter(level=Level.TOWN).order_by("code").values_list("code", "name")
    )
    staff = _Staff(county.code)
    departments = ensure_departments(county.code)
    password = make_password(DEMO_PASSWORD)

    support = enterprise_support.build(rng, now, county, towns, password, departments, cal)
    counts.update(support)
    enterprises_of = support.pop("_enterprises_of")
    counts.pop("_enterprises_of", None)

    projects = _projects(rng, today, towns, staff, enterprises_of, counts)
    sites = _site_workers(projects, password, now, counts)
    _teams(rng, projects, staff, sites)
    types = {t.code: t for t in MilestoneType.objects.all()}
    late = _plan_colours(rng, projects)
    milestones = _milestones(rng, cal, today, projects, types, late, sites, counts)
    _permits(rng, today, projects, counts)
    _targets(rng, today, projects, late, counts)
    entries = _progress(rng, cal, today, projects, sites, counts)
    _photos(rng, projects, entries, late, counts)
    _problems(rng, cal, today, projects, milestones, late, departments, staff, counts)
    audit.record(
        actor=None,
        action="demo.projects",
        object_type="projects.project",
        object_id=county.code,
        object_repr=county.name,
        area_code=county.code,
        after=counts,
    )
    return counts


def _projects(rng, today, towns, staff, enterprises_of, counts) -> list[Project]:
    kinds = [kind for kind, n in KINDS for _ in range(n)]
    rng.shuffle(kinds)
    made = []
    for i, kind in enumerate(kinds, start=1):
        code, town_name = towns[(i - 1) % len(towns)]
        batch = rng.choices(list(BATCHES[kind]), list(BATCHES[kind].values()))[0]
        stage = rng.choice(STAGES[batch])
        stages = _stage_dates(rng, stage, today)
        # The plan's start: the day it was signed (or first planned, if not signed yet),
        # at least a year of milestones back for the projects under way.
        starts_on = min(stages[min(len(stages) - 1, STAGE_ORDER[Stage.SIGNED])][1], today)
        if STAGE_ORDER[stage] >= STAGE_ORDER[Stage.STARTED]:
            starts_on = min(starts_on, today - datetime.timedelta(days=rng.randint(330, 400)))
        product = rng.choice(PRODUCTS)
        name = rng.choice(NAMES[kind]).format(n=rng.choice((5, 10, 20, 30, 50)), p=product)
        pool = enterprises_of.get(code) or [e for es in enterprises_of.values() for e in es]
        enterprise = pool[(i - 1) // len(towns) % len(pool)]
        planned = Decimal(rng.randrange(3000, 60000, 500))
        if kind == ProjectKind.FOREIGN:
            planned *= 2
        leader = staff.county_admin if i % 3 == 0 else staff.town_admin.get(code)
        project = Project(
            number=f"JX{today.year}-{i:03d}",
            name=f"{_short(enterprise.name)}{name}"[:100],
            area_code=code,
            kind=kind,
            batch=batch,
            stage=stage,
            stage_reached_on=stages[-1][1],
            park=PARKS[(i - 1) % len(towns) % len(PARKS)] if rng.random() < IN_A_PARK else "",
            enterprise=enterprise,
            leader_id=leader,
            team_name=f"{product}项目专班",
            starts_on=starts_on,
            ends_on=starts_on + datetime.timedelta(days=rng.randint(600, 900)),
            investment_planned=planned,
            description=f"{town_name}{name}，计划总投资{planned}万元。",
        )
        project._stages = stages
        made.append(project)
        counts[kind] += 1
    Project.objects.bulk_create(made)
    StageChange.objects.bulk_create(
        StageChange(project=p, stage=stage, reached_on=on, reason="")
        for p in made
        for stage, on in p._stages
    )
    counts["stage_changes"] = sum(len(p._stages) for p in made)
    counts["projects"] = len(made)
    counts["in_parks"] = sum(1 for p in made if p.park)
    return made


def _site_workers(projects, password, now, counts) -> dict[int, int]:
    """A site worker's account for each project ({project id: user id}); the first town's
    first projects share the demo login `site`."""
    first_town = projects[0].area_code
    shared = [p for p in projects if p.area_code == first_town][:SITE_LOGIN_PROJECTS]
    users = {
        SITE_LOGIN: User(
            username=SITE_LOGIN,
            area_code=first_town,
            password=password,
            full_name="赵现场",
            date_joined=now,
        )
    }
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
    for i, project in enumerate(projects):
        if project in shared:
            continue
        users[f"site{i + 1:02d}"] = User(
            username=f"site{i + 1:02d}",
            area_code=project.area_code,
            password=password,
            full_name=f"{surnames[i % len(surnames)]}工{i + 1}",
            date_joined=now,
        )
    User.objects.bulk_create(users.values())
    counts["site_workers"] = len(users)
    return {
        p.pk: users[SITE_LOGIN if p in shared else f"site{i + 1:02d}"].pk
        for i, p in enumerate(projects)
    }


def _teams(rng, projects, staff, sites) -> None:
    rows = []
    for project in projects:
        town = project.area_code
        members = [(sites[project.pk], "现场负责人", False)]
        chiefs = staff.chiefs.get(town, [])
        if chiefs:
            members.insert(0, (rng.choice(chiefs), "专班组长", True))
        admin = staff.town_admin.get(town)
        if admin and admin != project.leader_id:
            members.append((admin, "要素保障", False))
        rows += [
            ProjectMember(project=project, user_id=pk, duty=duty, is_head=head)
            for pk, duty, head in members
        ]
    ProjectMember.objects.bulk_create(rows)


def _plan_colours(rng, projects) -> dict[int, str]:
    """{project id: "red" or "yellow"} for the projects under way picked to be late."""
    under_way = [p for p in projects if STAGE_ORDER[p.stage] >= STAGE_ORDER[Stage.STARTED]]
    picked = rng.sample(under_way, RED + YELLOW)
    return {p.pk: ("red" if i < RED else "yellow") for i, p in enumerate(picked)}


def _milestones(rng, cal, today, projects, types, late, sites, counts) -> dict[int, list]:
    """8 to 15 milestones a project over the year, of the types in their order: those
    due before today done (on time, but for a late one here and there on the late
    projects), the late projects' worst one still open."""
    order = sorted(types.values(), key=lambda t: (t.order, t.code))
    rows, of_project = [], defaultdict(list)
    for project in projects:
        n = rng.randint(8, 15)
        first = max(project.starts_on, today - datetime.timedelta(days=330)) + DAY
        last = today + datetime.timedelta(days=90)
        early = STAGE_ORDER[project.stage] < STAGE_ORDER[Stage.STARTED]
        dues = sorted(
            first + datetime.timedelta(days=rng.randrange((last - first).days)) for _ in range(n)
        )
        colour = late.get(project.pk)
        if colour:
            # The late one: open, due as many working days back as its colour asks.
            kind = types["structure"] if colour == "red" else types["equipment"]
            lag = (
                rng.randint(kind.red_from + 2, kind.red_from + 15)
                if colour == "red"
                else rng.randint(kind.yellow_from, kind.red_from - 1)
            )
            late_due = _day_back(cal, today, lag)
        # The types in their order, those due before today up to the project's stage
        # (a project being built has its acceptance ahead of it), the rest after.
        past = sum(1 for due in dues if due < today)
        reach = REACH.get(project.stage, 1)
        for k, due in enumerate(dues):
            if early:
                milestone_type = order[min(k * 2 // n, 1)]  # preparation, land
            elif k < past:
                milestone_type = order[k * (reach + 1) // past]
            else:
                ahead = len(order) - reach
                milestone_type = order[reach + (k - past) * ahead // (n - past)]
            names = MILESTONES.get(milestone_type.code, (milestone_type.name,))
            milestone = Milestone(
                project=project,
                milestone_type=milestone_type,
                name=names[k % len(names)],
                due_on=max(due, project.starts_on),
                owner_id=sites[project.pk],
            )
            if milestone.due_on < today:
                milestone.done_on = milestone.due_on - datetime.timedelta(days=rng.randint(0, 6))
                milestone.done_on = max(milestone.done_on, project.starts_on)
            rows.append(milestone)
            of_project[project.pk].append(milestone)
        if colour:
            milestone = Milestone(
                project=project,
                milestone_type=kind,
                name=rng.choice(MILESTONES[kind.code]),
                due_on=max(late_due, project.starts_on),
                owner_id=sites[project.pk],
                delay_cause=rng.choice(DelayCause.values),
            )
            milestone.delay_note = DELAY_NOTES[milestone.delay_cause]
            rows.append(milestone)
            of_project[project.pk].insert(0, milestone)
            counts[colour] += 1
    Milestone.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    counts["milestones"] = len(rows)
    counts["milestones_done"] = sum(1 for m in rows if m.done_on)
    counts["milestones_open_late"] = sum(1 for m in rows if not m.done_on and m.due_on < today)
    return of_project


def _permits(rng, today, projects, counts) -> None:
    rows = []
    for project in projects:
        stage = STAGE_ORDER[project.stage]
        started = stage >= STAGE_ORDER[Stage.STARTED]
        for k, kind in enumerate(PERMIT_KINDS):
            if kind == PermitKind.LAND and project.kind == ProjectKind.UPGRADE:
                state = PermitState.NOT_NEEDED  # on the enterprise's own land
            elif started or (stage == STAGE_ORDER[Stage.SIGNED] and k < 3):
                state = PermitState.APPROVED
            elif stage >= STAGE_ORDER[Stage.NEGOTIATING] and k < 3:
                state = PermitState.APPLYING
            else:
                state = PermitState.PENDING
            on = None
            if state != PermitState.PENDING:
                on = min(project.starts_on + datetime.timedelta(days=20 * k + 10), today)
            number = ""
            if state == PermitState.APPROVED:
                number = PERMIT_NUMBERS[kind].format(y=on.year, n=rng.randrange(1, 300))
            rows.append(Permit(project=project, kind=kind, state=state, state_on=on, number=number))
    Permit.objects.bulk_create(rows)
    counts["permits"] = len(rows)


def _months(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def _targets(rng, today, projects, late, counts) -> None:
    """The months of the year the projects under way have been building, and the next
    two: investment planned evenly over the project's span, done for the months gone by
    (a little under or over), the physical progress planned and done cumulated in per
    cent; `investment_done` the sum of the months'."""
    rows = []
    for project in projects:
        if STAGE_ORDER[project.stage] < STAGE_ORDER[Stage.STARTED]:
            continue
        span = _months(project.starts_on, project.ends_on)
        per_month = (project.investment_planned / len(span)).quantize(Decimal("0.01"))
        shown = [
            m
            for m in span
            if today - datetime.timedelta(days=366) < m <= today + datetime.timedelta(days=62)
        ]
        behind = 0.75 if project.pk in late else 1.0
        total = Decimal(0)
        for month in shown:
            index = span.index(month) + 1
            planned_progress = min(100, round(100 * index / len(span)))
            target = MonthlyTarget(
                project=project,
                month=month,
                investment_planned=per_month,
                progress_planned=planned_progress,
            )
            if month < today.replace(day=1):
                done = (
                    per_month * Decimal(str(round(rng.uniform(0.7, 1.15) * behind, 2)))
                ).quantize(Decimal("0.01"))
                target.investment_done = done
                target.progress_done = max(0, min(100, planned_progress - rng.randint(0, 4)))
                total += done
            rows.append(target)
        project.investment_done = total
    MonthlyTarget.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    Project.objects.bulk_update(projects, ["investment_done"])
    counts["targets"] = len(rows)


def _progress(rng, cal, today, projects, sites, counts) -> dict[int, list[ProgressEntry]]:
    """Daily progress of the projects under way, on working days since they started:
    most days of the last month, half of those before, a few far back."""
    rows, of_project = [], defaultdict(list)
    tz = timezone.get_current_timezone()
    for project in projects:
        if STAGE_ORDER[project.stage] < STAGE_ORDER[Stage.STARTED]:
            continue
        day = max(
            project._stages[STAGE_ORDER[Stage.STARTED]][1], today - datetime.timedelta(days=365)
        )
        while day <= today:
            age = (today - day).days
            chance = 0.85 if age <= 30 else 0.5 if age <= 90 else 0.15
            if cal.is_workday(day) and rng.random() < chance:
                template = rng.choice(PROGRESS)
                entry = ProgressEntry(
                    project=project,
                    day=day,
                    text=template.format(area=rng.choice(AREAS), n=rng.randint(3, 60)),
                    problems=rng.choice(DAY_PROBLEMS) if rng.random() < 0.15 else "",
                    uuid=_uuid(rng),
                    recorded_by_id=sites[project.pk],
                    created_at=timezone.make_aware(
                        datetime.datetime.combine(day, datetime.time(17, rng.randrange(60))), tz
                    ),
                )
                rows.append(entry)
                of_project[project.pk].append(entry)
            day += DAY
    ProgressEntry.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    counts["progress"] = len(rows)
    return of_project


def _photos(rng, projects, entries, late, counts) -> None:
    """A photo on the latest entry of each late project and of a few others, and now and
    then an older one."""
    chosen = []
    for project in projects:
        mine = entries.get(project.pk)
        if not mine:
            continue
        if project.pk in late or rng.random() < 0.3:
            chosen.append(mine[-1])
        chosen += [e for e in mine[:-1] if rng.random() < 0.02]
    rows = []
    with photo_files.removed_on_failure() as stored:
        for entry in chosen:
            photo = site_photo(rng)
            row = ProgressPhoto(
                entry=entry, created_at=entry.created_at, **photo_files.row_values(photo)
            )
            photo_files.store(row, photo, stored)
            rows.append(row)
        ProgressPhoto.objects.bulk_create(rows)
    counts["photos"] = len(rows)


def _problems(rng, cal, today, projects, milestones, late, departments, staff, counts) -> None:
    """An open problem on each late project, about its late milestone, sent to the
    department of its cause; resolved ones over the year on others."""
    from django.conf import settings

    rows = []
    for project in projects:
        raised_by = project.leader_id or staff.county_admin
        colour = late.get(project.pk)
        if colour:
            milestone = milestones[project.pk][0]
            cause = milestone.delay_cause
            raised = max(milestone.due_on, today - datetime.timedelta(days=rng.randint(2, 12)))
            rows.append(
                Problem(
                    project=project,
                    milestone=milestone,
                    cause=cause,
                    department=departments[DEPARTMENT_OF[cause]],
                    text=PROBLEMS[cause].format(n=rng.randint(2, 40), m=milestone.name),
                    raised_on=raised,
                    due_on=cal.add(raised, settings.PROJECTS_PROBLEM_DAYS),
                    raised_by_id=raised_by,
                    area_code=project.area_code,
                )
            )
        if STAGE_ORDER[project.stage] >= STAGE_ORDER[Stage.STARTED] and rng.random() < 0.35:
            cause = rng.choice(DelayCause.values)
            raised = today - datetime.timedelta(days=rng.randint(40, 300))
            raised = max(raised, project.starts_on)
            while not cal.is_workday(raised):
                raised += DAY
            due = cal.add(raised, settings.PROJECTS_PROBLEM_DAYS)
            resolved = cal.add(raised, rng.randint(1, settings.PROJECTS_PROBLEM_DAYS + 2))
            rows.append(
                Problem(
                    project=project,
                    cause=cause,
                    department=departments[DEPARTMENT_OF[cause]],
                    text=PROBLEMS[cause].format(n=rng.randint(2, 40), m="工程进度"),
                    raised_on=raised,
                    due_on=due,
                    raised_by_id=raised_by,
                    status=ProblemStatus.RESOLVED,
                    answer=rng.choice(ANSWERS),
                    resolved_on=min(resolved, today),
                    area_code=project.area_code,
                )
            )
    Problem.objects.bulk_create(rows)
    counts["problems"] = len(rows)
    counts["problems_open"] = sum(1 for p in rows if p.status == ProblemStatus.OPEN)


def _short(name: str) -> str:
    """An enterprise's name as a project's name starts with it (嘉祥县王氏机械制造有限公司2
    → 王氏, 山东恒信建材有限公司 → 山东恒信)."""
    from yiwang.demo.enterprise_support import INDUSTRIES

    short = name.removeprefix("嘉祥县").replace("有限公司", "").rstrip("0123456789")
    for industry in INDUSTRIES:
        short = short.replace(industry, "")
    return short[:10]


def _uuid(rng):
    import uuid

    return uuid.UUID(int=rng.getrandbits(128), version=4)
