"""The demo's micro-wishes, the caring mothers' fund and a few hours certificates: the
second half of yiwang.demo.volunteering (which calls these with its seeded generator)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.areas.models import Area
from yiwang.core.masking import mask_id_number
from yiwang.outreach.models import Enterprise
from yiwang.registry.models import Resident, ResidentTag
from yiwang.volunteering.models import (
    Certificate,
    ClaimerKind,
    Donation,
    DonationKind,
    Fund,
    HoursKind,
    HoursStatus,
    Payout,
    Wish,
    WishClaim,
    WishStatus,
)
from yiwang.volunteering.services.certificates import CHECK_CODE_ALPHABET, CHECK_CODE_LENGTH

WISHES = 300
CHILD_SHARE = 0.6
DAYS = 365
FUND_YUAN = 90_000
CERTIFICATES = 20
BATCH = 2000
CHILD_WISHES = (
    ("一张书桌", 260),
    ("一个新书包", 90),
    ("一套课外读物", 120),
    ("一双运动鞋", 150),
    ("一套文具", 50),
    ("一盏护眼台灯", 110),
    ("一件羽绒服", 200),
    ("一个足球", 80),
)
ELDER_WISHES = (
    ("一台收音机", 80),
    ("一件棉大衣", 180),
    ("一个电暖器", 160),
    ("一副老花镜", 40),
    ("一床厚棉被", 150),
    ("一台电饭煲", 120),
)
# The status of a wish by its age: (open, claimed, fulfilled, cancelled).
STATUSES = (WishStatus.OPEN, WishStatus.CLAIMED, WishStatus.FULFILLED, WishStatus.CANCELLED)
RECENT = (70, 30, 0, 0)
OLDER = (10, 10, 72, 8)
RECENT_DAYS = 21
CLAIMERS = {
    ClaimerKind.VOLUNTEER: 40,
    ClaimerKind.PARTY_MEMBER: 25,
    ClaimerKind.ENTERPRISE: 20,
    ClaimerKind.GROUP: 15,
}
CHILD_STORIES = (
    "收到礼物后，孩子特别开心，说一定好好学习，长大了也要帮助别人。",
    "爱心妈妈陪孩子拆开礼物，孩子的奶奶连声道谢。",
)
ELDER_STORIES = (
    "老人收到后连声道谢，说这个冬天不再发愁了。",
    "志愿者送去时还帮老人打扫了院子，陪老人聊了一下午。",
)
DONORS = ("爱心人士", "嘉祥县个体私营企业协会", "县妇联", "在外创业人士", "爱心人士（匿名）")
DONATION_SIZES = (5000, 3000, 2000, 1000, 1000, 500, 500, 200)
BURSARY = Decimal(500)
BURSARIES = 40  # a year in the county, half each term


def _at(rng, now, days_ago: int) -> datetime.datetime:
    return now - datetime.timedelta(days=days_ago, minutes=rng.randint(0, 600))


def build_wishes(rng, now, share, vols, teams, workers, chiefs, admin, counts) -> list[Wish]:
    """A few hundred wishes (the county's share) of left-behind children and elderly
    residents living alone, in every status, with their claims and goods donations."""
    raise_days = getattr(settings, "VOLUNTEERING_WISH_RAISE_DAYS", 14)
    tagged = {"left_behind_child": [], "elderly_alone": []}
    for row in (
        ResidentTag.objects.current()
        .filter(tag__code__in=tagged, resident_living=True)
        .order_by("resident_id")
        .values_list(
            "tag__code", "resident_id", "area_code", "resident__name", "resident__household_id"
        )
    ):
        tagged[row[0]].append(row[1:])
    n = max(round(WISHES * share), 1)
    n_children = min(round(n * CHILD_SHARE), len(tagged["left_behind_child"]))
    chosen = [("child", r) for r in rng.sample(tagged["left_behind_child"], n_children)] + [
        ("elder", r)
        for r in rng.sample(
            tagged["elderly_alone"], min(n - n_children, len(tagged["elderly_alone"]))
        )
    ]
    heads = dict(
        Resident.objects.filter(
            household_id__in={r[3] for _k, r in chosen}, relation="head"
        ).values_list("household_id", "name")
    )
    enterprises = defaultdict(list)
    for pk, code, name in Enterprise.objects.order_by("id").values_list("id", "area_code", "name"):
        enterprises[code[:9]].append((pk, name))
    mothers = {v.area_code[:12]: v.user_id for v in vols.mothers}
    members = teams["members"]

    planned = []
    for kind, (resident, code, name, household) in chosen:
        village = code[:12]
        age = rng.randint(1, DAYS)
        created = _at(rng, now, age)
        weights = RECENT if age <= RECENT_DAYS else OLDER
        status = rng.choices(STATUSES, weights)[0]
        title, value = rng.choice(CHILD_WISHES if kind == "child" else ELDER_WISHES)
        worker = (workers.get(code) or [None])[0] or chiefs.get(village, admin)
        recorder = mothers.get(village, worker) if kind == "child" else worker
        wish = Wish(
            recipient_id=resident,
            area_code=code,
            title=title,
            description=(
                "孩子父母常年在外务工，跟着爷爷奶奶生活，" if kind == "child" else "老人独自生活，"
            )
            + f"希望得到{title}。",
            value=Decimal(value),
            status=status,
            recorded_by_id=recorder,
            created_at=created,
        )
        if status == WishStatus.OPEN and age > raise_days:
            wish.raised_at = created + datetime.timedelta(days=raise_days)
        claim = None
        if status in (WishStatus.CLAIMED, WishStatus.FULFILLED):
            claimed_at = min(created + datetime.timedelta(days=rng.randint(1, 10)), now)
            claim = _claim(rng, kind, village, vols, teams, members, enterprises)
            claim.claimed_by_id = worker
            claim.claimed_at = claimed_at
            if status == WishStatus.FULFILLED:
                wish.fulfilled_at = min(
                    claimed_at + datetime.timedelta(days=rng.randint(3, 20)), now
                )
                wish.fulfilled_by_id = recorder
                wish.confirmed_by_recipient = name if kind == "elder" else heads.get(household, "")
                if rng.random() < 0.6:
                    wish.story = rng.choice(CHILD_STORIES if kind == "child" else ELDER_STORIES)
        planned.append((wish, claim, kind, heads.get(household, name)))
    planned.sort(key=lambda p: p[0].created_at)
    numbers: dict[int, int] = defaultdict(int)
    for wish, *_rest in planned:
        year = timezone.localdate(wish.created_at).year
        numbers[year] += 1
        wish.number = f"W{year}-{numbers[year]:05d}"
    Wish.objects.bulk_create([w for w, *_r in planned], batch_size=BATCH)
    claims = []
    for wish, claim, _kind, _guardian in planned:
        if claim is not None:
            claim.wish = wish
            claims.append(claim)
    WishClaim.objects.bulk_create(claims, batch_size=BATCH)
    gifts = [
        Donation(
            wish=wish,
            donor=claim.claimer_name,
            kind=DonationKind.GOODS,
            description=wish.title,
            value=wish.value,
            received_on=timezone.localdate(wish.fulfilled_at),
            received_by_id=wish.fulfilled_by_id,
            confirmed_by_id=wish.fulfilled_by_id,
            confirmed_at=wish.fulfilled_at,
            area_code=wish.area_code,
            uuid=_uuid(rng),
            created_at=wish.fulfilled_at,
        )
        for wish, claim, _kind, _guardian in planned
        if wish.status == WishStatus.FULFILLED
        and claim.kind in (ClaimerKind.ENTERPRISE, ClaimerKind.GROUP)
    ]
    Donation.objects.bulk_create(gifts)
    counts["wishes"] = len(planned)
    counts["claims"] = len(claims)
    counts["donations"] += len(gifts)
    return planned


def _claim(rng, kind, village, vols, teams, members, enterprises) -> WishClaim:
    claimer = rng.choices(list(CLAIMERS), list(CLAIMERS.values()))[0]
    town = enterprises.get(village[:9])
    party = vols.party.get(village)
    if claimer == ClaimerKind.ENTERPRISE and town:
        pk, name = rng.choice(town)
        return WishClaim(kind=claimer, enterprise_id=pk, claimer_name=name, uuid=_uuid(rng))
    if claimer == ClaimerKind.GROUP:
        team = teams["mothers"] if kind == "child" else teams["party"].get(village)
        people = members.get(team.pk, []) if team else []
        if team and people:
            names = "、".join(v.name for v in rng.sample(people, min(3, len(people))))
            return WishClaim(
                kind=claimer, claimer_name=team.name, group_members=names, uuid=_uuid(rng)
            )
    if claimer == ClaimerKind.PARTY_MEMBER and party:
        volunteer = rng.choice(party)
    else:
        claimer = ClaimerKind.VOLUNTEER
        volunteer = rng.choice(vols.of_village.get(village) or vols.all)
    return WishClaim(
        kind=claimer, volunteer=volunteer, claimer_name=volunteer.name, uuid=_uuid(rng)
    )


def build_fund(rng, now, share, county, planned, admin, counts) -> Fund:
    """The caring mothers' fund: the year's money given to it (the county's 90,000 yuan,
    its share here), and what it paid out (bursaries for left-behind children at the start
    of each term, the wishes its caring mothers fulfilled), never more than it held."""
    today = timezone.localdate(now)
    first = today - datetime.timedelta(days=DAYS)
    total = Decimal(max(round(FUND_YUAN * share, -2), 1000))
    fund = Fund.objects.create(
        name=f"{county.name}爱心妈妈基金",
        area_code=county.code,
        created_at=timezone.make_aware(datetime.datetime.combine(first, datetime.time(9))),
    )
    names = [name for *_r, name in _enterprise_names()] or list(DONORS)
    gifts, left = [], total
    launch = (total / 5).quantize(Decimal("1"))
    gifts.append((first, "嘉祥县慈善总会", launch))
    left -= launch
    while left > 0:
        amount = min(Decimal(rng.choice(DONATION_SIZES)), left)
        left -= amount
        day = first + datetime.timedelta(days=rng.randint(1, DAYS - 1))
        gifts.append((day, rng.choice(names if rng.random() < 0.5 else DONORS), amount))
    gifts.sort()
    Donation.objects.bulk_create(
        Donation(
            fund=fund,
            donor=donor,
            kind=DonationKind.MONEY,
            description="爱心妈妈基金捐款",
            value=amount,
            received_on=day,
            received_by_id=admin,
            confirmed_by_id=admin,
            confirmed_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(16))),
            area_code=county.code,
            uuid=_uuid(rng),
            created_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(10))),
        )
        for day, donor, amount in gifts
    )

    # What it would pay: the bursaries at the two terms' starts, the wishes fulfilled by
    # the caring mothers' team.
    wanted = []
    terms = sorted(
        d
        for year in (today.year - 1, today.year)
        for d in (datetime.date(year, 2, 20), datetime.date(year, 9, 1))
        if first < d <= today
    )
    children = [(w, guardian) for w, _c, kind, guardian in planned if kind == "child"]
    for term in terms:
        for wish, guardian in rng.sample(
            children, min(len(children), max(1, round(BURSARIES * share / 2)))
        ):
            wanted.append((term, guardian, "留守儿童助学金", BURSARY, None, wish.area_code))
    for wish, claim, kind, guardian in planned:
        if (
            kind == "child"
            and wish.status == WishStatus.FULFILLED
            and claim.kind == ClaimerKind.GROUP
        ):
            day = timezone.localdate(wish.fulfilled_at)
            wanted.append(
                (day, guardian, f"微心愿：{wish.title}", wish.value, wish, wish.area_code)
            )
    wanted.sort(key=lambda w: (w[0], w[2]))
    came_in = sorted((day, amount) for day, _d, amount in gifts)
    payouts, paid = [], Decimal(0)
    for day, recipient, purpose, amount, wish, _code in wanted:
        held = sum((a for d, a in came_in if d <= day), Decimal(0)) - paid
        if amount > held:
            continue
        paid += amount
        payouts.append(
            Payout(
                fund=fund,
                recipient=recipient,
                purpose=purpose,
                amount=amount,
                paid_on=day,
                paid_by_id=admin,
                wish=wish,
                area_code=county.code,
                uuid=_uuid(rng),
                created_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(11))),
            )
        )
    Payout.objects.bulk_create(payouts)
    Fund.objects.filter(pk=fund.pk).update(balance=total - paid)
    counts["donations"] += len(gifts)
    counts["donated_yuan"] = int(total)
    counts["payouts"] = len(payouts)
    counts["paid_yuan"] = int(paid)
    return fund


def _enterprise_names():
    return Enterprise.objects.order_by("id").values_list("id", "name")[:50]


def build_certificates(rng, today, share, villages, vols, chiefs, counts) -> None:
    """Hours certificates for the residents with the most approved hours of the year,
    issued by their village's committee a few days ago."""
    first = today - datetime.timedelta(days=DAYS)
    last = today - datetime.timedelta(days=21)
    residents = {v.pk: v for v in vols.all if v.resident_id}
    approved = Q(
        hours__status=HoursStatus.APPROVED, hours__served_on__gte=first, hours__served_on__lte=last
    )
    from yiwang.volunteering.models import Volunteer

    top = list(
        Volunteer.objects.filter(pk__in=list(residents), hours__status=HoursStatus.APPROVED)
        .annotate(
            credit=Sum("hours__hours", filter=approved & Q(hours__kind=HoursKind.CREDIT)),
            honour=Sum("hours__hours", filter=approved & Q(hours__kind=HoursKind.HONOUR)),
            served=Count("hours", filter=approved & Q(hours__kind=HoursKind.CREDIT)),
        )
        # Only who served for credit in the window: PostgreSQL sorts a missing sum (NULL)
        # first in a descending order, SQLite last.
        .filter(credit__gt=0)
        .order_by("-credit", "id")[: max(1, round(CERTIFICATES * share))]
    )
    ids = dict(
        Resident.objects.filter(pk__in=[residents[v.pk].resident_id for v in top]).values_list(
            "id", "id_number"
        )
    )
    handlers = dict(
        User.objects.filter(pk__in=list(chiefs.values())).values_list("pk", "full_name")
    )
    county = (
        Area.objects.filter(level="county").order_by("code").values_list("code", flat=True).first()
    )
    rows = []
    for n, volunteer in enumerate(top, start=1):
        village = volunteer.area_code[:12]
        issued = last + datetime.timedelta(days=rng.randint(1, 20))
        chief = chiefs.get(village)
        if chief is None:
            continue
        name = villages[village]
        issuer = name + ("民委员会" if name.endswith("村") else "村民委员会")
        rows.append(
            Certificate(
                number=f"ZY-{county}-{issued.year}-{n:06d}",
                check_code="".join(
                    rng.choice(CHECK_CODE_ALPHABET) for _ in range(CHECK_CODE_LENGTH)
                ),
                volunteer=volunteer,
                volunteer_name=volunteer.name,
                masked_id_number=mask_id_number(ids.get(volunteer.resident_id, "")),
                first_day=first,
                last_day=last,
                credit_hours=volunteer.credit or Decimal(0),
                honour_hours=volunteer.honour or Decimal(0),
                content=f"参加志愿服务活动{volunteer.served}次，累计信用时长{volunteer.credit}小时。",
                issuer=issuer,
                handler=handlers.get(chief, "") or "网格长",
                issued_on=issued,
                issued_by_id=chief,
                area_code=village,
            )
        )
    Certificate.objects.bulk_create(rows)
    counts["certificates"] = len(rows)


def _uuid(rng):
    import uuid

    return uuid.UUID(int=rng.getrandbits(128), version=4)
