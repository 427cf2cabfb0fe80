"""API v1 of enterprise requests and counsellor teams: the create's 201 then 200 on the
same uuid, the clock in the detail, the steps, scope (404 outside, 403 not allowed) and
the lists of each viewer."""

import datetime
import uuid

import pytest
from rest_framework.test import APIClient

from yiwang.projects.models import EnterpriseRequest
from yiwang.projects.tests.support_rows import make_support, on

pytestmark = pytest.mark.django_db
URL = "/api/v1/enterprise-requests/"


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def support(personas):
    return make_support()


def _create(client, support, key, enterprise=None, **more):
    return client.post(
        URL,
        {
            "uuid": str(key),
            "enterprise": (enterprise or support.enterprise).pk,
            "kind": "approval",
            "text": "环评审批加快办理",
            "department": support.department.pk,
            **more,
        },
        format="json",
    )


def test_create_is_idempotent_and_the_detail_has_the_clock(support, personas):
    client = api(personas["town"])
    key = uuid.uuid4()
    made = _create(client, support, key, received_on="2025-09-30")
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["verify_due"], body["reply_due"], body["resolve_due"]) == (
        "2025-10-09",
        "2025-10-11",
        "2025-10-28",
    )
    assert body["number"] == "QS2025-0001" and body["current_due"] == "2025-10-09"
    again = _create(client, support, key, received_on="2025-09-30")
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert EnterpriseRequest.objects.count() == 1
    detail = client.get(f"{URL}{body['id']}/").json()
    assert detail["escalation_level"] == 0 and detail["verify_late"] is False


def test_bad_input_answers_400_with_the_fields(support, personas):
    answer = _create(api(personas["town"]), support, uuid.uuid4(), received_on="2003-06-02")
    assert answer.status_code == 400 and set(answer.json()) == {"received_on"}
    answer = _create(api(personas["town"]), support, "not-a-uuid")
    assert answer.status_code == 400 and "uuid" in answer.json()
    assert not EnterpriseRequest.objects.exists()


def test_the_steps_through_the_api(support, personas):
    town = api(personas["town"])
    made = _create(town, support, uuid.uuid4(), received_on="2025-09-30").json()
    clerk = api(support.clerk)
    with on(datetime.date(2025, 10, 10)):
        verified = clerk.post(f"{URL}{made['id']}/verify/", {}, format="json")
        assert verified.status_code == 200, verified.content
        assert verified.json()["verify_late"] is True
        twice = clerk.post(f"{URL}{made['id']}/verify/", {}, format="json")
        assert twice.status_code == 400
        replied = clerk.post(f"{URL}{made['id']}/reply/", {"reply": "已受理"}, format="json")
        assert replied.json()["status"] == "replied"
        extended = clerk.post(f"{URL}{made['id']}/extend/", {"reason": "需上会"}, format="json")
        assert extended.json()["resolve_due"] == "2025-11-18"
        resolved = clerk.post(
            f"{URL}{made['id']}/resolve/", {"resolution": "已办结"}, format="json"
        )
        assert resolved.json()["status"] == "resolved"
    refused = clerk.post(f"{URL}{made['id']}/rate/", {"satisfaction": "satisfied"}, format="json")
    assert refused.status_code == 403
    rated = town.post(f"{URL}{made['id']}/rate/", {"satisfaction": "satisfied"}, format="json")
    assert rated.status_code == 200 and rated.json()["satisfaction"] == "satisfied"


def test_scope_of_the_api(support, personas):
    own = _create(api(personas["town"]), support, uuid.uuid4()).json()
    foreign = _create(
        api(personas["county"]), support, uuid.uuid4(), enterprise=support.foreign_enterprise
    ).json()
    listed = {
        name: {r["id"] for r in api(user).get(URL).json()["results"]}
        for name, user in {**personas, "clerk": support.clerk, "banker": support.counsellor}.items()
    }
    assert listed == {
        "county": {own["id"], foreign["id"]},
        "town": {own["id"]},
        "chief": set(),
        "worker": set(),
        "outsider": set(),
        "clerk": {own["id"], foreign["id"]},  # both sent to the clerk's department
        "banker": {own["id"]},
    }
    outsider = api(personas["outsider"])
    assert outsider.get(f"{URL}{own['id']}/").status_code == 404
    assert outsider.post(f"{URL}{own['id']}/verify/", {}, format="json").status_code == 404
    banker = api(support.counsellor)
    assert banker.post(f"{URL}{own['id']}/verify/", {}, format="json").status_code == 403
    assert _create(outsider, support, uuid.uuid4()).status_code == 404
    assert EnterpriseRequest.objects.filter(status="received").count() == 2


def test_counsellor_teams_read(support, personas):
    teams = api(personas["county"]).get("/api/v1/counsellor-teams/").json()["results"]
    assert [(t["name"], sorted(t["members"])) for t in teams] == [
        (support.team.name, sorted([support.counsellor.pk, support.sponsor.pk]))
    ]
    assert api(support.counsellor).get("/api/v1/counsellor-teams/").json()["count"] == 1
    assert api(personas["worker"]).get("/api/v1/counsellor-teams/").json()["count"] == 0
