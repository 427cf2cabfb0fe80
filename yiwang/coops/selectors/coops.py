"""The cooperatives rolled up the area tree: by town, by village, or one village's
cooperatives, with their cooperatives, current members and their shares (the register's
balance today), the money and the collective's assets ever contributed (in yuan, as put
in: a withdrawal of shares does not take it back) and the payouts of one named year (the
final distributions of that year: the latest year with one in the area, unless asked).

A handful of queries whatever the number of cooperatives: one GROUP BY on the prefix of
the area code (or on the cooperative) for each of cooperatives, members, contributions
and distributions, one for the years paid out, over the cooperatives the user reads
(`access.visible_cooperatives`), and one for the names of the areas. Never a query per
row."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from os.path import commonprefix

from django.db.models import Count, F, Max, Min, Sum
from django.db.models.functions import Substr
from django.http import Http404

from yiwang.areas.models import Area, Level
from yiwang.coops import access
from yiwang.coops.models import (
    Contribution,
    ContributionKind,
    Cooperative,
    Distribution,
    DistributionMode,
    DistributionStatus,
    Member,
)
from yiwang.core import access as core_access
from yiwang.core import display
from yiwang.core.scoping import is_area_code, subtree_q

COUNTY_LENGTH, TOWN_LENGTH, VILLAGE_LENGTH = 6, 9, 12
# What the rows of the index are: the towns under a county, the villages under a town,
# the cooperatives of a village.
TOWNS, VILLAGES, COOPS = "towns", "villages", "coops"
ROW_LENGTH = {TOWNS: TOWN_LENGTH, VILLAGES: VILLAGE_LENGTH}
# Money and the village collective's funds, assets and resources are counted in yuan: what
# was contributed of them (出资额), never reduced by a later withdrawal of shares.
CAPITAL_KINDS = (ContributionKind.MONEY, ContributionKind.ASSETS)


@dataclass
class Row:
    """A row of the roll-up: an area (`code`) or a cooperative (`coop_id`)."""

    code: str
    name: str = ""
    cooperatives: int = 0
    members: int = 0
    shares: int = 0
    # Money and assets contributed (yuan), withdrawals not deducted.
    capital: Decimal = Decimal("0.00")
    # The year's final distributions: what they paid out, how many.
    payouts: Decimal = Decimal("0.00")
    paid: int = 0
    # The one cooperative of the row (a village with one, or a cooperative's own row).
    coop_id: int | None = None
    # The one cooperative's final distribution of the year; a cooperative's row: its mode,
    # whether active.
    distribution_id: int | None = None
    mode: str = ""
    is_active: bool = True
    links: dict = field(default_factory=dict)

    @property
    def departs_from_art44(self) -> bool:
        return self.mode == DistributionMode.BY_SHARES


def roots(user) -> tuple[str, ...] | None:
    """The areas the user reads cooperatives under: the subtrees of their posts and the
    villages of the cooperatives on whose board they sit now. None: everywhere."""
    codes = core_access.scope_codes(user) if user is not None else None
    if codes is None or access.is_active_superuser(user):
        return None
    seats = set(
        Cooperative.objects.filter(board__user=user, board__left_on__isnull=True).values_list(
            "area_code", flat=True
        )
    )
    return tuple(sorted(set(codes) | seats))


def _level_code(code: str) -> str:
    """`code` cut to the deepest whole level (county, town, village) it reaches."""
    for length in (VILLAGE_LENGTH, TOWN_LENGTH, COUNTY_LENGTH):
        if len(code) >= length:
            return code[:length]
    return ""


def landing(found: tuple[str, ...] | None) -> tuple[str, str]:
    """(level of the rows, the area above them) where the user lands: a county's admin on
    its towns, a town's on its villages, a village's chief (or a board member of one
    village's cooperative) on its cooperatives."""
    if not found:
        return TOWNS, ""
    common = _level_code(commonprefix(list(found)))
    if len(common) >= VILLAGE_LENGTH:
        return COOPS, common
    if len(common) >= TOWN_LENGTH:
        return VILLAGES, common
    return TOWNS, common


def level_under(code: str) -> str:
    """What the rows under the area `code` are: a county's towns, a town's villages, the
    cooperatives of a village (or of a grid or unit of it)."""
    if len(code) <= COUNTY_LENGTH:
        return TOWNS
    if len(code) <= TOWN_LENGTH:
        return VILLAGES
    return COOPS


def opened(found: tuple[str, ...] | None, code: str, length: int | None = None) -> str:
    """The area asked for (?town=, ?village=, or ?under= at any level when `length` is
    None), if the user may open it: in their scope, or above it (a village's chief opens
    its town, and sees its village alone there); else 404, as for an area that does not
    exist."""
    code = (code or "").strip()
    if not is_area_code(code) or (length is not None and len(code) != length):
        raise Http404
    if found is not None and not any(
        code.startswith(root) or root.startswith(code) for root in found
    ):
        raise Http404
    if not Area.objects.filter(code=code).exists():
        raise Http404
    return code


def _grouped(queryset, level: str, **aggregates) -> dict:
    """{key: row of aggregates} of `queryset` grouped by the row's key: the prefix of the
    area code (towns, villages) or the cooperative."""
    if level == COOPS:
        key_field = "pk" if queryset.model is Cooperative else "cooperative_id"
        rows = queryset.order_by().values(key=F(key_field)).annotate(**aggregates)
    else:
        rows = (
            queryset.order_by()
            .values(key=Substr("area_code", 1, ROW_LENGTH[level]))
            .annotate(**aggregates)
        )
    return {row["key"]: row for row in rows}


@dataclass
class Rollup:
    rows: list[Row]
    total: Row
    # The year whose final distributions the payouts are, and the years with one (latest
    # first), to choose from.
    year: int | None
    years: list[int]


def rollup(user, level: str, under: str, year: int | None = None) -> Rollup:
    """The rows of `level` under the area `under` ("" for everywhere), and their total.

    Towns and villages: every open area of that level the user sees under `under` (with
    nothing where it has no cooperative) and those of their cooperatives; a village's
    cooperatives: each with its own figures. Payouts: the final distributions of `year`,
    or of the latest year with one under `under`."""
    visible = access.visible_cooperatives(user)
    if under:
        visible = visible.filter(subtree_q("area_code", under))
    ids = visible.values("pk")
    coops = Cooperative.objects.filter(pk__in=ids)
    rows: dict = {}
    if level == COOPS:
        for coop in coops.order_by("name", "pk").values(
            "pk", "name", "area_code", "mode", "is_active"
        ):
            rows[coop["pk"]] = Row(
                code=coop["area_code"],
                name=coop["name"],
                cooperatives=1,
                coop_id=coop["pk"],
                mode=coop["mode"],
                is_active=coop["is_active"],
            )
    else:
        areas = Area.objects.open().filter(level=Level.TOWN if level == TOWNS else Level.VILLAGE)
        if user is not None:
            areas = areas.visible_to(user)
        if under:
            areas = areas.filter(subtree_q("code", under))
        for code, name in areas.order_by("code").values_list("code", "name"):
            rows[code] = Row(code=code, name=name)
        for key, found in _grouped(coops, level, n=Count("pk"), first=Min("pk")).items():
            row = rows.setdefault(key, Row(code=key))
            row.cooperatives = found["n"]
            row.coop_id = found["first"] if found["n"] == 1 else None
        unnamed = [row.code for row in rows.values() if not row.name]
        if unnamed:  # areas of a board member's cooperative, outside their posts
            names = display.area_names(unnamed)
            for row in rows.values():
                if not row.name:
                    row.name = names[row.code].name if row.code in names else row.code
    members = Member.objects.filter(cooperative_id__in=ids, left_on__isnull=True)
    for key, found in _grouped(members, level, n=Count("pk"), shares=Sum("shares")).items():
        if key in rows:
            rows[key].members = found["n"]
            rows[key].shares = found["shares"] or 0
    capital = Contribution.objects.filter(cooperative_id__in=ids, kind__in=CAPITAL_KINDS)
    for key, found in _grouped(capital, level, amount=Sum("amount")).items():
        if key in rows:
            rows[key].capital = found["amount"] or Decimal("0.00")
    finals = Distribution.objects.filter(
        cooperative_id__in=ids, status=DistributionStatus.FINAL
    ).order_by()
    years = list(finals.order_by("-year").values_list("year", flat=True).distinct())
    if year is None and years:
        year = years[0]
    if year is not None:
        # One final distribution a cooperative a year (coops_one_final_a_year).
        for key, found in _grouped(
            finals.filter(year=year),
            level,
            paid=Sum("distributable"),
            n=Count("pk"),
            last=Max("pk"),
        ).items():
            if key in rows:
                row = rows[key]
                row.payouts, row.paid = found["paid"], found["n"]
                if row.coop_id is not None and found["n"] == 1:
                    row.distribution_id = found["last"]
    shown = list(rows.values())
    if level != COOPS:
        shown.sort(key=lambda row: row.code)
    return Rollup(shown, total_of(shown, under), year, years)


def total_of(rows: list[Row], code: str) -> Row:
    total = Row(code=code)
    for row in rows:
        total.cooperatives += row.cooperatives
        total.members += row.members
        total.shares += row.shares
        total.capital += row.capital
        total.payouts += row.payouts
        total.paid += row.paid
    return total


def cooperative_figures(coop: Cooperative) -> dict:
    """A cooperative's current members, their shares and the money and assets contributed
    (2 queries)."""
    members = coop.members.filter(left_on__isnull=True).aggregate(n=Count("pk"), s=Sum("shares"))
    capital = coop.contributions.filter(kind__in=CAPITAL_KINDS).aggregate(a=Sum("amount"))
    return {
        "members": members["n"],
        "shares": members["s"] or 0,
        "capital": capital["a"] or Decimal("0.00"),
    }
