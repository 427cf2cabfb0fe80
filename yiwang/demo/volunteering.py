"""The demo county's volunteering, in the county's proportions (issue 19): about 8,000
volunteers (residents of the ledger, registered with their consent, and some grid
workers' own accounts), a party members' team (党员操心人志愿服务队) in every village with
its leader, a few county service teams and the caring mothers (爱心妈妈); about 2,000
activities over the last twelve months for the five target groups, and a few coming up;
about 30,000 services, each checked in and out with its credit hours (most approved, some
pending, a few declined for a presence under 60 %, a few closed by the system and
flagged), some honour hours; a few hundred micro-wishes of left-behind children and
elderly residents living alone in every status, claimed by volunteers, party members,
enterprises (outreach's) and groups; the caring mothers' fund (90,000 yuan given in the
year, some of it paid out, never below zero); a few hours certificates.

A smaller demo (the town scale) gets the county's share, by units. Everything is
generated from a seed, dated relative to now and written in bulk (no services), on a
database with a ledger and no volunteers yet; else nothing is written."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from yiwang.accounts.models import Post, Role, User
from yiwang.areas.models import Area, Level
from yiwang.core import audit
from yiwang.demo import wishes
from yiwang.registry.models import Resident
from yiwang.volunteering.models import (
    Activity,
    ActivityStatus,
    Attendance,
    HoursKind,
    HoursRecord,
    HoursStatus,
    Membership,
    SignUp,
    TargetGroup,
    Team,
    TeamKind,
    Volunteer,
)

COUNTY_UNITS = 7849
VOLUNTEERS = 8000
# Grid workers registered with their own accounts (the caring mothers among them).
WORKER_VOLUNTEERS = 800
PARTY_TEAM_SIZE = (8, 16)
ACTIVITIES = 2000
UPCOMING = 0.02  # of the activities: in the next two weeks, signed up for only
CANCELLED = 0.02
DAYS = 365
# Of the attendances: left early (presence under 60 %, declined), never checked out
# (closed by the system after 24 hours, flagged, pending).
LEFT_EARLY = 0.03
NOT_CHECKED_OUT = 0.02
HONOUR_SHARE = 0.03
# Hours of activities ended this many days ago or fewer are partly still pending.
RECENT_DAYS = 14
BATCH = 2000

SERVICE_TEAMS = (
    ("新时代文明实践志愿服务总队", None),
    ("卫生健康志愿服务队", TargetGroup.ELDERLY),
    ("法律服务志愿服务队", TargetGroup.COMFORT),
    ("文化文艺志愿服务队", TargetGroup.PUBLIC),
    ("青年志愿服务队", TargetGroup.CHILDREN),
)
CARING_MOTHERS = "爱心妈妈志愿服务队"
GROUP_WEIGHTS = {
    TargetGroup.ELDERLY: 30,
    TargetGroup.CHILDREN: 12,
    TargetGroup.HARDSHIP: 18,
    TargetGroup.COMFORT: 10,
    TargetGroup.PUBLIC: 30,
}
TITLES = {
    TargetGroup.ELDERLY: (
        "重阳节敬老助老活动",
        "为独居老人打扫卫生",
        "义务理发进村",
        "老年人健康义诊",
        "帮老人代购生活用品",
        "陪空巢老人包饺子",
        "老年人防诈骗宣讲",
    ),
    TargetGroup.CHILDREN: (
        "留守儿童课业辅导",
        "“六一”关爱留守儿童",
        "亲子阅读会",
        "防溺水安全教育",
        "爱心妈妈陪伴日",
        "留守儿童心理辅导",
    ),
    TargetGroup.HARDSHIP: (
        "帮困难家庭抢收秋粮",
        "困难家庭房屋修缮",
        "走访慰问低保户",
        "助残志愿服务",
        "农资代购送上门",
    ),
    TargetGroup.COMFORT: (
        "上门陪伴聊天",
        "重病患者家庭探望",
        "矛盾纠纷调解",
        "心理疏导进农家",
        "节日慰问独居老人",
    ),
    TargetGroup.PUBLIC: (
        "村庄环境卫生大扫除",
        "清理河道垃圾",
        "文明交通劝导",
        "移风易俗宣传",
        "森林防火宣传",
        "义务植树",
        "垃圾分类宣传",
    ),
}
PLACES = {
    TargetGroup.ELDERLY: ("幸福院", "卫生室", "村委会"),
    TargetGroup.CHILDREN: ("村小学", "新时代文明实践站", "农家书屋"),
    TargetGroup.HARDSHIP: ("村委会", "党群服务中心", "村东田间"),
    TargetGroup.COMFORT: ("党群服务中心", "村委会", "幸福院"),
    TargetGroup.PUBLIC: ("文化广场", "村内主街", "河道沿线"),
}
SKILLS = ("医疗护理", "理发", "法律咨询", "文艺演出", "家电维修", "心理疏导", "课业辅导", "驾驶")
AVAILABILITY = ("周末", "工作日晚上", "随时", "农闲时节", "节假日")
HONOUR_NOTES = ("协助组织活动并做好后勤保障", "撰写活动宣传稿", "提前布置活动场地")
STARTS = (datetime.time(8, 30), datetime.time(9), datetime.time(14), datetime.time(15))
LENGTHS = (90, 120, 150, 180, 240)  # minutes
DECLINED_FLAG = "在场时间不足活动时长的60%"
DECLINED_REASON = "签退过早，在场时间不足活动时长的60%，不计时长。"
CLOSED_FLAG = "未签退，活动结束24小时后由系统关闭"
COUNT_KEYS = (
    "volunteers",
    "worker_volunteers",
    "teams",
    "memberships",
    "activities",
    "signups",
    "services",
    "approved",
    "pending",
    "declined",
    "closed_by_system",
    "honour",
    "wishes",
    "claims",
    "donations",
    "donated_yuan",
    "payouts",
    "paid_yuan",
    "certificates",
)


def _aware(day: datetime.date, at: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, at))


def _hours(seconds: float) -> Decimal:
    return (Decimal(int(seconds)) / Decimal(3600)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def credit_hours(activity: Activity, checked_in_at, checked_out_at) -> tuple[Decimal, float]:
    """The hours a presence gives and its share of the activity: the time checked in
    within the activity's span."""
    start = max(checked_in_at, activity.starts_at)
    end = min(checked_out_at, activity.ends_at)
    seconds = max((end - start).total_seconds(), 0)
    length = (activity.ends_at - activity.starts_at).total_seconds()
    return _hours(seconds), seconds / length


