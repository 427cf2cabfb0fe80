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
from django.db import connection, transaction
from django.utils import timezone, translation

from conftest import COUNTY, TOWN, UNIT, VILLAGE
from yiwang.areas.models import Area
from yiwang.cases import selectors, services, tasks
from yiwang.cases.models import Case, CaseEvent, Department, Status
from yiwang.cases.selectors import rates
from yiwang.cases.services import escalation
from yiwang.core import audit
from yiwang.core.models import AuditEntry
from yiwang.notices.models import Notification

from .conftest import new_case

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
TOMORROW = timezone.localdate() + datetime.timedelta(days=1)
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
    return sorted(Notification.objects.about(case).values_list("kind", "area_code", "level"))


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
    assert notices(case) == [("case.reminder", VILLAGE, "village")]
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
        ("case.escalated", TOWN, "town"),
        ("case.overdue", VILLAGE, "village"),
        ("case.reminder", VILLAGE, "village"),
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

    assert sorted(n.kind for n in Notification.objects.for_user(chief)) == [
        "case.overdue",
        "case.reminder",
    ]
    assert [n.kind for n in selectors.unread_notices(town_admin)] == ["case.escalated"]
    assert not Notification.objects.for_user(worker).exists()  # the unit had no part in it


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
    assert notices(case) == [
        ("case.dispatched", UNIT, "unit"),
        ("case.escalated", VILLAGE, "village"),
        ("case.overdue", UNIT, "unit"),
    ]


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
        Notification.objects.about(case)
        .exclude(kind="case.dispatched")
        .values_list("kind", "department_id", "area_code")
    ) == [
        ("case.escalated", None, COUNTY),
        ("case.overdue", roads.pk, ""),
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
    assert not Notification.objects.about(case).exists()


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


def _someone_accepts_between_read_and_claim(monkeypatch, case):
    """SQLite's sweep reads a chunk, then claims it: the dispatcher accepts the case in
    between."""
    read = escalation._chunk

    def read_then_someone_accepts(*args):
        rows = read(*args)
        if rows and Case.objects.get(pk=case.pk).status == Status.REPORTED:
            services.accept(actor=None, case_id=case.pk)
        return rows

    monkeypatch.setattr(escalation, "_chunk", read_then_someone_accepts)
    return sweep(4.5)


def _someone_accepts_while_the_sweep_runs(case):
    """PostgreSQL's sweep locks and writes in one statement: the dispatcher's acceptance
    holds the case (its transaction still open) while the sweep runs, then commits."""
    accepting, swept = threading.Event(), threading.Event()
    failures = []

    def accept():
        try:
            with transaction.atomic():
                services.accept(actor=None, case_id=case.pk)
                accepting.set()
                # The sweep does not wait for the case: it is left to the dispatcher.
                if not swept.wait(timeout=20):
                    failures.append("the sweep waited for the locked case")
        except BaseException as exc:  # reported below, not lost in the thread
            failures.append(repr(exc))
        finally:
            accepting.set()
            connection.close()

    dispatcher = threading.Thread(target=accept)
    dispatcher.start()
    assert accepting.wait(timeout=20)
    try:
        result = sweep(4.5)
    finally:
        swept.set()
        dispatcher.join(timeout=60)
    assert not failures, failures
    return result


@pytest.mark.django_db(transaction=True)
def test_a_person_acting_first_wins_over_the_sweep(tree, clock, monkeypatch):
    """The dispatcher accepts the overdue case as the sweep runs: the sweep does nothing
    to it, however the two interleave."""
    case = new_case()

    if connection.vendor == "postgresql":
        result = _someone_accepts_while_the_sweep_runs(case)
    else:
        result = _someone_accepts_between_read_and_claim(monkeypatch, case)

    assert result == NOTHING
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED and case.escalation_level == 0
    assert not events(case, "escalated") and not Notification.objects.about(case).exists()


# --- two consumers at once ---------------------------------------------------------------


def _two_consumers_in_threads(now):
    """PostgreSQL: the first consumer escalates and keeps its transaction open until the
    second has run through."""
    first_swept, second_done = threading.Event(), threading.Event()
    results = [None, None]

    def first():
        try:
            with transaction.atomic():
                results[0] = services.escalate_overdue(now=now)
                first_swept.set()
                if not second_done.wait(timeout=20):
                    results[0] = "the second consumer waited for the first one's cases"
        except BaseException as exc:  # reported below, not lost in the thread
            results[0] = repr(exc)
        finally:
            first_swept.set()
            connection.close()

    def second():
        try:
            first_swept.wait(timeout=20)
            results[1] = services.escalate_overdue(now=now)
        except BaseException as exc:
            results[1] = repr(exc)
        finally:
            second_done.set()
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _two_consumers_in_sequence(monkeypatch, now):
    """SQLite lets one writer in at a time: the second consumer reads the overdue cases,
    the first runs through, then the second claims what it read."""
    claim = escalation._escalate_chunk
    first = {}

    def first_runs_in_between(*args):
        if not first:
            monkeypatch.setattr(escalation, "_escalate_chunk", claim)
            first.update(services.escalate_overdue(now=now))
        return claim(*args)

    monkeypatch.setattr(escalation, "_escalate_chunk", first_runs_in_between)
    second = services.escalate_overdue(now=now)
    return [first, second]


@pytest.mark.django_db(transaction=True)
def test_two_consumers_at_once_escalate_each_case_once(tree, monkeypatch):
    with time_machine.travel(NINE, tick=False):
        cases = [new_case() for _i in range(5)]
    now = at(4.5)

    if connection.vendor == "postgresql":
        results = _two_consumers_in_threads(now)
    else:
        results = _two_consumers_in_sequence(monkeypatch, now)

    assert all(isinstance(r, dict) for r in results), results
    assert sorted(r["escalated"] for r in results) == [0, 5], results
    for case in cases:
        case.refresh_from_db()
        assert case.escalation_level == 1 and case.dispatcher_area_code == TOWN
        assert len(events(case, "escalated")) == 1
        assert Notification.objects.about(case).count() == 2
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


# --- what an escalation writes -------------------------------------------------------------


def _times(document: dict) -> dict:
    """The document with its ISO 8601 times read back, to compare instants."""
    return {
        key: datetime.datetime.fromisoformat(value)
        if key in ("due_at", "was_due", "extension_until") and value
        else value
        for key, value in document.items()
    }


def test_what_an_escalation_writes_word_for_word(tree, clock):
    """The timeline entry, both notices and the audit entry of an escalation from a
    village, from a department and of a late follow-up, field by field."""
    roads = Department.objects.create(code="roads", name="交通运输局", area_code=COUNTY)
    reported = new_case()  # to be accepted by the village by 13:00
    by_department = new_case(stage="dispatched", department="roads")  # 72 hours
    resolved = new_case(stage="resolved")  # to be followed up within 72 hours
    cases = {c.pk: Case.objects.get(pk=c.pk) for c in (reported, by_department, resolved)}
    name = {
        code: f"{Area.objects.get(code=code).name} ({code})" for code in (COUNTY, TOWN, VILLAGE)
    }
    now = at(72.5)

    with translation.override("en"):
        assert services.escalate_overdue(now=now) == {"escalated": 3, "reminded": 0}

    def written(case):
        [event] = events(case, "escalated")
        notices = list(
            Notification.objects.about(case)
            .exclude(kind="case.dispatched")
            .order_by("id")
            .values_list("kind", "area_code", "level", "department_id", "to_reporter", "text")
        )
        [entry] = AuditEntry.objects.filter(action="case.escalate", object_id=str(case.pk))
        assert event.at == now and entry.at == now and entry.actor is None
        assert entry.object_repr == f"{case.number} {case.title}"
        # Word for word the entry that the Python path's builder makes (PostgreSQL builds
        # its entries in SQL; the documents are compared below).
        built = audit.build_entry(
            actor=None, action="case.escalate", obj=case, before=entry.before, after=entry.after
        )
        fields = [f.attname for f in AuditEntry._meta.concrete_fields if f.name not in ("id", "at")]
        assert {f: getattr(entry, f) for f in fields} == {f: getattr(built, f) for f in fields}
        return event, notices, entry

    village = {"level": "village", "area_code": VILLAGE, "department": None}
    town = {"level": "town", "area_code": TOWN, "department": None}
    county = {"level": "county", "area_code": COUNTY, "department": None}

    case = cases[reported.pk]
    event, sent, entry = written(case)
    assert event.note == f"Not done in time by {name[VILLAGE]}; now with {name[TOWN]}."
    assert event.from_status == "reported" and event.to_status == ""
    assert _times(event.data) == {
        "from": village,
        "to": town,
        "was_due": at(4),
        "due_at": now + datetime.timedelta(hours=4),
        "escalation_level": 1,
    }
    assert sent == [
        ("case.overdue", VILLAGE, "village", None, False,
         f"Case {case.number} was overdue and has gone up to {name[TOWN]}: {case.title}"),
        ("case.escalated", TOWN, "town", None, False,
         f"Case {case.number} was late at {name[VILLAGE]} and is now yours: {case.title}"),
    ]  # fmt: skip
    assert _times(entry.before) == {
        "due_at": at(4),
        "response_lapsed": False,
        "dispatcher_area_code": VILLAGE,
        "assignee_level": case.assignee_level,
        "assignee_area_code": case.assignee_area_code,
        "assignee_user_id": None,
        "version": case.version,
        "escalation_level": 0,
        "extension_until": None,
    }
    assert _times(entry.after) == {
        "due_at": now + datetime.timedelta(hours=4),
        "response_lapsed": True,
        "dispatcher_area_code": TOWN,
        "assignee_level": "town",
        "assignee_area_code": TOWN,
        "assignee_user_id": None,
        "version": case.version + 1,
        "escalation_level": 1,
        "extension_until": None,
    }

    case = cases[by_department.pk]
    event, sent, entry = written(case)
    assert event.note == f"Not done in time by 交通运输局; now with {name[COUNTY]}."
    assert _times(event.data) == {
        "from": {"level": "department", "area_code": "", "department": roads.pk},
        "to": county,
        "was_due": case.due_at,
        "due_at": now + datetime.timedelta(hours=72),
        "escalation_level": 1,
    }
    assert [row[:4] for row in sent] == [
        ("case.overdue", "", "department", roads.pk),
        ("case.escalated", COUNTY, "county", None),
    ]
    assert sent[1][5] == f"Case {case.number} was late at 交通运输局 and is now yours: {case.title}"
    assert _times(entry.before) == {
        "due_at": case.due_at,
        "resolution_lapsed": False,
        "assignee_level": "department",
        "assignee_area_code": case.assignee_area_code,
        "assignee_user_id": None,
        "version": case.version,
        "escalation_level": 0,
        "extension_until": None,
    }
    assert entry.after["assignee_level"] == "county"
    assert entry.after["assignee_area_code"] == COUNTY
    assert entry.after["resolution_lapsed"] is True

    case = cases[resolved.pk]
    event, sent, entry = written(case)
    assert event.from_status == "resolved"
    assert (event.data["from"], event.data["to"]) == (village, town)
    assert [row[:3] for row in sent] == [
        ("case.overdue", VILLAGE, "village"),
        ("case.escalated", TOWN, "town"),
    ]
    # The handler who resolved it stays on record: nothing of the assignee changes.
    assert _times(entry.before) == {
        "due_at": case.due_at,
        "dispatcher_area_code": VILLAGE,
        "version": case.version,
        "escalation_level": 0,
        "extension_until": None,
    }
    assert _times(entry.after) == {
        "due_at": now + datetime.timedelta(hours=72),
        "dispatcher_area_code": TOWN,
        "version": case.version + 1,
        "escalation_level": 1,
        "extension_until": None,
    }
