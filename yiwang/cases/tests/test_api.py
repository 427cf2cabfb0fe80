"""API v1 for cases: list and detail within scope, intake, the actions with their 400, 403,
404 and 409 answers, the inbox, categories and departments, pinned query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from conftest import OTHER_UNIT, UNIT, VILLAGE
from yiwang.cases import services, states
from yiwang.cases.models import Case, CaseEvent, Status
from yiwang.core.models import AuditEntry

from .conftest import IN_UNIT, new_case
from .scope_checks import REVIEW_ON


def api_as(user):
    """A client signed in as `user`, read afresh as each request reads its user."""
    api = APIClient()
    api.force_authenticate(type(user).objects.get(pk=user.pk))
    return api


@pytest.fixture
def cases(tree):
    """A reported case in the worker's unit and one in the outsider's."""
    return {"own": new_case(UNIT), "foreign": new_case(OTHER_UNIT)}


def test_it_lists_the_cases_of_the_scope_only(chief, outsider, cases):
    own = [row["id"] for row in api_as(chief).get("/api/v1/cases/").json()["results"]]
    theirs = [row["id"] for row in api_as(outsider).get("/api/v1/cases/").json()["results"]]

    assert own == [cases["own"].pk] and theirs == [cases["foreign"].pk]


def test_it_filters_the_list(chief, cases):
    api = api_as(chief)
    services.accept(actor=chief, case_id=cases["own"].pk)

    assert api.get("/api/v1/cases/", {"status": "reported"}).json()["count"] == 0
    assert api.get("/api/v1/cases/", {"status": "accepted"}).json()["count"] == 1
    assert api.get("/api/v1/cases/", {"kind": "patrol"}).json()["count"] == 1
    assert api.get("/api/v1/cases/", {"category": "praise"}).json()["count"] == 0
    assert api.get("/api/v1/cases/", {"search": cases["own"].number}).json()["count"] == 1


def test_the_detail_has_the_timeline_the_actions_and_a_masked_phone(chief, worker, cases):
    case = cases["own"]

    body = api_as(chief).get(f"/api/v1/cases/{case.pk}/").json()

    assert body["phone"] == "138****5678" and "13812345678" not in str(body)
    assert [e["kind"] for e in body["events"]] == ["reported"]
    assert body["actions"] == ["accept", "reject", "merge"]
    assert api_as(worker).get(f"/api/v1/cases/{case.pk}/").json()["actions"] == []


def test_a_case_of_another_town_is_not_found_for_reading_or_acting(outsider, cases):
    api = api_as(outsider)
    case = cases["own"]

    assert api.get(f"/api/v1/cases/{case.pk}/").status_code == 404
    assert api.post(f"/api/v1/cases/{case.pk}/accept/", {}, format="json").status_code == 404
    assert Case.objects.get(pk=case.pk).status == Status.REPORTED


def test_a_worker_reports_through_the_api(worker, boundaries):
    response = api_as(worker).post(
        "/api/v1/cases/",
        {"category": "safety_hazard", "text": "井盖缺失", **IN_UNIT},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["area_code"], body["source"], body["status"]) == (UNIT, "patrol", "reported")
    assert response["Location"] == f"/api/v1/cases/{body['id']}/"
    assert body["number"] == Case.objects.get(pk=body["id"]).number
    case = Case.objects.get(pk=body["id"])
    assert body["actions"] == states.allowed_actions(worker, case)
    entry = AuditEntry.objects.get(action="case.create")
    assert entry.source == "api" and entry.actor_username == "worker"


def test_staff_enter_a_hotline_call_through_the_api(chief, tree):
    response = api_as(chief).post(
        "/api/v1/cases/",
        {
            "source": "hotline",
            "category": "complaint",
            "text": "夜间施工噪音",
            "village_code": VILLAGE,
            "phone": "13912345678",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["phone"] == "139****5678"


def test_bad_input_is_a_400_naming_each_field(worker, tree):
    response = api_as(worker).post(
        "/api/v1/cases/",
        {"category": "no-such", "text": "字" * 2001, "unit_code": UNIT},
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()) == {"category", "text"}
    assert not Case.objects.exists()


def test_an_action_answers_the_case_as_it_is_now(chief, cases):
    response = api_as(chief).post(
        f"/api/v1/cases/{cases['own'].pk}/accept/", {"note": "收到"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    assert response.json()["events"][-1]["note"] == "收到"
    assert response.json()["actions"] == ["dispatch"]  # parking is the town's


def test_an_action_the_posts_do_not_allow_is_a_403(worker, cases):
    response = api_as(worker).post(f"/api/v1/cases/{cases['own'].pk}/accept/", {}, format="json")

    assert response.status_code == 403


def test_an_action_that_is_no_longer_valid_is_a_409_with_the_current_status(chief, cases):
    case = cases["own"]
    services.reject(actor=None, case_id=case.pk, reason="重复")

    response = api_as(chief).post(f"/api/v1/cases/{case.pk}/accept/", {}, format="json")

    assert response.status_code == 409
    assert response.json()["status"] == "rejected" and response.json()["detail"]


def test_an_action_on_a_version_that_changed_is_a_409(chief, town_admin, cases):
    case = cases["own"]
    seen = api_as(chief).get(f"/api/v1/cases/{case.pk}/").json()["version"]
    services.supervise(actor=None, case_id=case.pk)  # the status stays, the version moves

    response = api_as(chief).post(
        f"/api/v1/cases/{case.pk}/accept/", {"version": seen}, format="json"
    )

    assert response.status_code == 409 and response.json()["status"] == "reported"
    assert response.json()["version"] == seen + 1
    assert Case.objects.get(pk=case.pk).status == Status.REPORTED


def test_action_input_is_checked(chief, cases):
    api = api_as(chief)
    case = cases["own"]

    response = api.post(f"/api/v1/cases/{case.pk}/reject/", {}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    response = api.post(f"/api/v1/cases/{case.pk}/merge/", {"into": 999999}, format="json")
    assert response.status_code == 400 and "into" in response.json()
    assert CaseEvent.objects.filter(case=case).count() == 1


@pytest.mark.parametrize(
    ("path", "stage", "body", "status"),
    [
        ("dispatch", "accepted", {"area_code": UNIT}, "dispatched"),
        ("start", "dispatched", {}, "in_progress"),
        ("return", "dispatched", {"reason": "不属于本单元"}, "accepted"),
        ("resolve", "in_progress", {"result": "已修复"}, "resolved"),
        ("extend", "in_progress", {"hours": 12, "reason": "等材料"}, "in_progress"),
        ("follow-up", "resolved", {"satisfaction": "dissatisfied"}, "dispatched"),
        ("reopen", "followed_up", {"reason": "复发"}, "dispatched"),
        ("close", "followed_up", {}, "closed"),
        ("park", "accepted", {"review_on": REVIEW_ON, "reason": "长期"}, "accepted"),
        ("supervise", "reported", {}, "reported"),
    ],
)
def test_each_action_route(county_admin, tree, path, stage, body, status):
    case = new_case(stage=stage)

    response = api_as(county_admin).post(f"/api/v1/cases/{case.pk}/{path}/", body, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == status


def test_approve_extension_and_unpark_routes(chief, town_admin, worker, tree):
    case = new_case(stage="in_progress")
    api_as(worker).post(
        f"/api/v1/cases/{case.pk}/extend/", {"hours": 6, "reason": "等"}, format="json"
    )
    response = api_as(chief).post(
        f"/api/v1/cases/{case.pk}/approve-extension/", {"approve": True}, format="json"
    )
    assert response.status_code == 200 and response.json()["extension_until"] is None

    parked = new_case(stage="accepted")
    services.park(actor=None, case_id=parked.pk, review_on=REVIEW_ON, reason="长期")
    response = api_as(town_admin).post(f"/api/v1/cases/{parked.pk}/unpark/", {}, format="json")
    assert response.status_code == 200 and response.json()["parked"] is False


def test_the_inbox_shows_what_waits_for_each_person(chief, worker, town_admin, tree):
    waiting = new_case()
    handling = new_case(stage="dispatched")
    new_case(stage="followed_up")
    services.close(actor=None, case_id=new_case(stage="followed_up").pk)

    chief_rows = api_as(chief).get("/api/v1/cases/inbox/").json()["results"]
    worker_rows = api_as(worker).get("/api/v1/cases/inbox/").json()["results"]
    town_rows = api_as(town_admin).get("/api/v1/cases/inbox/").json()["results"]

    # The reported case is due first (4 hours to accept), the followed-up one has no due time.
    assert [(r["id"], r["waiting_for"]) for r in chief_rows][:1] == [(waiting.pk, "accept")]
    assert sorted(r["waiting_for"] for r in chief_rows) == ["accept", "close"]
    assert [(r["id"], r["waiting_for"]) for r in worker_rows] == [(handling.pk, "handle")]
    assert worker_rows[0]["time_left"] > 0
    assert town_rows == []  # the village's cases are the village's until they escalate


def test_categories_and_departments_are_read_by_everyone(worker, tree):
    from conftest import COUNTY
    from yiwang.cases.models import Department

    Department.objects.create(code="roads", name="县交通运输局", area_code=COUNTY)
    api = api_as(worker)

    categories = api.get("/api/v1/case-categories/", {"kind": "request"}).json()["results"]
    assert [c["name"] for c in categories] == ["咨询", "求助", "投诉", "建议", "表扬"]
    one = api.get("/api/v1/case-categories/safety_hazard/").json()
    assert one["is_urgent"] and one["accept_minutes"] == 30
    assert api.get("/api/v1/case-departments/").json()["results"][0]["code"] == "roads"
    assert api.post("/api/v1/case-categories/", {}).status_code == 405


def test_the_schema_documents_the_case_actions(chief):
    schema = api_as(chief).get("/api/v1/schema/").content.decode()

    for path in ("/api/v1/cases/{id}/approve-extension/", "/api/v1/cases/inbox/"):
        assert path in schema
    assert "CaseConflict" in schema


# Each list costs: the posts of the viewer (scope), the count, the page (and no more).
@pytest.mark.parametrize("url", ["/api/v1/cases/?limit=200", "/api/v1/cases/inbox/?limit=200"])
def test_case_lists_take_a_fixed_number_of_queries(chief, tree, url, django_assert_num_queries):
    for stage in ("reported", "accepted", "dispatched", "resolved", "followed_up") * 4:
        new_case(stage=stage)
    api = api_as(chief)

    with django_assert_num_queries(3):
        response = api.get(url)

    assert response.status_code == 200 and response.json()["count"] > 10


def test_a_report_through_the_api_is_answered_without_reading_the_case_back(worker, tree):
    """The answer is made from the case in hand: the posts (locked), the category, the unit
    (without its boundary), its tracking code checked unused, the case, its number, its
    timeline entry, its audit entry and the likely duplicates; the savepoint and its
    release are the transaction's (BEGIN and COMMIT outside a test)."""
    api = api_as(worker)
    body = {"category": "sanitation", "text": "路口垃圾堆放", "unit_code": UNIT}
    assert api.post("/api/v1/cases/", body, format="json").status_code == 201

    with CaptureQueriesContext(connection) as queries:
        response = api.post("/api/v1/cases/", body, format="json")

    assert response.status_code == 201
    assert len(queries.captured_queries) == 11
    [unit_read] = [q["sql"] for q in queries.captured_queries if '"areas_area"."level"' in q["sql"]]
    assert '"boundary"' not in unit_read
    assert [d["id"] for d in response.json()["duplicates"]] == [
        Case.objects.order_by("id").first().pk
    ]
