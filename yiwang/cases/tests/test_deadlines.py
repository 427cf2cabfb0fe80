"""Deadlines: one reminder before a stage is due, then escalation one level up each time a
level lets it lapse (unit → village → town → county; a department → its county), with
notices to both levels; run twice, or by two consumers at once, it escalates once.

Time is frozen ahead (the areas of the test tree open today). The case of `new_case` is a
sanitation report of the worker's unit: 4 hours to accept, 8 to dispatch, 72 to resolve;
reminded when a quarter of the stage's time is left."""

import datetime
import threading
import zoneinfo

import pytest
import time_machine
from django.db import connection

from conftest import COUNTY, TOWN, UNIT, VILLAGE
from yiwang.areas.models import Area
from yiwang.cases import rates, selectors, services, tasks
from yiwang.cases.models import Case, CaseEvent, Department, Notice, Status
from yiwang.core.models import AuditEntry

from .conftest import new_case

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
TOMORROW = datetime.date.today() + datetime.timedelta(days=1)
NINE = datetime.datetime.combine(TOMORROW, datetime.time(9), tzinfo=SHANGHAI)
NOTHING = {"escalated": 0, "reminded": 0}


def at(hours: float) -> datetime.datetime:
    return NINE + datetime.timedelta(hours=hours)


@pytest.fixture
def clock():
    with time_machine.travel(NINE, tick=False) as traveller:
        yield traveller


def sweep(hours: float) -> dict:
    return services.escalate_overdue(now=at(hours))


def events(case, kind):
    return list(CaseEvent.objects.filter(case=case, kind=kind).order_by("at", "id"))


def notices(case):
    return sorted(Notice.objects.filter(case=case).values_list("kind", "area_code", "level"))


def whose(case):
    case = Case.objects.get(pk=case.pk)
    return case.dispatcher_area_code, case.assignee_level, case.assignee_area_code


def test_it_reminds_once_before_the_due_time_then_escalates_once_overdue(tree, clock):
    case = new_case()  # reported at 9:00, due at 13:00, reminded from 12:00

    assert sweep(2.9) == NOTHING
    assert sweep(3.1) == {"escalated": 0, "reminded": 1}
    assert sweep(3.5) == NOTHING
    [reminded] = events(case, "reminded")
    assert datetime.datetime.fromisoformat(reminded.data["due_at"]) == at(4)
    assert notices(case) == [("reminder", VILLAGE, "village")]
    reminded_case = Case.objects.get(pk=case.pk)
    assert reminded_case.version == case.version  # nothing anyone acts on has changed

    assert sweep(4.1) == {"escalated": 1, "reminded": 0}

    case.refresh_from_db()
    assert case.status == Status.REPORTED
    assert whose(case) == (TOWN, "town", TOWN)
    assert case.escalation_level == 1 and case.version == reminded_case.version + 1
    assert case.due_at == at(4.1) + datetime.timedelta(hours=4)  # a fresh limit at the town
    [escalated] = events(case, "escalated")
    assert escalated.from_status == "reported" and escalated.to_status == ""
    assert escalated.data["from"]["area_code"] == VILLAGE
    assert escalated.data["to"] == {"level": "town", "area_code": TOWN, "department": None}
    assert datetime.datetime.fromisoformat(escalated.data["was_due"]) == at(4)
    assert notices(case) == [
        ("escalated", TOWN, "town"),
        ("overdue", VILLAGE, "village"),
        ("reminder", VILLAGE, "village"),
    ]
    [entry] = AuditEntry.objects.filter(action="case.escalate", object_id=str(case.pk))
    assert entry.actor is None and entry.area_code == case.area_code
    assert entry.before["dispatcher_area_code"] == VILLAGE
    assert entry.after["dispatcher_area_code"] == TOWN and entry.after["escalation_level"] == 1
    assert AuditEntry.objects.filter(action="case.remind", object_id=str(case.pk)).count() == 1

    # The town is reminded of its own due time, once, and lets it lapse in turn.
    assert sweep(7.2) == {"escalated": 0, "reminded": 1}
    assert sweep(8.2) == {"escalated": 1, "reminded": 0}
    assert whose(case) == (COUNTY, "county", COUNTY)


def test_each_level_sees_its_own_notices(chief, town_admin, worker, tree, clock):
    new_case()
    sweep(3.1)
    sweep(4.1)

    assert sorted(n.kind for n in Notice.objects.for_user(chief)) == ["overdue", "reminder"]
    assert [n.kind for n in selectors.unread_notices(town_admin)] == ["escalated"]
    assert not Notice.objects.for_user(worker).exists()  # the unit had no part in it


def test_running_the_sweep_twice_escalates_once(tree, clock):
    cases = [new_case() for _i in range(3)]

    assert sweep(5) == {"escalated": 3, "reminded": 0}
    assert sweep(5) == NOTHING

    for case in cases:
        assert len(events(case, "escalated")) == 1
        assert Case.objects.get(pk=case.pk).escalation_level == 1


