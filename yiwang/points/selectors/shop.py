"""Reading the points shop: the shops a user sees with their goods and the month's
redemptions, the households a shopkeeper looks up, a household's points."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from yiwang.points.models import Entry, EntryStatus, Goods, Redemption, Shop
from yiwang.points.services import accounts
from yiwang.points.services import shop as services
from yiwang.registry.models import Household, HouseholdStatus, Relation, ResidentStatus
from yiwang.registry.selectors import head_names

SEARCH_LIMIT = 20
LIST_LIMIT = 200


def month_start(today: datetime.date | None = None) -> datetime.date:
    today = today or timezone.localdate()
    return today.replace(day=1)


def _month_bounds(today: datetime.date | None = None):
    start = month_start(today)
    end = (start + datetime.timedelta(days=32)).replace(day=1)
    zone = timezone.get_current_timezone()
    return (
        datetime.datetime.combine(start, datetime.time.min, tzinfo=zone),
        datetime.datetime.combine(end, datetime.time.min, tzinfo=zone),
    )


def shop_rows(user):
    """The shops the user sees, each with its goods on sale and the month's redemptions."""
    since, until = _month_bounds()
    return (
        services.shops_visible_to(user)
        .annotate(
            goods_on_sale=Count("goods", filter=Q(goods__is_active=True), distinct=True),
            month_redemptions=Count(
                "goods__redemptions",
                filter=Q(
                    goods__redemptions__created_at__gte=since,
                    goods__redemptions__created_at__lt=until,
                ),
                distinct=True,
            ),
        )
        .order_by("area_code", "name", "id")
    )


def goods_of(shop: Shop, *, on_sale_only: bool = False):
    rows = Goods.objects.filter(shop=shop).order_by("-is_active", "name", "id")
    if on_sale_only:
        rows = rows.filter(is_active=True)
    return rows


@dataclass(frozen=True)
class MonthRedemptions:
    rows: list
    count: int
    points: Decimal


def month_redemptions(user, shop: Shop, today: datetime.date | None = None) -> MonthRedemptions:
    """The month's redemptions at the shop that the user may read (a grid worker: those of
    their unit's households; a keeper: all of the shop's)."""
    since, until = _month_bounds(today)
    rows = (
        services.redemptions_visible_to(user)
        .filter(goods__shop=shop, created_at__gte=since, created_at__lt=until)
        .select_related("goods", "household", "redeemed_by")
    )
    totals = rows.aggregate(n=Count("id"), points=Sum("points"))
    return MonthRedemptions(
        rows=list(rows.order_by("-created_at", "-id")[:LIST_LIMIT]),
        count=totals["n"] or 0,
        points=totals["points"] or Decimal("0"),
    )


def find_households(user, shop: Shop, text: str) -> list[dict]:
    """Active households of the shop's village that the user reaches, whose number or
    head's name holds `text`: each with its head's name and balance."""
    text = (text or "").strip()
    if not text:
        return []
    households = services.households_reachable(
        user, Household.objects.under(shop.area_code).filter(status=HouseholdStatus.ACTIVE)
    )
    found = households.filter(
        Q(number__icontains=text)
        | Q(
            residents__name__icontains=text,
            residents__relation=Relation.HEAD,
            residents__status=ResidentStatus.LIVING,
        )
    ).distinct()
    rows = list(found.order_by("number", "id")[:SEARCH_LIMIT])
    heads = head_names(row.pk for row in rows)
    balances = balances_of(row.pk for row in rows)
    return [
        {
            "household": row,
            "head": heads.get(row.pk, ""),
            "balance": balances.get(row.pk, Decimal("0")),
        }
        for row in rows
    ]


def balances_of(household_ids) -> dict[int, Decimal]:
    from yiwang.points.models import PointsAccount

    return {
        pk: max(earned - spent, Decimal("0"))
        for pk, earned, spent in PointsAccount.objects.filter(
            household_id__in=list(household_ids)
        ).values_list("household_id", "earned", "spent")
    }


@dataclass(frozen=True)
class HouseholdPoints:
    household: Household
    head: str
    balance: Decimal
    owed: Decimal
    earned: Decimal
    spent: Decimal
    approved: list
    pending: list
    redemptions: list


def household_points(household: Household) -> HouseholdPoints:
    from yiwang.points.models import PointsAccount

    account = PointsAccount.objects.filter(household_id=household.pk).first()
    balance, owed = (
        accounts.split(account.earned, account.spent) if account else accounts.split(None, None)
    )
    entries = Entry.objects.filter(household=household).select_related("item")
    return HouseholdPoints(
        household=household,
        head=head_names([household.pk]).get(household.pk, ""),
        balance=balance,
        owed=owed,
        earned=account.earned if account else Decimal("0"),
        spent=account.spent if account else Decimal("0"),
        approved=list(
            entries.filter(status=EntryStatus.APPROVED).order_by("-month", "-id")[:LIST_LIMIT]
        ),
        pending=list(
            entries.filter(status=EntryStatus.PENDING).order_by("-month", "-id")[:LIST_LIMIT]
        ),
        redemptions=list(
            Redemption.objects.filter(household=household)
            .select_related("goods__shop", "redeemed_by")
            .order_by("-created_at", "-id")[:LIST_LIMIT]
        ),
    )


def village_shop(user, household: Household) -> Shop | None:
    """The open shop of the household's village that the user may redeem at."""
    shops = services.shops_visible_to(user).filter(
        area_code=services.village_of(household.area_code), is_active=True
    )
    return shops.order_by("id").first()
