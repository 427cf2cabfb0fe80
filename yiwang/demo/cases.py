"""The demo county's cases: a year of residents' requests (about 15,000 for the county, as
the county it mirrors received online) and grid workers' patrol reports, spread over the
stages as a year of work leaves them — most closed and rated, the recent ones still
moving, some late, a few escalated up to the county and still overdue — each with its
timeline. Scaled by the units: the town-scale demo gets about 2,900 cases.

Generated from a seed and written in bulk (yiwang.core.bulk.insert_rows), with no model
instances: the ids are reserved first, so that the numbers (day-id, as the services make
them) and the timeline rows are written with them. The case tally follows by its
triggers.

The stage times follow the categories' limits; a lapsed stage goes up a level at its due
time, as the sweep does (unit → village → town → county; a department → the county), with
a fresh due time there. A stage that lapsed counts as late in the rates (`responded_on_time`
and `resolved_on_time` against the stage's first due time).
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

import shapely
from django.db import connection, transaction
from django.db.models import NOT_PROVIDED
from django.utils import timezone
from shapely.geometry import shape

from yiwang.accounts.models import Post, Role
from yiwang.areas.models import Area, Level
from yiwang.cases import states
from yiwang.cases.models import (
    AssigneeLevel,
    Case,
    CaseEvent,
    Category,
    Department,
    EventKind,
    HandlingLevel,
    Satisfaction,
    Source,
    Status,
)
from yiwang.core import audit
from yiwang.core.bulk import db_value, insert_rows

# The county's year (7,849 units): 15,000 residents' requests and 6,000 patrol reports.
COUNTY_UNITS = 7849
REQUESTS = 15_000
PATROL_REPORTS = 6_000
DAYS = 365
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

DEPARTMENTS = (
    ("housing", "县住房和城乡建设局"),
    ("environment", "县生态环境分局"),
    ("transport", "县交通运输局"),
    ("water", "县水务局"),
    ("market", "县市场监督管理局"),
    ("civil_affairs", "县民政局"),
)
# What residents ask and what grid workers report, by category (the default categories).
REQUEST_MIX = {"consultation": 30, "help": 25, "complaint": 30, "suggestion": 10, "praise": 5}
PATROL_MIX = {
    "sanitation": 30,
    "facility_damage": 20,
    "safety_hazard": 15,
    "dispute": 12,
    "illegal_building": 8,
    "patrol_other": 8,
    "epidemic": 4,
    "instability": 3,
}
# Some categories go to a county department now and then.
DEPARTMENT_OF = {
    "complaint": ("market", "environment", "water"),
    "facility_damage": ("transport", "water"),
    "illegal_building": ("housing",),
    "help": ("civil_affairs",),
    "suggestion": ("transport", "housing"),
}
TO_DEPARTMENT = 0.3
TEXTS = {
    "consultation": [
        ("咨询城乡居民医保缴费", "想问一下今年城乡居民医保什么时候开始缴费，在哪里交？"),
        ("咨询低保申请条件", "家里老人身体不好，想了解低保怎么申请，需要什么材料。"),
        ("咨询养老金领取", "父亲今年满六十岁，养老金什么时候可以开始领？"),
        ("咨询孩子入学", "孩子明年上小学，户口不在本村，能不能在村里上学？"),
    ],
    "help": [
        ("独居老人家中停水", "村里独居的老人家里水管冻裂，已经两天没有水用。"),
        ("求助办理残疾证", "家里孩子是残疾，不知道去哪里办残疾证，请帮忙。"),
        ("老人摔伤需要帮助", "邻居老人在家摔倒，子女在外地，需要有人帮忙送医。"),
    ],
    "complaint": [
        ("夜间施工噪音扰民", "村东头工地晚上十一点以后还在施工，吵得睡不着。"),
        ("饭店油烟扰民", "街边饭店油烟直接排到居民楼，窗户都不敢开。"),
        ("自来水水质浑浊", "这几天自来水发黄浑浊，不敢饮用。"),
        ("养殖场异味", "村南养猪场气味很大，夏天尤其严重。"),
    ],
    "suggestion": [
        ("建议增设公交站", "村口到镇上没有公交站，建议增设一个站点。"),
        ("建议安装路灯", "村北小路晚上太黑，建议安装几盏路灯。"),
    ],
    "praise": [("表扬网格员上门服务", "网格员多次上门帮助老人办理业务，特此表扬。")],
    "sanitation": [
        ("路口垃圾堆放", "路口垃圾堆放多日无人清运，气味很大。"),
        ("沟渠漂浮物", "村前沟渠漂浮大量垃圾，需要清理。"),
        ("秸秆乱堆", "道路两侧秸秆乱堆，存在火灾隐患。"),
    ],
    "facility_damage": [
        ("路灯不亮", "村主路路灯连续几晚不亮。"),
        ("井盖缺失", "学校门口井盖缺失，过往学生很危险。"),
        ("健身器材损坏", "广场健身器材螺丝松动，有安全隐患。"),
    ],
    "safety_hazard": [
        ("电动车楼道充电", "楼道内有人私拉电线给电动车充电。"),
        ("民房墙体开裂", "一户老房墙体开裂，雨季有倒塌风险。"),
        ("变压器围栏破损", "村口变压器围栏破损，小孩容易靠近。"),
    ],
    "dispute": [
        ("宅基地界线纠纷", "两户村民因宅基地界线发生争执。"),
        ("赡养老人纠纷", "兄弟几人因赡养老人问题发生矛盾。"),
    ],
    "illegal_building": [
        ("占用耕地建房", "有村民在耕地上打地基建房。"),
        ("私搭乱建棚屋", "路边私搭简易棚屋，影响通行。"),
    ],
    "patrol_other": [
        ("流浪犬伤人隐患", "村内流浪犬增多，有伤人隐患。"),
        ("广告乱张贴", "墙面小广告乱张贴。"),
    ],
    "epidemic": [("发热人员报告", "走访中发现一户有两人发热，已提醒就医。")],
    "instability": [("工资拖欠聚集苗头", "十余名工人因工资拖欠准备到镇上聚集。")],
}
RESULTS = (
    "已现场处理完毕，并向反映人说明情况。",
    "已联系相关责任人整改到位。",
    "已协调有关部门处理，问题解决。",
    "已上门解释政策，反映人表示理解。",
)
REJECT_REASONS = ("不属于网格受理范围，已告知拨打12345。", "重复反映，已并入前一事项处理。")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅建国志文斌海燕"
# Chances, per stage: late (done after the due time), and how late.
LATE = {"accept": 0.07, "dispatch": 0.05, "resolve": 0.10}
REJECTED, MERGED = 0.025, 0.01
SATISFACTION_MIX = {"satisfied": 70, "basically": 17, "dissatisfied": 9, "": 4}
# Hours of the day cases come in, by weight (residents call in the day, most in the morning).
HOURS = [1, 1, 1, 1, 1, 2, 4, 8, 14, 16, 14, 10, 8, 10, 12, 12, 10, 8, 6, 5, 4, 3, 2, 1]
# Some of the last month's cases are stuck in a stage: nobody acts, so they go up a level at
# each lapse, to the county, and wait there, overdue.
STUCK = 0.05
STUCK_DAYS = 30

_LEVEL_OF = {6: AssigneeLevel.COUNTY, 9: AssigneeLevel.TOWN, 12: AssigneeLevel.VILLAGE}
_LEVEL_OF.update({15: AssigneeLevel.GRID, 18: AssigneeLevel.UNIT})
_UP = {18: 12, 15: 12, 12: 9, 9: 6}
_ROLE_OF = {
    6: Role.COUNTY_ADMIN,
    9: Role.TOWN_ADMIN,
    12: Role.GRID_CHIEF,
    15: Role.GROUP_LEADER,
    18: Role.GRID_WORKER,
}
DISPATCHER_STAGES = (Status.REPORTED, Status.ACCEPTED, Status.RESOLVED)


Actor = tuple[int | None, str]  # (user id, name as the timeline shows it)


@dataclass
class _Story:
    """One case as its stages move it: where it lies, who has it, its timeline."""

    now: datetime.datetime
    area_code: str
    dispatcher: str
    assignee_level: str
    assignee: str
    department: Department | None = None
    escalation_level: int = 0
    # The names of the county, towns and villages, for the timeline's notes.
    names: dict[str, str] = field(default_factory=dict)
    # (at, kind, from status, to status, actor id, actor name, note, data)
    events: list[tuple] = field(default_factory=list)

    def event(self, at, kind, from_status, to_status, by: Actor, note="", data=None) -> None:
        self.events.append((at, kind, from_status, to_status, by[0], by[1], note, data or {}))

    def party(self) -> dict:
        """Who has the case now, as the sweep's timeline entries say it."""
        if self.department is not None:
            return {
                "level": AssigneeLevel.DEPARTMENT,
                "area_code": "",
                "department": self.department.pk,
            }
        return {"level": self.assignee_level, "area_code": self.assignee, "department": None}

    def escalate(self, status: str, at: datetime.datetime, limit: datetime.timedelta):
        """What the sweep does at a lapsed due time: up a level, due again after `limit`.
        None at the top (the county), where the case stays overdue."""
        if status in DISPATCHER_STAGES:
            up = _UP.get(len(self.dispatcher))
            if up is None:
                return None
            frm = {"level": _LEVEL_OF[len(self.dispatcher)], "area_code": self.dispatcher}
            self.dispatcher = self.dispatcher[:up]
            if status != Status.RESOLVED:  # the resolver stays on record
                self.assignee, self.assignee_level = self.dispatcher, _LEVEL_OF[up]
                self.department = None
            to = self.dispatcher
        else:
            frm = self.party()
            if self.department is not None:
                to = self.area_code[:6]
            else:
                up = _UP.get(len(self.assignee))
                if up is None:
                    return None
                to = self.assignee[:up]
            self.assignee, self.assignee_level, self.department = to, _LEVEL_OF[len(to)], None
        self.escalation_level += 1
        due = at + limit
        data = {
            "from": {"department": None, **frm},
            "to": {"level": _LEVEL_OF[len(to)], "area_code": to, "department": None},
            "was_due": at.isoformat(),
            "due_at": due.isoformat(),
            "escalation_level": self.escalation_level,
        }
        note = f"未按时办理，已升级至{self.names.get(to, to)}"
        self.event(at, EventKind.ESCALATED, status, "", (None, ""), note, data)
        return due

    def stage(self, status, start, limit, done_at):
        """The stage `status`, entered at `start` and due after `limit`, done at `done_at`
        (None: not by now). Escalates at each lapse before it is done, while it can go up.
        Answers (late, the due time it has now)."""
        end = done_at or self.now
        due = start + limit
        late = end > due
        while due < end:
            escalated = self.escalate(status, due, limit)
            if escalated is None:
                break
            due = escalated
        return late, due


