"""The thematic maps: the map API's values are the indicators' own readings, only children
with a boundary are features, each drills one level down; the cases' points stop at the
viewer's scope and are capped; the tile layer's template is checked and only a county
admin sets it; the map page and the settings page answer each persona as they should."""

import datetime
import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from conftest import COUNTY, OTHER_UNIT, OTHER_VILLAGE, TOWN, UNIT, VILLAGE
from yiwang.areas.models import Area
from yiwang.areas.services import set_boundary
from yiwang.cases.models import Case
from yiwang.cases.selectors import open_case_points
from yiwang.cases.tests.conftest import new_case
from yiwang.cockpit import map_services, maps
from yiwang.cockpit.models import MapSetting
from yiwang.core import indicators
from yiwang.core.models import AuditEntry
from yiwang.registry.services import create_household

pytestmark = pytest.mark.django_db

SECOND_VILLAGE = "370830001002"  # 坝口社区, beside 南门社区 in 中都街道
TIANDITU = (
    "http://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
    "&TILECOL={x}&tk=abc123"
)


def box(x0, y0, x1, y1):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


@pytest.fixture
def drawn(tree):
    """Boundaries for the town, two of its villages, the village's first grid; households
    and open cases with a location on both sides of the county."""
    set_boundary(actor=None, code=TOWN, boundary=box(116.0, 35.0, 116.4, 35.4))
    set_boundary(actor=None, code=VILLAGE, boundary=box(116.0, 35.0, 116.2, 35.2))
    set_boundary(actor=None, code=SECOND_VILLAGE, boundary=box(116.2, 35.0, 116.4, 35.2))
    grid = Area.objects.filter(parent__code=VILLAGE).order_by("code").first()
    set_boundary(actor=None, code=grid.code, boundary=box(116.0, 35.0, 116.1, 35.1))
    for unit, numbers in ((UNIT, ("001", "002", "003")), (OTHER_UNIT, ("101",))):
        for number in numbers:
            create_household(actor=None, unit_code=unit, number=number)
    own = [new_case(UNIT), new_case(UNIT), new_case(UNIT)]
    foreign = new_case(OTHER_UNIT)
    for case in [*own, foreign]:
        Case.objects.filter(pk=case.pk).update(lat=35.1, lng=116.1)
    Case.objects.filter(pk=own[0].pk).update(due_at=timezone.now() - datetime.timedelta(hours=1))
    Case.objects.filter(pk=own[1].pk).update(lat=None, lng=None)
    return {"grid": grid.code, "own": own, "foreign": foreign}


def _api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def _map(client, key, **params):
    return client.get(reverse("api:indicator-map", args=[key]), params)


# --- the map API -------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["registry.households", "cases.open", "cases.on_time_rate"])
def test_its_values_are_the_indicators_own_for_a_town(key, county_admin, drawn):
    body = _map(_api(county_admin), key, area=TOWN).json()
    town = Area.objects.get(code=TOWN)
    children = list(Area.objects.open().filter(parent=town).values_list("code", "name"))
    reading = indicators.read(indicators.get(key), county_admin, town, children)
    expected = {c["code"]: c["value"] for c in reading.children}
    got = {f["properties"]["code"]: f["properties"]["value"] for f in body["features"]}
    assert set(got) == {VILLAGE, SECOND_VILLAGE}
    assert got == {code: expected[code] for code in got}
    assert body["indicator"]["key"] == key
    assert body["indicator"]["kind"] == indicators.get(key).kind
    assert body["area"] == {"code": TOWN, "name": town.name, "level": "town"}
    assert body["outline"]["type"] == "Polygon"
    assert body["period"] is None


