"""The demo county's emergency duty (issue 21):

- a flood-season duty roster (防汛值班) for every town, 1 June to 30 September of the
  current year, one 24-hour shift a day from 08:00 to 08:00, each with a duty leader
  (带班领导: the town admin and village chiefs), a duty officer (值班员: other chiefs)
  and two on patrol (巡查: a grid worker from each of the town's first villages), on the
  rules "not twice in 24 hours" and "a day's rest after a night";
- beside it, each town's command post roster (应急指挥部日常值班表) from a week before
  today to a month after, with other people of the town, so that somebody is on duty now
  (and in the calendar feeds) on any date, in the flood season or not;
- one past door-to-door sweep (敲门行动) of the elderly living alone (the ledger's tag
  `elderly_alone`) in the first town, during the last flood season's heavy rain, closed:
  each household assigned to its unit's grid worker and visited (the outreach visit,
  entered once), most found safe, a few needing help, a few not at home;
- a store of emergency supplies per town (编织袋, 救生衣, 方便面, 饮用水, 中药汤剂 …),
  received from the county's bureaus and handed out to households and villages, and in
  the first town an isolation point supplied from the town's store.

The rosters and their rotation go through the roster service (`generate`), the stores
and their moves through the supplies service (the stock kept by its conditional UPDATE),
the sweep's close through the sweep service. The sweep's households and visits, a past
sweep's, are written in bulk (no notices sent now), keeping its invariants by
construction: the target group as the sweep service draws it, a household's result its
outreach visit's. Built on a database with areas and no rosters, sweeps or stores yet;
else nothing is written."""

from __future__ import annotations

import datetime
import random
import uuid
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from yiwang.accounts.models import Post, Role
from yiwang.areas.models import Area, Level
from yiwang.core import audit
from yiwang.core.bulk import db_value, insert_rows
from yiwang.demo.services import valid_mobile
from yiwang.duty.models import (
    Assignment,
    DutyRole,
    Good,
    Roster,
    Shift,
    Store,
    StoreKind,
    Sweep,
    SweepHousehold,
    SweepResult,
)
from yiwang.duty.services.sweeps import OUTCOMES  # a visit's outcome of a sweep's result
from yiwang.outreach.models import Visit, VisitSource
from yiwang.registry.models import Household, Resident, ResidentTag, Tag

SEASON = ((6, 1), (9, 30))
SHIFT_START = datetime.time(8, 0)
ROLES = {DutyRole.OFFICER: 1, DutyRole.PATROL: 2}
LEADERS, OFFICERS, PATROL = 5, 6, 12
# The command post's roster around today (so that somebody is on duty now, on any date):
# from a week before today to a month after, its people others than the flood season's.
RECENT_BEFORE, RECENT_AFTER = 7, 30
RECENT_LEADERS, RECENT_OFFICERS, RECENT_PATROL = 3, 3, 6
SWEEP_TAG = "elderly_alone"
SWEEP_RESULTS = {SweepResult.SAFE: 88, SweepResult.NEEDS_HELP: 5, SweepResult.NOT_HOME: 7}
SWEEP_NOTES = {
    SweepResult.SAFE: ("", "房屋无渗漏，老人身体良好。", "已提醒雨天不要外出。"),
    SweepResult.NEEDS_HELP: ("屋顶漏雨，已联系村里修缮。", "常用药快用完，已代为购买。"),
    SweepResult.NOT_HOME: ("家中无人，电话联系在子女家中，安全。",),
}
# (name, unit, category, received a town, from)
GOODS = (
    ("编织袋", "条", "防汛物资", 3000, "县应急管理局"),
    ("救生衣", "件", "防汛物资", 200, "县应急管理局"),
    ("手电筒", "个", "防汛物资", 150, "县应急管理局"),
    ("方便面", "箱", "生活物资", 300, "县红十字会"),
    ("饮用水", "箱", "生活物资", 400, "县红十字会"),
    ("中药汤剂", "剂", "医疗物资", 2000, "县中医院"),
)
HOUSEHOLD_HANDOUTS = 12
COUNT_KEYS = (
    "rosters",
    "recent_rosters",
    "roster_members",
    "shifts",
    "assignments",
    "sweeps",
    "sweep_households",
    "sweep_safe",
    "sweep_needs_help",
    "sweep_not_home",
    "stores",
    "goods",
    "received",
    "handed_out",
    "transferred",
)
DAY = datetime.timedelta(days=1)


def flood_season(year: int) -> tuple[datetime.date, datetime.date]:
    (m1, d1), (m2, d2) = SEASON
    return datetime.date(year, m1, d1), datetime.date(year, m2, d2)


