"""The demo county's announcements: a year of them in the county's proportions (6,000 a
year for the county, scaled by the units like the cases: about 835 at town scale), with
one receipt for each person each reached, and a group robot per village.

Who writes them, and to whom:
- the county admin, a few percent: now and then to every grid worker of the county, more
  often to the grid chiefs and the town admins (county-wide ones are few: each is 11,000
  receipts);
- the town admins: to their town's grid chiefs, and now and then to its grid workers;
- most from the grid chiefs and the village cadres, to their village's grid workers (now
  and then with the group leaders).

The audience is resolved as the sending service does it (notices.services.announcements
`audience_posts`): the current posts of the roles under the area, one receipt a person
with the deepest matching post's area code, active accounts only, the sender left out.

Mostly routine, some important, a few emergencies; most with a deadline to acknowledge.
Most receipts are acknowledged (in the app, some through the personal link), some after
the deadline, some never; the last weeks' ones are more often still pending. The
deadlines passed have been handled as the sweep would have handled them: the grid chiefs
told (a notification to each village with people who had not acknowledged by then) and
the fallback SMS marked queued, so that the first sweep does not send a year of them.

The demo logins see it: `worker` has unread and unacknowledged announcements, `chief` a
list of people of the village who have not acknowledged by the deadline.

Generated from a seed and written in bulk (yiwang.core.bulk.insert_rows) on a database
with the demo county and no announcements yet.
"""

from __future__ import annotations

import bisect
import datetime
import json
import random
import time
from collections import Counter, defaultdict

from django.db import connection, transaction
from django.utils import timezone

from yiwang.accounts.models import Post, Role, User
from yiwang.areas.models import Area, Level
from yiwang.core import audit
from yiwang.core.bulk import bulk_writing, insert_rows
from yiwang.demo.cases import _defaults
from yiwang.demo.outreach import _reserve_ids
from yiwang.notices.models import Announcement, Notification, Receipt, Robot
from yiwang.notices.models.outbox import Channel

COUNTY_UNITS = 7849
ANNOUNCEMENTS = 6000  # a year, at county scale
DAYS = 365
# Who writes them (the rest: the villages' grid chiefs and cadres).
FROM_COUNTY = 0.03
FROM_TOWNS = 0.12
# Of the county's, those to every grid worker of the county (few: each is 11,000
# receipts), those to the town admins and the grid chiefs, else to the town admins only;
# of the towns', those to the town's grid workers (else to its grid chiefs).
COUNTY_TO_WORKERS = 0.04
COUNTY_TO_CHIEFS = 0.4
TOWN_TO_WORKERS = 0.1
# Of the villages', those written by a cadre (where the village has cadres), and those
# to the group leaders too.
BY_CADRE = 0.4
WITH_LEADERS = 0.2
PRIORITIES = {"routine": 80, "important": 17, "emergency": 3}
# The share of each priority with a deadline to acknowledge, and the deadlines (hours).
WITH_DEADLINE = {"routine": 0.75, "important": 0.95, "emergency": 1.0}
DEADLINE_HOURS = {"routine": (24, 48, 72), "important": (12, 24), "emergency": (2, 4, 6)}
# The fate of a receipt with a deadline: acknowledged by it, after it, never.
ON_TIME, LATE = 0.85, 0.08
# The last weeks: more still pending, the more so the more recent.
RECENT_DAYS = 21
RECENT_PENDING = 0.2
# Without a deadline: acknowledged anyway, or at least read.
ACKED_ANYWAY, READ_ANYWAY = 0.6, 0.6
# Through the personal link (the SMS's): some of those on time, half of the late ones.
LINK, LINK_LATE = 0.08, 0.5
SMS_AFTER_HOURS = 24  # settings.NOTICE_SMS_AFTER_HOURS's default
# Hours of the day offices write, by weight.
HOURS = [0, 0, 0, 0, 0, 0, 0, 2, 10, 14, 12, 8, 3, 2, 8, 12, 12, 9, 5, 2, 1, 0, 0, 0]