class _Builder:
    """The lifecycle of each case, drawn from the seed."""

    def __init__(self, rng, now, departments, people, follow_up):
        self.rng = rng
        self.now = now
        self.departments = departments
        self.people = people
        self.follow_up = follow_up
        # The stage a case is stuck in, if it is: "accept", "dispatch" or "resolve".
        self.stuck_at = ""

    def actor(self, code: str) -> Actor:
        return self.people.get(code, (None, ""))

    def handler(self, story: _Story) -> Actor:
        if story.department is not None:
            return (None, story.department.name)
        return self.actor(story.assignee)

    def took(self, limit, stage: str) -> datetime.timedelta:
        if stage == self.stuck_at:  # nobody acts: it climbs to the county and waits there
            return datetime.timedelta(days=10 * 365)
        if self.rng.random() < LATE[stage]:
            return limit * self.rng.uniform(1.05, 2.5)
        return limit * self.rng.uniform(0.05, 0.95)

    def by_now(self, at):
        return at if at <= self.now else None

    def lifecycle(self, story, row, category, reported, merge_into) -> None:
        """Fills `row` (the stage fields) and the story's timeline, up to now."""
        rng = self.rng
        accept = datetime.timedelta(minutes=category.accept_minutes)
        answered = self.by_now(reported + self.took(accept, "accept"))
        late, due = story.stage(Status.REPORTED, reported, accept, answered)
        row["status"], row["due_at"] = Status.REPORTED, due
        if answered is None:
            return
        row["responded_on_time"], row["due_at"] = not late, None
        by = self.actor(story.dispatcher)
        draw = rng.random()
        if draw < MERGED and merge_into is not None:
            into, number = merge_into
            row["status"], row["merged_into"] = Status.MERGED, into
            data = {"into": into, "into_number": number}
            story.event(answered, EventKind.MERGED, Status.REPORTED, Status.MERGED, by, "", data)
            return
        if draw < MERGED + REJECTED:
            row["status"] = Status.REJECTED
            note = rng.choice(REJECT_REASONS)
            story.event(answered, EventKind.REJECTED, Status.REPORTED, Status.REJECTED, by, note)
            return
        row["accepted_at"] = answered
        story.event(answered, EventKind.ACCEPTED, Status.REPORTED, Status.ACCEPTED, by, "已受理")

        dispatch = datetime.timedelta(minutes=category.dispatch_minutes)
        sent = self.by_now(answered + self.took(dispatch, "dispatch"))
        late, due = story.stage(Status.ACCEPTED, answered, dispatch, sent)
        row["status"], row["due_at"] = Status.ACCEPTED, due
        if sent is None:
            return
        by = self.actor(story.dispatcher)
        self.dispatch(story, category)
        row["dispatched_at"] = sent
        data = {
            "level": story.assignee_level,
            "area_code": "" if story.department else story.assignee,
            "department": story.department.code if story.department else "",
        }
        story.event(
            sent, EventKind.DISPATCHED, Status.ACCEPTED, Status.DISPATCHED, by, "请按时处理", data
        )
        self.handle(story, row, category, sent)

    def dispatch(self, story: _Story, category) -> None:
        """To the category's handling level, or now and then a county department."""
        choices = DEPARTMENT_OF.get(category.code)
        if choices and self.rng.random() < TO_DEPARTMENT:
            story.department = self.departments[self.rng.choice(choices)]
            story.assignee, story.assignee_level = "", AssigneeLevel.DEPARTMENT
            return
        code = story.area_code
        if category.handling_level == HandlingLevel.UNIT and len(code) == 18:
            target = code
        elif category.handling_level == HandlingLevel.TOWN:
            target = code[:9]
        else:
            target = code[:12]
        story.assignee, story.assignee_level = target, _LEVEL_OF[len(target)]

    def handle(self, story, row, category, since, reopened: bool = False) -> None:
        """Dispatched (again, when reopened) at `since`: started, resolved, followed up,
        closed — as far as now."""
        rng = self.rng
        resolve = datetime.timedelta(minutes=category.resolve_minutes)
        started = self.by_now(since + resolve * rng.uniform(0.01, 0.1))
        done = None
        if started is not None:
            taken = self.took(resolve, "resolve")
            done = self.by_now(max(since + taken, started + datetime.timedelta(minutes=10)))
            story.event(
                started,
                EventKind.STARTED,
                Status.DISPATCHED,
                Status.IN_PROGRESS,
                self.handler(story),
            )
        status = Status.DISPATCHED if started is None else Status.IN_PROGRESS
        late, due = story.stage(status, since, resolve, done)
        row["status"], row["due_at"] = status, due
        if done is None:
            return
        row["resolved_at"], row["resolved_on_time"] = done, not late
        row["result"] = rng.choice(RESULTS)
        story.event(
            done, EventKind.RESOLVED, Status.IN_PROGRESS, Status.RESOLVED, self.handler(story)
        )

        if reopened:  # the second answer, after a reopening
            satisfaction = rng.choices(("satisfied", "basically", "dissatisfied"), (2, 4, 4))[0]
        else:
            satisfaction = rng.choices(list(SATISFACTION_MIX), list(SATISFACTION_MIX.values()))[0]
        asked = self.by_now(done + datetime.timedelta(hours=rng.uniform(2, 60)))
        closes = done + self.follow_up + datetime.timedelta(hours=rng.uniform(1, 24))
        if not satisfaction:  # the reporter could not be reached: closed after the wait
            asked = None
        end = asked if satisfaction else self.by_now(closes)
        _late, due = story.stage(Status.RESOLVED, done, self.follow_up, end)
        row["status"], row["due_at"] = Status.RESOLVED, due
        by = self.actor(story.dispatcher)
        if asked is None:
            if not satisfaction and closes <= self.now:
                row["status"], row["due_at"], row["closed_at"] = Status.CLOSED, None, closes
                note = "联系不上反映人"
                story.event(closes, EventKind.CLOSED, Status.RESOLVED, Status.CLOSED, by, note)
            return
        row["followed_up_at"], row["satisfaction"], row["due_at"] = asked, satisfaction, None
        reopen = (
            satisfaction == Satisfaction.DISSATISFIED
            and row["reopen_count"] < states.reopen_limit()
        )
        story.event(
            asked,
            EventKind.FOLLOWED_UP,
            Status.RESOLVED,
            Status.DISPATCHED if reopen else Status.FOLLOWED_UP,
            by,
            "电话回访",
            {"satisfaction": satisfaction, "reopened": reopen},
        )
        if reopen:
            row["reopen_count"] += 1
            self.handle(story, row, category, asked, reopened=True)
            return
        row["status"] = Status.FOLLOWED_UP
        closed = self.by_now(asked + datetime.timedelta(hours=rng.uniform(1, 24)))
        if closed is not None:
            row["status"], row["closed_at"] = Status.CLOSED, closed
            story.event(closed, EventKind.CLOSED, Status.FOLLOWED_UP, Status.CLOSED, by, "办结归档")


