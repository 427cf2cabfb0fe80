"""Scope checks of the points routes: the overview, the rules page, the rankings switch and
the awards' API. The viewer is the grid chief of 南门社区: an area outside the village
answers 404; the switch is the county admin's (403, nothing changed); the awards list
holds the village's and not the other town's, whose award is not found."""

from django.urls import reverse
from django.utils import timezone

from conftest import COUNTY, OTHER_VILLAGE, TOWN, VILLAGE
from yiwang.points.models import Evaluation, PointsSettings
from yiwang.points.tests import checks_evaluation


def _final_awards(w) -> dict:
    rows = checks_evaluation._seed(w)
    Evaluation.objects.filter(
        pk__in=[rows["own_evaluation"].pk, rows["foreign_evaluation"].pk]
    ).update(status="final", finalised_at=timezone.now())
    return {side: rows[f"{side}_selection"].pk for side in ("own", "foreign")}


def _awards(w):
    ids = _final_awards(w)
    response = w["client"].get(reverse("api:points-award-list"), {"limit": 500})
    assert response.status_code == 200
    listed = [row["id"] for row in response.json()["results"]]
    assert ids["own"] in listed and ids["foreign"] not in listed


def _award(w):
    ids = _final_awards(w)
    c = w["client"]
    assert c.get(reverse("api:points-award-detail", args=[ids["foreign"]])).status_code == 404
    assert c.get(reverse("api:points-award-detail", args=[ids["own"]])).status_code == 200


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


def _mine(w):
    """The chief's own points only: no account linked, nothing of anyone shown."""
    response = w["client"].get(reverse("points:mine"))
    assert response.status_code == 200
    assert response.context["resident"] is None and response.context["months"] == []


CHECKS: dict = {
    "points:mine": _mine,
    "points:overview": _overview,
    "points:rules": _rules,
    "points:rankings-switch": _switch,
    "api:points-award-list GET": _awards,
    "api:points-award-detail GET": _award,
}
PUBLIC: set = set()
