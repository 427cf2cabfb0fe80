"""A volunteer's hours and star level.

Credit hours (信用时长, from check-in and check-out) and honour hours (荣誉时长, added by an
organiser afterwards) are kept apart; only approved credit hours count towards the star.
Each figure is one GROUP BY over the volunteer's range of the index
`volunteering_hours_person` (volunteer, status, kind, hours): the sums are read from the
index alone when no period is asked (the foreign key has no index of its own); a period adds
a second query for the star, which is always of every approved credit hour the
volunteer has.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from yiwang.volunteering.models import HoursKind, HoursRecord, HoursStatus

# The star levels (星级志愿者), by approved credit hours: 1 star from 100 hours … 5 stars
# from 1,500 (the provinces' common rule). Below the first: no star.
STAR_THRESHOLDS: tuple[Decimal, ...] = tuple(Decimal(h) for h in (100, 300, 600, 1000, 1500))

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def _hours(total) -> Decimal:
    """A sum as hours with two decimals (SQLite's sums drop trailing zeros)."""
    return Decimal(total or 0).quantize(CENT)


@dataclass(frozen=True)
class Star:
    level: int  # 0 to len(STAR_THRESHOLDS)
    # The approved credit hours the next star asks for, and how many are still missing
    # (None at the top level).
    next_at: Decimal | None
    to_next: Decimal | None


@dataclass(frozen=True)
class Hours:
    credit: Decimal  # approved credit hours (in the period when one is asked)
    honour: Decimal  # approved honour hours, apart
    pending: Decimal  # hours of either kind not decided yet
    star: Star  # from every approved credit hour, whatever the period

    @property
    def approved(self) -> Decimal:
        return self.credit + self.honour


def star_of(credit_hours) -> Star:
    """The star level of `credit_hours` approved credit hours and the hours to the next."""
    hours = Decimal(credit_hours or 0)
    level = sum(1 for threshold in STAR_THRESHOLDS if hours >= threshold)
    if level == len(STAR_THRESHOLDS):
        return Star(level, None, None)
    next_at = STAR_THRESHOLDS[level]
    return Star(level, next_at, _hours(next_at - hours))


def _sums(volunteer_id: int, first_day=None, last_day=None) -> dict[tuple[str, str], Decimal]:
    rows = HoursRecord.objects.filter(
        volunteer_id=volunteer_id, status__in=(HoursStatus.APPROVED, HoursStatus.PENDING)
    )
    if first_day is not None:
        rows = rows.filter(served_on__gte=first_day)
    if last_day is not None:
        rows = rows.filter(served_on__lte=last_day)
    found = rows.order_by().values_list("status", "kind").annotate(total=Sum("hours"))
    return {(status, kind): _hours(total) for status, kind, total in found}


def volunteer_hours(
    volunteer,
    first_day: datetime.date | None = None,
    last_day: datetime.date | None = None,
) -> Hours:
    """The approved credit and honour hours, and the pending hours, of `volunteer` (a
    Volunteer or its id) served from `first_day` to `last_day` (each included; None: no
    bound), with the star level of all their approved credit hours. One query, or two
    when a period is asked. The caller has read the volunteer within its scope."""
    volunteer_id = getattr(volunteer, "pk", volunteer)
    sums = _sums(volunteer_id, first_day, last_day)
    credit = sums.get((HoursStatus.APPROVED, HoursKind.CREDIT), ZERO)
    if first_day is None and last_day is None:
        lifetime_credit = credit
    else:
        lifetime_credit = _sums(volunteer_id).get((HoursStatus.APPROVED, HoursKind.CREDIT), ZERO)
    return Hours(
        credit=credit,
        honour=sums.get((HoursStatus.APPROVED, HoursKind.HONOUR), ZERO),
        pending=sum(
            (total for (status, _kind), total in sums.items() if status == HoursStatus.PENDING),
            ZERO,
        ),
        star=star_of(lifetime_credit),
    )


def approved_credit_by_volunteer(volunteer_ids) -> dict[int, Decimal]:
    """{volunteer id: approved credit hours} of many volunteers in one query (a list's
    page)."""
    ids = list(volunteer_ids)
    if not ids:
        return {}
    found = (
        HoursRecord.objects.filter(
            volunteer_id__in=ids, status=HoursStatus.APPROVED, kind=HoursKind.CREDIT
        )
        .order_by()
        .values_list("volunteer_id")
        .annotate(total=Sum("hours"))
    )
    return {volunteer_id: _hours(total) for volunteer_id, total in found}
