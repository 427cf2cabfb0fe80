"""An alliance's cooperatives with their figures, and the alliances of the roll-up's towns.

The page reads the alliance's cooperatives that the user reads (`access.visible_cooperatives`:
a village's chief sees their own village's alone), each with its village, current members
and their shares, the money and assets contributed (as in the roll-up: a withdrawal of
shares does not take it back) and its latest final distribution (year, payout; their
total only when they are all of one year, never added across years). Five
queries whatever the number of cooperatives: the cooperatives, the members, the
contributions, the final distributions, the villages' names."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum

from yiwang.coops import access
from yiwang.coops.models import (
    Alliance,
    Contribution,
    Cooperative,
    Distribution,
    DistributionStatus,
    Member,
)
from yiwang.coops.selectors.coops import CAPITAL_KINDS
from yiwang.core import display


@dataclass
class CoopRow:
    coop_id: int
    name: str
    area_code: str
    village: str = ""
    is_active: bool = True
    members: int = 0
    shares: int = 0
    capital: Decimal = Decimal("0.00")
    # The latest final distribution: its year, what it paid out, its id.
    year: int | None = None
    payout: Decimal | None = None
    distribution_id: int | None = None


@dataclass
class AllianceFigures:
    rows: list[CoopRow]
    cooperatives: int = 0
    members: int = 0
    shares: int = 0
    capital: Decimal = Decimal("0.00")
    # The rows' latest payouts added up, and how many rows have one: only when they are
    # all of one year (`year`), as the roll-up never adds payouts across years.
    payouts: Decimal = Decimal("0.00")
    paid: int = 0
    year: int | None = None
    # The years of the rows' latest payouts, latest first.
    years: list[int] = field(default_factory=list)


def alliance_figures(user, alliance: Alliance) -> AllianceFigures:
    coops = access.visible_cooperatives(user).filter(alliance=alliance)
    ids = Cooperative.objects.filter(pk__in=coops.values("pk"))
    rows = {
        pk: CoopRow(coop_id=pk, name=name, area_code=code, is_active=active)
        for pk, name, code, active in ids.order_by("area_code", "name", "pk").values_list(
            "pk", "name", "area_code", "is_active"
        )
    }
    if not rows:
        return AllianceFigures(rows=[])
    members = (
        Member.objects.filter(cooperative_id__in=rows, left_on__isnull=True)
        .order_by()
        .values("cooperative_id")
        .annotate(n=Count("pk"), s=Sum("shares"))
    )
    for found in members:
        row = rows[found["cooperative_id"]]
        row.members, row.shares = found["n"], found["s"] or 0
    capital = (
        Contribution.objects.filter(cooperative_id__in=rows, kind__in=CAPITAL_KINDS)
        .order_by()
        .values("cooperative_id")
        .annotate(a=Sum("amount"))
    )
    for found in capital:
        rows[found["cooperative_id"]].capital = found["a"] or Decimal("0.00")
    # One final distribution a cooperative a year: the first of each cooperative's, latest
    # year first, is its latest.
    finals = (
        Distribution.objects.filter(cooperative_id__in=rows, status=DistributionStatus.FINAL)
        .order_by("cooperative_id", "-year")
        .values_list("cooperative_id", "year", "distributable", "pk")
    )
    for coop_id, year, paid, pk in finals:
        row = rows[coop_id]
        if row.year is None:
            row.year, row.payout, row.distribution_id = year, paid, pk
    names = display.area_names({row.area_code for row in rows.values()})
    shown = list(rows.values())
    for row in shown:
        row.village = names[row.area_code].name if row.area_code in names else row.area_code
    figures = AllianceFigures(rows=shown, cooperatives=len(shown))
    for row in shown:
        figures.members += row.members
        figures.shares += row.shares
        figures.capital += row.capital
    figures.years = sorted({row.year for row in shown if row.year is not None}, reverse=True)
    if len(figures.years) == 1:
        figures.year = figures.years[0]
        paid = [row.payout for row in shown if row.payout is not None]
        figures.payouts, figures.paid = sum(paid, Decimal("0.00")), len(paid)
    return figures


def alliances_of_towns(user, codes) -> dict[str, Alliance]:
    """{town code: its alliance} of the towns `codes` that have one `user` reads (one
    query)."""
    codes = [code for code in codes if code]
    if not codes:
        return {}
    found = access.visible_alliances(user).filter(area_code__in=codes).order_by("area_code", "pk")
    out: dict[str, Alliance] = {}
    for alliance in found:
        out.setdefault(alliance.area_code, alliance)
    return out
