"""The demo county's points, in the county's proportions: party members (about 1.4 a
unit) linked to the grid workers' accounts, each village's three lists adopted from the
county's templates, a review board, a year of points entries (about a third of the
households and every party member each month, recorded by the unit's grid worker and
approved by the grid chief), the twelve months gone by evaluated and made final (about
1,000 red-flag grids, 1,500 red pioneers and 3,000 model villagers a year in the whole
county, 100,000 yuan of rewards, here the demo's share), a points shop a village with
goods and some redemptions, the benefits (county buses, a scenic spot) and this month's
passes for last month's winners, and this month's entries still awaiting approval.

The records of the months gone by are written in bulk; the evaluations go through the
services (closing the months, the board's selection, the notice, the finalisation that
pays the rewards), with their public notice dated back to the month after each."""

from __future__ import annotations

import datetime
import random
import uuid
from collections import defaultdict
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from yiwang.accounts.models import Post, Role, User
from yiwang.areas.models import Area, Level
from yiwang.core import audit
from yiwang.core.bulk import insert_rows
from yiwang.core.reporting import add_months, month_end
from yiwang.points.models import (
    AwardKind,
    BoardMember,
    DutyList,
    Entry,
    Evaluation,
    EvaluationStatus,
    ListKind,
    MemberAccount,
    PointsAccount,
    Selection,
    Shop,
)
from yiwang.points.services import decisions, funds, lists, passes, proposals, shop
from yiwang.points.services import evaluation as evaluations
from yiwang.registry.models import Household, Resident

COUNTY_VILLAGES = 358
MONTHS = 12
# A month, the share of households with a civility entry; party members' entries a month.
HOUSEHOLD_SHARE = 0.33
PARTY_ENTRIES = 1.5
PARTY_PER_UNIT = 11_000 / 7_849
REJECTED = 0.04
# The awards a village makes in a month, on average (the county's 1,000 red-flag grids,
# 1,500 red pioneers and 3,000 model villagers a year over 358 villages): a red-flag grid
# and a red pioneer with these chances; two model villagers in 5% of the months, one in
# 28%, and one more wherever nothing else was chosen (about 0.71 a month).
AWARDS_A_MONTH = {
    AwardKind.RED_FLAG_GRID: 1_000 / (COUNTY_VILLAGES * 12),
    AwardKind.RED_PIONEER: 1_500 / (COUNTY_VILLAGES * 12),
    AwardKind.MODEL_VILLAGER: 3_000 / (COUNTY_VILLAGES * 12),
}
QUOTAS = {AwardKind.RED_FLAG_GRID: 1, AwardKind.RED_PIONEER: 1, AwardKind.MODEL_VILLAGER: 2}
# Yuan an award: 1,000 × 40 + 1,500 × 20 + 3,000 × 10 = 100,000 a year in the county.
AMOUNTS = {AwardKind.RED_FLAG_GRID: 40, AwardKind.RED_PIONEER: 20, AwardKind.MODEL_VILLAGER: 10}
REASONS = {
    AwardKind.RED_FLAG_GRID: "本月网格户均积分最高，环境整治和诉求办理走在前列。",
    AwardKind.RED_PIONEER: "结对走访到位，带头参加志愿服务和矛盾调解。",
    AwardKind.MODEL_VILLAGER: "孝老爱亲、庭院整洁，积极参加义务劳动。",
}
GOODS = (
    ("洗衣粉", 10, 60),
    ("食用油（5 升）", 40, 20),
    ("大米（10 斤）", 25, 30),
    ("毛巾", 5, 80),
    ("牙膏", 5, 80),
    ("酱油", 8, 50),
)
BENEFITS = (
    ("bus", "县域公交免费乘车", "嘉祥县公共交通有限公司"),
    ("scenic", "曾子故里景区免费游览", "嘉祥县曾庙景区管理处"),
)
ENTRY_FIELDS = (
    "uuid",
    "item",
    "household",
    "resident",
    "month",
    "points",
    "evidence",
    "source",
    "status",
    "area_code",
    "recorded_by",
    "decided_by",
    "decided_at",
    "reject_reason",
    "created_at",
    "updated_at",
)


