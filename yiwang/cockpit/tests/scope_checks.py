"""The scope checks of the cockpit's routes, for the route walk of
tests/test_routes_scope.py (which adds them to its CHECKS). The viewer is the grid chief
of 南门社区: the list of indicators is everyone's (names and definitions, no figures); a
reading of an area outside the chief's village answers 404, and one of the village counts
only what the chief sees."""

from django.urls import reverse

from conftest import COUNTY, OTHER_VILLAGE, TOWN, VILLAGE


def _list(w):
    response = w["client"].get(reverse("api:indicator-list"))
    assert response.status_code == 200
    assert all("value" not in row for row in response.json())


def _reading(w):
    url = reverse("api:indicator-detail", args=["registry.households"])
    for code in (OTHER_VILLAGE, TOWN, COUNTY):
        assert w["client"].get(url, {"area": code}).status_code == 404
    own = w["client"].get(url, {"area": VILLAGE})
    assert own.status_code == 200
    listed = w["client"].get(own.json()["records_url"])
    assert listed.json()["count"] == own.json()["value"]


def _page(name):
    def check(w):
        url = reverse(name)
        for code in (OTHER_VILLAGE, TOWN, COUNTY):
            assert w["client"].get(url, {"area": code}).status_code == 404
        own = w["client"].get(url)
        assert own.status_code == 200
        html = own.content.decode()
        assert f'data-area="{OTHER_VILLAGE}' not in html
        assert f'data-area="{VILLAGE}' in html  # its grids: codes that start with it

    return check


def _map(w):
    url = reverse("api:indicator-map", args=["registry.households"])
    for code in (OTHER_VILLAGE, TOWN, COUNTY):
        assert w["client"].get(url, {"area": code}).status_code == 404
    own = w["client"].get(url, {"area": VILLAGE})
    assert own.status_code == 200
    assert all(f["properties"]["code"].startswith(VILLAGE) for f in own.json()["features"])


def _case_points(w):
    url = reverse("api:cockpit-cases")
    for code in (OTHER_VILLAGE, TOWN, COUNTY):
        assert w["client"].get(url, {"area": code}).status_code == 404
    own = w["client"].get(url, {"area": VILLAGE})
    assert own.status_code == 200
    assert own.json()["area"] == VILLAGE


def _map_page(w):
    url = reverse("cockpit:map")
    for code in (OTHER_VILLAGE, TOWN, COUNTY):
        assert w["client"].get(url, {"area": code}).status_code == 404
    assert w["client"].get(url, {"area": VILLAGE}).status_code == 200


def _map_settings(w):
    from yiwang.cockpit.models import MapSetting

    url = reverse("cockpit:map-settings")
    assert w["client"].get(url).status_code == 403
    answer = w["client"].post(url, {"tile_url": "https://tiles.example.org/{z}/{x}/{y}.png"})
    assert answer.status_code == 403
    assert not MapSetting.objects.exists()


COCKPIT_CHECKS = {
    "api:indicator-list GET": _list,
    "api:indicator-detail GET": _reading,
    "cockpit:cockpit": _page("cockpit:cockpit"),
    "cockpit:screen": _page("cockpit:screen"),
    "api:indicator-map GET": _map,
    "api:cockpit-cases GET": _case_points,
    "cockpit:map": _map_page,
    "cockpit:map-settings": _map_settings,
}