def test_it_maps_a_village_with_its_grids_values(chief, drawn):
    body = _map(_api(chief), "registry.households", area=VILLAGE).json()
    village = Area.objects.get(code=VILLAGE)
    children = list(Area.objects.open().filter(parent=village).values_list("code", "name"))
    reading = indicators.read(indicators.get("registry.households"), chief, village, children)
    (feature,) = body["features"]
    props = feature["properties"]
    assert props["code"] == drawn["grid"]
    assert props["value"] == 3 == {c["code"]: c["value"] for c in reading.children}[props["code"]]
    assert props["has_children"] is True
    assert props["level"] == "grid"
    assert props["drill"] == f"/cockpit/?area={drawn['grid']}"
    assert _api(chief).get(props["records_url"]).json()["count"] == 3


def test_only_children_with_a_boundary_are_features(county_admin, drawn):
    body = _map(_api(county_admin), "registry.households", area=TOWN).json()
    assert Area.objects.filter(parent__code=TOWN).count() > 2
    assert [f["properties"]["code"] for f in body["features"]] == [VILLAGE, SECOND_VILLAGE]
    first = body["features"][0]
    assert first["type"] == "Feature" and first["geometry"]["type"] == "Polygon"
    assert first["properties"]["drill"] == f"/cockpit/?area={VILLAGE}"
    assert first["properties"]["has_children"] is True
    assert body["features"][1]["properties"]["has_children"] is False


def test_a_county_without_a_boundary_has_no_outline(county_admin, drawn):
    body = _map(_api(county_admin), "registry.households", area=COUNTY).json()
    assert body["outline"] is None
    assert [f["properties"]["code"] for f in body["features"]] == [TOWN]


def test_it_answers_404_outside_the_scope_and_for_an_unknown_indicator(chief, drawn):
    client = _api(chief)
    assert _map(client, "registry.households", area=TOWN).status_code == 404
    assert _map(client, "registry.households", area=OTHER_VILLAGE).status_code == 404
    missing = _map(client, "registry.nothing", area=VILLAGE)
    assert missing.status_code == 404
    assert missing.json()["detail"]


@pytest.mark.parametrize("period", ["2026-13", "last month", "2999-01"])
def test_it_refuses_a_bad_period_with_a_reason(county_admin, drawn, period):
    answer = _map(_api(county_admin), "registry.households", area=TOWN, period=period)
    assert answer.status_code == 400
    assert answer.json()["period"]


def test_a_month_gone_by_reads_the_snapshots(county_admin, drawn):
    month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    body = _map(
        _api(county_admin), "registry.households", area=TOWN, period=f"{month:%Y-%m}"
    ).json()
    assert body["period"] == f"{month:%Y-%m}"
    assert all(f["properties"]["value"] is None for f in body["features"])
    assert all(f["properties"]["records_url"] is None for f in body["features"])


def test_a_towns_map_takes_a_few_queries_and_is_quick(
    county_admin, drawn, django_assert_max_num_queries
):
    client = _api(county_admin)
    _map(client, "registry.households", area=TOWN)  # warm
    with django_assert_max_num_queries(8):
        started = time.perf_counter()
        answer = _map(client, "registry.households", area=TOWN)
        elapsed = time.perf_counter() - started
    assert answer.status_code == 200
    assert elapsed < 1.0  # 200 ms on a quiet machine; generous for a loaded CI


# --- the cases' points -------------------------------------------------------------------


def test_a_chief_sees_only_their_villages_open_cases_with_a_location(chief, drawn):
    body = _api(chief).get(reverse("api:cockpit-cases"), {"area": VILLAGE}).json()
    codes = {f["properties"]["tracking_code"] for f in body["features"]}
    own = [Case.objects.get(pk=c.pk) for c in drawn["own"]]
    assert codes == {own[0].tracking_code, own[2].tracking_code}
    assert body["truncated"] is False
    late = next(
        f for f in body["features"] if f["properties"]["tracking_code"] == own[0].tracking_code
    )
    assert late["properties"]["overdue"] is True
    assert late["geometry"] == {"type": "Point", "coordinates": [116.1, 35.1]}
    assert late["properties"]["url"] == reverse("cases:detail", args=[own[0].pk])
    assert late["properties"]["category"] and late["properties"]["status"]
    assert _api(chief).get(reverse("api:cockpit-cases"), {"area": OTHER_VILLAGE}).status_code == 404


