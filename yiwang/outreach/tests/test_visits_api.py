"""API v1 of visits: POST idempotent on the uuid (201, then 200 with nothing stored), the
scoped list and detail, editing, the caller's schedule, occurrences, the county's visit
rules and triggers; pinned query counts."""

import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from conftest import OTHER_UNIT
from yiwang.core.models import AuditEntry
from yiwang.outreach.models import Occurrence, ScheduledVisit, Trigger, Visit, VisitRule
from yiwang.outreach.services import schedule

from .test_visits import make_household, pair


def api_as(user):
    """A client signed in as `user`, read afresh as each request reads its user."""
    api = APIClient()
    api.force_authenticate(type(user).objects.get(pk=user.pk))
    return api


@pytest.fixture
def household(tree):
    return make_household(tags=["elderly_alone"])


def body(household, **values):
    return {
        "uuid": str(uuid.uuid4()),
        "household": household.pk,
        "visited_at": timezone.localtime().isoformat(),
        "outcome": "all_well",
        "notes": "老人身体好",
        **values,
    }


def test_a_post_records_a_visit_and_a_second_one_stores_nothing(worker, household):
    api = api_as(worker)
    payload = body(household)

    first = api.post("/api/v1/visits/", payload, format="json")
    again = api.post("/api/v1/visits/", {**payload, "notes": "不同"}, format="json")

    assert first.status_code == 201, first.json()
    assert again.status_code == 200
    assert first.json() == again.json()
    assert first.json()["uuid"] == payload["uuid"] and first.json()["notes"] == "老人身体好"
    assert first["Location"] == f"/api/v1/visits/{first.json()['id']}/"
    assert Visit.objects.count() == 1
    assert AuditEntry.objects.filter(action="visit.create", source="api").count() == 1


def test_the_post_takes_a_point_and_flags_nothing_without_a_boundary(worker, household):
    answer = api_as(worker).post(
        "/api/v1/visits/", body(household, latitude=35.05, longitude=116.05), format="json"
    )
    assert answer.status_code == 201
    assert (answer.json()["latitude"], answer.json()["far_from_area"]) == (35.05, False)


@pytest.mark.parametrize(
    "values,field",
    [
        ({"latitude": "north", "longitude": 116}, "latitude"),
        ({"visited_at": "2020-01-01T08:00:00+08:00"}, "visited_at"),
        ({"outcome": "fine"}, "outcome"),
        ({"uuid": "123"}, "uuid"),
    ],
)
def test_bad_input_answers_400_naming_the_field(worker, household, values, field):
    answer = api_as(worker).post("/api/v1/visits/", body(household, **values), format="json")
    assert answer.status_code == 400
    assert field in answer.json()
    assert not Visit.objects.exists()


def test_a_future_visit_is_refused(worker, household):
    later = (timezone.localtime() + datetime.timedelta(hours=2)).isoformat()
    answer = api_as(worker).post(
        "/api/v1/visits/", body(household, visited_at=later), format="json"
    )
    assert answer.status_code == 400 and "visited_at" in answer.json()


def test_a_household_outside_the_scope_answers_404(outsider, household):
    answer = api_as(outsider).post("/api/v1/visits/", body(household), format="json")
    assert answer.status_code == 404
    assert not Visit.objects.exists()


