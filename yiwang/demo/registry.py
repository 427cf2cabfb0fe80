"""The demo county's ledger: about 25 households a unit, about 3 residents a household,
tags at realistic rates (about 4.7% key households, as the county it mirrors has 9,300 of
about 196,000). Everything is generated from a seed, with valid ID numbers."""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.utils import timezone
from stdnum.cn import ric

from yiwang.areas.models import Area, Level
from yiwang.core import audit
from yiwang.core.bulk import db_value, insert_rows
from yiwang.registry.importers import FRESH_RESIDENT_FIELDS
from yiwang.registry.models import (
    Household,
    HouseholdCategory,
    HouseholdStatus,
    Relation,
    Resident,
    ResidentTag,
    Tag,
)
from yiwang.registry.selectors import initials

HOUSEHOLDS_PER_UNIT = 25
HOUSEHOLD_FIELDS = (
    "created_at",
    "updated_at",
    "area_code",
    "unit",
    "number",
    "address",
    "door_number",
    "category",
    "category_override",
    "category_reason",
    "status",
)
BATCH_SIZE = 5000
KEY_HOUSEHOLD_RATE = 9300 / 196225
# Which key tag a key household's member carries, and how often.
KEY_TAGS = {"dibao": 35, "wubao": 5, "serious_illness": 20, "disability": 30, "petitioner": 10}
LEFT_BEHIND_RATE = 0.03
# Members in a household: 1 to 5, about 3 on average.
SIZES = (1, 2, 3, 4, 5)
SIZE_WEIGHTS = (10, 25, 30, 25, 10)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅建国志文斌海燕鹏飞宇浩然欣怡子涵梓轩思雨佳琪俊杰晓东春生秋菊冬梅振华德明淑珍凤英秀兰玉珍"
ETHNICITY = "汉族"
REGION = "370829"  # 嘉祥县


class _Ids:
    """Unique, valid ID numbers: a sequence number per birth date, odd for men."""

    def __init__(self):
        self.used: dict[str, int] = {}

    def make(self, birth: datetime.date, male: bool) -> str:
        key = birth.strftime("%Y%m%d")
        n = self.used.get(key, 0)
        self.used[key] = n + 1
        seq = n * 2 + (1 if male else 0)  # the 17th digit's parity is the sex
        body = f"{REGION}{key}{seq % 1000:03d}"
        return body + ric.calc_check_digit(body + "0")


def _birth(rng: random.Random, today: datetime.date, low: int, high: int) -> datetime.date:
    return today - datetime.timedelta(days=rng.randint(low * 365, high * 365))


