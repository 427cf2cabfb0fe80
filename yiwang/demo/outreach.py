"""The demo county's outreach, in the county's proportions: cadres paired with the key
households of their village (2,137 cadres ↔ 9,300 key households in the whole county),
grid workers paired with most ordinary households of their unit (11,000 party members ↔
152,000 households), party members helping residents starting a business (271 ↔ 813),
caring mothers and left-behind children, finance counsellors and enterprises; then three
months of visits as the visit rules and the pairings ask for them, fulfilled on time by
most, late by some, with what is not yet done left scheduled (overdue where its date has
passed).

Everything is generated from a seed and written in bulk (no model instances for the
visits and their schedule), on a database with a ledger and no pairings yet."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone
from stdnum.cn import uscc

from yiwang.accounts.models import Post, Role, User
from yiwang.areas.models import Area, Level
from yiwang.core.bulk import db_value, insert_rows
from yiwang.demo.areas import DEMO_PASSWORD
from yiwang.outreach.models import (
    Enterprise,
    Outcome,
    Pairing,
    Programme,
    ScheduledVisit,
    ScheduleStatus,
    Visit,
    VisitRule,
    VisitSource,
)
from yiwang.outreach.services import tally
from yiwang.registry.models import Household, Resident, ResidentTag, Tag

COUNTY_UNITS = 7849
CADRES = 2137
ENTREPRENEURS = 813
ENTREPRENEUR_SPONSORS = 271
# The share of ordinary households the party members are paired with (152,000 of about
# 186,900): the rest shows up as not yet paired.
ORDINARY_PAIRED = 152_000 / 186_900
ENTERPRISES_PER_VILLAGE = 2
DAYS = 90
# Visitors who let their households slide: their visits come late or not at all.
LAX = 0.08
SKIP = 0.01
OUTCOMES = {Outcome.ALL_WELL: 85, Outcome.NEEDS_FOLLOW_UP: 8, Outcome.NOT_HOME: 7}
NOTES = {
    Outcome.ALL_WELL: ("", "", "身体状况良好。", "家中一切正常。"),
    Outcome.NEEDS_FOLLOW_UP: ("反映院墙有裂缝，下次复查。", "老人血压偏高，已提醒就医。"),
    Outcome.NOT_HOME: ("家中无人，电话联系未接通。",),
}
INDUSTRIES = ("农副产品加工", "纺织服装", "机械制造", "建材", "商贸物流", "石材雕刻")
SKIP_REASONS = ("户主外出务工，电话已联系。", "住院治疗中，已由家属告知情况。")
VISIT_FIELDS = (
    "id",
    "uuid",
    "household",
    "enterprise",
    "visitor",
    "visited_at",
    "outcome",
    "notes",
    "far_from_area",
    "source",
    "area_code",
    "created_at",
    "updated_at",
)
SCHEDULE_FIELDS = (
    "household",
    "enterprise",
    "rule",
    "pairing",
    "due_on",
    "status",
    "visit",
    "visit_at",
    "closed_on",
    "skip_reason",
    "area_code",
    "created_at",
    "updated_at",
)


def _credit_code(rng: random.Random) -> str:
    """A valid unified social credit code: 9 (a company) 1 (an enterprise), the county's
    division code, an organisation code and the check digit."""
    org = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    body = f"91370829{org}"
    return body + uscc.calc_check_digit(body)


class _Sources:
    """What asks for visits to each household or enterprise: (rule id or None, pairing id
    or None, every days, visitor id)."""

    def __init__(self):
        self.of: dict[tuple[str, int], list[tuple[int | None, int | None, int, int]]] = defaultdict(
            list
        )

    def add(self, subject, rule, pairing, every, visitor):
        self.of[subject].append((rule, pairing, every, visitor))


def _reserve_ids(table: str, n: int) -> int:
    """The first of `n` ids for new rows of `table`: from its sequence (PostgreSQL), or
    above the largest one under this transaction's write lock (SQLite)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" nextval(pg_get_serial_sequence('{table}', 'id')) + %s - 1)",
                [n],
            )
            return cursor.fetchone()[0] - n + 1
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
        return cursor.fetchone()[0] + 1