TEXTS = {
    "county": [
        (
            "关于开展冬季安全生产大排查的通知",
            "请各网格员于本周内完成辖区安全隐患排查，重点检查燃气、电动车充电和老旧房屋。",
        ),
        (
            "关于做好防汛准备工作的通知",
            "汛期将至，请各网格摸清低洼地带和危房住户底数，落实转移责任人。",
        ),
        (
            "关于开展人口信息核查的通知",
            "请各网格员核对台账中常住人口和流动人口信息，发现变动及时更新。",
        ),
        ("关于做好重要节日期间稳定工作的通知", "节日期间请加强巡查，发现矛盾纠纷苗头及时上报。"),
        (
            "关于开展反诈宣传进网格活动的通知",
            "请各网格员入户宣传防范电信网络诈骗知识，重点关注老年人。",
        ),
    ],
    "town": [
        (
            "关于召开网格员月度例会的通知",
            "本月网格员例会定于周五上午九点在镇便民服务中心召开，请准时参加。",
        ),
        ("关于开展秸秆禁烧巡查的通知", "请各村网格员加强田间巡查，发现焚烧秸秆立即制止并上报。"),
        ("关于做好独居老人走访的通知", "入冬降温，请各村对独居老人逐户走访，了解取暖和用电情况。"),
        ("关于报送本月工作台账的通知", "请各村于本月二十五日前报送网格工作台账。"),
        (
            "关于开展环境卫生集中整治的通知",
            "本周开展村庄环境集中整治，请各村组织网格员清理路边垃圾。",
        ),
    ],
    "village": [
        ("本周网格走访安排", "本周请各网格员完成结对户走访，重点关注重点户和困难户。"),
        (
            "关于清理村内垃圾堆放点的通知",
            "周六上午集中清理村内垃圾堆放点，请各网格员带领村民参加。",
        ),
        ("关于收缴城乡居民医保的通知", "请各网格员提醒本网格未缴费户按时缴纳城乡居民医保。"),
        ("关于召开党员大会的通知", "本月党员大会定于周日下午两点在村委会召开。"),
        ("关于排查出租房屋的通知", "请各网格员登记本网格出租房屋和租住人员信息。"),
    ],
    "emergency": [
        (
            "暴雨橙色预警：立即排查危房住户",
            "气象台发布暴雨橙色预警，请立即排查危房和低洼地带住户，必要时组织转移。",
        ),
        ("大风预警：加固临时建筑", "今夜有大风，请立即通知住户加固棚屋和广告牌，停止高空作业。"),
        ("寒潮预警：关注独居老人取暖", "寒潮来袭，请立即电话或上门联系独居老人，确认取暖安全。"),
    ],
}
CHIEFS_TOLD = "本村有%(n)d人未在截止时间前确认收到“%(title)s”。"

RECEIPT_FIELDS = (
    "announcement",
    "user",
    "area_code",
    "created_at",
    "read_at",
    "acked_at",
    "acked_via",
)
NOTIFICATION_FIELDS = (
    "kind",
    "object_type",
    "object_id",
    "area_code",
    "level",
    "department_id",
    "recipient",
    "to_reporter",
    "text",
    "created_at",
    "read_at",
)
ANNOUNCEMENT_FIELDS = (
    "id",
    "area_code",
    "created_at",
    "updated_at",
    "title",
    "body",
    "priority",
    "sender",
    "audience_areas",
    "audience_roles",
    "audience_users",
    "ack_by",
    "send_at",
    "status",
    "sent_at",
    "recipient_count",
    "chiefs_told_at",
    "sms_queued_at",
)
_FORMAT = "%Y-%m-%d %H:%M:%S"