def test_the_county_is_the_top(tree, clock):
    case = new_case()
    for hours in (4.1, 8.2, 12.3):
        sweep(hours)
    assert whose(case) == (COUNTY, "county", COUNTY)
    due = Case.objects.get(pk=case.pk).due_at

    assert sweep(12.3 + 4.1) == NOTHING
    assert sweep(100) == NOTHING

    case.refresh_from_db()
    assert case.escalation_level == 2 and case.due_at == due
    assert len(events(case, "escalated")) == 2


@pytest.mark.parametrize(
    ("sent_to", "ladder"),
    [
        (UNIT, [(VILLAGE, "village"), (TOWN, "town"), (COUNTY, "county")]),
        (VILLAGE, [(TOWN, "town"), (COUNTY, "county")]),
        (TOWN, [(COUNTY, "county")]),
    ],
)
def test_a_handler_who_lets_it_lapse_passes_it_up_level_by_level(tree, clock, sent_to, ladder):
    case = new_case(stage="dispatched", area_code=sent_to)  # due 72 hours from 9:00
    hours = 0.0
    for code, level in ladder:
        hours += 72.5
        assert sweep(hours)["escalated"] == 1
        case.refresh_from_db()
        assert (case.assignee_level, case.assignee_area_code) == (level, code)
        assert case.dispatcher_area_code == VILLAGE  # the dispatcher stays
        assert case.status == Status.DISPATCHED
    assert case.escalation_level == len(ladder)

    assert sweep(hours + 73)["escalated"] == 0


def test_a_case_in_progress_escalates_and_stays_in_progress(tree, clock):
    case = new_case(stage="in_progress")

    assert sweep(72.5)["escalated"] == 1

    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    assert (case.assignee_level, case.assignee_area_code) == ("village", VILLAGE)
    assert notices(case) == [("escalated", VILLAGE, "village"), ("overdue", UNIT, "unit")]


def test_a_department_that_lets_it_lapse_passes_it_to_its_county(tree, clock):
    roads = Department.objects.create(code="roads", name="交通运输局", area_code=COUNTY)
    case = new_case(stage="dispatched", department="roads")

    assert sweep(72.5)["escalated"] == 1

    case.refresh_from_db()
    # The department still does the work and its rates count the lapse; the county is
    # the level the case now waits on, and the top: it goes no higher.
    assert case.assignee_department_id == roads.pk
    assert (case.assignee_level, case.assignee_area_code) == ("county", COUNTY)
    assert sorted(
        Notice.objects.filter(case=case).values_list("kind", "department", "area_code")
    ) == [
        ("escalated", None, COUNTY),
        ("overdue", roads.pk, ""),
    ]
    assert "交通运输局" in events(case, "escalated")[0].note
    assert sweep(72.5 + 73)["escalated"] == 0

    clock.move_to(at(72.5 + 74))
    services.start(actor=None, case_id=case.pk)
    case = services.resolve(actor=None, case_id=case.pk, result="已修复路面")
    assert case.resolved_on_time is False
    by_department = rates.case_rates(
        Area.objects.get(code=COUNTY), "department", rates.parse_period("", "")
    )
    [row] = [r for r in by_department.rows if r.key == "roads"]
    assert (row.figures.resolved, row.figures.resolved_on_time) == (1, 0)


def test_a_late_follow_up_goes_up_and_the_handler_stays_on_record(tree, clock):
    case = new_case(stage="resolved")  # the follow-up is due 72 hours after resolving

    assert sweep(72.5)["escalated"] == 1

    assert whose(case) == (TOWN, "unit", UNIT)


def test_an_accepted_case_goes_up_with_its_pending_extension_dropped(tree, clock):
    case = new_case(stage="in_progress")
    services.request_extension(actor=None, case_id=case.pk, hours=24, reason="等材料")

    assert sweep(72.5)["escalated"] == 1

    assert Case.objects.get(pk=case.pk).extension_until is None


def test_a_parked_case_is_left_alone(tree, clock):
    case = new_case(stage="accepted")
    services.park(
        actor=None,
        case_id=case.pk,
        review_on=TOMORROW + datetime.timedelta(days=30),
        reason="需长期整治",
    )

    assert sweep(7.5) == NOTHING
    assert sweep(500) == NOTHING

    assert not CaseEvent.objects.filter(case=case, kind__in=["escalated", "reminded"]).exists()
    assert not Notice.objects.filter(case=case).exists()


def test_finished_cases_have_no_deadline(tree, clock):
    for stage in ("followed_up",):
        new_case(stage=stage)
    rejected = new_case()
    services.reject(actor=None, case_id=rejected.pk, reason="测试")

    assert sweep(1000) == NOTHING


def test_the_limit_bounds_one_run(tree, clock):
    for _i in range(3):
        new_case()

    assert services.escalate_overdue(now=at(5), limit=2) == {"escalated": 2, "reminded": 0}
    assert services.escalate_overdue(now=at(5), limit=2) == {"escalated": 1, "reminded": 0}


