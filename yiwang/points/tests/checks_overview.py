"""Scope checks of the points routes: the overview, the rules page and the rankings switch.
The viewer is the grid chief of 南门社区: an area outside the village answers 404; the
switch is the county admin's (403, nothing changed)."""

from django.urls import reverse

from conftest import COUNTY, OTHER_VILLAGE, TOWN, VILLAGE
from yiwang.points.models import PointsSettings


def _overview(w):
    url = reverse("points:overview")
    for code in (OTHER_VILLAGE, TOWN, COUNTY):
        assert w["client"].get(url, {"area": code}).status_code == 404
    own = w["client"].get(url, {"area": VILLAGE})
    assert own.status_code == 200
    assert own.context["area"].code == VILLAGE


def _rules(w):
    response = w["client"].get(reverse("points:rules"))
    assert response.status_code == 200
    assert not response.context["can_configure"]


def _switch(w):
    response = w["client"].post(reverse("points:rankings-switch"), {"show_rankings": "1"})
    assert response.status_code == 403
    assert not PointsSettings.current().show_rankings


CHECKS: dict = {
    "points:overview": _overview,
    "points:rules": _rules,
    "points:rankings-switch": _switch,
}
PUBLIC: set = set()