def _insert(model, fields: tuple[str, ...], times: set[str], rows: list[tuple]) -> None:
    """INSERT `rows`, whose `times` columns hold seconds since the epoch (or None): on
    SQLite turned into Django's naive UTC text by SQLite itself (datetime(?, 'unixepoch')),
    which spares a Python call a value; on PostgreSQL written as text with the offset, by
    COPY (yiwang.core.bulk.insert_rows)."""
    at = [i for i, name in enumerate(fields) if name in times]
    if connection.vendor != "sqlite":
        gmtime, strftime = time.gmtime, time.strftime

        def stamp(value):
            return None if value is None else strftime(_FORMAT, gmtime(value)) + "+00:00"

        def text(row):
            row = list(row)
            for i in at:
                row[i] = stamp(row[i])
            return row

        insert_rows(model, fields, (text(row) for row in rows))
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    marks = ", ".join("datetime(%s, 'unixepoch')" if i in at else "%s" for i in range(len(fields)))
    table = quote(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


class _Posts:
    """The current posts of active accounts by role, each role's sorted by area code, so
    that the holders under an area are a range (bisect) as in the database."""

    def __init__(self):
        by_role: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for role, code, user_id in (
            Post.objects.current()
            .filter(user__is_active=True)
            .values_list("role", "area_code", "user_id")
        ):
            by_role[role].append((code, user_id))
        self.by_role = {role: sorted(rows) for role, rows in by_role.items()}
        self.codes = {role: [code for code, _u in rows] for role, rows in self.by_role.items()}
        self._cache: dict[tuple, list[tuple[int, str]]] = {}

    def holders(self, role: str, prefix: str = "") -> list[tuple[str, int]]:
        codes = self.codes.get(role, [])
        low = bisect.bisect_left(codes, prefix)
        high = bisect.bisect_left(codes, prefix + "\uffff")
        return self.by_role.get(role, [])[low:high]

    def audience(self, area: str, roles: tuple[str, ...], sender: int) -> list[tuple[int, str]]:
        """(user id, code) of each person holding a post of `roles` under `area`: the
        deepest such post's code (audience_posts' Max), the sender left out."""
        key = (area, roles)
        people = self._cache.get(key)
        if people is None:
            deepest: dict[int, str] = {}
            for role in roles:
                for code, user_id in self.holders(role, area):
                    if code > deepest.get(user_id, ""):
                        deepest[user_id] = code
            people = self._cache[key] = sorted(deepest.items())
        return [person for person in people if person[0] != sender]


def _fate(rng, sent: float, ack_by: float | None, now: float, pending: float):
    """(read at, acknowledged at, through) of one receipt; None where not (yet)."""
    draw = rng.random()
    if ack_by is None:
        if draw < ACKED_ANYWAY - pending:
            acked = sent + rng.expovariate(1 / 21600) + 120
        else:
            acked = None
            if rng.random() < READ_ANYWAY:
                read = sent + rng.expovariate(1 / 43200) + 60
                return (read if read < now else None), None, ""
            return None, None, ""
        via = "link" if rng.random() < LINK else "app"
    elif draw < ON_TIME - pending:
        acked = sent + 120 + (ack_by - sent - 120) * rng.random() ** 2
        via = "link" if rng.random() < LINK else "app"
    elif draw < ON_TIME + LATE - pending:
        acked = ack_by + rng.uniform(600, 3 * 86400)
        via = "link" if rng.random() < LINK_LATE else "app"
    else:
        if rng.random() < 0.5:
            read = sent + rng.uniform(60, max(120, ack_by - sent))
            return (read if read < now else None), None, ""
        return None, None, ""
    if acked >= now:  # not yet: maybe read
        read = sent + (now - sent) * rng.random()
        return (read if rng.random() < 0.5 else None), None, ""
    read = acked - (acked - sent) * 0.2 * rng.random()
    return read, acked, via


def _send_time(rng, start: datetime.datetime, now: datetime.datetime, any_hour: bool):
    day = start + datetime.timedelta(days=rng.randrange(DAYS + 1))
    hour = rng.randrange(24) if any_hour else rng.choices(range(24), HOURS)[0]
    at = day.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60))
    return min(at, now - datetime.timedelta(minutes=rng.randrange(20, 600)))


