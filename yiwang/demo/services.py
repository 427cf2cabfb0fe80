"""The demo county's government services (issue 21): the county's catalogue as the
migration seeded it, and a year of help requests (帮办代办) taken by the village workers
and chiefs, about eight a village (the county's 358 villages about 2,900 a year; the
town-scale demo's 50 about 400), in every step: most delivered on time, archived and
followed up with the resident's satisfaction; the recent ones still waiting for a
material, accepted or being handled; a few delivered late, and a few open past their due
day, raised to the town or the county.

The applicants are the ledger's residents (their ID number, a phone of theirs) and, for
about one in seven, people not in the ledger (working elsewhere), made up: ID numbers with
a valid check digit (python-stdnum), mobile numbers that phonenumbers takes as valid.

The rows keep the models' invariants by construction: the steps in STEP_ORDER, each with
who and when, none after now; an accepted request has every required material of its
item received and its due day `provisional().add(accepted_on, time_limit_days)` on the
working calendar (yiwang.core.workdays), marked provisional when that reaches into a year
the calendar does not know; late = delivered (or still open) after the due day; an
overdue request reminded on its due day and raised a level. Written in bulk, on a
database with areas and no help requests yet; else nothing is written."""

from __future__ import annotations

import datetime
import random
import uuid
from collections import Counter, defaultdict

from django.db import transaction
from django.utils import timezone
from stdnum.cn import ric

from yiwang.accounts.models import Post, Role
from yiwang.areas.models import Area, Level
from yiwang.cases.services.intake import TRACKING_ALPHABET
from yiwang.core import audit
from yiwang.core.db import stream
from yiwang.core.validators import clean_phone
from yiwang.core.workdays import calendar
from yiwang.registry.models import Resident
from yiwang.services.models import (
    STEP_ORDER,
    Channel,
    EscalationLevel,
    HelpMaterial,
    HelpRequest,
    HelpStep,
    Satisfaction,
    ServiceItem,
    Step,
)
from yiwang.services.services.help import due_day, entrusted_remind_days, target_level

PER_VILLAGE = 8
# How often each item is asked for (the others of the catalogue: 1 each).
ITEM_WEIGHTS = {
    "medical-insurance-cross-province": 8,
    "pension-enrolment": 6,
    "elderly-allowance": 5,
    "id-card-reissue": 5,
    "household-certificate": 4,
    "temporary-assistance": 3,
    "marriage-registration": 2,
    "disability-certificate": 2,
}
NOT_IN_LEDGER = 0.15
CHANNELS = {Channel.WORKER: 60, Channel.STATION: 30, Channel.PHONE: 10}
SATISFACTION = {
    Satisfaction.SATISFIED: 88,
    Satisfaction.BASICALLY: 10,
    Satisfaction.DISSATISFIED: 2,
}
SATISFACTION_NOTES = {
    Satisfaction.SATISFIED: ("", "", "办事员上门服务，很方便。", "没跑腿就办好了。"),
    Satisfaction.BASICALLY: ("办理时间稍长。", ""),
    Satisfaction.DISSATISFIED: ("等待时间过长，希望加快进度。",),
}
MATTERS = {
    "id-card-reissue": "在外务工期间身份证遗失，回乡办理补领。",
    "marriage-registration": "与外省户籍对象办理结婚登记。",
    "medical-insurance-cross-province": "长期在外省居住，办理异地就医备案。",
    "pension-enrolment": "办理城乡居民养老保险参保登记。",
    "elderly-allowance": "年满八十周岁，申请高龄津贴。",
    "temporary-assistance": "家中突发变故，申请临时救助。",
    "disability-certificate": "申请办理残疾人证。",
    "household-certificate": "开具户籍证明用于子女入学。",
}
# Requests taken in the last RECENT days are the ones still open, a share of them slow.
RECENT = 45
FORTNIGHT = 0.125
SLOW = 0.25  # of the recent ones: delivered well after the due day, or not yet
LATE = 0.05  # of the older ones: delivered a few working days late
WAITING = 0.3  # of the recent ones: a required material still to come
NOT_FOLLOWED_UP = 0.08
MOBILE_PREFIXES = ("130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152")
MOBILE_PREFIXES += ("155", "156", "157", "158", "159", "176", "177", "186", "187", "188", "189")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅建国志文斌海燕鹏飞宇浩"
COUNT_KEYS = ("help_requests", "steps", "materials", "late", "overdue_open", "provisional")
DAY = datetime.timedelta(days=1)