def _posts(role: str) -> dict[str, list[int]]:
    found: dict[str, list[int]] = defaultdict(list)
    for user_id, code in (
        Post.objects.current()
        .filter(role=role)
        .order_by("area_code", "id")
        .values_list("user_id", "area_code")
    ):
        found[code].append(user_id)
    return found


@transaction.atomic
def build_demo_volunteering(*, seed: int = 2026, now: datetime.datetime | None = None) -> dict:
    """Builds the demo's volunteering (see the module's docstring) on a database with a
    ledger and no volunteers yet; else writes nothing. Returns what it built, counted."""
    counts: dict[str, int] = dict.fromkeys(COUNT_KEYS, 0)
    if Volunteer.objects.exists() or not Resident.objects.exists():
        return counts
    rng = random.Random(seed)
    now = now or timezone.now()
    today = timezone.localdate(now)
    county = Area.objects.filter(level=Level.COUNTY).order_by("code").first()
    villages = dict(
        Area.objects.open().filter(level=Level.VILLAGE).order_by("code").values_list("code", "name")
    )
    units = Area.objects.open().filter(level=Level.UNIT).count()
    share = units / COUNTY_UNITS
    workers = _posts(Role.GRID_WORKER)
    chiefs = {code: ids[0] for code, ids in _posts(Role.GRID_CHIEF).items()}
    admin = _posts(Role.COUNTY_ADMIN)[county.code][0]
    users = dict(
        User.objects.filter(pk__in=[i for ids in workers.values() for i in ids]).values_list(
            "pk", "full_name"
        )
    )

    vols = _volunteers(rng, now, share, villages, workers, users, counts)
    teams = _teams(rng, county, villages, vols, counts)
    activities = _activities(rng, now, share, county, villages, teams, vols, chiefs, admin)
    counts["activities"] = len(activities)
    _services(rng, now, activities, counts)
    planned = wishes.build_wishes(rng, now, share, vols, teams, workers, chiefs, admin, counts)
    wishes.build_fund(rng, now, share, county, planned, admin, counts)
    wishes.build_certificates(rng, today, share, villages, vols, chiefs, counts)
    audit.record(
        actor=None,
        action="demo.volunteering",
        object_type="volunteering.volunteer",
        object_id=county.code,
        object_repr=county.name,
        area_code=county.code,
        after=counts,
    )
    return counts


class _Vols:
    """The volunteers made, by where they are: {village: [volunteer]}, the party members'
    of each village, the caring mothers, the residents' ids."""

    def __init__(self):
        self.all: list[Volunteer] = []
        self.of_village: dict[str, list[Volunteer]] = defaultdict(list)
        self.party: dict[str, list[Volunteer]] = defaultdict(list)
        self.mothers: list[Volunteer] = []
        self.women: list[Volunteer] = []


