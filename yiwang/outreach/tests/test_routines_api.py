"""API v1 of the routines part: event types and routines (read by all, written by the
county admin), events, meetings with nested decisions, the decisions' actions and the
weekly compliance — with what each persona sees."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from conftest import GRID, OTHER_UNIT, UNIT, VILLAGE
from yiwang.cases.models import Case
from yiwang.outreach.models import Decision, Event, Routine
from yiwang.outreach.services import routines as services


def api_as(user):
    api = APIClient()
    api.force_authenticate(type(user).objects.get(pk=user.pk))
    return api


def _ago(hours=2):
    return timezone.now() - datetime.timedelta(hours=hours)


def _due(days=20):
    return str(timezone.localdate() + datetime.timedelta(days=days))


def _this_week():
    year, week, _ = timezone.localdate().isocalendar()
    return f"{year}-W{week:02d}"


@pytest.fixture
def world(personas):
    """An event and a meeting (with a task of the worker's) in the worker's grid, and an
    event and a meeting in the outsider's unit."""
    chief, worker, outsider = personas["chief"], personas["worker"], personas["outsider"]
    own_event = services.record_event(
        actor=worker,
        event_type_code="dispute",
        title="调解",
        happened_at=_ago(),
        area_code=UNIT,
        attendee_ids=[worker.pk],
    )
    foreign_event = services.record_event(
        actor=outsider,
        event_type_code="funeral",
        title="丧事",
        happened_at=_ago(),
        area_code=OTHER_UNIT,
        attendee_ids=[outsider.pk],
    )
    own_meeting = services.record_meeting(
        actor=chief,
        routine_code="weekly_meeting",
        area_code=GRID,
        held_at=_ago(),
        attendee_ids=[chief.pk, worker.pk],
        decisions=[
            {"text": "修路", "owner_id": worker.pk, "due_on": _due()},
            {"text": "路灯损坏"},
        ],
    )
    foreign_meeting = services.record_meeting(
        actor=outsider,
        routine_code="weekly_meeting",
        area_code=OTHER_UNIT,
        held_at=_ago(),
        attendee_ids=[outsider.pk],
        decisions=[{"text": "清理垃圾"}],
    )
    return {
        **personas,
        "own_event": own_event,
        "foreign_event": foreign_event,
        "own_meeting": own_meeting,
        "foreign_meeting": foreign_meeting,
        "task": own_meeting.decisions.get(text="修路"),
        "foreign_decision": foreign_meeting.decisions.get(),
    }


def _ids(response):
    assert response.status_code == 200, response.content
    return sorted(row["id"] for row in response.json()["results"])


# What each persona lists: (events, meetings, decisions)
@pytest.mark.parametrize(
    "persona, events, meetings, decisions",
    [
        ("county", ["own_event", "foreign_event"], ["own_meeting", "foreign_meeting"], 3),
        ("town", ["own_event"], ["own_meeting"], 2),
        ("chief", ["own_event"], ["own_meeting"], 2),
        # The worker's scope is the unit: the grid's meeting lies above it; its task is theirs.
        ("worker", ["own_event"], [], 1),
        ("outsider", ["foreign_event"], ["foreign_meeting"], 1),
    ],
)
def test_each_persona_lists_its_scope(world, persona, events, meetings, decisions):
    api = api_as(world[persona])

    assert _ids(api.get("/api/v1/events/")) == sorted(world[k].pk for k in events)
    assert _ids(api.get("/api/v1/meetings/")) == sorted(world[k].pk for k in meetings)
    assert api.get("/api/v1/decisions/").json()["count"] == decisions


@pytest.mark.parametrize("persona", ["town", "chief", "worker"])
def test_a_foreign_event_meeting_or_decision_is_not_found(world, persona):
    api = api_as(world[persona])

    assert api.get(f"/api/v1/events/{world['foreign_event'].pk}/").status_code == 404
    assert api.get(f"/api/v1/meetings/{world['foreign_meeting'].pk}/").status_code == 404
    decision = world["foreign_decision"].pk
    assert api.get(f"/api/v1/decisions/{decision}/").status_code == 404
    body = {"category": "sanitation", "unit_code": OTHER_UNIT}
    assert api.post(f"/api/v1/decisions/{decision}/to-case/", body).status_code == 404
    assert not Case.objects.exists()


def test_the_meeting_detail_nests_its_decisions(world):
    body = api_as(world["chief"]).get(f"/api/v1/meetings/{world['own_meeting'].pk}/").json()

    assert body["routine"] == "weekly_meeting" and body["area_code"] == GRID
    assert [(d["text"], d["is_task"]) for d in body["decisions"]] == [
        ("修路", True),
        ("路灯损坏", False),
    ]


def test_filters_of_events_and_meetings(world):
    api = api_as(world["county"])
    month = timezone.localdate(_ago()).strftime("%Y-%m")

    assert _ids(api.get("/api/v1/events/", {"type": "dispute"})) == [world["own_event"].pk]
    assert _ids(api.get("/api/v1/events/", {"under": VILLAGE})) == [world["own_event"].pk]
    assert len(_ids(api.get("/api/v1/events/", {"month": month}))) == 2
    assert _ids(api.get("/api/v1/events/", {"month": "2020-01"})) == []
    assert _ids(api.get("/api/v1/meetings/", {"under": OTHER_UNIT})) == [
        world["foreign_meeting"].pk
    ]


def test_a_worker_records_an_event_and_a_bad_one_answers_400_or_404(world):
    api = api_as(world["worker"])
    body = {
        "event_type": "emergency",
        "title": "火情",
        "happened_at": _ago().isoformat(),
        "area_code": UNIT,
        "attendees": [world["worker"].pk, world["chief"].pk],
    }

    created = api.post("/api/v1/events/", body, format="json")
    future = api.post(
        "/api/v1/events/",
        {**body, "happened_at": (timezone.now() + datetime.timedelta(days=1)).isoformat()},
        format="json",
    )
    outsider = api.post(
        "/api/v1/events/", {**body, "attendees": [world["outsider"].pk]}, format="json"
    )
    foreign = api.post("/api/v1/events/", {**body, "area_code": OTHER_UNIT}, format="json")

    assert created.status_code == 201, created.content
    assert sorted(created.json()["attendees"]) == sorted([world["worker"].pk, world["chief"].pk])
    assert (future.status_code, list(future.json())) == (400, ["happened_at"])
    assert (outsider.status_code, list(outsider.json())) == (400, ["attendees"])
    assert foreign.status_code == 404
    assert Event.objects.count() == 3


def test_a_chief_records_a_meeting_with_decisions(world):
    api = api_as(world["chief"])
    body = {
        "routine": "weekly_meeting",
        "area_code": VILLAGE,
        "held_at": _ago().isoformat(),
        "minutes": "例会",
        "attendees": [world["chief"].pk],
        "decisions": [{"text": "修桥", "owner": world["worker"].pk, "due_on": _due()}],
    }

    response = api.post("/api/v1/meetings/", body, format="json")
    unknown = api.post("/api/v1/meetings/", {**body, "routine": "nope"}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["decisions"][0]["owner"] == world["worker"].pk
    assert (unknown.status_code, list(unknown.json())) == (400, ["routine"])


def test_the_owner_completes_the_task_and_nobody_else(world):
    url = f"/api/v1/decisions/{world['task'].pk}/complete/"

    assert api_as(world["chief"]).post(url).status_code == 403
    mine = api_as(world["worker"]).get("/api/v1/decisions/", {"mine": "true", "open": "true"})
    done = api_as(world["worker"]).post(url)
    again = api_as(world["worker"]).post(url)

    assert [row["id"] for row in mine.json()["results"]] == [world["task"].pk]
    assert done.status_code == 200 and done.json()["done_on"] == str(timezone.localdate())
    assert again.status_code == 400
    assert api_as(world["outsider"]).post(url).status_code == 404


def test_a_decision_becomes_a_case(world):
    decision = world["own_meeting"].decisions.get(text="路灯损坏")
    url = f"/api/v1/decisions/{decision.pk}/to-case/"
    api = api_as(world["chief"])

    without_unit = api.post(url, {"category": "facility_damage"}, format="json")
    response = api.post(url, {"category": "facility_damage", "unit_code": UNIT}, format="json")

    assert (without_unit.status_code, list(without_unit.json())) == (400, ["unit"])
    assert response.status_code == 201, response.content
    case = Case.objects.get(pk=response.json()["id"])
    assert (case.text, case.area_code) == ("路灯损坏", UNIT)
    assert Decision.objects.get(pk=decision.pk).case_id == case.pk


@pytest.mark.parametrize("persona", ["county", "town", "chief", "worker", "outsider"])
def test_everyone_reads_the_settings_only_the_county_admin_writes(world, persona):
    api = api_as(world[persona])
    allowed = persona == "county"

    types = api.get("/api/v1/event-types/")
    routines = api.get("/api/v1/routines/")
    created = api.post(
        "/api/v1/routines/",
        {"code": "study", "name": "学习", "rhythm": "weekly", "times": 1},
        format="json",
    )
    changed = api.patch("/api/v1/event-types/funeral/", {"is_active": False}, format="json")

    assert types.status_code == routines.status_code == 200
    assert "weekly_meeting" in [r["code"] for r in routines.json()]
    assert created.status_code == (201 if allowed else 403)
    assert changed.status_code == (200 if allowed else 403)
    assert Routine.objects.filter(code="study").exists() == allowed


def test_a_routine_without_rhythm_is_refused(county_admin):
    response = api_as(county_admin).post(
        "/api/v1/routines/",
        {"code": "x", "name": "某制度", "rhythm": "", "times": 0},
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()) == {"rhythm", "times"}


@pytest.mark.parametrize(
    "persona, area, answer",
    [
        ("county", VILLAGE, 200),
        ("town", VILLAGE, 200),
        ("chief", VILLAGE, 200),
        ("chief", "", 200),
        ("worker", VILLAGE, 404),
        ("outsider", VILLAGE, 404),
        ("outsider", "", 200),
    ],
)
def test_compliance_within_the_scope(world, persona, area, answer):
    response = api_as(world[persona]).get(
        "/api/v1/routines/compliance/", {"area": area, "week": _this_week()}
    )

    assert response.status_code == answer, response.content
    if answer == 200 and area == VILLAGE:
        body = response.json()
        assert [g["code"] for g in body["grids"]] == [GRID, GRID[:-1] + "2"]
        assert body["rollup"][0]["code"] == VILLAGE


def test_compliance_refuses_a_bad_week(chief):
    response = api_as(chief).get("/api/v1/routines/compliance/", {"week": "2026-W60"})

    assert (response.status_code, list(response.json())) == (400, ["week"])


def test_the_lists_read_a_fixed_number_of_queries(world):
    chief = world["chief"]

    def counts():
        api = api_as(chief)  # a new request's user: its posts read again
        found = []
        for url in ("/api/v1/events/", "/api/v1/meetings/", "/api/v1/decisions/"):
            with CaptureQueriesContext(connection) as queries:
                assert api.get(url).status_code == 200
            found.append(len(queries))
        return found

    before = counts()
    for _i in range(3):
        services.record_event(
            actor=chief,
            event_type_code="dispute",
            title="调解",
            happened_at=_ago(),
            area_code=GRID,
            attendee_ids=[chief.pk, world["worker"].pk],
        )
        services.record_meeting(
            actor=chief,
            routine_code="weekly_report",
            area_code=GRID,
            held_at=_ago(),
            attendee_ids=[chief.pk, world["worker"].pk],
            decisions=[{"text": "a"}, {"text": "b", "owner_id": chief.pk, "due_on": _due()}],
        )

    assert counts() == before