def test_the_post_takes_a_fixed_number_of_queries(worker, household):
    """The lean path: the posts re-read, the household, the insert, the month's visited
    household and its tally (services/tally.py), the household's open rows, one UPDATE
    closing them all, one INSERT of the next ones, the audit entry; no query per scheduled
    row, no read-back."""
    other = make_household(number="002", tags=["elderly_alone"])
    schedule.schedule_rules()
    pairing = pair("member_households", worker, household)
    schedule.schedule_pairings([pairing.pk])
    api = api_as(worker)
    api.post("/api/v1/visits/", body(other), format="json")  # warm caches
    with CaptureQueriesContext(connection) as captured:
        answer = api.post("/api/v1/visits/", body(household), format="json")
    assert answer.status_code == 201
    assert ScheduledVisit.objects.filter(visit_id=answer.json()["id"]).count() == 3
    statements = [q["sql"] for q in captured if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(statements) == 10, statements


def test_the_list_and_detail_are_scoped(worker, chief, outsider, household, tree):
    other = make_household(unit=OTHER_UNIT, number="900")
    api_as(worker).post("/api/v1/visits/", body(household), format="json")
    api_as(outsider).post("/api/v1/visits/", body(other), format="json")
    mine = Visit.objects.get(household=household)

    assert [r["id"] for r in api_as(chief).get("/api/v1/visits/").json()["results"]] == [mine.pk]
    assert api_as(outsider).get(f"/api/v1/visits/{mine.pk}/").status_code == 404
    assert api_as(chief).get(f"/api/v1/visits/{mine.pk}/").json()["uuid"] == str(mine.uuid)
    listed = api_as(chief).get("/api/v1/visits/", {"household": household.pk}).json()
    assert listed["count"] == 1
    assert api_as(chief).get("/api/v1/visits/", {"outcome": "case"}).json()["count"] == 0


def test_the_visit_list_takes_a_fixed_number_of_queries(
    worker, household, django_assert_max_num_queries
):
    api = api_as(worker)
    for _i in range(3):
        api.post("/api/v1/visits/", body(household), format="json")
    api = api_as(worker)
    with django_assert_max_num_queries(4):
        assert api.get("/api/v1/visits/").json()["count"] == 3


def test_the_visitor_patches_notes(worker, chief, household):
    created = api_as(worker).post("/api/v1/visits/", body(household), format="json").json()
    url = f"/api/v1/visits/{created['id']}/"

    answer = api_as(worker).patch(url, {"notes": "补充：需要轮椅"}, format="json")
    assert answer.status_code == 200 and answer.json()["notes"] == "补充：需要轮椅"
    assert api_as(chief).patch(url, {"notes": "x"}, format="json").status_code == 403


def test_the_schedule_is_the_callers_with_an_overdue_filter(worker, outsider, household):
    schedule.schedule_rules()
    row = ScheduledVisit.objects.get(household=household, rule__code="elderly_alone_weekly")
    ScheduledVisit.objects.filter(pk=row.pk).update(
        due_on=timezone.localdate() - datetime.timedelta(days=2)
    )

    listed = api_as(worker).get("/api/v1/schedule/").json()
    overdue = api_as(worker).get("/api/v1/schedule/", {"overdue": "true"}).json()
    assert listed["count"] == 2
    assert [(r["id"], r["overdue"], r["rule"]) for r in overdue["results"]] == [
        (row.pk, True, "elderly_alone_weekly")
    ]
    assert api_as(worker).get("/api/v1/schedule/", {"overdue": "false"}).json()["count"] == 1
    assert api_as(outsider).get("/api/v1/schedule/").json()["count"] == 0


def test_a_sponsor_sees_the_schedule_of_their_pairing_across_the_tree(outsider, household):
    pairing = pair("cadre_key_households", outsider, household)
    schedule.schedule_pairings([pairing.pk])
    rows = api_as(outsider).get("/api/v1/schedule/").json()["results"]
    assert [r["pairing"] for r in rows] == [pairing.pk]


def test_skipping_through_the_api(worker, household):
    schedule.schedule_rules()
    row = ScheduledVisit.objects.get(household=household, rule__code="elderly_alone_weekly")
    api = api_as(worker)
    assert api.post(f"/api/v1/schedule/{row.pk}/skip/", {}, format="json").status_code == 400
    answer = api.post(f"/api/v1/schedule/{row.pk}/skip/", {"reason": "住院"}, format="json")
    assert answer.status_code == 200 and answer.json()["status"] == "skipped"


def test_occurrences_are_recorded_and_listed_in_scope(worker, outsider, household):
    api = api_as(worker)
    answer = api.post(
        "/api/v1/occurrences/",
        {
            "household": household.pk,
            "trigger": "bereavement",
            "occurred_on": str(timezone.localdate()),
        },
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    assert answer.json()["trigger"] == "bereavement"
    assert ScheduledVisit.objects.filter(occurrence_id=answer.json()["id"]).count() == 1
    assert api.get("/api/v1/occurrences/").json()["count"] == 1
    assert api_as(outsider).get("/api/v1/occurrences/").json()["count"] == 0
    refused = api.post(
        "/api/v1/occurrences/",
        {"household": household.pk, "trigger": "nope", "occurred_on": "2999-01-01"},
        format="json",
    )
    assert refused.status_code == 400 and set(refused.json()) == {"trigger", "occurred_on"}
    assert Occurrence.objects.count() == 1


def test_everyone_reads_the_rules_only_the_county_admin_writes_them(worker, county_admin):
    assert api_as(worker).get("/api/v1/visit-rules/").json()["count"] == VisitRule.objects.count()
    new = {
        "code": "migrant_monthly",
        "name": "外来人员每月必访",
        "kind": "periodic",
        "tag": "migrant",
        "every_days": 30,
    }
    assert api_as(worker).post("/api/v1/visit-rules/", new, format="json").status_code == 403
    answer = api_as(county_admin).post("/api/v1/visit-rules/", new, format="json")
    assert answer.status_code == 201, answer.json()
    assert answer.json()["tag"] == "migrant" and answer.json()["every_days"] == 30
    changed = api_as(county_admin).put(
        "/api/v1/visit-rules/migrant_monthly/", {**new, "every_days": 14}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["every_days"] == 14


def test_a_rule_without_its_rhythm_answers_400(county_admin):
    answer = api_as(county_admin).post(
        "/api/v1/visit-rules/",
        {"code": "x", "name": "无周期", "kind": "periodic", "household_category": "key"},
        format="json",
    )
    assert answer.status_code == 400 and "every_days" in answer.json()


def test_triggers_are_configured_by_the_county_admin(worker, county_admin):
    new = {"code": "fire", "name": "火灾"}
    assert api_as(worker).post("/api/v1/visit-triggers/", new, format="json").status_code == 403
    assert (
        api_as(county_admin).post("/api/v1/visit-triggers/", new, format="json").status_code == 201
    )
    assert Trigger.objects.filter(code="fire").exists()
    listed = api_as(worker).get("/api/v1/visit-triggers/").json()
    assert "fire" in [t["code"] for t in listed["results"]]


def test_the_schema_documents_the_visits(county_admin):
    schema = api_as(county_admin).get("/api/v1/schema/", {"format": "json"}).json()
    assert "/api/v1/visits/" in schema["paths"]
    assert "/api/v1/schedule/{id}/skip/" in schema["paths"]


def test_a_visit_through_a_token_takes_a_fixed_number_of_queries(worker, household):
    """The token (with its user), the posts (authentication), the UUID unused, the posts
    again, locked, the household (without its unit: no point was sent), the visit with
    its month's tally under a savepoint, the scheduled visits it does, the audit entry.
    The household has no scheduled visit open here: none is closed or scheduled next."""
    from yiwang.accounts.services import issue_token

    key = issue_token(user=worker).key
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.post("/api/v1/visits/", body(household), format="json").status_code == 201

    with CaptureQueriesContext(connection) as queries:
        response = api.post("/api/v1/visits/", body(household), format="json")

    assert response.status_code == 201, response.json()
    statements = [q["sql"].split(" ", 1)[0] for q in queries.captured_queries]
    # SAVEPOINT/RELEASE of the outermost atomic are the test's (a request's BEGIN/COMMIT).
    assert statements == [
        *("SELECT", "SELECT", "SELECT"),  # token and user, posts, the UUID
        *("SAVEPOINT", "SELECT", "SELECT"),  # posts locked, the household
        *("SAVEPOINT", "INSERT", "INSERT", "RELEASE"),  # the visit, its month's tally
        *("SELECT", "INSERT", "RELEASE"),  # the scheduled visits (none), the audit entry
    ]
    household_read = queries.captured_queries[5]["sql"]
    assert "registry_household" in household_read and "areas_area" not in household_read