@transaction.atomic
def build_demo_ledger(*, seed: int = 2026, per_unit: int = HOUSEHOLDS_PER_UNIT) -> dict:
    """Fills every open unit that has no households yet; returns what it built, counted."""
    rng = random.Random(seed)
    ids = _Ids()
    today = timezone.localdate()
    now = timezone.now()
    tags = {t.code: t for t in Tag.objects.all()}
    key_codes = list(KEY_TAGS)
    key_weights = list(KEY_TAGS.values())

    def name_and_initials() -> tuple[str, str]:
        surname = rng.choice(SURNAMES)
        given = [rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))]
        name = surname + "".join(given)
        return name, "".join(letter_of(c) for c in (surname, *given))

    letters: dict[str, str] = {}

    def letter_of(char: str) -> str:
        if char not in letters:
            letters[char] = initials(char)
        return letters[char]

    created = db_value(Resident, "created_at", now)
    units = list(
        Area.objects.open()
        .filter(level=Level.UNIT)
        .exclude(households__isnull=False)
        .order_by("code")
        .values_list("id", "code")
    )
    counts = {"households": 0, "residents": 0, "key_households": 0, "tags": 0}
    for start in range(0, len(units), BATCH_SIZE // per_unit):
        chunk = units[start : start + BATCH_SIZE // per_unit]
        households = [
            (unit_id, code, f"{n:03d}") for unit_id, code in chunk for n in range(1, per_unit + 1)
        ]
        insert_rows(
            Household,
            HOUSEHOLD_FIELDS,
            [
                (
                    created,
                    created,
                    code,
                    unit_id,
                    number,
                    f"{code[-6:-3]}组{int(number)}号",
                    str(int(number)),
                    HouseholdCategory.ORDINARY,
                    "",
                    "",
                    HouseholdStatus.ACTIVE,
                )
                for unit_id, code, number in households
            ],
        )
        ids_by_key = dict(
            (
                (unit_id, number),
                pk,
            )
            for unit_id, number, pk in Household.objects.filter(
                unit_id__in=[u for u, _c in chunk]
            ).values_list("unit_id", "number", "id")
        )
        rows, tagged_people, key_households = [], [], []
        for unit_id, area_code, house_number in households:
            household_id = ids_by_key[(unit_id, house_number)]
            size = rng.choices(SIZES, SIZE_WEIGHTS)[0]
            if size == 1:
                elderly = rng.random() < 0.5
                birth = _birth(rng, today, 70, 92) if elderly else _birth(rng, today, 25, 69)
                members = [
                    (
                        Relation.HEAD,
                        birth,
                        rng.random() < 0.5,
                        ("elderly_alone",) if elderly else (),
                    )
                ]
            else:
                head_male = rng.random() < 0.8
                members = [
                    (Relation.HEAD, _birth(rng, today, 28, 75), head_male, ()),
                    (Relation.SPOUSE, _birth(rng, today, 26, 73), not head_male, ()),
                ]
                for _ in range(size - 2):
                    left_behind = rng.random() < LEFT_BEHIND_RATE
                    birth = _birth(rng, today, 3, 15) if left_behind else _birth(rng, today, 1, 30)
                    tagged = ("left_behind_child",) if left_behind else ()
                    members.append((Relation.CHILD, birth, rng.random() < 0.5, tagged))
            if rng.random() < KEY_HOUSEHOLD_RATE:
                who = rng.randrange(len(members))
                relation, birth, male, tagged = members[who]
                key_tag = rng.choices(key_codes, key_weights)[0]
                members[who] = (relation, birth, male, (*tagged, key_tag))
                key_households.append(household_id)
            for relation, birth, male, tagged in members:
                name, name_letters = name_and_initials()
                number = ids.make(birth, male)
                phone = (
                    ""
                    if relation == Relation.CHILD
                    else f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
                )
                rows.append(
                    (
                        household_id,
                        area_code,
                        name,
                        name_letters,
                        number,
                        number[-4:],
                        "male" if male else "female",
                        birth,
                        phone,
                        phone[-4:],
                        relation,
                        ETHNICITY,
                        rng.random() < 0.08,
                        "living",
                        created,
                        created,
                    )
                )
                if tagged:
                    tagged_people.append((number, tagged))
        insert_rows(Resident, FRESH_RESIDENT_FIELDS, rows)
        resident_ids = dict(
            Resident.objects.filter(id_number__in=[n for n, _t in tagged_people])
            .exclude(id_number="")
            .values_list("id_number", "id")
        )
        start_date = db_value(ResidentTag, "starts_on", today)
        tag_rows = [
            (resident_ids[number], tags[code].pk, start_date)
            for number, codes in tagged_people
            for code in codes
        ]
        insert_rows(ResidentTag, ("resident", "tag", "starts_on"), tag_rows)
        Household.objects.filter(pk__in=key_households).update(category=HouseholdCategory.KEY)
        counts["households"] += len(households)
        counts["residents"] += len(rows)
        counts["tags"] += len(tag_rows)
        counts["key_households"] += len(key_households)
    county = Area.objects.filter(level=Level.COUNTY).order_by("code").first()
    if county is not None and counts["households"]:
        audit.record(
            actor=None,
            action="demo.ledger",
            object_type="registry.household",
            object_id=county.code,
            object_repr=county.name,
            area_code=county.code,
            after=counts,
        )
    return counts