def valid_mobile(rng: random.Random) -> str:
    """A mobile number that phonenumbers takes as valid (core.validators.clean_phone)."""
    while True:
        number = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        try:
            return clean_phone(number)
        except Exception:  # noqa: BLE001 – a prefix phonenumbers does not know: draw again
            continue


def made_up_id_number(rng: random.Random, today: datetime.date) -> str:
    """An ID number of the county with a valid check digit (python-stdnum), born 20 to
    60 years ago."""
    birth = today - datetime.timedelta(days=rng.randint(20 * 365, 60 * 365))
    body = f"370829{birth:%Y%m%d}{rng.randrange(900, 1000):03d}"
    return body + ric.calc_check_digit(body + "0")


def made_up_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


class _People:
    """The takers by village (its grid workers and its chief) and the town admins."""

    def __init__(self):
        self.takers: dict[str, list[int]] = defaultdict(list)
        self.chief: dict[str, int] = {}
        self.town_admin: dict[str, int] = {}
        self.county_admin: int | None = None
        for user_id, role, code in (
            Post.objects.current()
            .filter(
                role__in=(Role.COUNTY_ADMIN, Role.TOWN_ADMIN, Role.GRID_CHIEF, Role.GRID_WORKER)
            )
            .order_by("area_code", "user_id")
            .values_list("user_id", "role", "area_code")
        ):
            if role == Role.GRID_WORKER:
                self.takers[code[:12]].append((user_id, code))
            elif role == Role.GRID_CHIEF:
                self.chief.setdefault(code, user_id)
            elif role == Role.TOWN_ADMIN:
                self.town_admin.setdefault(code, user_id)
            elif self.county_admin is None:
                self.county_admin = user_id


def _at(day: datetime.date, rng: random.Random, after: datetime.datetime | None, tz):
    """A moment in the working hours of `day`, after `after`."""
    moment = timezone.make_aware(
        datetime.datetime.combine(day, datetime.time(rng.randint(8, 16), rng.randrange(60))), tz
    )
    if after is not None and moment <= after:
        moment = after + datetime.timedelta(minutes=rng.randint(10, 90))
    return moment


def _workday_on_or_before(cal, day: datetime.date) -> datetime.date:
    while not cal.is_workday(day):
        day -= DAY
    return day