def sweep_day(today: datetime.date) -> datetime.date:
    """The day of the past sweep: 15 July of the last flood season at least 95 days back
    (before the outreach demo's three months of visits and schedules)."""
    day = datetime.date(today.year, 7, 15)
    return day if day <= today - datetime.timedelta(days=95) else day.replace(year=today.year - 1)


class _TownPeople:
    """A town's people for its roster, its sweep and its store."""

    def __init__(self):
        self.admin: dict[str, int] = {}
        self.chiefs: dict[str, list[int]] = defaultdict(list)
        self.workers: dict[str, list[tuple[str, int]]] = defaultdict(list)  # (unit, user)
        for user_id, role, code in (
            Post.objects.current()
            .filter(role__in=(Role.TOWN_ADMIN, Role.GRID_CHIEF, Role.GRID_WORKER))
            .order_by("area_code", "user_id")
            .values_list("user_id", "role", "area_code")
        ):
            if role == Role.TOWN_ADMIN:
                self.admin.setdefault(code, user_id)
            elif role == Role.GRID_CHIEF:
                self.chiefs[code[:9]].append(user_id)
            else:
                self.workers[code[:9]].append((code, user_id))

    def pools(self, town: str) -> dict[str, list[int]] | None:
        """The roster's people by role (nobody in two roles), or None when the town has
        too few to keep the rules."""
        chiefs = self.chiefs.get(town, [])
        leaders = [self.admin[town], *chiefs[: LEADERS - 1]] if town in self.admin else []
        officers = chiefs[LEADERS - 1 : LEADERS - 1 + OFFICERS]
        # A grid worker from each of the first villages (the first unit's first worker).
        patrol, villages = [], set()
        for unit, user in self.workers.get(town, []):
            if unit[:12] not in villages and len(patrol) < PATROL:
                villages.add(unit[:12])
                patrol.append(user)
        if len(leaders) < 2 or len(officers) < 2 or len(patrol) < 4:
            return None
        return {DutyRole.LEADER: leaders, DutyRole.OFFICER: officers, DutyRole.PATROL: patrol}

    def recent_pools(self, town: str, taken: dict) -> dict[str, list[int]] | None:
        """The people of the command post's roster around today: the town's chiefs and
        grid workers on no flood-season duty (so that the two rosters never ask one
        person twice at once), or None when too few are left."""
        busy = {user for users in taken.values() for user in users}
        spare = [u for u in self.chiefs.get(town, []) if u not in busy]
        spare += [u for _unit, u in self.workers.get(town, []) if u not in busy and u not in spare]
        leaders = spare[:RECENT_LEADERS]
        officers = spare[RECENT_LEADERS : RECENT_LEADERS + RECENT_OFFICERS]
        patrol = spare[RECENT_LEADERS + RECENT_OFFICERS :][:RECENT_PATROL]
        if len(leaders) < 2 or len(officers) < 2 or len(patrol) < 4:
            return None
        return {DutyRole.LEADER: leaders, DutyRole.OFFICER: officers, DutyRole.PATROL: patrol}


@transaction.atomic
def build_demo_duty(*, seed: int = 2026, now: datetime.datetime | None = None) -> dict:
    """Builds the rosters, the sweep and the stores (see the module's docstring) on a
    database with areas and none of them yet; else writes nothing. Returns what it
    built, counted."""
    counts: dict[str, int] = dict.fromkeys(COUNT_KEYS, 0)
    county = Area.objects.filter(level=Level.COUNTY).order_by("code").first()
    if county is None or any(m.objects.exists() for m in (Roster, Sweep, Store)):
        return counts
    rng = random.Random(seed)
    now = now or timezone.now()
    today = timezone.localdate(now)
    towns = list(
        Area.objects.open().filter(level=Level.TOWN).order_by("code").values_list("code", "name")
    )
    people = _TownPeople()
    _rosters(rng, today, towns, people, counts)
    if towns:
        _sweep(rng, today, towns[0], people, counts)
    _stores(rng, today, towns, people, counts)
    audit.record(
        actor=None,
        action="demo.duty",
        object_type="duty.roster",
        object_id=county.code,
        object_repr=county.name,
        area_code=county.code,
        after=counts,
    )
    return counts


