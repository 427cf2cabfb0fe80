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


def _reports(w) -> dict:
    """A monthly report (with a file) of the chief's village, one of the other town's
    village and one of the county."""
    if "reports" not in w:
        from django.core.files.base import ContentFile

        from yiwang.cockpit.models import Report
        from yiwang.cockpit.reports import latest_month

        rows = {}
        for side, code in (("own", VILLAGE), ("foreign", OTHER_VILLAGE), ("county", COUNTY)):
            report = Report(area_code=code, month=latest_month(), status="ready")
            report.file.save(f"{side}.pdf", ContentFile(b"%PDF-1.4 test"), save=False)
            report.save()
            rows[side] = report
        w["reports"] = rows
    return w["reports"]


def _report_state():
    from yiwang.cockpit.models import Report

    return sorted(Report.objects.values_list("pk", "area_code", "status", "file"))


def _report_page(w):
    rows, url = _reports(w), reverse("cockpit:reports")
    listed = w["client"].get(url)
    assert listed.status_code == 200
    assert [r.pk for r in listed.context["page_obj"]] == [rows["own"].pk]
    before = _report_state()
    for code in (OTHER_VILLAGE, COUNTY):
        month = f"{rows['own'].month:%Y-%m}"
        answer = w["client"].post(url, {"area": code, "month": month, "confirm": "on"})
        assert answer.status_code == 404
    assert _report_state() == before


def _report_download(w):
    rows = _reports(w)
    for side in ("foreign", "county"):
        url = reverse("cockpit:report-download", args=[rows[side].pk])
        assert w["client"].get(url).status_code == 404
    own = w["client"].get(reverse("cockpit:report-download", args=[rows["own"].pk]))
    assert own.status_code == 200


def _report_api_list(w):
    rows = _reports(w)
    body = w["client"].get(reverse("api:report-list")).json()
    assert [row["id"] for row in body["results"]] == [rows["own"].pk]


def _report_api_create(w):
    rows, before = _reports(w), _report_state()
    month = f"{rows['own'].month:%Y-%m}"
    for code in (OTHER_VILLAGE, TOWN, COUNTY):
        answer = w["client"].post(
            reverse("api:report-list"),
            {"area": code, "month": month},
            content_type="application/json",
        )
        assert answer.status_code == 404, (code, answer.status_code)
    assert _report_state() == before


def _report_api_detail(w):
    rows = _reports(w)
    for side in ("foreign", "county"):
        url = reverse("api:report-detail", args=[rows[side].pk])
        assert w["client"].get(url).status_code == 404
    assert w["client"].get(reverse("api:report-detail", args=[rows["own"].pk])).status_code == 200


COCKPIT_CHECKS = {
    "cockpit:reports": _report_page,
    "cockpit:report-download": _report_download,
    "api:report-list GET": _report_api_list,
    "api:report-list POST": _report_api_create,
    "api:report-detail GET": _report_api_detail,
    "api:indicator-list GET": _list,
    "api:indicator-detail GET": _reading,
    "cockpit:cockpit": _page("cockpit:cockpit"),
    "cockpit:screen": _page("cockpit:screen"),
    "api:indicator-map GET": _map,
    "api:cockpit-cases GET": _case_points,
    "cockpit:map": _map_page,
    "cockpit:map-settings": _map_settings,
}