def _reserve_ids(n: int) -> list[int]:
    """`n` ids for new cases, taken from the table's sequence (PostgreSQL) or above the
    largest one under the write lock that this transaction holds (SQLite)."""
    if n == 0:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence('cases_case', 'id')) "
                "FROM generate_series(1, %s)",
                [n],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM cases_case")
        first = cursor.fetchone()[0] + 1
    return list(range(first, first + n))


def _defaults(model, fields) -> dict:
    """The database value of every other concrete column: its default, so that a column
    added later with a default does not break the demo."""
    values = {}
    for f in model._meta.concrete_fields:
        if f.primary_key or f.name in fields:
            continue
        if f.default is not NOT_PROVIDED:
            value = f.get_default()
        elif f.null:
            value = None
        else:
            value = ""
        values[f.name] = None if value is None else db_value(model, f.name, value)
    return values


def _posts() -> dict[str, tuple[int, str]]:
    """Who acts for each area: (user id, name) of a current post of the area's own role."""
    found: dict[str, tuple[int, str]] = {}
    rows = (
        Post.objects.current()
        .order_by("area_code", "id")
        .values_list("area_code", "role", "user_id", "user__full_name", "user__username")
    )
    for code, role, user_id, full_name, username in rows:
        if _ROLE_OF.get(len(code)) == role and code not in found:
            found[code] = (user_id, full_name or username)
    return found


