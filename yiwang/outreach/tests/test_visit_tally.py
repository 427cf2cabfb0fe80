"""The households visited per unit and month (services/tally.py): counted by every
recorded visit as `rebuild` recounts them from the visits, once a household and local
month, and read by the compliance of a calendar month with the same figures as the
visits give."""

import datetime
import uuid

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import COUNTY, OTHER_UNIT, UNIT, VILLAGE
from yiwang.areas.models import Area
from yiwang.outreach.models import HouseholdVisitMonth, Visit, VisitTally
from yiwang.outreach.selectors import compliance as selectors
from yiwang.outreach.services import tally
from yiwang.outreach.services import visits as services
from yiwang.outreach.tests.test_visits import make_household

NOW = datetime.datetime(2026, 12, 2, 10, 0)
D = datetime.date
NOVEMBER = selectors.Period(D(2026, 11, 1), D(2026, 11, 30))


def at(y, m, d, hh=10, mm=0):
    return timezone.make_aware(datetime.datetime(y, m, d, hh, mm))


@pytest.fixture(autouse=True)
def frozen(settings):
    settings.OUTREACH_BACKDATE_DAYS = 60  # October is still open to recording
    with time_machine.travel(timezone.make_aware(NOW), tick=False):
        yield


@pytest.fixture
def households(tree):
    return {
        1: make_household(UNIT, "001"),
        2: make_household(UNIT, "002"),
        3: make_household(UNIT, "003"),
        4: make_household(OTHER_UNIT, "004"),
    }


def record(actor, household, when, key=None):
    return services.record_visit(
        actor=actor,
        uuid=key or uuid.uuid4(),
        household_id=household.pk,
        visited_at=when,
        outcome="all_well",
    )


def tallies() -> dict:
    return {
        (row.area_code, row.month): row.households
        for row in VisitTally.objects.all()
        if row.households
    }


def markers() -> dict:
    return {(m.household_id, m.month): m.area_code for m in HouseholdVisitMonth.objects.all()}


def rebuilt() -> tuple[dict, dict]:
    tally.rebuild()
    return tallies(), markers()


@pytest.mark.django_db
def test_it_counts_a_household_once_in_each_local_month_as_a_rebuild_does(county_admin, households):
    h = households
    record(county_admin, h[1], at(2026, 11, 4))
    record(county_admin, h[1], at(2026, 11, 15))
    record(county_admin, h[1], at(2026, 10, 20))
    # 15:30 UTC on the 30th, still November in Shanghai; 16:30 UTC on the 30th, December.
    record(county_admin, h[2], at(2026, 11, 30, 23, 30))
    record(county_admin, h[3], at(2026, 12, 1, 0, 30))
    record(county_admin, h[4], at(2026, 11, 2))

    assert markers()[(h[2].pk, D(2026, 11, 1))] == UNIT
    assert markers()[(h[3].pk, D(2026, 12, 1))] == UNIT
    counted = tallies()
    assert counted == {
        (UNIT, D(2026, 10, 1)): 1,
        (UNIT, D(2026, 11, 1)): 2,
        (UNIT, D(2026, 12, 1)): 1,
        (OTHER_UNIT, D(2026, 11, 1)): 1,
    }
    counted_markers = markers()
    assert rebuilt() == (counted, counted_markers)


@pytest.mark.django_db
def test_it_does_not_count_a_replayed_uuid(county_admin, households):
    key = uuid.uuid4()
    _visit, created = record(county_admin, households[1], at(2026, 11, 4), key=key)
    assert created
    _visit, created = record(county_admin, households[1], at(2026, 11, 4), key=key)
    assert not created
    assert Visit.objects.count() == 1
    assert tallies() == {(UNIT, D(2026, 11, 1)): 1}
    assert not tally.count_visit(Visit.objects.get())  # a second count is a no-op
    assert tallies() == {(UNIT, D(2026, 11, 1)): 1}


@pytest.mark.django_db
def test_it_counts_visits_saved_with_the_orm(county_admin, households):
    # The pages' and the tests' other writers: a visit saved without the service.
    h = households[4]
    Visit.objects.create(
        household=h, area_code=h.area_code, visitor=county_admin, visited_at=at(2026, 11, 9)
    )
    assert tallies() == {(OTHER_UNIT, D(2026, 11, 1)): 1}


@pytest.mark.django_db
def test_it_rebuilds_a_subtree_only(county_admin, households):
    record(county_admin, households[1], at(2026, 11, 4))
    record(county_admin, households[4], at(2026, 11, 5))
    VisitTally.objects.update(households=7)
    tally.rebuild(VILLAGE)
    assert tallies() == {(UNIT, D(2026, 11, 1)): 1, (OTHER_UNIT, D(2026, 11, 1)): 7}


@pytest.mark.django_db
@pytest.mark.parametrize("code", [COUNTY, VILLAGE, UNIT])
def test_a_months_compliance_reads_the_tally_with_the_visits_figures(
    county_admin, households, monkeypatch, code
):
    h = households
    record(county_admin, h[1], at(2026, 11, 4))
    record(county_admin, h[1], at(2026, 11, 15))
    record(county_admin, h[2], at(2026, 10, 31, 23, 59))  # October
    record(county_admin, h[2], at(2026, 11, 30, 23, 30))
    record(county_admin, h[3], at(2026, 12, 1, 0, 30))  # December
    record(county_admin, h[4], at(2026, 11, 2))
    area = Area.objects.get(code=code)
    today = D(2026, 12, 2)

    with CaptureQueriesContext(connection) as queries:
        from_tally = selectors.compliance(area, NOVEMBER, today=today)
    assert any("outreach_visittally" in q["sql"] for q in queries.captured_queries)
    assert not any('"outreach_visit"' in q["sql"] for q in queries.captured_queries)

    # The same period counted over the visits, as any other period is.
    monkeypatch.setattr(selectors.Period, "is_month", property(lambda self: False))
    from_visits = selectors.compliance(area, NOVEMBER, today=today)
    assert from_tally.total == from_visits.total
    assert [(r.code, r.figures) for r in from_tally.rows] == [
        (r.code, r.figures) for r in from_visits.rows
    ]
    assert from_tally.total.visited == {COUNTY: 3, VILLAGE: 2, UNIT: 2}[code]


@pytest.mark.django_db
def test_a_period_of_other_days_counts_the_visits(county_admin, households):
    record(county_admin, households[1], at(2026, 11, 4))
    record(county_admin, households[1], at(2026, 10, 4))
    two_months = selectors.Period(D(2026, 10, 1), D(2026, 11, 30))
    with CaptureQueriesContext(connection) as queries:
        result = selectors.compliance(Area.objects.get(code=UNIT), two_months)
    assert not any("outreach_visittally" in q["sql"] for q in queries.captured_queries)
    assert result.total.visited == 1