@transaction.atomic
def build_demo_outreach(*, seed: int = 2026, now: datetime.datetime | None = None) -> dict:
    """Builds the demo outreach (see the module's docstring) when the database has
    households and no pairings yet; else writes nothing. Returns what it built, counted."""
    counts = dict.fromkeys(
        ("cadres", "pairings", "key_paired", "enterprises", "visits", "scheduled", "overdue"), 0
    )
    if Pairing.objects.exists() or not Household.objects.exists():
        return counts
    rng = random.Random(seed)
    now = now or timezone.now()
    today = timezone.localdate(now)
    start = today - datetime.timedelta(days=DAYS)
    programmes = {p.code: p for p in Programme.objects.all()}
    units = list(Area.objects.open().filter(level=Level.UNIT).values_list("code", flat=True))
    villages = list(
        Area.objects.open().filter(level=Level.VILLAGE).order_by("code").values_list("id", "code")
    )
    share = len(units) / COUNTY_UNITS

    # Cadres: a few on every village, as many as the county's share of its 2,137.
    password = make_password(DEMO_PASSWORD)
    n_cadres = max(len(villages), round(CADRES * share))
    seats = [villages[i % len(villages)] for i in range(n_cadres)]
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
    given = "建国志强秀英桂兰海燕春生振华德明玉珍红梅"
    cadres = User.objects.bulk_create(
        [
            User(
                username=f"cd{code}-{i // len(villages) + 1}",
                area_code=code,
                password=password,
                full_name=rng.choice(surnames) + "".join(rng.choices(given, k=2)),
                date_joined=now,
            )
            for i, (_pk, code) in enumerate(seats)
        ]
    )
    Post.objects.bulk_create(
        [
            Post(user=user, role=Role.CADRE, area_id=pk, area_code=code, starts_on=start)
            for user, (pk, code) in zip(cadres, seats, strict=True)
        ]
    )
    counts["cadres"] = len(cadres)
    cadres_of: dict[str, list[int]] = defaultdict(list)
    for user, (_pk, code) in zip(cadres, seats, strict=True):
        cadres_of[code].append(user.pk)
    workers_of: dict[str, list[int]] = defaultdict(list)
    for user_id, code in (
        Post.objects.current()
        .filter(role=Role.GRID_WORKER)
        .order_by("area_code", "id")
        .values_list("user_id", "area_code")
    ):
        workers_of[code].append(user_id)

    households = list(
        Household.objects.filter(status="active")
        .order_by("area_code", "id")
        .values_list("id", "area_code", "category")
    )
    area_of = {pk: code for pk, code, _c in households}
    pairings: list[Pairing] = []
    load: dict[int, int] = defaultdict(int)

    def least_loaded(candidates: list[int]) -> int:
        return min(candidates, key=lambda pk: (load[pk], pk))

    key, ordinary = programmes["cadre_key_households"], programmes["member_households"]
    for pk, code, category in households:
        if category == "key" and cadres_of.get(code[:12]):
            sponsor = least_loaded(cadres_of[code[:12]])
            programme = key
        elif category == "ordinary" and workers_of.get(code) and rng.random() < ORDINARY_PAIRED:
            sponsor = least_loaded(workers_of[code])
            programme = ordinary
        else:
            continue
        load[sponsor] += 1
        pairings.append(
            Pairing(
                programme=programme,
                sponsor_id=sponsor,
                household_id=pk,
                area_code=code,
                starts_on=start - datetime.timedelta(days=rng.randrange(30, 365)),
            )
        )
    counts["key_paired"] = sum(1 for p in pairings if p.programme_id == key.pk)

    # Residents starting a business, helped by party members (a chosen list).
    tag = Tag.objects.get(code="starting_business")
    adults = list(
        Resident.objects.filter(
            status="living", birth_date__lte=today.replace(year=today.year - 20)
        )
        .filter(birth_date__gte=today.replace(year=today.year - 50))
        .order_by("id")
        .values_list("id", "household_id", "area_code")
    )
    founders = rng.sample(adults, min(len(adults), round(ENTREPRENEURS * share)))
    ResidentTag.objects.bulk_create(
        [
            ResidentTag(resident_id=pk, tag=tag, starts_on=start, area_code=code)
            for pk, _h, code in founders
        ]
    )
    members = [pk for code in sorted(workers_of) for pk in workers_of[code][:1]]
    helpers = rng.sample(members, min(len(members), max(1, round(ENTREPRENEUR_SPONSORS * share))))
    entrepreneurs = programmes["member_entrepreneurs"]
    entrepreneurs.chosen_sponsors.add(*helpers)
    for i, (pk, household_id, code) in enumerate(founders):
        pairings.append(
            Pairing(
                programme=entrepreneurs,
                sponsor_id=helpers[i % len(helpers)],
                household_id=household_id,
                resident_id=pk,
                area_code=code,
                starts_on=start,
            )
        )

    # Caring mothers: one chosen in each village (its first grid worker), paired with the
    # village's left-behind children.
    mothers = {}
    for code in sorted(workers_of):
        mothers.setdefault(code[:12], workers_of[code][0])
    caring = programmes["caring_mothers"]
    caring.chosen_sponsors.add(*set(mothers.values()))
    children = (
        ResidentTag.objects.current()
        .filter(tag__code="left_behind_child", resident_living=True)
        .values_list("resident_id", "resident__household_id", "area_code")
    )
    for pk, household_id, code in children:
        if code[:12] in mothers:
            pairings.append(
                Pairing(
                    programme=caring,
                    sponsor_id=mothers[code[:12]],
                    household_id=household_id,
                    resident_id=pk,
                    area_code=code,
                    starts_on=start,
                )
            )

    # Enterprises of each village, and a finance counsellor (a cadre) for each town's.
    enterprises = Enterprise.objects.bulk_create(
        [
            Enterprise(
                name=f"嘉祥县{rng.choice(surnames)}氏{rng.choice(INDUSTRIES)}有限公司{n + 1}",
                credit_code=_credit_code(rng),
                area_id=pk,
                area_code=code,
                industry=rng.choice(INDUSTRIES),
                contact_name=rng.choice(surnames) + "经理",
                contact_phone=f"13{rng.randrange(10**9):09d}",
            )
            for pk, code in villages
            for n in range(ENTERPRISES_PER_VILLAGE)
        ]
    )
    counts["enterprises"] = len(enterprises)
    counsellors = {}
    for _pk, code in villages:
        if cadres_of.get(code):
            counsellors.setdefault(code[:9], cadres_of[code][0])
    finance = programmes["finance_counsellors"]
    finance.chosen_sponsors.add(*set(counsellors.values()))
    for enterprise in enterprises:
        if enterprise.area_code[:9] in counsellors:
            pairings.append(
                Pairing(
                    programme=finance,
                    sponsor_id=counsellors[enterprise.area_code[:9]],
                    enterprise=enterprise,
                    area_code=enterprise.area_code,
                    starts_on=start,
                )
            )
    pairings = Pairing.objects.bulk_create(pairings, batch_size=5000)
    counts["pairings"] = len(pairings)

    # What asks for visits: the periodic rules and the pairings.
    sources = _Sources()
    by_id = {p.pk: p for p in programmes.values()}
    first_worker = {code: ids[0] for code, ids in workers_of.items()}
    for pairing in pairings:
        subject = (
            ("e", pairing.enterprise_id) if pairing.enterprise_id else ("h", pairing.household_id)
        )
        every = by_id[pairing.programme_id].visit_every_days
        sources.add(subject, None, pairing.pk, every, pairing.sponsor_id)
    category_of = {pk: category for pk, _code, category in households}
    tagged: dict[str, set[int]] = defaultdict(set)
    for code, household_id in (
        ResidentTag.objects.current()
        .filter(resident_living=True)
        .values_list("tag__code", "resident__household_id")
    ):
        tagged[code].add(household_id)
    for rule in VisitRule.objects.filter(kind="periodic", is_active=True).select_related("tag"):
        if rule.tag_id:
            matched = tagged.get(rule.tag.code, set()) & category_of.keys()
        else:
            matched = {
                pk for pk, category in category_of.items() if category == rule.household_category
            }
        for pk in sorted(matched):
            if area_of[pk] in first_worker:
                sources.add(("h", pk), rule.pk, None, rule.every_days, first_worker[area_of[pk]])

    counts.update(_visit(rng, sources, area_of, enterprises, start, today, now))
    return counts


