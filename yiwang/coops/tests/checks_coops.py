"""Scope checks of the cooperatives' roll-up, cooperative and board pages, for the route
walk of tests/test_routes_scope.py (which adds them to its CHECKS), and the pages'
arguments for tests/test_pages_zh_hans.py.

The world's viewer is the grid chief of 南门社区, who keeps its cooperatives (rows_coops:
南门合作社 and 南门二社); 外镇合作社 lies in another town, with a chair's seat. The foreign
cooperative and its seat are not found (404) by every page and every write, and nothing
changes; the roll-up shows the village's cooperatives and nothing of the other town."""

from __future__ import annotations

from django.urls import reverse

from conftest import OTHER_TOWN, OTHER_VILLAGE
from yiwang.coops.models import BoardSeat, Cooperative
from yiwang.coops.services import coops
from yiwang.coops.tests.rows_coops import DAY, build


def seed(w) -> dict:
    """The cooperatives of rows_coops and a seat in the foreign one, once a test."""
    if "coops_pages" in w:
        return w["coops_pages"]
    rows = build()
    rows["foreign_seat"] = coops.appoint(
        actor=None, cooperative_id=rows["foreign"].pk, role="chair", name="外镇理事长", on=DAY
    )
    w["coops_pages"] = rows
    return rows


def page_arguments(w) -> dict:
    rows = seed(w)
    return {"cooperative_id": rows["nanmen"].pk, "seat_id": rows["chair_seat"].pk}


def state(w):
    return (
        list(
            Cooperative.objects.order_by("pk").values_list(
                "pk", "name", "area_code", "reserve_rate", "holding_cap", "mode"
            )
        ),
        list(
            BoardSeat.objects.order_by("pk").values_list(
                "pk", "cooperative_id", "role", "name", "user_id", "left_on", "left_reason"
            )
        ),
    )


def index(w):
    rows = seed(w)
    c, url = w["client"], reverse("coops:index")
    response = c.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert rows["nanmen"].name in body and rows["foreign"].name not in body
    assert OTHER_VILLAGE not in body and OTHER_TOWN not in body
    assert c.get(url, {"town": OTHER_TOWN}).status_code == 404
    assert c.get(url, {"village": OTHER_VILLAGE}).status_code == 404
    # ?under= (the cockpit's way in) at any level: the other town's areas are not found.
    for code in (OTHER_TOWN, OTHER_VILLAGE):
        assert c.get(url, {"under": code, "status": "draft"}).status_code == 404
    body = c.get(url, {"under": rows["nanmen"].area_code}).content.decode()
    assert rows["nanmen"].name in body and rows["foreign"].name not in body


def detail(name):
    def check(w):
        rows = seed(w)
        c = w["client"]
        assert c.get(reverse(name, args=[rows["nanmen"].pk])).status_code == 200
        assert c.get(reverse(name, args=[rows["foreign"].pk])).status_code == 404

    return check


def write(name, data, foreign="foreign"):
    """The foreign cooperative's (or seat's) page and its POST: 404, nothing changed."""

    def check(w):
        rows = seed(w)
        before = state(w)
        url = reverse(name, args=[rows[foreign].pk])
        assert w["client"].get(url).status_code == 404
        response = w["client"].post(url, data)
        assert response.status_code == 404, (name, response.status_code)
        assert state(w) == before

    return check


def create(w):
    """The chief creates cooperatives in the village, not in another town's."""
    seed(w)
    url = reverse("coops:coop-new")
    assert w["client"].get(url).status_code == 200
    before = state(w)
    response = w["client"].post(
        url,
        {
            "area_code": OTHER_VILLAGE,
            "name": "越界合作社",
            "reserve_rate": "10",
            "holding_cap": "20",
            "mode": "statutory",
            "trading_share": "60",
            "shares_per_yuan": "1",
            "shares_per_mu": "8000",
            "shares_per_labour_day": "100",
        },
    )
    assert response.status_code in (400, 404)
    assert state(w) == before


TERMS = {
    "reserve_rate": "5",
    "holding_cap": "",
    "mode": "by_shares",
    "trading_share": "60",
    "shares_per_yuan": "1",
    "shares_per_mu": "8000",
    "shares_per_labour_day": "100",
}

CHECKS = {
    "coops:index": index,
    "coops:coop": detail("coops:coop"),
    "coops:coop-new": create,
    "coops:charter": write("coops:charter", TERMS),
    "coops:appoint": write("coops:appoint", {"role": "board", "name": "混入", "on": "2025-06-01"}),
    "coops:seat-end": write(
        "coops:seat-end", {"on": "2025-06-01", "reason": "越权"}, foreign="foreign_seat"
    ),
}
