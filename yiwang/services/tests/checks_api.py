"""Scope checks of the services' API routes, for the route walk of
tests/test_routes_scope.py (which adds them to its CHECKS).

The world's viewer, the grid chief of 南门社区, sees the help request taken in the
worker's unit (own) and not the one the outsider took in another town (foreign): the
foreign one is not found (404) by a detail, its steps or any action, and nothing changes;
the list shows the own request only. The catalogue is every signed-in user's to read.
"""

from __future__ import annotations

import json

from conftest import OTHER_UNIT, UNIT
from yiwang.services.models import HelpMaterial, HelpRequest, HelpStep, ServiceItem
from yiwang.services.services import help as services

JSON = "application/json"
REISSUE = "id-card-reissue"


def seed(w) -> dict:
    """The own and the foreign request, once a test."""
    if "help" in w:
        return w["help"]
    item = ServiceItem.objects.get(code=REISSUE)
    rows = {"item": item}
    for side, area, user in (
        ("own", UNIT, w["own_user"]),
        ("foreign", OTHER_UNIT, w["foreign_user"]),
    ):
        rows[side], _created = services.take_request(
            actor=None,
            item_id=item.pk,
            area_code=area,
            applicant_name=f"{side}申请人",
            taken_by=user,
        )
    w["help"] = rows
    return rows


def unchanged(w):
    return (
        list(HelpRequest.objects.order_by("id").values_list("id", "step", "satisfaction")),
        HelpStep.objects.count(),
        HelpMaterial.objects.count(),
    )


def api_list(w):
    rows = seed(w)
    listed = w["client"].get("/api/v1/help-requests/").json()["results"]
    assert {r["id"] for r in listed} == {rows["own"].pk}


def api_create(w):
    rows = seed(w)
    before = unchanged(w)
    sent = w["client"].post(
        "/api/v1/help-requests/",
        json.dumps(
            {"item": rows["item"].pk, "area_code": OTHER_UNIT, "applicant_name": "外镇居民"}
        ),
        content_type=JSON,
    )
    assert sent.status_code == 404
    assert unchanged(w) == before


def api_detail(w):
    rows = seed(w)
    url = "/api/v1/help-requests/{}/"
    assert w["client"].get(url.format(rows["own"].pk)).status_code == 200
    assert w["client"].get(url.format(rows["foreign"].pk)).status_code == 404


def api_steps(w):
    rows = seed(w)
    url = "/api/v1/help-requests/{}/steps/"
    assert w["client"].get(url.format(rows["own"].pk)).status_code == 200
    assert w["client"].get(url.format(rows["foreign"].pk)).status_code == 404


def api_action(name):
    def check(w):
        rows = seed(w)
        before = unchanged(w)
        data = json.dumps({"step": "accepted", "satisfaction": "satisfied", "name": "户口簿复印件"})
        url = f"/api/v1/help-requests/{rows['foreign'].pk}/{name}/"
        assert w["client"].post(url, data, content_type=JSON).status_code == 404
        assert unchanged(w) == before

    return check


def api_items(detail: bool):
    def check(w):
        item = ServiceItem.objects.get(code=REISSUE)
        if detail:
            assert w["client"].get(f"/api/v1/service-items/{item.pk}/").status_code == 200
            assert w["client"].get("/api/v1/service-items/999999/").status_code == 404
        else:
            listed = w["client"].get("/api/v1/service-items/?limit=100").json()
            assert item.pk in {row["id"] for row in listed["results"]}

    return check


CHECKS = {
    "api:help-request-list GET": api_list,
    "api:help-request-list POST": api_create,
    "api:help-request-detail GET": api_detail,
    "api:help-request-steps GET": api_steps,
    "api:help-request-materials POST": api_action("materials"),
    "api:help-request-advance POST": api_action("advance"),
    "api:help-request-follow-up POST": api_action("follow-up"),
    "api:service-item-list GET": api_items(detail=False),
    "api:service-item-detail GET": api_items(detail=True),
}