@transaction.atomic
def build_demo_notices(*, seed: int = 2026, now: datetime.datetime | None = None) -> dict:
    """A year of announcements for the demo county (see the module's docstring), on a
    database with the demo county and no announcements yet (else nothing is written).
    Returns what it built, counted."""
    counts = dict.fromkeys(
        (
            "announcements",
            "receipts",
            "acknowledged",
            "late",
            "pending",
            "overdue",
            "chiefs_told",
            "robots",
        ),
        0,
    )
    county = Area.objects.filter(level=Level.COUNTY).order_by("code").first()
    if county is None or Announcement.objects.exists():
        return counts
    rng = random.Random(seed)
    now = now or timezone.now()
    now_s = now.timestamp()
    local_now = timezone.localtime(now)
    start = local_now - datetime.timedelta(days=DAYS)
    posts = _Posts()
    units = Area.objects.open().filter(level=Level.UNIT).count()
    villages = list(
        Area.objects.open().filter(level=Level.VILLAGE).order_by("code").values_list("code", "name")
    )
    if not villages:
        return counts
    n = round(ANNOUNCEMENTS * units / COUNTY_UNITS)

    def first(role: str, area: str) -> int | None:
        found = posts.holders(role, area)
        return found[0][1] if found else None

    county_admin = first(Role.COUNTY_ADMIN, county.code)
    towns = sorted({code for code, _u in posts.holders(Role.TOWN_ADMIN, county.code)})
    chiefs = {code: user for code, user in posts.holders(Role.GRID_CHIEF, county.code)}
    cadres: dict[str, list[int]] = defaultdict(list)
    for code, user_id in posts.holders(Role.CADRE, county.code):
        if len(code) == 12:
            cadres[code].append(user_id)
    writers = [code for code, _name in villages if code in chiefs]
    if not writers:  # no grid chiefs: not the demo county
        return counts
    logins = dict(
        User.objects.filter(username__in=("chief", "worker")).values_list("username", "pk")
    )

    # What is sent: (sent, area, roles, sender, level, priority, ack_by or None).
    plan = []
    for _i in range(n):
        draw = rng.random()
        priority = rng.choices(list(PRIORITIES), list(PRIORITIES.values()))[0]
        if draw < FROM_COUNTY and county_admin:
            area, level, sender = county.code, "county", county_admin
            to = rng.random()
            roles = (
                (Role.GRID_WORKER,)
                if to < COUNTY_TO_WORKERS
                else (Role.GRID_CHIEF, Role.TOWN_ADMIN)
                if to < COUNTY_TO_WORKERS + COUNTY_TO_CHIEFS
                else (Role.TOWN_ADMIN,)
            )
        elif draw < FROM_COUNTY + FROM_TOWNS and towns:
            area, level = rng.choice(towns), "town"
            sender = first(Role.TOWN_ADMIN, area)
            roles = (Role.GRID_WORKER,) if rng.random() < TOWN_TO_WORKERS else (Role.GRID_CHIEF,)
        else:
            area, level = rng.choice(writers), "village"
            sender = chiefs[area]
            if cadres.get(area) and rng.random() < BY_CADRE:
                sender = rng.choice(cadres[area])
            roles = (Role.GRID_WORKER,)
            if rng.random() < WITH_LEADERS:
                roles = (Role.GRID_WORKER, Role.GROUP_LEADER)
        sent = _send_time(rng, start, now, priority == "emergency")
        ack_by = None
        if rng.random() < WITH_DEADLINE[priority]:
            ack_by = sent + datetime.timedelta(hours=rng.choice(DEADLINE_HOURS[priority]))
        plan.append((sent, area, roles, sender, level, priority, ack_by))
    # The chief's village's latest: one whose deadline passed three days ago, and two still
    # open, so that the demo logins have something to do (they count in the year's n).
    home = next((code for code in writers if chiefs[code] == logins.get("chief")), writers[0])
    for days_ago, deadline_in, priority in ((5, -3, "important"), (2, 1, "important")):
        sent = local_now - datetime.timedelta(days=days_ago)
        sent = sent.replace(hour=9, minute=30, second=0, microsecond=0)
        ack_by = local_now + datetime.timedelta(days=deadline_in)
        plan[rng.randrange(len(plan))] = (
            sent,
            home,
            (Role.GRID_WORKER,),
            chiefs[home],
            "village",
            priority,
            ack_by,
        )
    sent = local_now - datetime.timedelta(hours=6)
    plan[rng.randrange(len(plan))] = (
        sent,
        home,
        (Role.GRID_WORKER, Role.GROUP_LEADER),
        chiefs[home],
        "village",
        "routine",
        sent + datetime.timedelta(days=2),
    )
    plan.sort(key=lambda row: row[0])

    delay = SMS_AFTER_HOURS * 3600
    ids = _reserve_ids(Announcement._meta.db_table, len(plan))
    defaults = _defaults(Announcement, ANNOUNCEMENT_FIELDS)
    # (id, area, title, sent, ack_by or None) in seconds since the epoch; each one's people.
    sent_rows, audiences, announcement_rows = [], [], []
    for pk, (sent, area, roles, sender, level, priority, ack_by) in enumerate(plan, ids):
        people = posts.audience(area, roles, sender)
        kind = "emergency" if priority == "emergency" else level
        title, body = rng.choice(TEXTS[kind])
        sent = sent.timestamp()
        ack_by = ack_by.timestamp() if ack_by is not None else None
        passed = ack_by is not None and ack_by <= now_s
        announcement_rows.append(
            (
                pk,
                area,
                sent - rng.randrange(300, 14400),
                sent,
                title,
                body,
                priority,
                sender,
                json.dumps([area]),
                json.dumps(list(roles)),
                "[]",
                ack_by,
                sent,
                "sent",
                sent,
                len(people),
                ack_by if passed else None,
                ack_by + delay if passed and ack_by + delay <= now_s else None,
                *defaults.values(),
            )
        )
        sent_rows.append((pk, area, title, sent, ack_by))
        audiences.append(people)
    times = {"created_at", "updated_at", "ack_by", "send_at", "sent_at"}
    times |= {"chiefs_told_at", "sms_queued_at"}

    # The worker's four latest: the two newest unread, the two before read; none
    # acknowledged yet. Three of the chief's village's overdue one never acknowledged.
    worker = logins.get("worker")
    forced: dict[tuple[int, int], tuple] = {}
    reaching = [i for i, people in enumerate(audiences) if any(u == worker for u, _c in people)]
    for rank, i in enumerate(reversed(reaching[-4:])):
        read = None if rank < 2 else min(now_s - 60, sent_rows[i][3] + 1800)
        forced[(i, worker)] = (read, None, "")
    for i, (_pk, area, _title, _sent, ack_by) in enumerate(sent_rows):
        if area == home and ack_by is not None and 0 < now_s - ack_by < 4 * 86400:
            for user_id, _code in audiences[i][:3]:
                forced.setdefault((i, user_id), (None, None, ""))

    rows = []
    told: Counter = Counter()
    acknowledged = late = overdue = 0
    for i, ((pk, _area, _title, sent, ack_by), people) in enumerate(
        zip(sent_rows, audiences, strict=True)
    ):
        age = (now_s - sent) / 86400
        pending = RECENT_PENDING * (1 - age / RECENT_DAYS) if age < RECENT_DAYS else 0.0
        passed = ack_by is not None and ack_by <= now_s
        for user_id, code in people:
            read, acked, via = forced.get((i, user_id)) or _fate(rng, sent, ack_by, now_s, pending)
            rows.append((pk, user_id, code, sent, read, acked, via))
            if acked is not None:
                acknowledged += 1
                if ack_by is not None and acked > ack_by:
                    late += 1
                    if len(code) >= 12:
                        told[(i, code[:12])] += 1
            elif passed:
                overdue += 1
                if len(code) >= 12:
                    told[(i, code[:12])] += 1
    with bulk_writing():
        _insert(Announcement, (*ANNOUNCEMENT_FIELDS, *defaults), times, announcement_rows)
        _insert(Receipt, RECEIPT_FIELDS, {"created_at", "read_at", "acked_at"}, rows)
    counts["announcements"] = len(announcement_rows)
    counts["receipts"] = len(rows)
    counts["acknowledged"], counts["late"], counts["overdue"] = acknowledged, late, overdue
    counts["pending"] = len(rows) - acknowledged

    # What the sweep wrote at each passed deadline: a notification to each village with
    # people who had not acknowledged by then (read, unless it is recent).
    notifications = []
    for (i, village), number in sorted(told.items()):
        pk, _area, title, _sent, ack_by = sent_rows[i]
        at = ack_by + 60
        read = at + rng.uniform(600, 86400) if now_s - at > 7 * 86400 else None
        notifications.append(
            (
                "notice.unacknowledged",
                Announcement._meta.label_lower,
                pk,
                village,
                "village",
                None,
                None,
                False,
                CHIEFS_TOLD % {"n": number, "title": title},
                at,
                read,
            )
        )
    _insert(Notification, NOTIFICATION_FIELDS, {"created_at", "read_at"}, notifications)
    counts["chiefs_told"] = len(notifications)

    # A group robot a village, pointed at nothing until configured.
    robots = Robot.objects.bulk_create(
        [
            Robot(
                area_code=code,
                channel=Channel.WECOM,
                name=f"{name}网格群"[:60],
                url="",
                secret="",
                is_active=False,
            )
            for code, name in villages
        ],
        batch_size=1000,
    )
    counts["robots"] = len(robots)
    audit.record(
        actor=None,
        action="demo.notices",
        object_type="notices.announcement",
        object_id=county.code,
        object_repr=county.name,
        area_code=county.code,
        after=counts,
    )
    return counts