def _ensure_departments() -> dict[str, Department]:
    county = Area.objects.filter(level=Level.COUNTY).order_by("code").first()
    departments = {}
    for code, name in DEPARTMENTS:
        departments[code], _created = Department.objects.get_or_create(
            code=code, defaults={"name": name, "area_code": county.code}
        )
    return departments


CASE_FIELDS = (
    "id",
    "number",
    "category",
    "source",
    "title",
    "text",
    "address",
    "reporter",
    "created_by",
    "reporter_name",
    "phone",
    "lat",
    "lng",
    "unit",
    "household",
    "area_code",
    "status",
    "dispatcher_area_code",
    "assignee_level",
    "assignee_area_code",
    "assignee_department",
    "due_at",
    "is_urgent",
    "escalation_level",
    "merged_into",
    "reopen_count",
    "tracking_code",
    "result",
    "satisfaction",
    "reported_at",
    "accepted_at",
    "dispatched_at",
    "resolved_at",
    "followed_up_at",
    "closed_at",
    "responded_on_time",
    "resolved_on_time",
    "created_at",
    "updated_at",
)
EVENT_FIELDS = (
    "case",
    "kind",
    "from_status",
    "to_status",
    "actor",
    "actor_name",
    "note",
    "at",
    "data",
)


def _reported_times(rng, n: int, now: datetime.datetime) -> list[datetime.datetime]:
    """`n` times over the last DAYS days, at the hours cases come in, in order."""
    start = timezone.localtime(now - datetime.timedelta(days=DAYS))
    times = []
    for _i in range(n):
        day = start + datetime.timedelta(days=rng.randrange(DAYS + 1))
        at = day.replace(hour=rng.choices(range(24), HOURS)[0], minute=rng.randrange(60))
        times.append(min(at, now - datetime.timedelta(minutes=5)))
    return sorted(times)


