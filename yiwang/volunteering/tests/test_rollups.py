"""The roll-up of volunteering: each child area's figures and the total over a period,
from rows placed in two towns, with the query count fixed whatever the rows."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from conftest import COUNTY, OTHER_UNIT, TOWN, UNIT, VILLAGE
from yiwang.areas.models import Area
from yiwang.core.reporting import Period
from yiwang.registry.services import add_resident, create_household
from yiwang.registry.tests.conftest import make_id
from yiwang.volunteering.models import (
    Activity,
    Attendance,
    HoursRecord,
    Team,
    Volunteer,
    Wish,
)
from yiwang.volunteering.selectors.rollups import rollup


def _volunteer(user, code):
    return Volunteer.objects.create(
        user=user, name=user.username, area_code=code, consent_at=timezone.now()
    )


def _activity(team, organiser, code, starts_at):
    return Activity.objects.create(
        team=team,
        title="敬老院打扫",
        target_group="elderly",
        place="敬老院",
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=2),
        places=10,
        checkin_code="123456",
        organiser=organiser,
        area_code=code,
    )


def _served(activity, volunteer, hours, kind="credit", status="approved"):
    attendance = None
    if kind == "credit":
        attendance = Attendance.objects.create(
            activity=activity,
            volunteer=volunteer,
            checked_in_at=activity.starts_at,
            checked_out_at=activity.ends_at,
            area_code=activity.area_code,
        )
    return HoursRecord.objects.create(
        volunteer=volunteer,
        activity=activity,
        attendance=attendance,
        kind=kind,
        hours=Decimal(hours),
        status=status,
        served_on=timezone.localdate(activity.starts_at),
        area_code=activity.area_code,
    )


@pytest.fixture
def county_rows(county_admin, chief, worker, outsider):
    now = timezone.now()
    near = _volunteer(worker, UNIT)
    far = _volunteer(outsider, OTHER_UNIT)
    _volunteer(chief, VILLAGE).__class__.objects.filter(user=chief).update(is_active=False)
    team = Team.objects.create(name="党员操心人志愿服务队", kind="party_members", area_code=VILLAGE)
    Team.objects.create(name="爱心妈妈", kind="caring_mothers", area_code=COUNTY)
    here = _activity(team, chief, VILLAGE, now - datetime.timedelta(days=1))
    there = _activity(team, county_admin, OTHER_UNIT[:12], now - datetime.timedelta(days=2))
    old = _activity(team, chief, VILLAGE, now - datetime.timedelta(days=400))
    _served(here, near, "2.00")
    _served(here, far, "1.50", status="pending")
    _served(there, far, "1.25")
    _served(there, near, "3.00", kind="honour")
    _served(old, near, "2.00")
    home = create_household(actor=worker, unit_code=UNIT, number="001")
    child = add_resident(
        actor=worker,
        household_id=home.pk,
        name="王小明",
        relation="head",
        id_number=make_id("20150301", "123", "370830"),
    )
    for status, fulfilled in (("open", None), ("fulfilled", now), ("cancelled", None)):
        Wish.objects.create(
            number=f"W-{status}",
            recipient=child,
            title="一张书桌",
            status=status,
            fulfilled_at=fulfilled,
            recorded_by=worker,
            area_code=UNIT,
        )
    return now


def test_it_rolls_the_county_up_by_town(county_rows, django_assert_num_queries):
    today = timezone.localdate()
    period = Period(today - datetime.timedelta(days=30), today)
    county = Area.objects.get(code=COUNTY)
    with django_assert_num_queries(7):
        result = rollup(county, period)
    rows = {row.code: row.figures for row in result.rows}
    town = rows[TOWN]
    assert (town.volunteers, town.teams, town.activities, town.services) == (1, 1, 1, 1)
    assert town.credit_hours == Decimal("2.00") and town.honour_hours == Decimal("0")
    assert (town.wishes, town.wishes_fulfilled, town.wishes_waiting) == (2, 1, 1)
    other = rows[OTHER_UNIT[:9]]
    assert (other.volunteers, other.activities, other.services) == (1, 1, 1)
    assert other.credit_hours == Decimal("1.25") and other.honour_hours == Decimal("3.00")
    # The county's own team counts in the total only; the year-old activity in none.
    total = result.total
    assert (total.volunteers, total.teams, total.activities, total.services) == (2, 2, 2, 2)
    assert (total.credit_hours, total.honour_hours) == (Decimal("3.25"), Decimal("3.00"))
    assert total.as_data()["credit_hours"] == "3.25"


def test_a_year_ago_holds_the_old_activity_alone(county_rows):
    today = timezone.localdate() - datetime.timedelta(days=400)
    result = rollup(Area.objects.get(code=VILLAGE), Period(today, today))
    assert (result.total.activities, result.total.credit_hours) == (1, Decimal("2.00"))
    assert result.total.wishes == 0 and result.total.wishes_waiting == 1


def _api(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_api_answers_the_rollup_in_scope(county_rows, county_admin, chief, outsider):
    month = f"{timezone.localdate():%Y-%m}"
    answer = _api(county_admin).get(
        "/api/v1/volunteering/rollup/", {"area": COUNTY, "from": month, "to": month}
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["area"]["code"] == COUNTY and body["from"] == body["to"] == month
    town = next(row for row in body["rows"] if row["code"] == TOWN)
    assert town["figures"]["volunteers"] == 1 and town["figures"]["wishes_waiting"] == 1
    assert isinstance(body["total"]["credit_hours"], str)
    # The chief's own village by default; the county is out of the chief's scope.
    assert _api(chief).get("/api/v1/volunteering/rollup/").json()["area"]["code"] == VILLAGE
    assert _api(chief).get("/api/v1/volunteering/rollup/", {"area": COUNTY}).status_code == 404
    assert _api(outsider).get("/api/v1/volunteering/rollup/", {"area": TOWN}).status_code == 404
    bad = _api(county_admin).get("/api/v1/volunteering/rollup/", {"from": "2026-13"})
    assert bad.status_code == 400 and "from" in bad.json()