def _volunteers(rng, now, share, villages, workers, users, counts) -> _Vols:
    adult_from = timezone.localdate(now) - datetime.timedelta(days=365 * 70)
    adult_to = timezone.localdate(now) - datetime.timedelta(days=365 * 18)
    adults: dict[str, list[tuple]] = defaultdict(list)
    for row in (
        Resident.objects.filter(status="living", birth_date__range=(adult_from, adult_to))
        .order_by("id")
        .values_list("id", "area_code", "name", "sex", "is_party_member")
    ):
        adults[row[1][:12]].append(row)
    consent = lambda: now - datetime.timedelta(days=rng.randint(DAYS + 1, 3 * DAYS))  # noqa: E731
    made: list[tuple[Volunteer, str, bool]] = []  # (volunteer, village, party member)
    taken: set[int] = set()
    new_members: list[int] = []
    # The party members' team of each village: party members of the village (made so when
    # the ledger has too few of them).
    for village in villages:
        people = adults.get(village, [])
        members = [r for r in people if r[4]]
        want = min(rng.randint(*PARTY_TEAM_SIZE), len(people))
        if len(members) < want:
            others = [r for r in people if not r[4]]
            extra = rng.sample(others, want - len(members))
            new_members += [r[0] for r in extra]
            members += extra
        for row in rng.sample(members, want):
            taken.add(row[0])
            made.append((_resident_volunteer(rng, row, consent()), village, True))
    Resident.objects.filter(pk__in=new_members).update(is_party_member=True)
    # Grid workers with their own accounts: the first of each village (its caring
    # mother, as outreach pairs them), then others drawn.
    firsts: dict[str, int] = {}
    for code in sorted(workers):
        firsts.setdefault(code[:12], workers[code][0])
    mother_ids = set(firsts.values())
    unit_of = {pk: code for code, ids in workers.items() for pk in ids}
    others = sorted(set(unit_of) - mother_ids)
    n_workers = max(round(WORKER_VOLUNTEERS * share), len(mother_ids))
    chosen = sorted(mother_ids) + rng.sample(others, min(len(others), n_workers - len(mother_ids)))
    for pk in chosen:
        volunteer = Volunteer(
            user_id=pk,
            name=users.get(pk) or "网格员",
            area_code=unit_of[pk],
            skills=rng.choice(SKILLS),
            availability=rng.choice(AVAILABILITY),
            consent_at=consent(),
        )
        made.append((volunteer, unit_of[pk][:12], False))
    counts["worker_volunteers"] = len(chosen)
    # The other residents, drawn across the county.
    rest = [r for people in adults.values() for r in people if r[0] not in taken]
    want = max(round(VOLUNTEERS * share) - len(made), 0)
    for row in rng.sample(rest, min(want, len(rest))):
        made.append((_resident_volunteer(rng, row, consent()), row[1][:12], False))
    created = Volunteer.objects.bulk_create([v for v, _village, _p in made], batch_size=BATCH)
    vols = _Vols()
    women = {pk for people in adults.values() for pk, *_r, sex, _p in people if sex == "female"}
    for volunteer, (_v, village, party) in zip(created, made, strict=True):
        vols.all.append(volunteer)
        vols.of_village[village].append(volunteer)
        if party:
            vols.party[village].append(volunteer)
        if volunteer.user_id in mother_ids:
            vols.mothers.append(volunteer)
        elif not party and volunteer.resident_id in women:
            vols.women.append(volunteer)
    counts["volunteers"] = len(created)
    return vols


def _resident_volunteer(rng, row, consent_at) -> Volunteer:
    pk, code, name, _sex, _party = row
    return Volunteer(
        resident_id=pk,
        name=name,
        area_code=code,
        skills="、".join(rng.sample(SKILLS, rng.randint(0, 2))),
        availability=rng.choice(AVAILABILITY),
        consent_at=consent_at,
    )


