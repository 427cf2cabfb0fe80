"""Scope checks of the alliances' pages, for the route walk of tests/test_routes_scope.py
(which adds them to its CHECKS), and the pages' arguments for tests/test_pages_zh_hans.py.

The world's viewer is the grid chief of 南门社区, whose 南门合作社 (rows_coops) is in its
town's alliance (中都街道); 外镇合作社 is in the alliance of 汶上街道, another town. The
chief reads the own alliance and keeps neither: the foreign alliance and cooperative are
not found (404), a new alliance and a new name are forbidden (403), and nothing changes."""

from __future__ import annotations

from django.urls import reverse

from conftest import OTHER_TOWN, TOWN
from yiwang.coops.models import Alliance, Cooperative
from yiwang.coops.services import alliances
from yiwang.coops.tests.checks_coops import seed as coops_seed


def seed(w) -> dict:
    """The cooperatives of rows_coops and the two towns' alliances, once a test."""
    if "alliances_pages" in w:
        return w["alliances_pages"]
    rows = dict(coops_seed(w))
    rows["own_alliance"] = alliances.create_alliance(actor=None, area_code=TOWN, name="中都联合社")
    rows["foreign_alliance"] = alliances.create_alliance(
        actor=None, area_code=OTHER_TOWN, name="汶上联合社"
    )
    alliances.set_alliance(
        actor=None, cooperative_id=rows["nanmen"].pk, alliance_id=rows["own_alliance"].pk
    )
    alliances.set_alliance(
        actor=None, cooperative_id=rows["foreign"].pk, alliance_id=rows["foreign_alliance"].pk
    )
    w["alliances_pages"] = rows
    return rows


def page_arguments(w) -> dict:
    return {"alliance_id": seed(w)["own_alliance"].pk}


def state(w):
    return (
        list(Alliance.objects.order_by("pk").values_list("pk", "name", "area_code")),
        list(Cooperative.objects.order_by("pk").values_list("pk", "alliance_id")),
    )


def detail(w):
    rows = seed(w)
    c = w["client"]
    response = c.get(reverse("coops:alliance", args=[rows["own_alliance"].pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert rows["nanmen"].name in body and rows["foreign"].name not in body
    assert c.get(reverse("coops:alliance", args=[rows["foreign_alliance"].pk])).status_code == 404


def create(w):
    """The chief keeps no alliance: the form and its POST are forbidden."""
    seed(w)
    before = state(w)
    url = reverse("coops:alliance-new")
    assert w["client"].get(url).status_code == 403
    for town in (TOWN, OTHER_TOWN):
        response = w["client"].post(url, {"area_code": town, "name": "越界联合社"})
        assert response.status_code in (403, 404), response.status_code
    assert state(w) == before


def rename(w):
    rows = seed(w)
    before = state(w)
    for key, status in (("foreign_alliance", 404), ("own_alliance", 403)):
        url = reverse("coops:alliance-rename", args=[rows[key].pk])
        assert w["client"].get(url).status_code == status
        assert w["client"].post(url, {"name": "越权联合社"}).status_code == status
    assert state(w) == before


def coop_alliance(w):
    """The foreign cooperative is not found; the own one is not put in a foreign town's
    alliance."""
    rows = seed(w)
    before = state(w)
    url = reverse("coops:coop-alliance", args=[rows["foreign"].pk])
    assert w["client"].get(url).status_code == 404
    assert w["client"].post(url, {"alliance": ""}).status_code == 404
    own = reverse("coops:coop-alliance", args=[rows["nanmen"].pk])
    assert w["client"].get(own).status_code == 200
    response = w["client"].post(own, {"alliance": rows["foreign_alliance"].pk})
    assert response.status_code == 400
    assert state(w) == before


CHECKS = {
    "coops:alliance": detail,
    "coops:alliance-new": create,
    "coops:alliance-rename": rename,
    "coops:coop-alliance": coop_alliance,
}
