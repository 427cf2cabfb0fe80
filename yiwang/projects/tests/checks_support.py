"""Scope checks of the enterprise-support routes, for the route walk of
tests/test_routes_scope.py (which adds them to its CHECKS).

The world's viewer, the grid chief of 南门社区, neither manages, counsels nor handles
enterprise requests: they see none of them (404 on the own request too), and the team
forms refuse them (403). The checks of what a manager sees are made as a town admin of
the chief's town (`manager`): the own request is of an enterprise of 南门社区, the foreign
one of an enterprise in another town, sent to a department the manager is not in; the
foreign one is not found (404) by a page, an API detail or a write, and nothing changes;
lists show the own request and not the foreign.
"""

from __future__ import annotations

import datetime
import json

from django.test import Client
from django.urls import reverse

from conftest import TOWN
from yiwang.projects.models import CounsellorTeam, EnterpriseRequest
from yiwang.projects.services import support as services
from yiwang.projects.tests.factories import make_account, make_department
from yiwang.projects.tests.support_rows import make_support

JSON = "application/json"
DAY = datetime.date(2025, 9, 30)


def seed(w) -> dict:
    """The own and the foreign request, a team, and the manager's client, once a test."""
    if "support" in w:
        return w["support"]
    from yiwang.accounts.services import grant_post

    support = make_support()
    other = make_department(code="support-other", name="县工业和信息化局")
    manager = make_account("support-town", "周镇长", area_code=TOWN)
    grant_post(actor=None, user=manager, role="town_admin", area_code=TOWN)
    rows = {"support": support, "manager": manager}
    for side, enterprise, department in [
        ("own", support.enterprise, support.department),
        ("foreign", support.foreign_enterprise, other),
    ]:
        rows[side], _ = services.receive_request(
            None,
            enterprise=enterprise.pk,
            kind="finance",
            text=f"{side}诉求",
            department=department.pk,
            received_on=DAY,
        )
    client = Client()
    client.force_login(manager)
    rows["client"] = client
    w["support"] = rows
    return rows


def page_arguments(w) -> dict:
    rows = seed(w)
    return {
        "enterprise_request_id": rows["own"].pk,
        "step": "verify",
        "counsellor_team_id": rows["support"].team.pk,
    }


def unchanged(w):
    return (
        list(
            EnterpriseRequest.objects.order_by("id").values_list(
                "id", "status", "resolve_due", "satisfaction", "extension_reason"
            )
        ),
        list(CounsellorTeam.objects.order_by("id").values_list("id", "name", "bank", "is_active")),
    )


def _numbers(body: str, rows) -> set[str]:
    return {side for side in ("own", "foreign") if rows[side].number in body}


def requests_page(w):
    rows = seed(w)
    url = reverse("projects:support-requests")
    assert _numbers(rows["client"].get(url).content.decode(), rows) == {"own"}
    chief = w["client"].get(url)
    assert chief.status_code == 200 and _numbers(chief.content.decode(), rows) == set()


def request_page(w):
    rows = seed(w)
    own = reverse("projects:support-request", args=[rows["own"].pk])
    foreign = reverse("projects:support-request", args=[rows["foreign"].pk])
    assert rows["client"].get(own).status_code == 200
    assert rows["client"].get(foreign).status_code == 404
    assert w["client"].get(own).status_code == 404


def request_create(w):
    rows = seed(w)
    url = reverse("projects:support-request-create")
    page = rows["client"].get(url)
    assert page.status_code == 200
    assert rows["support"].foreign_enterprise.name not in page.content.decode()
    before = unchanged(w)
    sent = rows["client"].post(
        url,
        {
            "enterprise": rows["support"].foreign_enterprise.pk,
            "kind": "land",
            "text": "外镇",
            "department": rows["support"].department.pk,
        },
    )
    assert sent.status_code in (400, 404)  # not among the form's choices: refused
    assert unchanged(w) == before
    assert w["client"].get(url).status_code == 403