def _visit(rng, sources: _Sources, area_of, enterprises, start, today, now) -> dict:
    """Plays the three months: each household or enterprise is visited when its earliest
    scheduled visit falls due (a little after, or much later by a lax visitor); the visit
    fulfils every open one of it, and the next ones are scheduled from it."""
    enterprise_area = {e.pk: e.area_code for e in enterprises}
    at_noon = datetime.time(10, 0)
    tz = timezone.get_current_timezone()
    visits, schedule = [], []
    total = sum(len(v) for v in sources.of.values())
    first_visit = _reserve_ids(Visit._meta.db_table, total * (90 // 7 + 2))
    next_id = first_visit
    created = db_value(Visit, "created_at", now)
    counts = {"visits": 0, "scheduled": 0, "overdue": 0, "skipped": 0}

    def row(subject, rule, pairing, due, status, visit=None, closed=None, reason="", at=None):
        household = subject[1] if subject[0] == "h" else None
        enterprise = subject[1] if subject[0] == "e" else None
        code = area_of[household] if household else enterprise_area[enterprise]
        schedule.append(
            (
                household,
                enterprise,
                rule,
                pairing,
                due.isoformat(),
                status,
                visit,
                at,
                closed and closed.isoformat(),
                reason,
                code,
                created,
                created,
            )
        )

    for subject in sorted(sources.of):
        asks = sources.of[subject]
        lax = rng.random() < LAX
        # Spread the first due dates over one period, as a steady state would.
        due = [start + datetime.timedelta(days=rng.randrange(every)) for _r, _p, every, _v in asks]
        visitor = asks[0][3]
        code = area_of[subject[1]] if subject[0] == "h" else enterprise_area[subject[1]]
        while True:
            soonest = min(due)
            lag = rng.randrange(10, 40) if lax else rng.randrange(0, 3)
            day = soonest + datetime.timedelta(days=lag)
            if day >= today:
                break
            if rng.random() < SKIP:
                # The soonest one skipped with a reason; the next of it scheduled.
                i = due.index(soonest)
                rule, pairing, every, _v = asks[i]
                row(
                    subject,
                    rule,
                    pairing,
                    soonest,
                    ScheduleStatus.SKIPPED,
                    None,
                    day,
                    rng.choice(SKIP_REASONS),
                )
                counts["skipped"] += 1
                due[i] = day + datetime.timedelta(days=every)
                continue
            visit_id, next_id = next_id, next_id + 1
            outcome = rng.choices(list(OUTCOMES), list(OUTCOMES.values()))[0]
            at = timezone.make_aware(
                datetime.datetime.combine(day, at_noon)
                + datetime.timedelta(minutes=rng.randrange(480)),
                tz,
            )
            visited_at = db_value(Visit, "visited_at", at)
            visits.append(
                (
                    visit_id,
                    str(_uuid(rng)),
                    subject[1] if subject[0] == "h" else None,
                    subject[1] if subject[0] == "e" else None,
                    visitor,
                    visited_at,
                    outcome,
                    rng.choice(NOTES[outcome]),
                    False,
                    VisitSource.WEB,
                    code,
                    created,
                    created,
                )
            )
            # One visit fulfils every scheduled visit of the household (as record_visit).
            for i, (rule, pairing, every, _v) in enumerate(asks):
                row(
                    subject,
                    rule,
                    pairing,
                    due[i],
                    ScheduleStatus.DONE,
                    visit_id,
                    day,
                    at=visited_at,
                )
                due[i] = day + datetime.timedelta(days=every)
        for i, (rule, pairing, _every, _v) in enumerate(asks):
            row(subject, rule, pairing, due[i], ScheduleStatus.SCHEDULED)
            counts["scheduled"] += 1
            counts["overdue"] += due[i] < today
    insert_rows(Visit, VISIT_FIELDS, visits)
    insert_rows(ScheduledVisit, SCHEDULE_FIELDS, schedule)
    tally.rebuild()  # the visits went around record_visit
    if connection.vendor == "postgresql" and visits:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('outreach_visit', 'id'),"
                " (SELECT MAX(id) FROM outreach_visit))"
            )
    counts["visits"] = len(visits)
    return counts


def _uuid(rng: random.Random):
    import uuid

    return uuid.UUID(int=rng.getrandbits(128), version=4)
