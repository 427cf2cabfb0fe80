"""Scope checks of volunteering's roll-up (API and page), for the route walk of
tests/test_routes_scope.py. The viewer is the grid chief of the world's village; the
foreign rows (seeded by checks_certificates) lie in another town: the roll-up opens on
the viewer's village, counts its own volunteer and none of the foreign, and any area
outside the posts answers 404."""

from __future__ import annotations

from django.urls import reverse

from conftest import COUNTY, OTHER_TOWN, OTHER_VILLAGE, TOWN, VILLAGE
from yiwang.volunteering.tests import checks_certificates

FOREIGN_AREAS = (COUNTY, TOWN, OTHER_TOWN, OTHER_VILLAGE)


def _rollup_api(w):
    checks_certificates.seed(w)
    url = reverse("api:volunteering-rollup-list")
    body = w["client"].get(url).json()
    assert body["area"]["code"] == VILLAGE
    assert body["total"]["volunteers"] == 1
    assert OTHER_VILLAGE not in [row["code"][:12] for row in body["rows"]]
    for code in FOREIGN_AREAS:
        assert w["client"].get(url, {"area": code}).status_code == 404, code


def _overview_page(w):
    checks_certificates.seed(w)
    url = reverse("volunteering:overview")
    response = w["client"].get(url)
    assert response.status_code == 200 and response.context["area"].code == VILLAGE
    totals = {key: value for key, _label, value, _link in response.context["total"]}
    assert totals["volunteers"] == 1
    for code in FOREIGN_AREAS:
        assert w["client"].get(url, {"area": code}).status_code == 404, code


def _records_page(w):
    rows = checks_certificates.seed(w)
    url = reverse("volunteering:records")
    for query in ({}, {"under": OTHER_VILLAGE}, {"volunteer": rows["foreign_volunteer"].pk}):
        listed = w["client"].get(url, query).context["page_obj"]
        assert all(record.area_code.startswith(VILLAGE) for record in listed), query
    assert w["client"].get(url).context["count"] >= 1


CHECKS = {
    "api:volunteering-rollup-list GET": _rollup_api,
    "volunteering:overview": _overview_page,
    "volunteering:records": _records_page,
}