def test_the_county_sees_every_open_case_and_not_the_closed(county_admin, drawn):
    Case.objects.filter(pk=drawn["own"][2].pk).update(status="closed")
    body = _api(county_admin).get(reverse("api:cockpit-cases"), {"area": COUNTY}).json()
    assert len(body["features"]) == 2  # the late one and the foreign one


def test_the_points_are_capped_at_the_newest(county_admin, drawn, monkeypatch):
    from yiwang.cases.selectors import points

    monkeypatch.setattr(points, "POINTS_MAX", 1)
    body = _api(county_admin).get(reverse("api:cockpit-cases"), {"area": COUNTY}).json()
    assert body["truncated"] is True
    assert len(body["features"]) == 1
    newest = Case.objects.filter(lat__isnull=False).order_by("-reported_at", "-id").first()
    assert body["features"][0]["properties"]["tracking_code"] == newest.tracking_code
    rows, truncated = open_case_points(county_admin, COUNTY, limit=5)
    assert len(rows) == 3 and truncated is False


# --- the tile layer ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "template",
    [
        TIANDITU,
        "https://tiles.example.org/{z}/{x}/{y}.png",
        "http://10.0.0.5:8080/tiles/{z}/{x}/{-y}.png",
        "https://{s}.tile.example.org/{z}/{x}/{y}.png",
    ],
)
def test_it_takes_an_http_template_with_z_x_y(county_admin, template):
    setting = map_services.set_tile_url(
        actor=county_admin, county_code=COUNTY, tile_url=f"  {template} ", attribution="审图号"
    )
    assert setting.tile_url == template
    assert setting.updated_by == county_admin
    assert AuditEntry.objects.filter(action="map_setting.save", area_code=COUNTY).exists()


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("ftp://tiles.example.org/{z}/{x}/{y}.png", "http"),
        ("tiles.example.org/{z}/{x}/{y}.png", "http"),
        ("javascript:alert(1)//{z}/{x}/{y}", "http"),
        ("https://tiles.example.org/{z}/{x}.png", "{z}"),
        ("https://tiles.example.org/{x}/{y}.png", "{z}"),
        ("https://tiles.example.org/{z}/{x}/{y}/{r}.png", "{r}"),
        ("https://tiles.example.org/{z}/{x}/{y}.png?a='b'", "引号"),
        ("https:///{z}/{x}/{y}.png", "服务器"),
        ("https://user@tiles.example.org/{z}/{x}/{y}.png", "服务器"),
        ("https://tiles.example.org/{z}/{x}/{y}.png;default-src *", "分号"),
    ],
)
def test_it_refuses_a_template_that_is_not_one_with_a_message(county_admin, template, reason):
    with pytest.raises(ValidationError) as raised:
        map_services.set_tile_url(actor=county_admin, county_code=COUNTY, tile_url=template)
    assert reason in " ".join(raised.value.message_dict["tile_url"])
    assert not MapSetting.objects.exists()


def test_an_empty_template_clears_the_tiles(county_admin):
    map_services.set_tile_url(actor=county_admin, county_code=COUNTY, tile_url=TIANDITU)
    setting = map_services.set_tile_url(actor=county_admin, county_code=COUNTY, tile_url=" ")
    assert setting.tile_url == "" and setting.attribution == ""
    assert maps.tiles(Area.objects.get(code=COUNTY)) is None


@pytest.mark.parametrize("persona", ["town_admin", "chief"])
def test_only_a_county_admin_sets_the_tiles(request, persona):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        map_services.set_tile_url(actor=user, county_code=COUNTY, tile_url=TIANDITU)
    assert not MapSetting.objects.exists()