class _Places:
    """Patrol reports' points: inside their unit, at least EDGE from its edges, so that
    locating the point finds that unit and never its neighbour."""

    EDGE = 1e-5  # degrees, about 1 m

    def __init__(self):
        self.inner: dict[str, shapely.Geometry] = {}

    def point(self, rng: random.Random, code: str, boundary: dict) -> tuple[float, float]:
        inner = self.inner.get(code)
        if inner is None:
            unit = shape(boundary)
            inner = unit.buffer(-self.EDGE)
            inner = unit if inner.is_empty else inner
            shapely.prepare(inner)
            self.inner[code] = inner
        west, south, east, north = inner.bounds
        # Two draws from the demo's generator whatever the unit's shape, so that the rest
        # of the demo does not depend on it; the rare further tries come from their own.
        u, v = rng.random(), rng.random()
        retry = None
        for _try in range(1000):
            lng = round(west + (east - west) * u, 6)
            lat = round(south + (north - south) * v, 6)
            if shapely.contains_xy(inner, lng, lat):
                return lng, lat
            retry = retry or random.Random(u)
            u, v = retry.random(), retry.random()
        at = inner.point_on_surface()
        return round(at.x, 6), round(at.y, 6)


@transaction.atomic
def build_demo_cases(*, seed: int = 2026, now: datetime.datetime | None = None) -> dict:
    """A year of cases for the demo county (see the module's docstring), on a database that
    has none yet (else nothing is written). Returns what it built, counted."""
    from yiwang.registry.models import Household  # the ledger, when it has been built

    counts = dict.fromkeys(
        ("cases", "requests", "patrol_reports", "open", "overdue", "late", "escalated"), 0
    )
    counts["events"] = 0
    units = list(
        Area.objects.open()
        .filter(level=Level.UNIT)
        .order_by("code")
        .values_list("id", "code", "boundary")
    )
    if not units or Case.objects.exists():
        return counts
    rng = random.Random(seed)
    now = now or timezone.now()
    categories = {c.code: c for c in Category.objects.filter(is_active=True)}
    mixes = {
        "request": {k: v for k, v in REQUEST_MIX.items() if k in categories},
        "patrol": {k: v for k, v in PATROL_MIX.items() if k in categories},
    }
    builder = _Builder(
        rng,
        now,
        _ensure_departments(),
        _posts(),
        datetime.timedelta(minutes=states.follow_up_minutes()),
    )
    names = dict(
        Area.objects.filter(level__in=(Level.COUNTY, Level.TOWN, Level.VILLAGE)).values_list(
            "code", "name"
        )
    )
    households: dict[str, list[int]] = {}
    for pk, code in Household.objects.filter(status="active").values_list("id", "area_code"):
        households.setdefault(code, []).append(pk)

    kinds = ["request"] * round(REQUESTS * len(units) / COUNTY_UNITS)
    kinds += ["patrol"] * round(PATROL_REPORTS * len(units) / COUNTY_UNITS)
    rng.shuffle(kinds)
    times = _reported_times(rng, len(kinds), now)
    ids = _reserve_ids(len(kinds))
    defaults = _defaults(Case, CASE_FIELDS)
    tail = tuple(defaults.values())

    def when(value):
        return None if value is None else db_value(Case, "reported_at", value)

    places = _Places()
    # The latest case of each village and category: what a new one may be merged into.
    latest: dict[tuple[str, str], tuple[int, datetime.datetime, str]] = {}
    case_rows, event_rows = [], []
    for case_id, kind, reported in zip(ids, kinds, times, strict=True):
        unit_id, unit_code, boundary = units[rng.randrange(len(units))]
        mix = mixes[kind]
        category = categories[rng.choices(list(mix), list(mix.values()))[0]]
        title, text = rng.choice(TEXTS.get(category.code, [(category.name, category.name)]))
        village = unit_code[:12]
        lat = lng = household = reporter = created_by = None
        phone = address = ""
        if kind == "patrol":
            source, area_code = Source.PATROL, unit_code
            reporter = created_by = builder.actor(unit_code)[0]
            name = builder.actor(unit_code)[1]
            if boundary:
                lng, lat = places.point(rng, unit_code, boundary)
        else:
            source = Source.PUBLIC if rng.random() < 0.4 else Source.HOTLINE
            name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2)))
            phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
            address = f"{int(unit_code[-6:-3])}组{rng.randint(1, 40)}号"
            # On the public page a resident often chooses the village rather than a point.
            area_code = village if source == Source.PUBLIC and rng.random() < 0.5 else unit_code
            if source == Source.HOTLINE:
                created_by = builder.actor(village)[0]
        if area_code == unit_code and households.get(unit_code) and rng.random() < 0.3:
            household = rng.choice(households[unit_code])
        builder.stuck_at = ""
        if reported > now - datetime.timedelta(days=STUCK_DAYS) and rng.random() < STUCK:
            builder.stuck_at = rng.choice(("accept", "dispatch", "resolve"))
        story = _Story(
            now=now,
            area_code=area_code,
            dispatcher=village,
            assignee_level=AssigneeLevel.VILLAGE,
            assignee=village,
            names=names,
        )
        story.event(
            reported,
            EventKind.REPORTED,
            "",
            Status.REPORTED,
            (created_by, builder.actor(unit_code)[1] if kind == "patrol" else name),
            "",
            {"source": source},
        )
        row = {
            "merged_into": None,
            "reopen_count": 0,
            "result": "",
            "satisfaction": "",
            **dict.fromkeys(
                (
                    "accepted_at",
                    "dispatched_at",
                    "resolved_at",
                    "followed_up_at",
                    "closed_at",
                    "responded_on_time",
                    "resolved_on_time",
                )
            ),
        }
        earlier = latest.get((village, category.code))
        merge_into = None
        if earlier and reported - earlier[1] < datetime.timedelta(days=7):
            merge_into = (earlier[0], earlier[2])
        builder.lifecycle(story, row, category, reported, merge_into)
        number = f"{timezone.localtime(reported):%Y%m%d}-{case_id:06d}"
        if row["status"] not in (Status.REJECTED, Status.MERGED):
            latest[(village, category.code)] = (case_id, reported, number)
        if row["merged_into"]:
            into, at = row["merged_into"], story.events[-1][0]
            by = story.events[-1][4:6]
            data = {"case": case_id, "number": number}
            event_rows.append((into, EventKind.CASE_MERGED_IN, "", "", *by, "", data, at))

        counts["cases"] += 1
        counts["requests" if kind == "request" else "patrol_reports"] += 1
        if row["status"] not in (Status.CLOSED, Status.REJECTED, Status.MERGED):
            counts["open"] += 1
            counts["overdue"] += row["due_at"] is not None and row["due_at"] < now
        counts["late"] += False in (row["responded_on_time"], row["resolved_on_time"])
        counts["escalated"] += story.escalation_level > 0
        on_unit = area_code == unit_code
        case_rows.append(
            (
                case_id,
                number,
                category.pk,
                source,
                title,
                text,
                address,
                reporter,
                created_by,
                name[:50],
                phone,
                lat,
                lng,
                unit_id if on_unit else None,
                household,
                area_code,
                row["status"],
                story.dispatcher,
                story.assignee_level,
                story.assignee,
                story.department.pk if story.department else None,
                when(row["due_at"]),
                category.is_urgent,
                story.escalation_level,
                row["merged_into"],
                row["reopen_count"],
                "".join(rng.choices(TRACKING_ALPHABET, k=20)),
                row["result"],
                row["satisfaction"],
                when(reported),
                when(row["accepted_at"]),
                when(row["dispatched_at"]),
                when(row["resolved_at"]),
                when(row["followed_up_at"]),
                when(row["closed_at"]),
                row["responded_on_time"],
                row["resolved_on_time"],
                when(reported),
                when(max(event[0] for event in story.events)),
                *tail,
            )
        )
        for at, kind_, from_status, to_status, actor_id, actor_name, note, data in story.events:
            event_rows.append(
                (case_id, kind_, from_status, to_status, actor_id, actor_name, note, data, at)
            )
    insert_rows(Case, (*CASE_FIELDS, *defaults), case_rows)
    event_rows.sort(key=lambda e: (e[0], e[8]))
    insert_rows(
        CaseEvent,
        EVENT_FIELDS,
        (
            (case, k, f, t, a, name[:150], note, when(at), db_value(CaseEvent, "data", data))
            for case, k, f, t, a, name, note, data, at in event_rows
        ),
    )
    counts["events"] = len(event_rows)
    county = Area.objects.filter(level=Level.COUNTY).order_by("code").first()
    audit.record(
        actor=None,
        action="demo.cases",
        object_type="cases.case",
        object_id=county.code,
        object_repr=county.name,
        area_code=county.code,
        after=counts,
    )
    return counts