@transaction.atomic
def build_demo_services(*, seed: int = 2026, now: datetime.datetime | None = None) -> dict:
    """Builds a year of help requests over the county's villages (see the module's
    docstring) on a database with areas and no help requests yet; else writes nothing.
    Returns what it built, counted (and `by_step`: the requests at each step)."""
    counts: dict = dict.fromkeys(COUNT_KEYS, 0)
    counts["by_step"] = {}
    county = Area.objects.filter(level=Level.COUNTY).order_by("code").first()
    items = list(ServiceItem.objects.filter(is_active=True).prefetch_related("materials"))
    if county is None or not items or HelpRequest.objects.exists():
        return counts
    rng = random.Random(seed)
    now = now or timezone.now()
    today = timezone.localdate(now)
    tz = timezone.get_current_timezone()
    cal = calendar().provisional()
    people = _People()
    villages = list(
        Area.objects.open()
        .filter(level=Level.VILLAGE)
        .order_by("code")
        .values_list("code", flat=True)
    )
    residents = _residents(villages)
    weights = [ITEM_WEIGHTS.get(item.code, 1) for item in items]
    channels, channel_weights = list(CHANNELS), list(CHANNELS.values())

    requests, steps_of, materials_of = [], [], []
    numbers: Counter = Counter()
    codes: set[str] = set()
    for village in villages:
        takers = people.takers.get(village) or [(people.chief.get(village), village)]
        takers = [t for t in takers if t[0] is not None]
        town_admin = people.town_admin.get(village[:9]) or people.county_admin
        if not takers or town_admin is None:
            continue
        for _k in range(PER_VILLAGE):
            item = rng.choices(items, weights)[0]
            taker, unit = rng.choice(takers)
            if rng.random() < 0.25 and people.chief.get(village):
                taker = people.chief[village]
            request, steps, materials = _one(
                rng, cal, now, today, tz, item, village, unit, taker, town_admin, residents
            )
            request.channel = rng.choices(channels, channel_weights)[0]
            entrusted = steps[0][1]
            numbers[entrusted.date()] += 1
            request.number = f"BD{entrusted:%Y%m%d}{numbers[entrusted.date()]:04d}"
            while True:
                code = "".join(rng.choice(TRACKING_ALPHABET) for _i in range(8))
                if code not in codes:
                    codes.add(code)
                    break
            request.tracking_code = code
            request.uuid = uuid.UUID(int=rng.getrandbits(128), version=4)
            requests.append(request)
            steps_of.append(steps)
            materials_of.append(materials)
    HelpRequest.objects.bulk_create(requests, batch_size=1000)
    step_rows = [
        HelpStep(request=request, step=step, at=at, actor_id=actor, note=note)
        for request, steps in zip(requests, steps_of, strict=True)
        for step, at, actor, note in steps
    ]
    HelpStep.objects.bulk_create(step_rows, batch_size=2000)
    material_rows = [
        HelpMaterial(request=request, **values)
        for request, materials in zip(requests, materials_of, strict=True)
        for values in materials
    ]
    HelpMaterial.objects.bulk_create(material_rows, batch_size=2000)
    counts["help_requests"] = len(requests)
    counts["steps"] = len(step_rows)
    counts["materials"] = len(material_rows)
    counts["late"] = sum(1 for r in requests if r.is_late)
    counts["overdue_open"] = sum(1 for r in requests if r.is_late and r.is_open)
    counts["provisional"] = sum(1 for r in requests if r.clock_provisional)
    counts["by_step"] = {str(step): n for step, n in Counter(r.step for r in requests).items()}
    audit.record(
        actor=None,
        action="demo.services",
        object_type="services.helprequest",
        object_id=county.code,
        object_repr=county.name,
        area_code=county.code,
        after={k: v for k, v in counts.items() if k != "by_step"},
    )
    return counts


def _residents(villages) -> dict[str, list[tuple]]:
    """A sample of the ledger's living adults by village: (id, name, ID number, phone,
    unit code)."""
    found: dict[str, list[tuple]] = defaultdict(list)
    rows = (
        Resident.objects.filter(status="living")
        .exclude(id_number="")
        .exclude(phone="")
        .order_by("area_code", "id")
        .values_list("id", "name", "id_number", "phone", "area_code")
    )
    # Every 7th adult with a phone is plenty to draw from, and keeps the read small.
    for i, row in enumerate(stream(rows, chunk_size=5000)):
        if i % 7 == 0:
            found[row[4][:12]].append(row)
    return found


