"""The demo county's points: a year of entries, twelve monthly evaluations in the county's
proportions with their rewards paid, a shop a village with some redemptions, this month's
passes for last month's red-flag grids; what the pages and the cockpit then show."""

import pytest
from django.db.models import Sum
from django.utils import timezone

from conftest import SHARED
from yiwang.core.reporting import add_months
from yiwang.demo.areas import build_demo
from yiwang.demo.outreach import build_demo_outreach
from yiwang.demo.points import build_demo_points
from yiwang.demo.registry import build_demo_ledger
from yiwang.points.models import (
    BoardMember,
    DutyList,
    Entry,
    Evaluation,
    FundMovement,
    Pass,
    PointsAccount,
    Redemption,
    Selection,
    Shop,
)
from yiwang.points.services import passes

VILLAGES = 50


@pytest.fixture
def built(db):
    def build():
        build_demo_ledger(per_unit=5, seed=2026)
        build_demo_outreach(seed=2026)
        return build_demo_points(seed=2026)

    SHARED.build_or_restore("demo-town", lambda: build_demo("town", seed=2026))
    return SHARED.build_or_restore("demo-points", build, reload=lambda result: result)


def test_a_year_of_points_and_twelve_evaluations_in_the_county_proportions(built):
    this = timezone.localdate().replace(day=1)
    assert DutyList.objects.count() == 3 * VILLAGES
    assert BoardMember.objects.filter(is_chair=True).count() == VILLAGES
    months = set(Entry.objects.values_list("month", flat=True))
    assert add_months(this, -12) in months and this in months
    assert Entry.objects.filter(status="pending").count() == built["pending"] > 0
    assert Entry.objects.filter(status="pending", month__lt=this).count() == 0
    final = Evaluation.objects.filter(status="final")
    assert final.count() == built["evaluations"] > 11 * VILLAGES
    assert set(final.values_list("month", flat=True)) == {
        add_months(this, -n) for n in range(1, 13)
    }
    # The county's 1,000 red-flag grids, 1,500 red pioneers and 3,000 model villagers a
    # year over 358 villages: the demo's 50 villages' share, give or take the draw.
    share = VILLAGES / 358
    for key, per_year in (
        ("red_flag_grids", 1000),
        ("red_pioneers", 1500),
        ("model_villagers", 3000),
    ):
        assert 0.7 * per_year * share < built[key] < 1.3 * per_year * share, key
    paid = FundMovement.objects.filter(kind="payment").aggregate(s=Sum("amount"))["s"]
    assert paid == built["rewards_yuan"]
    assert 0.7 * 100_000 * share < paid < 1.3 * 100_000 * share
    assert (
        Selection.objects.filter(status="selected").count()
        == FundMovement.objects.filter(kind="payment").count()
    )


def test_shops_redemptions_and_balances_add_up(built):
    assert Shop.objects.count() == built["shops"] == VILLAGES
    assert Redemption.objects.count() == built["redemptions"] > 0
    for account in PointsAccount.objects.filter(spent__gt=0):
        spent = Redemption.objects.filter(household_id=account.household_id).aggregate(
            s=Sum("points")
        )["s"]
        assert account.spent == spent and account.earned >= account.spent
    approved = Entry.objects.filter(status="approved", household__isnull=False).aggregate(
        s=Sum("points")
    )["s"]
    assert PointsAccount.objects.aggregate(s=Sum("earned"))["s"] == approved


def test_this_months_passes_go_to_last_months_red_flag_grids_and_verify(built):
    this = timezone.localdate().replace(day=1)
    grids = set(
        Selection.objects.filter(
            kind="red_flag_grid", status="selected", evaluation__month=add_months(this, -1)
        ).values_list("grid_code", flat=True)
    )
    assert grids and Pass.objects.count() == built["passes"] > 0
    assert {p.grid_code for p in Pass.objects.all()} == grids
    assert set(Pass.objects.values_list("valid_from", flat=True)) == {this}
    sample = Pass.objects.order_by("id").first()
    result = passes.verify_token(sample.token)
    assert result.valid, result.reason
