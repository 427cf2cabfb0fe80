"""Meetings held under a routine: minutes, attendees and decisions; a decision with an
owner and a due date is a task, done by its owner only; a decision raised as a case."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from conftest import GRID, OTHER_UNIT, UNIT, VILLAGE
from yiwang.cases.models import Case, Source
from yiwang.core.models import AuditEntry
from yiwang.outreach.models import Decision, Meeting, Routine
from yiwang.outreach.selectors import routines as selectors
from yiwang.outreach.services import routines as services

pytestmark = pytest.mark.usefixtures("english")  # the tests read the messages

# A decision's due date, ahead of every meeting these tests hold (an hour or a few ago).
DUE = timezone.localdate() + datetime.timedelta(days=30)


def _meeting(actor, **changes):
    values = {
        "routine_code": "weekly_meeting",
        "area_code": GRID,
        "held_at": timezone.now() - datetime.timedelta(hours=3),
        "minutes": "研究本周重点工作",
        "attendee_ids": [actor.pk],
        "decisions": [],
    }
    return services.record_meeting(actor=actor, **{**values, **changes})


def test_it_records_a_meeting_with_its_decisions(chief, worker):
    meeting = _meeting(
        chief,
        attendee_ids=[chief.pk, worker.pk],
        decisions=[
            {"text": "修缮三组道路", "owner_id": worker.pk, "due_on": DUE.isoformat()},
            {"text": "下周走访独居老人"},
        ],
    )

    meeting.refresh_from_db()
    assert (meeting.area_code, meeting.routine.code, meeting.recorded_by) == (
        GRID,
        "weekly_meeting",
        chief,
    )
    assert set(meeting.attendees.values_list("pk", flat=True)) == {chief.pk, worker.pk}
    rows = list(meeting.decisions.values_list("text", "owner_id", "due_on"))
    assert rows == [("修缮三组道路", worker.pk, DUE), ("下周走访独居老人", None, None)]
    entry = AuditEntry.objects.get(action="outreach_meeting.create")
    assert [d["text"] for d in entry.after["decisions"]] == ["修缮三组道路", "下周走访独居老人"]


def test_it_refuses_a_meeting_in_the_future(chief):
    with pytest.raises(ValidationError) as excinfo:
        _meeting(chief, held_at=timezone.now() + datetime.timedelta(days=1))

    assert list(excinfo.value.message_dict) == ["held_at"]
    assert not Meeting.objects.exists()


def test_it_refuses_an_unknown_or_retired_routine(chief):
    Routine.objects.filter(code="weekly_report").update(is_active=False)

    for code in ("nope", "weekly_report"):
        with pytest.raises(ValidationError) as excinfo:
            _meeting(chief, routine_code=code)
        assert list(excinfo.value.message_dict) == ["routine"]


def test_it_refuses_an_attendee_or_owner_from_elsewhere(chief, outsider):
    with pytest.raises(ValidationError) as excinfo:
        _meeting(
            chief,
            attendee_ids=[chief.pk, outsider.pk],
            decisions=[{"text": "修路", "owner_id": outsider.pk, "due_on": DUE}],
        )

    errors = excinfo.value.message_dict
    assert set(errors) == {"attendees", "decisions"}
    assert errors["decisions"][0].startswith("Decision 1:")
    assert not Meeting.objects.exists() and not Decision.objects.exists()


def test_a_decision_row_names_its_problem(chief):
    with pytest.raises(ValidationError) as excinfo:
        _meeting(
            chief,
            decisions=[{"text": "好"}, {"text": ""}, {"text": "修路", "due_on": DUE}],
        )

    messages = excinfo.value.message_dict["decisions"]
    assert [m.split(":")[0] for m in messages] == ["Decision 2", "Decision 3"]


def test_a_meeting_outside_the_scope_or_at_the_town_is_refused(chief, town_admin):
    with pytest.raises(Http404):
        _meeting(chief, area_code=OTHER_UNIT)
    with pytest.raises(ValidationError) as excinfo:
        _meeting(town_admin, area_code=VILLAGE[:9])

    assert list(excinfo.value.message_dict) == ["area"]


def _task(chief, owner):
    meeting = _meeting(
        chief,
        attendee_ids=[chief.pk, owner.pk],
        decisions=[{"text": "清理河道垃圾", "owner_id": owner.pk, "due_on": DUE}],
    )
    return meeting.decisions.get()


def test_the_owner_completes_a_task_even_above_their_scope(chief, worker):
    task = _task(chief, worker)

    assert list(selectors.open_tasks(worker)) == [task]
    services.complete_decision(actor=worker, decision_id=task.pk)

    task.refresh_from_db()
    assert task.done_on == timezone.localdate()
    assert list(selectors.open_tasks(worker)) == []
    assert AuditEntry.objects.filter(action="outreach_decision.complete").count() == 1
    with pytest.raises(ValidationError):
        services.complete_decision(actor=worker, decision_id=task.pk)


def test_only_the_owner_completes_a_task(chief, worker, county_admin, outsider):
    task = _task(chief, worker)

    with pytest.raises(PermissionDenied):
        services.complete_decision(actor=chief, decision_id=task.pk)
    with pytest.raises(PermissionDenied):
        services.complete_decision(actor=county_admin, decision_id=task.pk)
    with pytest.raises(Http404):
        services.complete_decision(actor=outsider, decision_id=task.pk)
    task.refresh_from_db()
    assert task.done_on is None


def test_a_decision_without_owner_and_date_is_not_a_task(chief):
    decision = _meeting(chief, decisions=[{"text": "加强宣传"}]).decisions.get()

    with pytest.raises(PermissionDenied):
        services.complete_decision(actor=chief, decision_id=decision.pk)


def test_a_decision_becomes_a_case_in_the_meetings_unit(worker):
    meeting = _meeting(worker, area_code=UNIT, decisions=[{"text": "三组路灯损坏，需维修"}])
    decision = meeting.decisions.get()

    case = services.decision_to_case(
        actor=worker, decision_id=decision.pk, category_code="safety_hazard"
    )

    case = Case.objects.get(pk=case.pk)
    assert (case.text, case.area_code, case.source, case.category.code) == (
        decision.text,
        UNIT,
        Source.PATROL,
        "safety_hazard",
    )
    decision.refresh_from_db()
    assert decision.case == case
    assert AuditEntry.objects.filter(action="outreach_decision.case").count() == 1
    with pytest.raises(ValidationError) as excinfo:
        services.decision_to_case(
            actor=worker, decision_id=decision.pk, category_code="safety_hazard"
        )
    assert list(excinfo.value.message_dict) == ["decision"]


def test_a_grid_meetings_decision_needs_a_unit_of_the_grid(chief):
    decision = _meeting(chief, decisions=[{"text": "排查安全隐患"}]).decisions.get()

    with pytest.raises(ValidationError) as no_unit:
        services.decision_to_case(
            actor=chief, decision_id=decision.pk, category_code="safety_hazard"
        )
    with pytest.raises(ValidationError) as bad_category:
        services.decision_to_case(
            actor=chief, decision_id=decision.pk, category_code="nope", unit_code=UNIT
        )
    case = services.decision_to_case(
        actor=chief, decision_id=decision.pk, category_code="safety_hazard", unit_code=UNIT
    )

    assert list(no_unit.value.message_dict) == ["unit"]
    assert list(bad_category.value.message_dict) == ["category"]
    assert (case.area_code, case.text) == (UNIT, "排查安全隐患")
    assert Case.objects.count() == 1


def test_a_decision_outside_the_scope_is_not_found(chief, outsider):
    decision = _meeting(chief, decisions=[{"text": "修路"}]).decisions.get()

    with pytest.raises(Http404):
        services.decision_to_case(
            actor=outsider, decision_id=decision.pk, category_code="safety_hazard"
        )


# --- pages --------------------------------------------------------------------------------


def _client(client, user):
    client.force_login(user)
    return client


def test_the_meeting_form_takes_decision_rows(client, chief, worker):
    page = _client(client, chief)
    assert page.get("/outreach/meetings/new/").status_code == 200
    response = page.post(
        "/outreach/meetings/new/",
        {
            "routine_code": "weekly_meeting",
            "area_code": GRID,
            "held_at": timezone.localtime(timezone.now() - datetime.timedelta(hours=1)).strftime(
                "%Y-%m-%dT%H:%M"
            ),
            "minutes": "例会纪要",
            "attendee_ids": f"{chief.username} {worker.username}",
            "decision_1_text": "修路",
            "decision_1_owner": worker.username,
            "decision_1_due_on": DUE.isoformat(),
            "decision_3_text": "宣传",
        },
    )

    meeting = Meeting.objects.get()
    assert response.status_code == 302, response.context["form"].errors
    assert list(meeting.decisions.values_list("text", "owner_id", "due_on")) == [
        ("修路", worker.pk, DUE),
        ("宣传", None, None),
    ]
    detail = page.get(f"/outreach/meetings/{meeting.pk}/").content.decode()
    assert "修路" in detail and "例会纪要" in detail


def test_the_meeting_form_shows_a_rows_problem(client, chief):
    response = _client(client, chief).post(
        "/outreach/meetings/new/",
        {
            "routine_code": "weekly_meeting",
            "area_code": GRID,
            "held_at": timezone.localtime(timezone.now() - datetime.timedelta(hours=1)).strftime(
                "%Y-%m-%dT%H:%M"
            ),
            "attendee_ids": chief.username,
            "decision_2_due_on": DUE.isoformat(),
        },
    )

    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert len(errors) == 2 and all(e.startswith("Decision 2:") for e in errors)
    assert not Meeting.objects.exists()


def test_my_tasks_are_listed_and_done_from_the_meetings_page(client, chief, worker):
    task = _task(chief, worker)
    page = _client(client, worker)

    listing = page.get("/outreach/meetings/")
    done = page.post(f"/outreach/decisions/{task.pk}/complete/")

    assert list(listing.context["tasks"]) == [task]
    assert list(listing.context["rows"]) == []  # the grid's meeting lies above the unit
    assert done.status_code == 302
    task.refresh_from_db()
    assert task.done_on == timezone.localdate()
    assert list(page.get("/outreach/meetings/").context["tasks"]) == []


def test_a_decision_becomes_a_case_from_its_page(client, chief):
    decision = _meeting(chief, decisions=[{"text": "排查隐患"}]).decisions.get()
    page = _client(client, chief)

    assert page.get(f"/outreach/decisions/{decision.pk}/case/").status_code == 200
    missing_unit = page.post(
        f"/outreach/decisions/{decision.pk}/case/", {"category_code": "safety_hazard"}
    )
    raised = page.post(
        f"/outreach/decisions/{decision.pk}/case/",
        {"category_code": "safety_hazard", "unit_code": UNIT},
    )

    assert set(missing_unit.context["form"].errors) == {"unit_code"}
    assert raised.status_code == 302
    decision.refresh_from_db()
    assert decision.case.text == "排查隐患" and decision.case.area_code == UNIT


def test_foreign_meeting_pages_are_not_found(client, chief, outsider):
    meeting = _meeting(chief, decisions=[{"text": "修路"}])
    decision = meeting.decisions.get()
    page = _client(client, outsider)

    assert page.get(f"/outreach/meetings/{meeting.pk}/").status_code == 404
    assert page.get(f"/outreach/decisions/{decision.pk}/case/").status_code == 404
    assert page.post(f"/outreach/decisions/{decision.pk}/complete/").status_code == 404
