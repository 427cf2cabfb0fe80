"""Points rolled up the tree: for an area and whole months, per child area and in total,
the entries (approved, their points, awaiting approval), the awards made final and the
rewards paid. Each figure is one GROUP BY on the child's code prefix
(`core.reporting.child_prefix`), never a query per area. The caller checks that the area
is in the viewer's scope."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone

from yiwang.areas import selectors as areas
from yiwang.areas.models import Area
from yiwang.core.reporting import (
    MonthPeriod,
    add_months,
    child_prefix,
    local_midnight,
    month_end,
)
from yiwang.core.scoping import subtree_q
from yiwang.points.models import (
    AwardKind,
    Entry,
    EntryStatus,
    EvaluationStatus,
    FundMovement,
    MovementKind,
    Selection,
    SelectionStatus,
)


@dataclass
class Figures:
    approved: int = 0
    points: Decimal = Decimal("0")
    pending: int = 0
    awards: dict[str, int] = field(default_factory=lambda: dict.fromkeys(AwardKind.values, 0))
    paid: Decimal = Decimal("0")

    @property
    def award_total(self) -> int:
        return sum(self.awards.values())


@dataclass
class Row:
    code: str
    name: str
    has_children: bool
    figures: Figures = field(default_factory=Figures)


@dataclass
class Overview:
    area: Area
    period: MonthPeriod
    rows: list[Row]
    total: Figures


def overview(area: Area, period: MonthPeriod) -> Overview:
    """The figures of `area`'s children and their total over `period`. Five queries and
    the tree's two."""
    length = areas.child_length(area)
    rows = {
        child["code"]: Row(child["code"], child["name"], child["has_children"])
        for child in areas.children(area)
    }
    total = Figures()

    def row(code: str) -> Figures | None:
        key = code[:length]
        if len(key) < length:
            return None
        if key not in rows:
            rows[key] = Row(key, key, False)
        return rows[key].figures

    months = {"month__gte": period.first, "month__lte": period.last}
    entries = (
        Entry.objects.filter(subtree_q("area_code", area.code), **months)
        .exclude(status=EntryStatus.REJECTED)
        .annotate(child=child_prefix("area_code", length))
        .values("child", "status")
        .annotate(n=Count("id"), points=Sum("points"))
    )
    for found in entries:
        for figures in (row(found["child"]), total):
            if figures is None:
                continue
            if found["status"] == EntryStatus.APPROVED:
                figures.approved += found["n"]
                figures.points += found["points"] or 0
            else:
                figures.pending += found["n"]
    selections = (
        Selection.objects.filter(
            subtree_q("area_code", area.code),
            status=SelectionStatus.SELECTED,
            evaluation__status=EvaluationStatus.FINAL,
            evaluation__month__gte=period.first,
            evaluation__month__lte=period.last,
        )
        .annotate(child=child_prefix("area_code", length))
        .values("child", "kind")
        .annotate(n=Count("id"))
    )
    for found in selections:
        for figures in (row(found["child"]), total):
            if figures is not None:
                figures.awards[found["kind"]] += found["n"]
    paid = (
        FundMovement.objects.filter(
            subtree_q("area_code", area.code),
            kind=MovementKind.PAYMENT,
            created_at__gte=local_midnight(period.first),
            created_at__lt=local_midnight(month_end(period.last)) + datetime.timedelta(days=1),
        )
        .annotate(child=child_prefix("area_code", length))
        .values("child")
        .annotate(amount=Sum("amount"))
    )
    for found in paid:
        for figures in (row(found["child"]), total):
            if figures is not None:
                figures.paid += found["amount"] or 0
    return Overview(area, period, [rows[code] for code in sorted(rows)], total)


@dataclass
class MonthOfMine:
    month: datetime.date
    points: Decimal
    entries: int
    # Place in the village's closed standings of party members (None: not closed yet).
    place: int | None = None
    of: int | None = None


def mine(user) -> tuple[object | None, list[MonthOfMine]]:
    """The user's own red points as the party member their account is linked to: the
    approved points of each month (the last twelve) and, for a closed month, their place
    in the village's standings of party members. The person concerned sees their own
    place, never the others' (the 2023 rules). (None, []) for an account not linked."""
    from yiwang.points.models import Evaluation, MemberAccount

    link = MemberAccount.objects.select_related("resident").filter(user=user).first()
    if link is None:
        return None, []
    resident = link.resident
    since = add_months(timezone.localdate().replace(day=1), -11)
    by_month = {
        row["month"]: row
        for row in Entry.objects.filter(
            resident=resident, status=EntryStatus.APPROVED, month__gte=since
        )
        .values("month")
        .annotate(points=Sum("points"), n=Count("id"))
    }
    closed = {
        found.month: found.standings.get("party_members", [])
        for found in Evaluation.objects.filter(
            area_code=resident.area_code[:12], month__gte=since
        ).only("month", "standings")
    }
    months = []
    for month in sorted(set(by_month) | set(closed), reverse=True):
        row = by_month.get(month, {})
        found = MonthOfMine(month, row.get("points") or Decimal("0"), row.get("n") or 0)
        standing = closed.get(month)
        if standing is not None:
            ids = [member["id"] for member in standing]
            found.of = len(ids)
            found.place = ids.index(resident.pk) + 1 if resident.pk in ids else None
        months.append(found)
    return resident, months
