"""The points overview (entries, awards and rewards by child area, each figure opening its
records), the rules page and the county's switch for rankings. Dates are relative to
today."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import COUNTY, OTHER_UNIT, TOWN, UNIT, VILLAGE
from yiwang.areas.models import Area
from yiwang.core.models import AuditEntry
from yiwang.core.reporting import MonthPeriod, add_months
from yiwang.outreach.tests.test_visits import make_household
from yiwang.points.models import (
    DutyList,
    Entry,
    Evaluation,
    EvaluationStatus,
    Fund,
    FundMovement,
    ListItem,
    ListKind,
    PointsSettings,
    Selection,
)
from yiwang.points.selectors import overview

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(county_admin):
    """In this month: two approved entries and one pending in 南门社区, one approved in
    another town; a final evaluation with a model villager paid 200 yuan, and a withdrawn
    selection that counts nothing."""
    month = timezone.localdate().replace(day=1)
    own = make_household(UNIT, "001")
    other = make_household(OTHER_UNIT, "001")
    listed = DutyList.objects.create(
        area_code=VILLAGE,
        kind=ListKind.HOUSEHOLD,
        version=1,
        adopted_on=add_months(month, -1),
        adopted_by=county_admin,
    )
    item = ListItem.objects.create(duty_list=listed, article="1", text="庭院整洁", points=2)
    for household, points, status in (
        (own, "2", "approved"),
        (own, "1.5", "approved"),
        (own, "2", "pending"),
        (other, "3", "approved"),
    ):
        Entry.objects.create(
            item=item,
            household=household,
            area_code=household.area_code,
            month=month,
            points=Decimal(points),
            status=status,
        )
    evaluation = Evaluation.objects.create(
        area_code=VILLAGE, month=month, status=EvaluationStatus.FINAL
    )
    kept = Selection.objects.create(
        evaluation=evaluation,
        kind="model_villager",
        household=own,
        area_code=own.area_code,
        public_name="张*丰",
        points=Decimal("3.5"),
    )
    Selection.objects.create(
        evaluation=evaluation,
        kind="model_villager",
        household=own,
        area_code=own.area_code,
        public_name="张*丰",
        points=Decimal("3.5"),
        status="withdrawn",
    )
    fund = Fund.objects.create(area_code=COUNTY, name="县奖励基金", balance=800)
    FundMovement.objects.create(
        fund=fund, kind="payment", amount=200, selection=kept, area_code=kept.area_code
    )
    return {"month": month, "own": own}


def test_the_figures_roll_up_by_child_area(records):
    month = records["month"]
    found = overview.overview(Area.objects.get(code=TOWN), MonthPeriod(month, month))
    village = next(row for row in found.rows if row.code == VILLAGE)
    assert (village.figures.approved, village.figures.points) == (2, Decimal("3.5"))
    assert village.figures.pending == 1
    assert village.figures.awards["model_villager"] == 1
    assert village.figures.paid == Decimal("200")
    # The other town's entry is not the town's.
    assert found.total.approved == 2
    county = overview.overview(Area.objects.get(code=COUNTY), MonthPeriod(month, month))
    assert county.total.approved == 3
    assert county.total.points == Decimal("6.5")
    # A period before the records counts nothing.
    before = add_months(month, -2)
    assert (
        overview.overview(Area.objects.get(code=TOWN), MonthPeriod(before, before)).total.approved
        == 0
    )


def test_the_page_links_every_figure_to_its_records(client, town_admin, records):
    client.force_login(town_admin)
    response = client.get(reverse("points:overview"), {"area": TOWN})
    assert response.status_code == 200
    html = response.content.decode()
    assert "南门社区" in html
    row = next(r for r in response.context["rows"] if r["row"].code == VILLAGE)
    listed = client.get(row["links"]["approved"])
    assert listed.status_code == 200
    assert reverse("points:honours") in row["links"]["model_villager"]


def test_a_bad_month_falls_back_with_a_message(client, town_admin, records):
    client.force_login(town_admin)
    response = client.get(reverse("points:overview"), {"area": TOWN, "from": "2026-13"})
    assert response.status_code == 200
    assert response.context["errors"]["from"]


def test_the_rules_page_and_the_county_switch(client, county_admin, chief):
    client.force_login(chief)
    page = client.get(reverse("points:rules"))
    assert page.status_code == 200
    assert 'id="points-rankings-form"' not in page.content.decode()
    assert client.post(reverse("points:rankings-switch"), {"show_rankings": "1"}).status_code == 403
    assert not PointsSettings.current().show_rankings

    client.force_login(county_admin)
    page = client.get(reverse("points:rules"))
    assert 'id="points-rankings-form"' in page.content.decode()
    client.post(reverse("points:rankings-switch"), {"show_rankings": "1"})
    assert PointsSettings.current().show_rankings
    assert AuditEntry.objects.filter(action="points.settings").count() == 1
    # Switching to what it already is writes nothing.
    client.post(reverse("points:rankings-switch"), {"show_rankings": "1"})
    assert AuditEntry.objects.filter(action="points.settings").count() == 1
    client.post(reverse("points:rankings-switch"), {"show_rankings": "0"})
    assert not PointsSettings.current().show_rankings


def test_a_party_member_sees_their_own_points_and_place_only(client, worker, chief, county_admin):
    from yiwang.points.models import MemberAccount
    from yiwang.registry.models import Resident

    month = timezone.localdate().replace(day=1)
    last = add_months(month, -1)
    household = make_household(UNIT, "009", name="王红梅")
    other = make_household(UNIT, "010", name="李建国")
    me = Resident.objects.get(household=household)
    rival = Resident.objects.get(household=other)
    MemberAccount.objects.create(user=worker, resident=me, area_code=me.area_code)
    listed = DutyList.objects.create(
        area_code=VILLAGE,
        kind=ListKind.PARTY_MEMBER,
        version=1,
        adopted_on=add_months(month, -3),
        adopted_by=county_admin,
    )
    item = ListItem.objects.create(duty_list=listed, article="1", text="参加主题党日", points=2)
    for resident, at, points in ((me, last, "2"), (me, month, "3"), (rival, last, "5")):
        Entry.objects.create(
            item=item,
            resident=resident,
            area_code=resident.area_code,
            month=at,
            points=Decimal(points),
            status="approved",
        )
    Evaluation.objects.create(
        area_code=VILLAGE,
        month=last,
        standings={
            "party_members": [{"id": rival.pk, "points": "5.0"}, {"id": me.pk, "points": "2.0"}]
        },
    )
    client.force_login(worker)
    response = client.get(reverse("points:mine"))
    rows = {row.month: row for row in response.context["months"]}
    assert rows[last].points == Decimal("2") and (rows[last].place, rows[last].of) == (2, 2)
    assert rows[month].points == Decimal("3") and rows[month].of is None
    html = response.content.decode()
    assert "王红梅" in html and "李建国" not in html

    client.force_login(chief)  # not linked: told how, shown nothing
    response = client.get(reverse("points:mine"))
    assert response.context["resident"] is None
    assert 'id="points-mine-unlinked"' in response.content.decode()


def test_the_cockpits_awards_open_the_honour_list_with_as_many(client, county_admin, records):
    from yiwang.core import indicators

    Evaluation.objects.update(finalised_at=timezone.now())
    awards = indicators.get("points.awards")
    client.force_login(county_admin)
    for code in (COUNTY, VILLAGE, OTHER_UNIT[:12]):
        value = awards.value(county_admin, code)
        page = client.get(awards.page_url(code))
        assert page.status_code == 200
        assert page.context["page_obj"].paginator.count == value
    assert awards.value(county_admin, VILLAGE) == 1
    assert awards.value(county_admin, OTHER_UNIT[:12]) == 0
