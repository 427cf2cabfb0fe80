"""A cooperative with members and shares for the members' page tests and scope checks,
built through the services as a village would."""

from __future__ import annotations

from yiwang.coops.models import Contribution, Member, ShareChange, Trading
from yiwang.coops.tests import builders
from yiwang.coops.tests.builders import DAY, household

__all__ = ["DAY", "cooperative", "household", "state", "with_members"]


def cooperative(village, name="南村党支部领办合作社"):
    return builders.cooperative(village, name)


def with_members(coop, unit, *, heads=("王建国", "李秀英"), prefix=""):
    """The collective 60,000 shares, household A 10,000 (money), household B 20,000
    (2.5 mu of land), another member C 10,000 (labour); trading of 2025."""
    return builders.four_members(
        coop, unit, heads=heads, other="赵德山", numbers=(f"{prefix}001", f"{prefix}002")
    )


def state(coop) -> tuple:
    """What a refused write must leave as it was."""
    return (
        list(Member.objects.filter(cooperative=coop).order_by("pk").values_list("pk", "shares")),
        list(ShareChange.objects.filter(cooperative=coop).values_list("pk", flat=True)),
        list(Contribution.objects.filter(cooperative=coop).values_list("pk", flat=True)),
        list(
            Trading.objects.filter(cooperative=coop)
            .order_by("pk")
            .values_list("pk", "year", "produce_sold", "services_bought")
        ),
    )