def _posts(role: str) -> dict[str, int]:
    """{area code: the first user holding `role` there}."""
    found: dict[str, int] = {}
    for user_id, code in (
        Post.objects.current()
        .filter(role=role)
        .order_by("area_code", "id")
        .values_list("user_id", "area_code")
    ):
        found.setdefault(code, user_id)
    return found


def _value(item, rng: random.Random) -> Decimal:
    if item.has_range:
        steps = int((item.max_points - item.min_points) * 2)
        return item.min_points + Decimal(rng.randint(0, steps)) / 2
    return item.points


class _Entries:
    """Rows of entries written in bulk, as the database takes them."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.postgres = connection.vendor == "postgresql"
        self.rows: list[tuple] = []

    def add(
        self,
        item,
        month,
        *,
        household=None,
        resident=None,
        code,
        recorder,
        decider,
        at,
        status="approved",
    ):
        rng = self.rng
        if status == "approved" and rng.random() < REJECTED:
            status = "rejected"
        key = uuid.uuid4()
        decided = at if status != "pending" else None
        self.rows.append(
            (
                key if self.postgres else key.hex,
                item.pk,
                household,
                resident,
                month if self.postgres else month.isoformat(),
                str(_value(item, rng)),
                "现场查看属实。" if item.evidence_required else "",
                "manual",
                status,
                code,
                recorder,
                decider if status != "pending" else None,
                decided if self.postgres or decided is None else decided.isoformat(),
                "与实际情况不符，请核实后重新录入。" if status == "rejected" else "",
                at if self.postgres else at.isoformat(),
                at if self.postgres else at.isoformat(),
            )
        )

    def write(self) -> int:
        insert_rows(Entry, ENTRY_FIELDS, self.rows)
        return len(self.rows)


@transaction.atomic
def build_demo_points(*, seed: int = 2026, now: datetime.datetime | None = None) -> dict:
    """Builds the demo's points (see the module's docstring) on a database with the demo
    ledger and no points entries yet; else writes nothing. Returns what it built, counted."""
    counts: dict[str, int] = dict.fromkeys(
        (
            "party_members",
            "lists",
            "entries",
            "pending",
            "evaluations",
            "red_flag_grids",
            "red_pioneers",
            "model_villagers",
            "rewards_yuan",
            "shops",
            "redemptions",
            "passes",
            "proposed",
        ),
        0,
    )
    if Entry.objects.exists() or not Household.objects.exists():
        return counts
    rng = random.Random(seed)
    now = now or timezone.now()
    this = timezone.localdate(now).replace(day=1)
    first = add_months(this, -MONTHS)
    villages = list(
        Area.objects.open()
        .filter(level=Level.VILLAGE)
        .order_by("code")
        .values_list("code", flat=True)
    )
    county = Area.objects.filter(level=Level.COUNTY).order_by("code").first()
    chiefs = _posts(Role.GRID_CHIEF)
    workers = _posts(Role.GRID_WORKER)
    share = len(villages) / COUNTY_VILLAGES
    # The county admin records the villages' adoptions (a list's row names who did).
    admin = User.objects.get(pk=_posts(Role.COUNTY_ADMIN)[county.code])

    # Party members: about 1.4 adults a unit, each linked to the account of a grid worker
    # of the unit where there is one (their pairing visits and meetings then propose).
    by_unit: dict[str, list[int]] = defaultdict(list)
    adult = timezone.localdate(now) - datetime.timedelta(days=365 * 20)
    for pk, code in (
        Resident.objects.filter(status="living", birth_date__lte=adult)
        .order_by("area_code", "id")
        .values_list("id", "area_code")
    ):
        by_unit[code].append(pk)
    members: list[tuple[int, str]] = []
    for code, residents in by_unit.items():
        n = int(PARTY_PER_UNIT) + (rng.random() < PARTY_PER_UNIT % 1)
        members += [(pk, code) for pk in rng.sample(residents, min(n, len(residents)))]
    Resident.objects.filter(pk__in=[pk for pk, _code in members]).update(is_party_member=True)
    counts["party_members"] = len(members)
    linked = {}
    for pk, code in members:
        if code in workers and code not in linked:
            linked[code] = MemberAccount(user_id=workers[code], resident_id=pk)
    MemberAccount.objects.bulk_create(linked.values())

    # The three lists of every village, adopted from the templates a month before the year.
    for code in villages:
        for kind in ListKind.values:
            lists.adopt_list(
                admin,
                code,
                kind,
                add_months(first, -1),
                lists.items_from("template", code, kind),
                note="村民代表会议表决通过。",
            )
            counts["lists"] += 1
    items: dict[tuple[str, str], list] = defaultdict(list)
    for listed in DutyList.objects.prefetch_related("items"):
        items[(listed.area_code, listed.kind)] = [
            item for item in listed.items.all() if item.points > 0 or rng.random() < 0.3
        ]

    # Review boards: the grid chief chairs, the village's cadres sit on it.
    cadres = defaultdict(list)
    for user_id, code in (
        Post.objects.current().filter(role=Role.CADRE).values_list("user_id", "area_code")
    ):
        cadres[code].append(user_id)
    BoardMember.objects.bulk_create(
        [
            BoardMember(area_code=code, user_id=user_id, is_chair=chair, starts_on=first)
            for code in villages
            for user_id, chair in ([(chiefs[code], True)] if code in chiefs else [])
            + [(c, False) for c in cadres.get(code, [])[:4]]
        ]
    )

    # A year of entries, then this month's so far, some awaiting approval.
    households = list(
        Household.objects.filter(status="active").order_by("id").values_list("id", "area_code")
    )
    entries = _Entries(rng)
    for n in range(MONTHS + 1):
        month = add_months(first, n)
        current = month == this
        last_day = min(month_end(month), timezone.localdate(now))
        for pk, code in households:
            if rng.random() >= HOUSEHOLD_SHARE * (0.4 if current else 1):
                continue
            village = code[:12]
            item = rng.choice(items[(village, ListKind.HOUSEHOLD)])
            day = month + datetime.timedelta(days=rng.randint(0, (last_day - month).days))
            at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
            entries.add(
                item,
                month,
                household=pk,
                code=code,
                recorder=workers.get(code),
                decider=chiefs.get(village),
                at=min(at, now),
                status="pending" if current and rng.random() < 0.5 else "approved",
            )
        for pk, code in members:
            village = code[:12]
            for _ in range(int(PARTY_ENTRIES) + (rng.random() < PARTY_ENTRIES % 1)):
                if current and rng.random() < 0.6:
                    continue
                item = rng.choice(items[(village, ListKind.PARTY_MEMBER)])
                day = month + datetime.timedelta(days=rng.randint(0, (last_day - month).days))
                at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(15)))
                entries.add(
                    item,
                    month,
                    resident=pk,
                    code=code,
                    recorder=workers.get(code),
                    decider=chiefs.get(village),
                    at=min(at, now),
                    status="pending" if current and rng.random() < 0.5 else "approved",
                )
    counts["entries"] = entries.write()
    PointsAccount.objects.bulk_create(
        PointsAccount(
            household_id=row["household"], area_code=row["area_code"], earned=row["total"]
        )
        for row in Entry.objects.filter(status="approved", household__isnull=False)
        .values("household", "area_code")
        .annotate(total=Sum("points"))
    )

    # The quotas, the rewards and the county's fund (a year's rewards and a fifth more).
    for kind, n in QUOTAS.items():
        evaluations.set_quota(actor=None, area_code=county.code, kind=kind, per_village=n)
    for kind, amount in AMOUNTS.items():
        evaluations.set_award_amount(actor=None, kind=kind, amount=amount)
    fund = funds.create_fund(actor=None, area_code=county.code, name=f"{county.name}积分奖励资金")
    budget = (Decimal(round(120_000 * share, -2)) or Decimal(1_000)).quantize(Decimal("1"))
    funds.add_budget(actor=None, fund_id=fund.pk, amount=budget, note="年度积分奖励预算")

    # The twelve months gone by: closed, selected within the quotas, on notice for seven
    # days from the 2nd of the month after, then final with the rewards paid.
    for n in range(MONTHS):
        month = add_months(first, n)
        evaluations.close_months(month, county.code)
        notice_until = min(
            timezone.make_aware(datetime.datetime.combine(month_end(month), datetime.time(18)))
            + datetime.timedelta(days=8),
            now - datetime.timedelta(minutes=1),
        )
        for found in Evaluation.objects.filter(month=month, status=EvaluationStatus.OPEN):
            wanted = {
                kind: int(rng.random() < AWARDS_A_MONTH[kind])
                for kind in (AwardKind.RED_FLAG_GRID, AwardKind.RED_PIONEER)
            }
            draw = rng.random()
            wanted[AwardKind.MODEL_VILLAGER] = 2 if draw < 0.05 else int(draw < 0.33)
            if not any(wanted.values()):
                # A board selects someone every month: a model villager at least.
                wanted[AwardKind.MODEL_VILLAGER] = 1
            chosen = 0
            for kind, n in wanted.items():
                part = evaluations.PART_OF_KIND[kind]
                key = "code" if part == evaluations.GRIDS else "id"
                for row in found.standings.get(part, [])[: min(n, QUOTAS[kind])]:
                    decisions.select(
                        actor=None,
                        evaluation_id=found.pk,
                        kind=kind,
                        subject=row[key],
                        reason=REASONS[kind],
                    )
                    chosen += 1
            if not chosen:
                continue
            decisions.save_minutes(
                actor=None,
                evaluation_id=found.pk,
                minutes=decisions.draft_minutes(found),
                met_on=month_end(month) + datetime.timedelta(days=1),
            )
            decisions.publish(actor=None, evaluation_id=found.pk)
            Evaluation.objects.filter(pk=found.pk).update(
                notice_from=notice_until - datetime.timedelta(days=evaluations.NOTICE_DAYS),
                notice_until=notice_until,
            )
            decisions.finalise(found.pk)
            counts["evaluations"] += 1
    for kind, key in (
        (AwardKind.RED_FLAG_GRID, "red_flag_grids"),
        (AwardKind.RED_PIONEER, "red_pioneers"),
        (AwardKind.MODEL_VILLAGER, "model_villagers"),
    ):
        counts[key] = Selection.objects.filter(
            kind=kind, status="selected", evaluation__status=EvaluationStatus.FINAL
        ).count()
    fund.refresh_from_db()
    counts["rewards_yuan"] = int(budget - fund.balance)

    # A shop a village, its goods, and some households' redemptions.
    keepers = {code: chiefs[code] for code in villages if code in chiefs}
    made_shops = {}
    for code in villages:
        made = shop.create_shop(
            None,
            village_code=code,
            name="积分超市",
            keeper_ids=[keepers[code]] if code in keepers else [],
        )
        made_shops[code] = [
            shop.add_goods(None, shop_id=made.pk, name=name, price=price, stock=stock)
            for name, price, stock in GOODS
        ]
    counts["shops"] = Shop.objects.count()
    rich = list(
        PointsAccount.objects.filter(earned__gte=10)
        .order_by("household_id")
        .values_list("household_id", "area_code", "earned")
    )
    users = User.objects.in_bulk(list(keepers.values()))
    # Some households spend part of their points on the small goods.
    for household_id, code, earned in rng.sample(rich, min(len(rich), 5 * len(villages))):
        affordable = [g for g in made_shops.get(code[:12], ()) if g.price <= earned]
        if code[:12] not in keepers or not affordable:
            continue
        goods = rng.choice(affordable)
        shop.redeem(
            users[keepers[code[:12]]],
            uuid=uuid.uuid4(),
            household=household_id,
            goods=goods,
            quantity=1,
        )
        counts["redemptions"] += 1

    # The benefits, and this month's passes for last month's winners.
    for code, name, operator in BENEFITS:
        passes.save_benefit(
            None, code=code, name=name, operator=operator, award=AwardKind.RED_FLAG_GRID
        )
    counts["passes"] = passes.issue_passes(add_months(this, -1))
    # This month's records proposed as entries awaiting approval (enter once).
    counts["proposed"] = proposals.propose(this).get("made", 0)
    counts["pending"] = Entry.objects.filter(status="pending").count()
    audit.record(
        actor=None,
        action="demo.points",
        object_type="points.entry",
        object_id=county.code,
        object_repr=county.name,
        area_code=county.code,
        after=counts,
    )
    return counts