def test_the_csp_lets_in_each_server_of_the_tiles(county_admin, drawn):
    map_services.set_tile_url(
        actor=county_admin, county_code=COUNTY, tile_url=TIANDITU, subdomains="01"
    )
    client = Client()
    client.force_login(county_admin)
    page = client.get(reverse("cockpit:map"), {"area": TOWN})
    policy = page["Content-Security-Policy"]
    img = next(d for d in policy.split(";") if d.strip().startswith("img-src"))
    assert "http://t0.tianditu.gov.cn" in img and "http://t1.tianditu.gov.cn" in img
    assert "script-src 'self'" in policy and "unsafe" not in policy
    assert 'data-tile-url="http://t{s}.tianditu.gov.cn' in page.content.decode()
    # Elsewhere the tiles' servers are not allowed.
    other = client.get(reverse("accounts:home"))["Content-Security-Policy"]
    assert "tianditu" not in other


def test_the_settings_page_saves_and_refuses_with_a_message(county_admin, chief):
    client = Client()
    client.force_login(county_admin)
    url = reverse("cockpit:map-settings")
    page = client.get(url)
    assert page.status_code == 200
    assert "tianditu.gov.cn" in page.content.decode()
    bad = client.post(url, {"tile_url": "https://tiles.example.org/{x}/{y}.png"})
    assert bad.status_code == 200
    assert "{z}" in bad.content.decode()
    good = client.post(
        url, {"tile_url": TIANDITU, "subdomains": "01234567", "attribution": "天地图"}
    )
    assert good.status_code == 302
    assert MapSetting.objects.get(county_code=COUNTY).subdomains == "01234567"
    client.force_login(chief)
    assert client.get(url).status_code == 403


# --- the map page ------------------------------------------------------------------------


def test_the_map_page_opens_on_the_viewers_area_with_its_crumbs(town_admin, drawn):
    client = Client()
    client.force_login(town_admin)
    page = client.get(reverse("cockpit:map"))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-area="{TOWN}"' in html
    assert 'data-indicator="cases.open"' in html
    assert "cockpit/map.js" in html
    village = client.get(
        reverse("cockpit:map"), {"area": VILLAGE, "classes": "fixed", "breaks": "1,2"}
    )
    assert village.status_code == 200
    assert [c.code for c in village.context["crumbs"]] == [TOWN, VILLAGE]
    assert village.context["map"].classes.breaks == [1.0, 2.0]


def test_the_map_page_explains_an_unknown_indicator_and_bad_breaks(county_admin, drawn):
    client = Client()
    client.force_login(county_admin)
    page = client.get(
        reverse("cockpit:map"),
        {"area": TOWN, "indicator": "nothing.here", "classes": "fixed", "breaks": "5,2"},
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="thematic-map-error"' in html
    assert "nothing.here" in html
    assert page.context["map"].classes.error


def test_the_map_page_is_not_for_a_grid_worker(worker, chief, drawn):
    client = Client()
    client.force_login(worker)
    assert client.get(reverse("cockpit:map")).status_code == 403
    client.force_login(chief)
    assert client.get(reverse("cockpit:map"), {"area": TOWN}).status_code == 404


@pytest.mark.parametrize(
    ("text", "numbers"),
    [("10,20,50", [10, 20, 50]), ("1.5，3、 7", [1.5, 3, 7]), ("-1", [-1])],
)
def test_breaks_are_read_as_ascending_numbers(text, numbers):
    assert maps.parse_breaks(text) == numbers


@pytest.mark.parametrize("text", ["", "a,b", "3,2", "1,1", "1,2,3,4,5,6,7,8,9", "nan", "inf"])
def test_bad_breaks_get_a_reason(text):
    with pytest.raises(ValueError) as raised:
        maps.parse_breaks(text)
    assert str(raised.value)