def _rosters(rng, today, towns, people, counts) -> None:
    starts_on, ends_on = flood_season(today.year)
    for code, name in towns:
        pools = people.pools(code)
        if pools is None:
            continue
        values = {
            "area_code": code,
            "name": f"{name}{today.year}年汛期防汛值班表",
            "place": f"{name}防汛抗旱指挥部",
            "starts_on": starts_on,
            "ends_on": ends_on,
            "shift_start": SHIFT_START,
            "shift_hours": 24,
            "roles": {str(role): n for role, n in ROLES.items()},
            "min_gap_hours": 24,
            "night_rest_hours": 24,
        }
        members = [
            {"user": user, "role": str(role), "phone": valid_mobile(rng)}
            for role, users in pools.items()
            for user in users
        ]
        _roster(values, members)
        counts["rosters"] += 1
        counts["roster_members"] += len(members)
        recent = people.recent_pools(code, pools)
        if recent is None:
            continue
        values = {
            **values,
            "name": f"{name}应急指挥部日常值班表",
            "place": f"{name}应急指挥部",
            "starts_on": today - datetime.timedelta(days=RECENT_BEFORE),
            "ends_on": today + datetime.timedelta(days=RECENT_AFTER),
        }
        members = [
            {"user": user, "role": str(role), "phone": valid_mobile(rng)}
            for role, users in recent.items()
            for user in users
        ]
        _roster(values, members)
        counts["rosters"] += 1
        counts["recent_rosters"] += 1
        counts["roster_members"] += len(members)
    counts["shifts"] = Shift.objects.count()
    counts["assignments"] = Assignment.objects.count()


def _roster(values: dict, members: list[dict]) -> None:
    """One roster through the roster service: created, its people set, its rotation
    generated (the service's fair rotation, keeping the roster's rules)."""
    from yiwang.duty.services import rosters

    roster = rosters.create_roster(actor=None, **values)
    rosters.set_members(actor=None, roster_id=roster.pk, members=members)
    rosters.generate(actor=None, roster_id=roster.pk)


def _sweep(rng, today, town, people, counts) -> None:
    """The first town's sweep of the elderly living alone: its target group as the sweep
    service draws it, each household assigned to its unit's grid worker and visited, in
    bulk (the outreach visits and their results: a past sweep's, with no notices sent
    now), then closed through the sweep service."""
    from yiwang.accounts.models import User
    from yiwang.duty.services import sweeps
    from yiwang.outreach.services import tally

    code, name = town
    tag = Tag.objects.filter(code=SWEEP_TAG).first()
    admin = User.objects.filter(pk=people.admin.get(code)).first()
    if tag is None or admin is None:
        return
    day = sweep_day(today)
    # The ledger's demo tags its residents from the day it was built: those of the
    # town living alone have been so since before the sweep.
    ResidentTag.objects.filter(tag=tag, area_code__startswith=code, starts_on__gt=day).update(
        starts_on=day - datetime.timedelta(days=365)
    )
    # The target group as the sweep service draws it (sweeps.start_sweep): the active
    # households of the town with a living resident tagged on the sweep's first day.
    households = list(
        Household.objects.filter(
            status="active",
            pk__in=ResidentTag.objects.current(day)
            .filter(tag=tag, resident_living=True, area_code__startswith=code)
            .values("resident__household_id"),
        )
        .order_by("area_code", "pk")
        .values_list("pk", "area_code")
    )
    if not households:
        return  # nobody of the town lives alone (a demo without its ledger)
    sweep = Sweep.objects.create(
        area_code=code,
        name=f"{name}强降雨独居老人敲门行动",
        tag=tag,
        reason="气象台发布暴雨橙色预警，逐户敲门确认独居老人安全。",
        starts_on=day,
        ends_on=day + DAY,
        created_by=admin,
        created_at=timezone.make_aware(datetime.datetime.combine(day - DAY, datetime.time(18))),
    )
    worker_of: dict[str, int] = {}
    for unit, user in people.workers.get(code, []):
        worker_of.setdefault(unit, user)
    tz = timezone.get_current_timezone()
    results, weights = list(SWEEP_RESULTS), list(SWEEP_RESULTS.values())
    created = db_value(Visit, "created_at", timezone.now())
    rows, visits = [], []
    for household_id, unit in households:
        result = rng.choices(results, weights)[0]
        when = day + DAY * rng.choice((0, 0, 0, 1))
        row = SweepHousehold(
            sweep=sweep,
            household_id=household_id,
            area_code=unit,
            assignee_id=worker_of.get(unit, admin.pk),
            result=result,
            visited_at=timezone.make_aware(
                datetime.datetime.combine(
                    when, datetime.time(rng.randint(7, 17), rng.randrange(60))
                ),
                tz,
            ),
            visit_uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
            note=rng.choice(SWEEP_NOTES[result]),
        )
        rows.append(row)
        visits.append(
            (
                db_value(Visit, "uuid", row.visit_uuid),
                row.household_id,
                row.assignee_id,
                db_value(Visit, "visited_at", row.visited_at),
                OUTCOMES[row.result],
                row.note,
                False,
                VisitSource.WEB,
                row.area_code,
                created,
                created,
            )
        )
        counts[f"sweep_{result}"] += 1
    SweepHousehold.objects.bulk_create(rows, batch_size=2000)
    insert_rows(
        Visit,
        (
            "uuid",
            "household",
            "visitor",
            "visited_at",
            "outcome",
            "notes",
            "far_from_area",
            "source",
            "area_code",
            "created_at",
            "updated_at",
        ),
        visits,
    )
    tally.rebuild(code)  # the visits went around record_visit: the town's counts again
    sweeps.close_sweep(actor=admin, sweep_id=sweep.pk)
    counts["sweeps"] = 1
    counts["sweep_households"] = len(rows)


