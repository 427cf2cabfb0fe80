"""The demo county's party-branch-led cooperatives (党支部领办合作社, issue 22), in one town:
老僧堂镇 when the demo has it (the county scale), else the town with the most villages
(the town scale's first town, where the demo's `town`, `chief` and `worker` are).

- The town's alliance (联合社) and, in each of its villages (at most 26), a cooperative
  named after the village, in the alliance, with its charter: most by the statute
  (Art. 44: 60% of the distributable surplus by trading, the rest by shares; one at 70%),
  a couple all by shares (the 烟台 practice, which departs from Art. 44), a reserve of 5
  to 10%, no member above 20% of all shares, 1 yuan a share, 8,000 shares a mu of land,
  100 a day of labour.
- Its board since its founding early in the year before last: a chair, an accountant, a supervisor and
  two board members; in a few villages the first accountant left at mid-year (换届) and
  another took the seat. The first village's chair and accountant have the demo logins
  `coopchair` and `accountant` (no post: board members, who see their cooperative).
- Its members: the village collective first (its funds, assets and resources, 三资,
  valued in yuan), then households of the village from the ledger (land in mu, money,
  a few days of labour), then a local company and a returnee (money, labour).
- The year before last: the trading of each member who traded with it and the year's
  distribution run by the accountant and approved by the chair (final). Last year: in
  three villages the trading imported from the accountant's sheet and a draft of the
  year's distribution awaiting the chair (so that `coopchair` has one to approve). A
  year is distributed only once it is over, on the shares held at its end: every
  contribution is dated in the founding year.

Everything goes through the cooperatives' services (create_alliance, create_cooperative,
appoint, end_seat, add_member, contribute, record_trading, import_trading,
run_distribution, approve_distribution), so the register, the audit log and the notices
are the real ones; only the two accounts are written directly.
Built on a database with a town and no cooperatives yet; else nothing is written."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.areas.models import Area, Level
from yiwang.coops.models import (
    Alliance,
    BoardRole,
    Cooperative,
    Distribution,
    DistributionLine,
    DistributionMode,
    DistributionStatus,
    Member,
    MemberKind,
)
from yiwang.core import audit
from yiwang.demo.areas import DEMO_PASSWORD
from yiwang.demo.registry import GIVEN, SURNAMES
from yiwang.demo.services import valid_mobile
from yiwang.registry.models import Resident

TOWN_NAME = "老僧堂镇"
MAX_VILLAGES = 26
# Households of the ledger that join each village's cooperative.
HOUSEHOLDS = (18, 30)
BY_SHARES = 2  # cooperatives that pay all by shares (the 烟台 practice)
RESERVE_RATES = (Decimal("0.050"), Decimal("0.080"), Decimal("0.100"))
HOLDING_CAP = Decimal("0.200")
CHAIR_LOGIN = "coopchair"  # the chair of the first village's cooperative
ACCOUNTANT_LOGIN = "accountant"  # its accountant
DRAFTS = 3  # villages with a draft of last year's distribution (the first among them)
COMPANIES = ("农业科技有限公司", "农机服务有限公司", "果蔬种植有限公司", "生态农业发展有限公司")
PRODUCE = ("小麦", "玉米", "大蒜", "山药", "西瓜", "食用菌", "蔬菜")
COUNT_KEYS = (
    "alliances",
    "cooperatives",
    "statutory",
    "by_shares",
    "seats",
    "seats_ended",
    "members",
    "collective_members",
    "household_members",
    "other_members",
    "contributions",
    "shares",
    "trading",
    "final",
    "drafts",
    "surplus_yuan",
    "reserve_yuan",
    "paid_yuan",
    "accounts",
)


def coop_town() -> Area | None:
    """老僧堂镇 if the demo has it, else the open town with the most open villages (the
    first by code among equals)."""
    towns = Area.objects.open().filter(level=Level.TOWN)
    named = towns.filter(name=TOWN_NAME).order_by("code").first()
    if named is not None:
        return named
    counted = (
        towns.annotate(n=Count("children", filter=_open_villages("children__")))
        .filter(n__gt=0)
        .order_by("-n", "code")
    )
    return counted.first()


def _open_villages(prefix: str = ""):
    from django.db.models import Q

    today = timezone.localdate()
    return Q(**{f"{prefix}level": Level.VILLAGE, f"{prefix}opened_on__lte": today}) & (
        Q(**{f"{prefix}closed_on__isnull": True}) | Q(**{f"{prefix}closed_on__gt": today})
    )


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _yuan(rng: random.Random, low: int, high: int) -> Decimal:
    """A seeded amount between `low` and `high` yuan, to the fen."""
    return Decimal(rng.randrange(low * 100, high * 100)).scaleb(-2)


def _credit_code(rng: random.Random, area_code: str) -> str:
    """A valid unified social credit code of a farmers' cooperative: 9 (registered by the
    market regulator) 3 (a farmers' professional cooperative), the county's division
    code, an organisation code and the check digit."""
    from stdnum.cn import uscc

    org = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    body = f"93{area_code[:6]}{org}"
    return body + uscc.calc_check_digit(body)


def _accounts(village: Area, rng, now) -> tuple[User | None, User | None]:
    """The demo logins of the first village's chair and accountant (none when a username
    is taken)."""
    taken = set(
        User.objects.filter(username__in=(CHAIR_LOGIN, ACCOUNTANT_LOGIN)).values_list(
            "username", flat=True
        )
    )
    if taken:
        return None, None
    password = make_password(DEMO_PASSWORD)
    chair, accountant = (
        User.objects.create(
            username=username,
            area_code=village.code,
            password=password,
            full_name=_name(rng),
            phone=valid_mobile(rng),
            date_joined=now,
        )
        for username in (CHAIR_LOGIN, ACCOUNTANT_LOGIN)
    )
    return chair, accountant


def _households(villages: list[Area]) -> dict[str, list[tuple[int, str]]]:
    """The active households of each village with their living head: {village code:
    [(household id, head's name)]}, in the ledger's order (one query)."""
    out: dict[str, list[tuple[int, str]]] = defaultdict(list)
    codes = {v.code for v in villages}
    town = villages[0].code[:9]
    for household_id, code, name in (
        Resident.objects.filter(
            relation="head",
            status="living",
            household__status="active",
            area_code__startswith=town,
        )
        .order_by("area_code", "household_id")
        .values_list("household_id", "area_code", "name")
    ):
        if code[:12] in codes:
            out[code[:12]].append((household_id, name))
    return out


@transaction.atomic
def build_demo_coops(*, seed: int = 2026, now: datetime.datetime | None = None) -> dict:
    """Builds the town's alliance and its villages' cooperatives (see the module's
    docstring) on a database with a town and no cooperatives yet; else writes nothing.
    Returns what it built, counted."""
    counts: dict = dict.fromkeys(COUNT_KEYS, 0)
    if Cooperative.objects.exists() or Alliance.objects.exists():
        return counts
    town = coop_town()
    if town is None:
        return counts
    villages = list(
        Area.objects.filter(_open_villages(), parent=town).order_by("code")[:MAX_VILLAGES]
    )
    rng = random.Random(seed)
    now = now or timezone.now()
    today = timezone.localdate(now)
    first_year = today.year - 2  # founded, its first distribution final
    from yiwang.coops.services.alliances import create_alliance

    alliance = create_alliance(
        actor=None, area_code=town.code, name=f"{town.name}党支部领办合作社联合社"
    )
    counts["alliances"] = 1
    chair, accountant = _accounts(villages[0], rng, now)
    counts["accounts"] = 2 if chair else 0
    households = _households(villages)
    by_shares = set(rng.sample(range(1, len(villages)), min(BY_SHARES, len(villages) - 1)))
    changed_accountant = set(rng.sample(range(1, len(villages)), min(3, len(villages) - 1)))
    drafts = {0, *rng.sample(range(1, len(villages)), min(DRAFTS - 1, len(villages) - 1))}
    for i, village in enumerate(villages):
        _cooperative(
            rng,
            village,
            alliance,
            first_year,
            households.get(village.code, []),
            mode=DistributionMode.BY_SHARES if i in by_shares else DistributionMode.STATUTORY,
            trading_share=Decimal("0.700") if i == len(villages) // 2 else Decimal("0.600"),
            users=(chair, accountant) if i == 0 else (None, None),
            new_accountant=i in changed_accountant,
            draft=i in drafts,
            counts=counts,
        )
    _totals(counts)
    audit.record(
        actor=None,
        action="demo.coops",
        object_type="coops.alliance",
        object_id=alliance.pk,
        object_repr=alliance.name,
        area_code=town.code,
        after=counts,
    )
    return counts


def _cooperative(
    rng,
    village,
    alliance,
    first_year,
    households,
    *,
    mode,
    trading_share,
    users,
    new_accountant,
    draft,
    counts,
) -> None:
    from yiwang.coops.services import coops, distributions, members

    chair_user, accountant_user = users
    founded = datetime.date(first_year, 1, 6) + datetime.timedelta(days=rng.randrange(50))
    coop = coops.create_cooperative(
        actor=None,
        area_code=village.code,
        name=f"{village.name}党支部领办合作社",
        credit_code=_credit_code(rng, village.code),
        reserve_rate=rng.choice(RESERVE_RATES),
        holding_cap=HOLDING_CAP,
        mode=mode,
        trading_share=trading_share,
        alliance_id=alliance.pk,
    )
    Cooperative.objects.filter(pk=coop.pk).update(registered_on=founded)
    counts["cooperatives"] += 1
    counts["statutory" if mode == DistributionMode.STATUTORY else "by_shares"] += 1

    # The board: the branch secretary in the chair, an accountant, a supervisor, two more.
    board = [
        (BoardRole.CHAIR, chair_user),
        (BoardRole.ACCOUNTANT, accountant_user if not new_accountant else None),
        (BoardRole.SUPERVISOR, None),
        (BoardRole.BOARD, None),
        (BoardRole.BOARD, None),
    ]
    for role, user in board:
        seat = coops.appoint(
            actor=None,
            cooperative_id=coop.pk,
            role=role,
            name=user.full_name if user else _name(rng),
            user_id=user.pk if user else None,
            on=founded,
        )
        counts["seats"] += 1
        if role == BoardRole.ACCOUNTANT and new_accountant:
            midyear = datetime.date(first_year, 7, 1)
            coops.end_seat(actor=None, seat_id=seat.pk, on=midyear, reason="换届改选，转任村会计")
            coops.appoint(
                actor=None,
                cooperative_id=coop.pk,
                role=BoardRole.ACCOUNTANT,
                name=_name(rng),
                on=midyear,
            )
            counts["seats"] += 1
            counts["seats_ended"] += 1

    def join(kind, name="", household_id=None, day=founded) -> Member:
        member = members.add_member(
            actor=None,
            cooperative_id=coop.pk,
            kind=kind,
            household_id=household_id,
            name=name,
            joined_on=day,
        )
        counts["members"] += 1
        counts[f"{kind}_members"] += 1
        return member

    def put_in(member, kind, day, note="", **measure) -> None:
        members.contribute(
            actor=None,
            cooperative_id=coop.pk,
            member_id=member.pk,
            kind=kind,
            on=day,
            note=note,
            **measure,
        )
        counts["contributions"] += 1

    # The village collective first: its funds, assets and resources are the base of the
    # shares (a household alone would hold all of them, above the cap).
    collective = join(MemberKind.COLLECTIVE, name=f"{village.name}股份经济合作社")
    put_in(
        collective,
        "assets",
        founded,
        note="村集体闲置土地、晒场和仓库折价入股",
        amount=Decimal(rng.randrange(30, 90) * 10_000),
    )
    # Households of the village: land (most), money, a few days of labour.
    joined: list[Member] = []
    chosen = sorted(rng.sample(households, min(rng.randint(*HOUSEHOLDS), len(households))))
    for household_id, head in chosen:
        day = founded + datetime.timedelta(days=rng.randrange(30))
        member = join(MemberKind.HOUSEHOLD, name=head, household_id=household_id, day=day)
        land = rng.random() < 0.85
        if land:
            mu = Decimal(rng.randrange(100, 600, 5)).scaleb(-2)
            put_in(member, "land", day, note="承包地经营权入股", area_mu=mu)
        if rng.random() < 0.45 or not land:
            put_in(member, "money", day, amount=Decimal(rng.randrange(1, 21) * 1000))
        if rng.random() < 0.2:
            put_in(member, "labour", day, note="建设大棚投工", days=rng.randrange(10, 61))
        joined.append(member)
    # A local company and a returnee.
    company = join(
        MemberKind.OTHER,
        name=f"嘉祥县{village.name[:-1]}{rng.choice(COMPANIES)}",
        day=founded + datetime.timedelta(days=35),
    )
    put_in(company, "money", company.joined_on, amount=Decimal(rng.randrange(3, 9) * 10_000))
    returnee = join(MemberKind.OTHER, name=_name(rng), day=founded + datetime.timedelta(days=40))
    put_in(returnee, "money", returnee.joined_on, amount=Decimal(rng.randrange(1, 4) * 10_000))
    put_in(returnee, "labour", returnee.joined_on, note="返乡创业，负责电商销售", days=60)

    # The first year's trading: produce sold through the cooperative, services bought from it.
    traders = [m for m in joined if rng.random() < 0.85] + [returnee]
    for member in traders:
        members.record_trading(
            actor=None,
            cooperative_id=coop.pk,
            member_id=member.pk,
            year=first_year,
            produce_sold=_yuan(rng, 2_000, 40_000),
            services_bought=_yuan(rng, 0, 3_000) if rng.random() < 0.7 else Decimal(0),
        )
        counts["trading"] += 1
    surplus = _yuan(rng, 80_000, 1_200_000)
    run = distributions.run_distribution(
        actor=accountant_user, cooperative_id=coop.pk, year=first_year, surplus=surplus
    )
    distributions.approve_distribution(actor=chair_user, distribution_id=run.pk)
    counts["final"] += 1

    if not draft:
        return
    # Last year: the trading imported from the accountant's sheet (by the member's name,
    # where it is unique in the cooperative: the household numbers of the ledger repeat
    # from one unit to the next), a draft run awaiting the chair.
    names = defaultdict(int)
    for name in Member.objects.filter(cooperative=coop).values_list("name", flat=True):
        names[name] += 1
    rows = [
        {
            "name": member.name,
            "year": first_year + 1,
            "produce_sold": str(_yuan(rng, 2_000, 40_000)),
            "services_bought": "0",
        }
        for member in traders
        if names[member.name] == 1
    ]
    if not rows:
        return
    counts["trading"] += members.import_trading(actor=None, cooperative_id=coop.pk, rows=rows)
    distributions.run_distribution(
        actor=accountant_user,
        cooperative_id=coop.pk,
        year=first_year + 1,
        surplus=_yuan(rng, 80_000, 1_200_000),
    )
    counts["drafts"] += 1


def _totals(counts: dict) -> None:
    counts["shares"] = Member.objects.aggregate(n=Sum("shares"))["n"] or 0
    final = Distribution.objects.filter(status=DistributionStatus.FINAL)
    sums = final.aggregate(surplus=Sum("surplus"), reserve=Sum("reserve"))
    sums["paid"] = DistributionLine.objects.filter(distribution__in=final).aggregate(
        n=Sum("total")
    )["n"]
    for key in ("surplus", "reserve", "paid"):
        # Decimal sums come back through floating point on SQLite: to the fen again.
        counts[f"{key}_yuan"] = str(Decimal(str(sums[key] or 0)).quantize(Decimal("0.01")))