def request_step(w):
    rows = seed(w)
    before = unchanged(w)
    for step in services_steps():
        url = reverse("projects:support-request-step", args=[rows["foreign"].pk, step])
        assert rows["client"].post(url, {"reply": "x", "reason": "x"}).status_code == 404
        own = reverse("projects:support-request-step", args=[rows["own"].pk, step])
        assert w["client"].post(own, {"reply": "x"}).status_code == 404
    assert unchanged(w) == before


def services_steps():
    return ("verify", "reply", "extend", "resolve", "rate")


def counsellors_page(w):
    rows = seed(w)
    body = rows["client"].get(reverse("projects:support-counsellors")).content.decode()
    assert rows["support"].lonely_enterprise.name in body
    assert rows["support"].foreign_enterprise.name not in body
    chief = w["client"].get(reverse("projects:support-counsellors")).content.decode()
    assert rows["support"].team.name not in chief


def team_forms(name, args=lambda rows: []):
    def check(w):
        rows = seed(w)
        before = unchanged(w)
        url = reverse(name, args=args(rows))
        for client in (w["client"], rows["client"]):
            assert client.get(url).status_code == 403
            assert client.post(url, {"name": "改名", "bank": "银行"}).status_code == 403
        assert unchanged(w) == before

    return check


def api_list(w):
    rows = seed(w)
    listed = rows["client"].get("/api/v1/enterprise-requests/").json()["results"]
    assert {r["id"] for r in listed} == {rows["own"].pk}
    assert w["client"].get("/api/v1/enterprise-requests/").json()["count"] == 0


def api_create(w):
    rows = seed(w)
    before = unchanged(w)
    sent = rows["client"].post(
        "/api/v1/enterprise-requests/",
        json.dumps(
            {
                "enterprise": rows["support"].foreign_enterprise.pk,
                "kind": "land",
                "text": "外镇",
                "department": rows["support"].department.pk,
            }
        ),
        content_type=JSON,
    )
    assert sent.status_code == 404
    assert unchanged(w) == before


def api_detail(w):
    rows = seed(w)
    url = "/api/v1/enterprise-requests/{}/"
    assert rows["client"].get(url.format(rows["own"].pk)).status_code == 200
    assert rows["client"].get(url.format(rows["foreign"].pk)).status_code == 404
    assert w["client"].get(url.format(rows["own"].pk)).status_code == 404


def api_step(step):
    def check(w):
        rows = seed(w)
        before = unchanged(w)
        data = json.dumps(
            {"reply": "x", "reason": "x", "resolution": "x", "satisfaction": "satisfied"}
        )
        url = f"/api/v1/enterprise-requests/{rows['foreign'].pk}/{step}/"
        assert rows["client"].post(url, data, content_type=JSON).status_code == 404
        assert unchanged(w) == before

    return check


def api_teams(detail: bool):
    def check(w):
        rows = seed(w)
        team = rows["support"].team
        if detail:
            url = f"/api/v1/counsellor-teams/{team.pk}/"
            assert rows["client"].get(url).status_code == 200
            assert w["client"].get(url).status_code == 404
        else:
            assert rows["client"].get("/api/v1/counsellor-teams/").json()["count"] == 1
            assert w["client"].get("/api/v1/counsellor-teams/").json()["count"] == 0

    return check


CHECKS = {
    "projects:support-requests": requests_page,
    "projects:support-request": request_page,
    "projects:support-request-create": request_create,
    "projects:support-request-step": request_step,
    "projects:support-counsellors": counsellors_page,
    "projects:support-team-create": team_forms("projects:support-team-create"),
    "projects:support-team-edit": team_forms(
        "projects:support-team-edit", lambda rows: [rows["support"].team.pk]
    ),
    "api:enterprise-request-list GET": api_list,
    "api:enterprise-request-list POST": api_create,
    "api:enterprise-request-detail GET": api_detail,
    **{f"api:enterprise-request-{step} POST": api_step(step) for step in services_steps()},
    "api:counsellor-team-list GET": api_teams(detail=False),
    "api:counsellor-team-detail GET": api_teams(detail=True),
}