def _stores(rng, today, towns, people, counts) -> None:
    """A store per town with the goods received and handed out, through the supplies
    service (its conditional UPDATE keeps the stock); in the first town an isolation
    point supplied with herbal medicine from the store."""
    from yiwang.duty.services import supplies

    if not towns:
        return
    goods = {}
    for good_name, unit, category, _n, _source in GOODS:
        goods[good_name] = Good.objects.filter(name=good_name).first()
        if goods[good_name] is None:
            goods[good_name] = supplies.create_good(
                actor=None, name=good_name, unit=unit, category=category
            )
            counts["goods"] += 1
    tz = timezone.get_current_timezone()
    season = sweep_day(today)

    def at(day: datetime.date) -> datetime.datetime:
        moment = datetime.datetime.combine(
            day, datetime.time(rng.randint(8, 17), rng.randrange(60))
        )
        return timezone.make_aware(moment, tz)

    def key() -> uuid.UUID:
        return uuid.UUID(int=rng.getrandbits(128), version=4)

    households = defaultdict(list)
    for household_id, code, head in (
        Resident.objects.filter(
            relation="head",
            status="living",
            household__category="key",
            household__status="active",
        )
        .order_by("area_code", "household_id")
        .values_list("household_id", "area_code", "name")
    ):
        households[code[:9]].append((household_id, head))
    received_on = season - datetime.timedelta(days=40)
    first = None
    for code, name in towns:
        if people.admin.get(code) is None:
            continue
        store = supplies.create_store(
            actor=None,
            area_code=code,
            name=f"{name}应急物资储备库",
            kind=StoreKind.STORE,
            address=f"{name}人民政府院内",
            keeper_id=people.admin[code],
        )
        first = first or store
        counts["stores"] += 1
        for good_name, _unit, _category, quantity, source in GOODS:
            supplies.receive(
                actor=None,
                store_id=store.pk,
                good_id=goods[good_name].pk,
                quantity=quantity,
                source=source,
                uuid=key(),
                at=at(received_on),
            )
            counts["received"] += 1
        # Sandbags and life jackets to the villages' flood teams before the rain.
        for village_no in range(1, 4):
            for good_name, n in (("编织袋", rng.randrange(200, 500, 50)), ("救生衣", 20)):
                supplies.hand_out(
                    actor=None,
                    store_id=store.pk,
                    good_id=goods[good_name].pk,
                    quantity=n,
                    to_place=f"第{village_no}村防汛抢险队",
                    receiver_name="抢险队队长",
                    uuid=key(),
                    at=at(season - DAY),
                )
                counts["handed_out"] += 1
        # Food and water to key households after the rain, signed by the householder.
        for household_id, head in households.get(code, [])[:HOUSEHOLD_HANDOUTS]:
            for good_name, n in (("方便面", 1), ("饮用水", 2)):
                supplies.hand_out(
                    actor=None,
                    store_id=store.pk,
                    good_id=goods[good_name].pk,
                    quantity=n,
                    household_id=household_id,
                    receiver_name=head,
                    uuid=key(),
                    at=at(season + DAY),
                )
                counts["handed_out"] += 1
    if first is None:
        return
    isolation = supplies.create_store(
        actor=None,
        area_code=first.area_code,
        name=f"{towns[0][1]}集中隔离观察点",
        kind=StoreKind.ISOLATION,
        address=f"{towns[0][1]}卫生院东侧",
        keeper_id=first.keeper_id,
    )
    counts["stores"] += 1
    herbal = goods["中药汤剂"]
    supplies.hand_out(
        actor=None,
        store_id=first.pk,
        good_id=herbal.pk,
        quantity=800,
        to_store_id=isolation.pk,
        receiver_name="隔离点负责人",
        uuid=key(),
        at=at(season + 2 * DAY),
    )
    counts["transferred"] += 1
    for k in range(5):
        supplies.hand_out(
            actor=None,
            store_id=isolation.pk,
            good_id=herbal.pk,
            quantity=rng.randrange(80, 150, 10),
            to_place="隔离观察人员",
            receiver_name="值班医生",
            uuid=key(),
            at=at(season + (3 + k) * DAY),
        )
        counts["handed_out"] += 1