def _teams(rng, county, villages, vols: _Vols, counts) -> dict:
    """{"party": {village: team}, "service": [(team, group)], "mothers": team} with their
    members ({team id: [volunteer]})."""
    teams = [
        Team(area_code=code, name=f"{name}党员操心人志愿服务队", kind=TeamKind.PARTY_MEMBERS)
        for code, name in villages.items()
    ]
    service = [
        Team(area_code=county.code, name=f"{county.name}{name}", kind=TeamKind.SERVICE)
        for name, _group in SERVICE_TEAMS
    ]
    mothers = Team(
        area_code=county.code, name=f"{county.name}{CARING_MOTHERS}", kind=TeamKind.CARING_MOTHERS
    )
    Team.objects.bulk_create([*teams, *service, mothers])
    members: dict[int, list[Volunteer]] = {}
    for team in teams:
        members[team.pk] = vols.party.get(team.area_code, [])
    party_ids = {v.pk for vs in vols.party.values() for v in vs}
    mother_ids = {v.pk for v in vols.mothers}
    pool = [v for v in vols.all if v.pk not in party_ids and v.pk not in mother_ids]
    for team in service:
        members[team.pk] = rng.sample(pool, min(len(pool), max(8, len(pool) // 12)))
    members[mothers.pk] = vols.mothers + rng.sample(
        vols.women, min(len(vols.women), len(vols.mothers))
    )
    rows = []
    for team_id, people in members.items():
        for i, volunteer in enumerate(people):
            joined = timezone.localdate(volunteer.consent_at) + datetime.timedelta(
                days=rng.randint(0, 30)
            )
            rows.append(
                Membership(team_id=team_id, volunteer=volunteer, is_leader=i == 0, joined_on=joined)
            )
    Membership.objects.bulk_create(rows, batch_size=BATCH)
    counts["teams"] = len(teams) + len(service) + 1
    counts["memberships"] = len(rows)
    groups = [group for _name, group in SERVICE_TEAMS]
    return {
        "party": {t.area_code: t for t in teams},
        "service": list(zip(service, groups, strict=True)),
        "mothers": mothers,
        "members": members,
    }


def _group(rng) -> str:
    return rng.choices(list(GROUP_WEIGHTS), list(GROUP_WEIGHTS.values()))[0]


def _activities(rng, now, share, county, villages, teams, vols: _Vols, chiefs, admin) -> list:
    """[(activity, the volunteers who may come)], by start, written."""
    today = timezone.localdate(now)
    codes = sorted(teams["party"])
    members = teams["members"]
    mothers = teams["mothers"]
    mother_users = {v.area_code[:12]: v.user_id for v in vols.mothers}
    planned = []
    for _ in range(max(round(ACTIVITIES * share), 1)):
        draw = rng.random()
        village = rng.choice(codes)
        if draw < 0.80:
            team, group = teams["party"][village], _group(rng)
            organiser = chiefs.get(village, admin)
            pool = vols.of_village.get(village, [])
        elif draw < 0.94:
            team, group = rng.choice(teams["service"])
            group = group or _group(rng)
            organiser = admin
            seen = {v.pk for v in members[team.pk]}
            pool = members[team.pk] + [
                v for v in vols.of_village.get(village, []) if v.pk not in seen
            ]
        else:
            team, group = mothers, TargetGroup.CHILDREN
            organiser = mother_users.get(village, admin)
            near = [v for v in members[mothers.pk] if v.area_code[:9] == village[:9]]
            pool = near or members[mothers.pk]
        upcoming = rng.random() < UPCOMING
        offset = rng.randint(1, 14) if upcoming else -rng.randint(1, DAYS)
        starts = _aware(today + datetime.timedelta(days=offset), rng.choice(STARTS))
        title = rng.choice(TITLES[group])
        activity = Activity(
            team=team,
            area_code=village,
            title=title,
            description=f"{team.name}组织志愿者开展“{title}”志愿服务。",
            target_group=group,
            place=villages[village] + rng.choice(PLACES[group]),
            starts_at=starts,
            ends_at=starts + datetime.timedelta(minutes=rng.choice(LENGTHS)),
            places=rng.randint(10, 30),
            status=ActivityStatus.CANCELLED
            if not upcoming and rng.random() < CANCELLED
            else ActivityStatus.OPEN,
            checkin_code=f"{rng.randrange(10**6):06d}",
            organiser_id=organiser,
            created_at=min(starts - datetime.timedelta(days=rng.randint(3, 10)), now),
        )
        planned.append((activity, pool))
    planned.sort(key=lambda p: p[0].starts_at)
    Activity.objects.bulk_create([a for a, _pool in planned], batch_size=BATCH)
    return planned


def _services(rng, now, planned, counts) -> None:
    """Sign-ups; for the activities held, attendances and their credit hours, some honour
    hours."""
    signups, attended = [], []
    for activity, pool in planned:
        if not pool:
            continue
        n = min(len(pool), round(activity.places * rng.uniform(0.55, 1.0)))
        people = rng.sample(pool, n)
        chosen = {v.pk for v in people}
        spare = [v for v in pool if v.pk not in chosen]
        no_shows = rng.sample(spare, min(len(spare), rng.randint(0, 2)))
        held = activity.status == ActivityStatus.OPEN and activity.ends_at < now
        for volunteer in people + no_shows:
            at = activity.created_at + datetime.timedelta(hours=rng.randint(1, 48))
            cancelled = activity.status == ActivityStatus.CANCELLED or (
                volunteer in no_shows and rng.random() < 0.5
            )
            signups.append(
                SignUp(
                    activity=activity,
                    volunteer=volunteer,
                    created_at=min(at, now),
                    cancelled_at=min(at + datetime.timedelta(hours=2), now) if cancelled else None,
                )
            )
        if held:
            attended += [(activity, volunteer) for volunteer in people]
    SignUp.objects.bulk_create(signups, batch_size=BATCH)
    counts["signups"] = len(signups)

    attendances, kinds = [], []
    for activity, volunteer in attended:
        checked_in = activity.starts_at + datetime.timedelta(minutes=rng.randint(-15, 10))
        draw = rng.random()
        closed = draw < NOT_CHECKED_OUT and activity.ends_at + datetime.timedelta(hours=24) < now
        length = activity.ends_at - activity.starts_at
        if closed:
            kind, checked_out = "closed", activity.ends_at
        elif draw < NOT_CHECKED_OUT + LEFT_EARLY:
            kind, checked_out = "early", checked_in + length * rng.uniform(0.2, 0.55)
        else:
            kind = "normal"
            checked_out = activity.ends_at + datetime.timedelta(minutes=rng.randint(-10, 20))
        checked_out = min(checked_out, now)
        attendances.append(
            Attendance(
                activity=activity,
                volunteer=volunteer,
                area_code=activity.area_code,
                checkin_uuid=_uuid(rng),
                checked_in_at=checked_in,
                checkout_uuid=None if closed else _uuid(rng),
                checked_out_at=checked_out,
                closed_by_system=closed,
                created_at=checked_in,
            )
        )
        kinds.append(kind)
    Attendance.objects.bulk_create(attendances, batch_size=BATCH)
    counts["services"] = len(attendances)

    records = []
    for attendance, kind in zip(attendances, kinds, strict=True):
        activity = attendance.activity
        hours, _presence = credit_hours(
            activity, attendance.checked_in_at, attendance.checked_out_at
        )
        recent = activity.ends_at > now - datetime.timedelta(days=RECENT_DAYS)
        decided_at = min(activity.ends_at + datetime.timedelta(hours=rng.randint(2, 48)), now)
        if kind == "early":
            status, flag, reason = HoursStatus.DECLINED, DECLINED_FLAG, DECLINED_REASON
        elif kind == "closed":
            status, flag, reason = HoursStatus.PENDING, CLOSED_FLAG, ""
        else:
            status = HoursStatus.PENDING if recent and rng.random() < 0.6 else HoursStatus.APPROVED
            flag = reason = ""
        decided = status != HoursStatus.PENDING
        records.append(
            HoursRecord(
                volunteer=attendance.volunteer,
                activity=activity,
                attendance=attendance,
                kind=HoursKind.CREDIT,
                hours=hours,
                status=status,
                flag=flag,
                reason=reason,
                served_on=timezone.localdate(activity.starts_at),
                area_code=activity.area_code,
                decided_by_id=activity.organiser_id if decided else None,
                decided_at=decided_at if decided else None,
                created_at=attendance.checked_out_at,
            )
        )
        counts[{"early": "declined", "closed": "closed_by_system"}.get(kind, status)] += 1
        if kind == "normal" and rng.random() < HONOUR_SHARE:
            honour_status = HoursStatus.PENDING if recent else HoursStatus.APPROVED
            records.append(
                HoursRecord(
                    volunteer=attendance.volunteer,
                    activity=activity,
                    kind=HoursKind.HONOUR,
                    hours=Decimal(rng.choice(("1.00", "1.50", "2.00"))),
                    status=honour_status,
                    note=rng.choice(HONOUR_NOTES),
                    served_on=timezone.localdate(activity.starts_at),
                    area_code=activity.area_code,
                    recorded_by_id=activity.organiser_id,
                    decided_by_id=None if recent else activity.organiser_id,
                    decided_at=None if recent else decided_at,
                    created_at=decided_at,
                )
            )
            counts["honour"] += 1
    HoursRecord.objects.bulk_create(records, batch_size=BATCH)
    counts["pending"] = sum(1 for r in records if r.status == HoursStatus.PENDING)
    counts["approved"] = sum(1 for r in records if r.status == HoursStatus.APPROVED)


def _uuid(rng):
    import uuid

    return uuid.UUID(int=rng.getrandbits(128), version=4)