def _one(rng, cal, now, today, tz, item, village, unit, taker, town_admin, residents):
    """One request: (the unsaved HelpRequest, its steps [(step, at, actor, note)], its
    materials received [field values])."""
    pool = residents.get(village)
    if pool and rng.random() >= NOT_IN_LEDGER:
        resident_id, name, id_number, phone, area_code = rng.choice(pool)
        try:
            phone = clean_phone(phone)
        except Exception:  # noqa: BLE001 – a ledger phone phonenumbers refuses: ask again
            phone = valid_mobile(rng)
    else:
        resident_id, area_code = None, unit if len(unit) > 12 else village
        name, id_number, phone = made_up_name(rng), made_up_id_number(rng, today), valid_mobile(rng)
    # Taken on a working day of the year up to yesterday, one in eight in the last
    # fortnight (those are still under way).
    age = rng.randint(1, 14) if rng.random() < FORTNIGHT else rng.randint(1, 365)
    first = _workday_on_or_before(cal, today - datetime.timedelta(days=age))
    recent = (today - first).days <= RECENT
    entrusted_at = _at(first, rng, None, tz)
    request = HelpRequest(
        item=item,
        resident_id=resident_id,
        applicant_name=name,
        id_number=id_number,
        phone=phone,
        matter=MATTERS.get(item.code, ""),
        area_code=area_code,
        taken_by_id=taker,
        handler_id=taker,
        created_at=entrusted_at,
    )
    # The whole course as it goes, then only what happened up to now.
    waiting = recent and rng.random() < WAITING
    accepted_on = cal.add(first, rng.choice((0, 1, 1, 2)) + (rng.randint(3, 20) if waiting else 0))
    # The due day as the help service counts it.
    due_on, provisional = due_day(accepted_on, item.time_limit_days)
    limit = item.time_limit_days
    if recent and rng.random() < SLOW:
        delivered_on = cal.add(due_on, rng.randint(3, 15))
    elif rng.random() < LATE:
        delivered_on = cal.add(due_on, rng.randint(1, 4))
    else:
        delivered_on = cal.add(accepted_on, rng.randint(max(1, limit // 3), limit))
    processing_on = min(cal.add(accepted_on, rng.choice((0, 1, 2, 3))), delivered_on)
    archived_on = cal.add(delivered_on, rng.choice((0, 1, 2)))
    followed_on = cal.add(archived_on, rng.randint(1, 5))
    course = [
        (Step.ENTRUSTED, entrusted_at, taker, ""),
        (Step.ACCEPTED, accepted_on, taker, ""),
        (Step.PROCESSING, processing_on, town_admin, f"材料已报送{item.authority or '审批部门'}。"),
        (Step.DELIVERED, delivered_on, taker, "办理结果已送达本人。"),
        (Step.ARCHIVED, archived_on, taker, ""),
    ]
    if rng.random() >= NOT_FOLLOWED_UP:
        course.append((Step.FOLLOWED_UP, followed_on, town_admin, "电话回访。"))
    steps, last = [], None
    for step, when, actor, note in course:
        at = when if isinstance(when, datetime.datetime) else _at(when, rng, last, tz)
        if at > now:
            break
        steps.append((step, at, actor, note))
        last = at
    done = [s for s, *_rest in steps]
    request.step = done[-1]
    # Materials: every required one received with the request (one still to come for
    # those waiting), an optional one now and then.
    materials = []
    required = [m for m in item.materials.all() if m.is_required]
    for material in item.materials.all():
        if not material.is_required and rng.random() < 0.5:
            continue
        received_at = entrusted_at
        if waiting and material == required[-1]:
            if Step.ACCEPTED not in done:
                continue
            received_at = steps[1][1]
        number = id_number if "身份证" in material.name and "遗失" not in material.name else ""
        materials.append(
            {
                "material": material,
                "name": material.name,
                "document_number": number,
                "received_at": received_at,
                "received_by_id": taker,
                "returned_at": steps[3][1] if material.is_original and len(steps) > 3 else None,
            }
        )
    if Step.ACCEPTED in done:
        request.accepted_on = accepted_on
        request.due_on = due_on
        request.clock_provisional = provisional
        end = delivered_on if Step.DELIVERED in done else today
        request.is_late = end > due_on
        if Step.DELIVERED in done:
            request.delivered_on = delivered_on
        if end >= due_on:
            request.reminded_on = due_on
        # Raised as the hourly clock raises it, up to the level it belongs at on the
        # day it was delivered (or today).
        request.escalation_level = target_level(due_on, end)
    elif request.step == Step.ENTRUSTED:
        # Still waiting for a material: reminded and raised to the town as the hourly
        # clock does it for a request left at 委托.
        waited, days = cal.count(first, today), entrusted_remind_days()
        if waited >= days:
            request.reminded_on = cal.add(first, days)
        if waited >= 2 * days:
            request.escalation_level = EscalationLevel.TOWN
    if Step.FOLLOWED_UP in done:
        choices, weights = list(SATISFACTION), list(SATISFACTION.values())
        request.satisfaction = rng.choices(choices, weights)[0]
        request.satisfaction_note = rng.choice(SATISFACTION_NOTES[request.satisfaction])
    assert done == list(STEP_ORDER[: len(done)])
    return request, steps, materials
