"""The battle map's figures in the cockpit's registry: active key projects, milestones
past due, enterprise requests open and overdue, for an area and its children, and as a
town admin sees them."""

import datetime

import pytest
from django.utils import timezone

from conftest import COUNTY, OTHER_TOWN, OTHER_VILLAGE, TOWN, VILLAGE
from yiwang.core import indicators
from yiwang.projects.models import EnterpriseRequest, RequestKind
from yiwang.projects.tests import factories as f
from yiwang.projects.workdays import calendar

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def _request(number, enterprise, department, received_on, status="received", **more):
    cal = calendar()
    return EnterpriseRequest.objects.create(
        number=number,
        enterprise=enterprise,
        kind=RequestKind.FINANCE,
        text="流动资金贷款",
        department=department,
        status=status,
        received_on=received_on,
        verify_due=cal.add(received_on, 1),
        reply_due=cal.add(received_on, 3),
        resolve_due=cal.add(received_on, 15),
        area_code=enterprise.area_code,
        **more,
    )


@pytest.fixture
def rows(tree):
    f.enter_years_around_today()
    today = timezone.localdate()
    here = f.make_project("XM-001")
    there = f.make_project("XM-002", area_code=OTHER_TOWN)
    gone = f.make_project("XM-003")
    gone.is_active = False
    gone.save()
    # Past due and open: two here, one there; one of the inactive project's left out.
    f.make_milestone(here, due_on=today - 10 * DAY)
    f.make_milestone(here, due_on=today - DAY)
    f.make_milestone(there, due_on=today - 3 * DAY)
    f.make_milestone(gone, due_on=today - 3 * DAY)
    # Not late: due today, due later, done late (its lag is kept, but it is not open).
    f.make_milestone(here, due_on=today)
    f.make_milestone(here, due_on=today + 5 * DAY)
    f.make_milestone(there, due_on=today - 20 * DAY, done_on=today - 2 * DAY)
    department = f.make_department()
    ours = f.make_enterprise()
    theirs = f.make_enterprise("鲁西纺织有限公司", "91370830MA3C4KXY23", OTHER_VILLAGE)
    long_ago = today - 60 * DAY
    _request("R1", ours, department, long_ago)  # open, overdue
    _request("R2", ours, department, today)  # open, in time
    _request("R3", theirs, department, long_ago, status="replied")  # open, overdue
    _request("R4", ours, department, long_ago, status="resolved", resolved_on=today - 40 * DAY)


def _values(key, user=None, code=COUNTY):
    indicator = indicators.get(key)
    return indicator.with_children(user, code)


def test_the_figures_of_the_county_and_its_towns(rows):
    assert _values("projects.projects") == (2, {TOWN: 1, OTHER_TOWN: 1})
    assert _values("projects.milestones_late") == (3, {TOWN: 2, OTHER_TOWN: 1})
    assert _values("projects.requests_open") == (3, {VILLAGE[:9]: 2, OTHER_TOWN: 1})
    assert _values("projects.requests_overdue") == (2, {TOWN: 1, OTHER_TOWN: 1})
    # A town's own figures; its village's requests under it.
    assert indicators.get("projects.requests_open").value(None, VILLAGE) == 2
    assert indicators.get("projects.milestones_late").value(None, TOWN) == 2


def test_a_town_admin_counts_the_town_only(rows, town_admin, county_admin):
    assert _values("projects.projects", town_admin, COUNTY)[0] == 1
    assert _values("projects.milestones_late", town_admin, COUNTY)[0] == 2
    assert _values("projects.requests_overdue", town_admin, COUNTY)[0] == 1
    assert _values("projects.milestones_late", county_admin, COUNTY)[0] == 3


def test_the_records_are_the_api_lists_and_pages_named():
    figure = indicators.get("projects.requests_overdue")
    assert (figure.api, figure.page) == ("api:enterprise-request-list", "projects:support-requests")
    assert figure.query(TOWN) == f"overdue=true&under={TOWN}"
    assert indicators.get("projects.projects").api == "api:project-list"
    assert indicators.get("projects.milestones_late").api == "api:project-milestone-list"
