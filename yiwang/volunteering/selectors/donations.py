"""What funds and donations read: a fund's monthly statement (what came in, what went out,
the balance at each month's end), the funds of a scope with their year's figures."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import ExtractMonth

from yiwang.volunteering.models import Donation, DonationKind, Fund, Payout

ZERO = Decimal("0.00")


@dataclass
class Month:
    month: datetime.date
    came_in: Decimal = ZERO  # money given to the fund
    goods_in: Decimal = ZERO  # goods given to the fund, at their value (not in the balance)
    went_out: Decimal = ZERO  # paid out of the fund
    balance: Decimal = ZERO  # at the month's end


@dataclass
class Statement:
    fund: Fund
    year: int
    opening: Decimal  # the balance at the year's start
    months: list[Month] = field(default_factory=list)

    @property
    def came_in(self) -> Decimal:
        return sum((m.came_in for m in self.months), ZERO)

    @property
    def goods_in(self) -> Decimal:
        return sum((m.goods_in for m in self.months), ZERO)

    @property
    def went_out(self) -> Decimal:
        return sum((m.went_out for m in self.months), ZERO)

    @property
    def closing(self) -> Decimal:
        return self.months[-1].balance if self.months else self.opening


def _by_month(queryset, date_field: str, value_field: str, year: int) -> dict[int, Decimal]:
    return {
        month: total or ZERO
        for month, total in queryset.filter(**{f"{date_field}__year": year})
        .annotate(m=ExtractMonth(date_field))
        .values("m")
        .annotate(total=Sum(value_field))
        .order_by("m")
        .values_list("m", "total")
    }


def _total(queryset, value_field: str) -> Decimal:
    return queryset.aggregate(total=Sum(value_field))["total"] or ZERO


def monthly_statement(fund: Fund, year: int) -> Statement:
    """Each month of `year`: the money given to the fund, the goods given at their value,
    what was paid out, and the balance at the month's end (the opening balance plus the
    money in less the money out so far). The last month's end equals the fund's balance
    when nothing is dated after the year. Five queries."""
    money = Donation.objects.filter(fund=fund, kind=DonationKind.MONEY)
    goods = Donation.objects.filter(fund=fund, kind=DonationKind.GOODS)
    payouts = Payout.objects.filter(fund=fund)
    opening = _total(money.filter(received_on__year__lt=year), "value") - _total(
        payouts.filter(paid_on__year__lt=year), "amount"
    )
    came_in = _by_month(money, "received_on", "value", year)
    goods_in = _by_month(goods, "received_on", "value", year)
    went_out = _by_month(payouts, "paid_on", "amount", year)
    statement = Statement(fund=fund, year=year, opening=opening)
    balance = opening
    for number in range(1, 13):
        row = Month(
            month=datetime.date(year, number, 1),
            came_in=came_in.get(number, ZERO),
            goods_in=goods_in.get(number, ZERO),
            went_out=went_out.get(number, ZERO),
        )
        balance = balance + row.came_in - row.went_out
        row.balance = balance
        statement.months.append(row)
    return statement


def years_of(fund: Fund) -> list[int]:
    """The years with a gift or a pay-out of the fund, the current year always among them."""
    from django.utils import timezone

    years = {timezone.localdate().year}
    years.update(d.year for d in Donation.objects.filter(fund=fund).dates("received_on", "year"))
    years.update(d.year for d in Payout.objects.filter(fund=fund).dates("paid_on", "year"))
    return sorted(years, reverse=True)
