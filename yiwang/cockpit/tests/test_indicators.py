"""The indicators' registry: every registered indicator's value equals the count of its
records (the API list its `records_url` names) for the county, a town, a village and a
grid; the children's values add up to the area's; a viewer's readings stop at their scope;
bad input gets a clear answer."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from conftest import COUNTY, GRID, OTHER_UNIT, TOWN, UNIT, VILLAGE
from yiwang.cases.models import Case
from yiwang.cases.tests.conftest import new_case
from yiwang.core import indicators
from yiwang.core.reporting import add_months
from yiwang.registry.models import Household
from yiwang.registry.services import add_resident, create_household

pytestmark = pytest.mark.django_db

AREAS = [COUNTY, TOWN, VILLAGE, GRID]
KEYS = [indicator.key for indicator in indicators.all_indicators()]
COUNTS = [i.key for i in indicators.all_indicators() if i.kind == "count"]
RATES = [i.key for i in indicators.all_indicators() if i.kind == "ratio"]
TAGGED = "registry.tag_elderly_alone"  # the records' elderly people living alone


@pytest.fixture
def records(tree, worker):
    """Households and residents on both sides of the county, one key household; cases
    open, late and closed."""
    for unit, numbers in ((UNIT, ("001", "002", "003")), (OTHER_UNIT, ("101", "102"))):
        for number in numbers:
            household = create_household(actor=None, unit_code=unit, number=number)
            add_resident(actor=None, household_id=household.pk, name="张三", relation="head")
            add_resident(actor=None, household_id=household.pk, name="李梅", relation="spouse")
    Household.objects.filter(number="002").update(category="key")
    late = new_case(UNIT)
    Case.objects.filter(pk=late.pk).update(due_at=timezone.now() - datetime.timedelta(hours=1))
    new_case(UNIT, stage="dispatched")
    new_case(OTHER_UNIT)
    finished = new_case(UNIT, stage="followed_up")
    Case.objects.filter(pk=finished.pk).update(status="closed", due_at=None)
    # Visits: two elderly people living alone, visited weekly; one visit made, one overdue.
    from yiwang.outreach.models import ScheduledVisit
    from yiwang.outreach.services import schedule
    from yiwang.outreach.tests.test_visits import make_household, visit

    alone = [
        make_household(unit=unit, number=number, tags=["elderly_alone"])
        for unit, number in ((UNIT, "201"), (OTHER_UNIT, "202"))
    ]
    schedule.schedule_rules()
    visit(worker, alone[0])
    ScheduledVisit.objects.filter(household=alone[1], status="scheduled").update(
        due_on=timezone.localdate() - datetime.timedelta(days=3)
    )
    _points(worker)
    _volunteering(worker)
    _projects()
    _services(worker)
    _duty(worker)
    _coops()


def _points(worker):
    """Points: this month an approved entry and a pending one on each side, and an award
    of last month made final now in the village."""
    from yiwang.points.models import DutyList, Entry, Evaluation, ListItem, Selection

    month = timezone.localdate().replace(day=1)
    listed = DutyList.objects.create(
        area_code=VILLAGE, kind="household", version=1, adopted_on=month, adopted_by=worker
    )
    item = ListItem.objects.create(duty_list=listed, article="1", text="庭院整洁", points=2)
    for household in Household.objects.filter(number__in=("001", "101")):
        for status in ("approved", "pending"):
            Entry.objects.create(
                item=item,
                household=household,
                area_code=household.area_code,
                month=month,
                points=2,
                status=status,
            )
    evaluation = Evaluation.objects.create(
        area_code=VILLAGE,
        month=add_months(month, -1),
        status="final",
        finalised_at=timezone.now(),
    )
    household = Household.objects.get(number="001")
    Selection.objects.create(
        evaluation=evaluation,
        kind="model_villager",
        household=household,
        area_code=household.area_code,
        public_name="张*",
        points=2,
    )


def _volunteering(worker):
    """Volunteering: a volunteer on each side of the county, an activity of this month in
    a unit of the village with approved credit hours, an open wish and one fulfilled now
    (rows on the areas the test reads, not on the areas themselves, so that the children
    add up)."""
    from yiwang.registry.models import Resident
    from yiwang.volunteering.models import (
        Activity,
        Attendance,
        HoursRecord,
        Team,
        Volunteer,
        Wish,
    )

    residents = {r.area_code: r for r in Resident.objects.order_by("id")}
    volunteers = [
        Volunteer.objects.create(
            resident=residents[unit], name="张三", area_code=unit, consent_at=timezone.now()
        )
        for unit in (UNIT, OTHER_UNIT)
    ]
    team = Team.objects.create(name="党员志愿服务队", kind="party_members", area_code=VILLAGE)
    # Started a moment ago: this month, whatever the day.
    starts = timezone.now() - datetime.timedelta(seconds=10)
    activity = Activity.objects.create(
        team=team,
        title="看望独居老人",
        target_group="elderly",
        place="村委会",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        places=10,
        checkin_code="135790",
        organiser=worker,
        area_code=UNIT,
    )
    attendance = Attendance.objects.create(
        activity=activity,
        volunteer=volunteers[0],
        checked_in_at=starts,
        checked_out_at=activity.ends_at,
        area_code=UNIT,
    )
    HoursRecord.objects.create(
        volunteer=volunteers[0],
        activity=activity,
        attendance=attendance,
        kind="credit",
        hours=2,
        status="approved",
        served_on=timezone.localdate(starts),
        area_code=UNIT,
    )
    for number, status, fulfilled_at in (("W1", "open", None), ("W2", "fulfilled", starts)):
        Wish.objects.create(
            number=number,
            recipient=residents[UNIT],
            title="一张书桌",
            status=status,
            fulfilled_at=fulfilled_at,
            recorded_by=worker,
            area_code=UNIT,
        )


def _projects():
    """The battle map: a key project on each side with a milestone past due; an
    enterprise request overdue and one in time."""
    from yiwang.projects.models import EnterpriseRequest
    from yiwang.projects.tests import factories
    from yiwang.projects.workdays import calendar

    factories.enter_years_around_today()
    today = timezone.localdate()
    # On units, as every record of this test, so that each area's figure is its
    # children's sum (a row on a town itself is the town's own, in no village).
    for number, unit in (("XM-1", UNIT), ("XM-2", OTHER_UNIT)):
        project = factories.make_project(number, area_code=unit)
        factories.make_milestone(project, due_on=today - datetime.timedelta(days=8))
    enterprise = factories.make_enterprise(area=UNIT)
    department = factories.make_department()
    cal = calendar()
    for number, received in (("Q1", today - datetime.timedelta(days=30)), ("Q2", today)):
        EnterpriseRequest.objects.create(
            number=number,
            enterprise=enterprise,
            kind="finance",
            text="流动资金贷款",
            department=department,
            received_on=received,
            verify_due=cal.add(received, 1),
            reply_due=cal.add(received, 3),
            resolve_due=cal.add(received, 15),
            area_code=enterprise.area_code,
        )


def _services(worker):
    """Help requests: one overdue and one delivered in the unit, one open in the other
    town (on units, so that the children add up)."""
    from yiwang.services.models import HelpRequest, ServiceItem

    today = timezone.localdate()
    item = ServiceItem.objects.get(code="id-card-reissue")
    for number, unit, step, due in (
        ("BD1", UNIT, "accepted", today - datetime.timedelta(days=3)),
        ("BD2", UNIT, "delivered", today - datetime.timedelta(days=3)),
        ("BD3", OTHER_UNIT, "entrusted", None),
    ):
        HelpRequest.objects.create(
            number=number,
            tracking_code=f"TRACK{number}",
            item=item,
            applicant_name="张三",
            step=step,
            accepted_on=due - datetime.timedelta(days=30) if due else None,
            due_on=due,
            taken_by=worker,
            handler=worker,
            area_code=unit,
        )


def _duty(worker):
    """Emergency duty: an incident open on each side and one closed; a sweep under way
    over the county's elderly living alone with one household reached, and a closed
    sweep whose household is not counted (on units, so that the children add up)."""
    from yiwang.duty.models import Incident, Sweep, SweepHousehold
    from yiwang.registry.models import Tag

    now = timezone.now()
    hour = datetime.timedelta(hours=1)
    for number, unit, status in (
        ("YJ-1", UNIT, "reported"),
        ("YJ-2", OTHER_UNIT, "town"),
        ("YJ-3", UNIT, "closed"),
    ):
        Incident.objects.create(
            number=number,
            area_code=unit,
            kind="flood",
            title="河堤渗水",
            text="东河堤段出现渗水",
            status=status,
            occurred_at=now - 2 * hour,
            learned_at=now - hour,
            town_due=now,
            county_due=now + 2 * hour,
            written_due=now + 23 * hour,
            reported_by=worker,
        )
    tag = Tag.objects.get(code="elderly_alone")
    today = timezone.localdate()
    households = list(Household.objects.filter(number__in=("001", "101", "201", "202")))
    for status, rows in (("open", households), ("closed", households[:1])):
        sweep = Sweep.objects.create(
            area_code=COUNTY,
            name="汛期敲门行动",
            tag=tag,
            starts_on=today,
            ends_on=today,
            status=status,
            created_by=worker,
        )
        SweepHousehold.objects.bulk_create(
            SweepHousehold(
                sweep=sweep,
                household=household,
                area_code=household.area_code,
                result="safe" if household.number == "001" else "",
            )
            for household in rows
        )


def _coops():
    """Cooperatives: an active one on each side and an inactive one, with members (one
    left) and a draft distribution on each side besides a final one (rows on units, not on
    the villages where cooperatives belong, so that the children add up)."""
    from decimal import Decimal

    from yiwang.coops.models import Cooperative, Distribution, Member

    today = timezone.localdate()
    money = {
        "surplus": Decimal("1000.00"),
        "reserve_rate": Decimal("0.100"),
        "trading_share": Decimal("0.600"),
        "reserve": Decimal("100.00"),
        "distributable": Decimal("900.00"),
        "trading_pool": Decimal("540.00"),
        "shares_pool": Decimal("360.00"),
    }
    for unit, name, active in (
        (UNIT, "南门合作社", True),
        (OTHER_UNIT, "汶上合作社", True),
        (UNIT, "旧合作社", False),
    ):
        coop = Cooperative.objects.create(area_code=unit, name=name, is_active=active)
        for member_name, left_on in (("王一", None), ("李二", today)):
            Member.objects.create(
                cooperative=coop,
                kind="other",
                name=member_name,
                joined_on=today,
                left_on=left_on,
                area_code=unit,
            )
        if not active:
            continue
        Distribution.objects.create(
            cooperative=coop, year=2025, mode="statutory", area_code=unit, **money
        )
        if unit == UNIT:
            Distribution.objects.create(
                cooperative=coop,
                year=2024,
                mode="statutory",
                status="final",
                approved_at=timezone.now(),
                area_code=unit,
                **money,
            )


def _client(user):
    client = APIClient()
    client.force_login(user)
    return client


def test_the_registry_holds_the_modules_figures():
    assert {"registry.households", "registry.key_households", "registry.residents"} <= set(KEYS)
    assert {"cases.open", "cases.overdue"} <= set(KEYS)
    assert {"outreach.visits_month", "outreach.visits_due", "outreach.visits_overdue"} <= set(KEYS)
    assert {"cases.response_rate", "cases.on_time_rate", "cases.satisfaction_rate"} <= set(RATES)
    assert {"outreach.coverage", "outreach.pairing_coverage"} <= set(RATES)


@pytest.mark.parametrize("key", RATES)
def test_every_rate_is_a_share_and_opens_the_records_of_its_part(key, county_admin, records):
    client = _client(county_admin)
    for code in AREAS:
        body = client.get(f"/api/v1/indicators/{key}/", {"area": code}).json()
        assert body["records_url"] is None
        assert body["value"] is None or 0 <= body["value"] <= 100, (key, code, body["value"])
        assert client.get(body["page_url"]).status_code == 200
        for child in body["children"]:
            assert child["value"] is None or 0 <= child["value"] <= 100
            assert client.get(child["page_url"]).status_code == 200


def test_the_rates_of_outreach_count_households(county_admin, records):
    """Coverage: households visited this month of the active households, counted here
    from the records themselves."""
    from yiwang.outreach.models import Visit

    client = _client(county_admin)
    households = Household.objects.filter(status="active").count()
    visited = (
        Visit.objects.filter(visited_at__date__gte=timezone.localdate().replace(day=1))
        .values("household_id")
        .distinct()
        .count()
    )
    body = client.get("/api/v1/indicators/outreach.coverage/", {"area": COUNTY}).json()
    assert body["value"] == round(100 * visited / households, 1)
    paired = client.get("/api/v1/indicators/outreach.pairing_coverage/", {"area": COUNTY})
    assert paired.json()["value"] == 0.0  # no pairings yet, households to pair


@pytest.mark.parametrize("key", COUNTS)
def test_every_indicator_counts_its_records(key, county_admin, records):
    client = _client(county_admin)
    for code in AREAS:
        reading = client.get(f"/api/v1/indicators/{key}/", {"area": code})
        assert reading.status_code == 200, reading.content
        body = reading.json()
        listed = client.get(body["records_url"])
        assert listed.status_code == 200
        assert listed.json()["count"] == body["value"], (key, code)
        if code == COUNTY and not key.startswith("registry.tag_") or key == TAGGED:
            assert body["value"] > 0, key  # the test's records hold something to count
        # Drill-down: each child opens its own records, and the children add up.
        for child in body["children"]:
            assert client.get(child["records_url"]).json()["count"] == child["value"]
        if body["children"]:
            assert sum(child["value"] for child in body["children"]) == body["value"]


def test_the_values_of_the_ledger_and_the_cases(county_admin, records):
    client = _client(county_admin)

    def value(key, code=COUNTY):
        return client.get(f"/api/v1/indicators/{key}/", {"area": code}).json()["value"]

    assert value("registry.households") == 7 and value("registry.households", VILLAGE) == 4
    assert value("registry.residents") == 12
    assert value("outreach.visits_month") == 1
    from yiwang.outreach.models import ScheduledVisit

    late = ScheduledVisit.objects.filter(
        status="scheduled", due_on__lt=timezone.localdate(), area_code__startswith=OTHER_UNIT
    ).count()
    assert late >= 1
    assert value("outreach.visits_overdue") == late
    assert value("outreach.visits_overdue", TOWN) == 0
    assert value("cases.open") == 3 and value("cases.open", TOWN) == 2
    assert value("cases.overdue") == 1


def test_a_chiefs_readings_stop_at_their_village(chief, records):
    client = _client(chief)
    own = client.get("/api/v1/indicators/registry.households/")
    assert own.status_code == 200
    assert own.json()["area"] == VILLAGE and own.json()["value"] == 4
    children = own.json()["children"]
    assert GRID in [child["code"] for child in children]  # one level down: the grids
    assert all(child["code"].startswith(VILLAGE) for child in children)
    for code in (COUNTY, TOWN):
        assert (
            client.get("/api/v1/indicators/registry.households/", {"area": code}).status_code == 404
        )


def test_bad_input(county_admin):
    client = _client(county_admin)
    assert client.get("/api/v1/indicators/registry.nothing/").status_code == 404
    assert client.get("/api/v1/indicators/registry.households/?area=37x").status_code == 400
    assert client.get("/api/v1/indicators/registry.households/?area=999999").status_code == 404
    assert client.get("/api/v1/indicators/registry.households/?period=2026-13").status_code == 400
    listed = client.get("/api/v1/indicators/").json()
    assert {row["key"] for row in listed} == set(KEYS)
    assert all(row["definition"] and row["unit"] for row in listed)


def test_announcements_acknowledged(county_admin, worker, chief):
    """The share of this month's receipts to acknowledge that were acknowledged, by area,
    counted here from the receipts."""
    from yiwang.accounts.models import Role
    from yiwang.notices.models import Receipt
    from yiwang.notices.services import announcements, receipts

    sent = announcements.create_announcement(
        actor=county_admin,
        title="防汛值班通知",
        body="请今晚到岗。",
        areas=[COUNTY],
        roles=[Role.GRID_WORKER, Role.GRID_CHIEF],
        ack_by=timezone.now() + datetime.timedelta(days=2),
    )
    announcements.send_announcement(sent.pk)
    rows = Receipt.objects.filter(announcement=sent)
    assert rows.count() >= 2
    receipts.acknowledge(receipt=rows.get(user=worker), via="app", actor=worker)
    client = _client(county_admin)
    body = client.get("/api/v1/indicators/notices.acknowledged/", {"area": COUNTY}).json()
    assert body["value"] == round(100 / rows.count(), 1)
    by_child = {child["code"]: child["value"] for child in body["children"]}
    town = worker.posts.first().area_code[: len(TOWN)]
    acked_there = rows.filter(area_code__startswith=town)
    assert by_child[town] == round(100 / acked_there.count(), 1)
    assert client.get(body["page_url"]).status_code == 200


@pytest.mark.parametrize("key", COUNTS)
def test_the_system_reads_an_area_as_its_viewer_does(key, county_admin, records):
    """The cockpit counts an area in the viewer's scope as the system reads it: the same
    values as the viewer's own list."""
    indicator = indicators.get(key)
    for code in (COUNTY, TOWN, VILLAGE):
        assert indicator.with_children(None, code) == indicator.with_children(county_admin, code)
