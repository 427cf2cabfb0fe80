"""The demo county's cases: a year of residents' requests and patrol reports, spread over
the stages, with their timelines, written in bulk; and the `demo` command that builds them."""

import datetime
from collections import Counter

import numpy as np
import pytest
from django.core.management import call_command
from django.utils import timezone

from conftest import SHARED
from yiwang.areas.geometry import unit_locator
from yiwang.areas.models import Area
from yiwang.cases import services, states
from yiwang.cases.models import Case, CaseEvent, CaseTally, EventKind, Status
from yiwang.cases.selectors import rates
from yiwang.cases.tests.test_rates import _recount, _tally
from yiwang.core.models import AuditEntry
from yiwang.demo.areas import build_demo
from yiwang.demo.cases import build_demo_cases

TERMINAL = {Status.CLOSED, Status.REJECTED, Status.MERGED}
# What may follow what in a timeline: the state machine's moves, and the reopening of a
# dissatisfied follow-up (resolved → dispatched).
MOVES = {
    (source, transition.target)
    for transition in states.TRANSITIONS.values()
    if transition.target
    for source in transition.sources
} | {(Status.RESOLVED, Status.DISPATCHED)}


# Both built once a session, restored for each test (tests/snapshots.py).
@pytest.fixture
def town(db):
    SHARED.build_or_restore("demo-town", lambda: build_demo("town", seed=2026))


@pytest.fixture
def built(town):
    return SHARED.build_or_restore(
        "demo-cases", lambda: build_demo_cases(seed=2026), reload=lambda counts: counts
    )


def test_it_builds_a_year_of_cases_spread_over_the_stages(built):
    # The town scale's 1,092 units of the county's 7,849: 15,000 and 6,000 a year, scaled.
    assert (built["requests"], built["patrol_reports"], built["cases"]) == (2087, 835, 2922)
    assert Case.objects.count() == 2922
    statuses = Counter(Case.objects.values_list("status", flat=True))
    assert statuses[Status.CLOSED] > 0.85 * 2922
    assert {
        Status.REPORTED,
        Status.ACCEPTED,
        Status.IN_PROGRESS,
        Status.RESOLVED,
        Status.REJECTED,
        Status.MERGED,
    } <= set(statuses)
    now = timezone.now()
    overdue = Case.objects.filter(due_at__lt=now).exclude(status__in=TERMINAL)
    assert built["open"] == Case.objects.exclude(status__in=TERMINAL).count() > 30
    assert built["overdue"] == overdue.count() > 0
    # Overdue now only where nobody is above: escalated to the county at each lapse.
    assert all(
        case.escalation_level > 0
        and (case.dispatcher_area_code == "370829" or case.assignee_area_code == "370829")
        for case in overdue
    )
    reported = Case.objects.values_list("reported_at", flat=True)
    assert now - min(reported) < datetime.timedelta(days=366) and max(reported) < now
    assert len({timezone.localtime(at).month for at in reported}) == 12


def test_each_patrol_report_locates_to_its_own_unit(built):
    points = list(
        Case.objects.filter(lat__isnull=False).values_list("lng", "lat", "unit__code", "area_code")
    )
    assert len(points) == built["patrol_reports"]
    found = unit_locator().locate_many(np.array([(float(x), float(y)) for x, y, *_ in points]))
    assert found == [unit for _x, _y, unit, _a in points]
    assert all(unit == area_code for _x, _y, unit, area_code in points)


def test_some_are_late_and_the_rates_show_it(built):
    county = Area.objects.get(code="370829")
    period = rates.default_period()
    result = rates.case_rates(county, "area", rates.Period(period.first, period.last))

    total = result.total
    assert 0.85 < total.response_rate < 0.97
    assert 0.8 < total.on_time_rate < 0.95
    assert 0.9 < total.satisfaction_rate < 0.99
    assert {row.key for row in result.rows if row.figures.cases} == {"370829001", "370829002"}
    assert Case.objects.filter(assignee_department__isnull=False).exists()
    assert _tally() == _recount()  # the triggers followed the bulk inserts
    assert CaseTally.objects.exists()


def test_every_timeline_follows_the_state_machine(built):
    cases = {case.pk: case for case in Case.objects.all()}
    timelines: dict[int, list] = {}
    for event in CaseEvent.objects.order_by("case_id", "at", "id"):
        timelines.setdefault(event.case_id, []).append(event)

    assert set(timelines) == set(cases)
    assert CaseEvent.objects.count() == built["events"] > 5 * len(cases)
    for pk, events in timelines.items():
        case = cases[pk]
        assert events[0].kind == EventKind.REPORTED and events[0].at == case.reported_at
        status = Status.REPORTED
        for event in events[1:]:
            if event.to_status:
                assert event.from_status == status, (case.number, event.kind)
                assert (status, event.to_status) in MOVES, (case.number, status, event.to_status)
                status = event.to_status
        assert status == case.status, case.number
        assert case.number == f"{timezone.localtime(case.reported_at):%Y%m%d}-{pk:06d}"
        assert (case.status in TERMINAL or case.status == Status.FOLLOWED_UP) == (
            case.due_at is None
        ), case.number
        answered = case.accepted_at is not None or case.status in (
            Status.REJECTED,
            Status.MERGED,
        )
        assert (case.responded_on_time is not None) == answered, case.number
        assert (case.resolved_on_time is not None) == (case.resolved_at is not None)
        escalations = sum(1 for event in events if event.kind == EventKind.ESCALATED)
        assert escalations == case.escalation_level, case.number


def test_it_builds_nothing_twice_and_records_one_audit_entry(built):
    assert build_demo_cases(seed=2026)["cases"] == 0
    assert Case.objects.count() == 2922
    assert AuditEntry.objects.filter(action="demo.cases").count() == 1


def test_new_cases_follow_the_demo_ones(built):
    """The demo took its ids from the table's sequence: the next case gets a new one."""
    last = Case.objects.order_by("-pk").values_list("pk", flat=True).first()

    case = services.record_hotline_call(
        actor=None, category="help", text="求助", village_code="370829001001", phone=""
    )

    assert case.pk > last and case.number.endswith(f"-{case.pk:06d}")


def test_the_demo_command_builds_the_cases_unless_told_not_to(db):
    call_command(
        "demo",
        "--scale",
        "town",
        "--no-ledger",
        "--no-cases",
        "--no-notices",
        "--no-cockpit",
        verbosity=0,
    )
    assert not Case.objects.exists()


def test_the_demo_command_builds_the_cases(db, capsys):
    call_command("demo", "--scale", "town", "--no-ledger", "--no-notices", "--no-cockpit")
    assert Case.objects.count() == 2922
    assert "2922 cases" in capsys.readouterr().out