def test_the_periodic_task_sweeps_as_a_background_task(tree, clock):
    case = new_case()
    clock.move_to(at(4.5))

    assert tasks.sweep_cases.call_local() == {"escalated": 1, "reminded": 0}

    assert AuditEntry.objects.get(action="case.escalate", object_id=str(case.pk)).source == "task"


def test_a_person_acting_first_wins_over_the_sweep(tree, clock, monkeypatch):
    """The sweep read the case overdue; the dispatcher accepts it before the sweep writes:
    the conditional UPDATE finds the case moved on and does nothing to it."""
    case = new_case()
    read = services._chunk

    def read_then_someone_accepts(*args):
        rows = read(*args)
        if rows and Case.objects.get(pk=case.pk).status == Status.REPORTED:
            services.accept(actor=None, case_id=case.pk)
        return rows

    monkeypatch.setattr(services, "_chunk", read_then_someone_accepts)

    assert sweep(4.5) == NOTHING

    case.refresh_from_db()
    assert case.status == Status.ACCEPTED and case.escalation_level == 0
    assert not events(case, "escalated") and not Notice.objects.filter(case=case).exists()


# --- two consumers at once ---------------------------------------------------------------


def _two_consumers_in_threads(monkeypatch, now):
    """Each reads the overdue cases; both wait until both have read; then both claim."""
    both_read = threading.Barrier(2, timeout=20)
    read = services._chunk
    waited = threading.local()

    def read_then_wait(*args):
        rows = read(*args)
        if rows and not getattr(waited, "done", False):
            waited.done = True
            both_read.wait()
        return rows

    monkeypatch.setattr(services, "_chunk", read_then_wait)
    results = [None, None]

    def run(i):
        try:
            results[i] = services.escalate_overdue(now=now)
        except BaseException as exc:  # reported below, not lost in the thread
            results[i] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _two_consumers_in_sequence(monkeypatch, now):
    """SQLite lets one writer in at a time: the second consumer reads the overdue cases,
    the first runs through, then the second claims what it read."""
    claim = services._escalate_chunk
    first = {}

    def first_runs_in_between(*args):
        if not first:
            monkeypatch.setattr(services, "_escalate_chunk", claim)
            first.update(services.escalate_overdue(now=now))
        return claim(*args)

    monkeypatch.setattr(services, "_escalate_chunk", first_runs_in_between)
    second = services.escalate_overdue(now=now)
    return [first, second]


@pytest.mark.django_db(transaction=True)
def test_two_consumers_at_once_escalate_each_case_once(tree, monkeypatch):
    with time_machine.travel(NINE, tick=False):
        cases = [new_case() for _i in range(5)]
    now = at(4.5)

    if connection.vendor == "postgresql":
        results = _two_consumers_in_threads(monkeypatch, now)
    else:
        results = _two_consumers_in_sequence(monkeypatch, now)

    assert all(isinstance(r, dict) for r in results), results
    assert sorted(r["escalated"] for r in results) == [0, 5], results
    for case in cases:
        case.refresh_from_db()
        assert case.escalation_level == 1 and case.dispatcher_area_code == TOWN
        assert len(events(case, "escalated")) == 1
        assert Notice.objects.filter(case=case).count() == 2
    assert AuditEntry.objects.filter(action="case.escalate").count() == 5


def test_a_stage_that_lapsed_counts_as_late_though_the_level_above_is_in_time(tree, clock):
    """The level above gets a fresh due time to act in; the rates still count the answer
    and the resolution as late, and a reopened case is judged afresh."""
    case = new_case()  # due to be accepted by 13:00
    assert sweep(4.1)["escalated"] == 1  # up to the town, due again 4 hours on

    clock.move_to(at(4.5))
    case = services.accept(actor=None, case_id=case.pk)
    assert case.responded_on_time is False  # 4.5 hours after the report: late

    clock.move_to(at(4.6))
    fresh = new_case()  # never lapsed
    assert services.accept(actor=None, case_id=fresh.pk).responded_on_time is True

    handled = new_case(stage="in_progress")  # due to be resolved 72 hours on
    sweep(4.6 + 72.5)  # the two accepted ones lapse too: not dispatched in time
    assert Case.objects.get(pk=handled.pk).resolution_lapsed is True
    clock.move_to(at(4.6 + 73))
    handled = services.resolve(actor=None, case_id=handled.pk, result="已清理")
    assert handled.resolved_on_time is False

    # Dissatisfied: back to the handler, whose second resolution is in time.
    handled = services.follow_up(actor=None, case_id=handled.pk, satisfaction="dissatisfied")
    assert handled.status == Status.DISPATCHED and handled.resolution_lapsed is False
    services.start(actor=None, case_id=handled.pk)
    handled = services.resolve(actor=None, case_id=handled.pk, result="已彻底清理")
    assert handled.resolved_on_time is True
