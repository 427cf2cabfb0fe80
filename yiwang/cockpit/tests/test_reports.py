"""The monthly reports: a report made for the county and for a town, its PDF read back
with pdftotext (poppler-utils) and checked against `figures.cockpit` — the area, the
month, each figure's name and value, a late case's tracking code and area, the QR code's
link; the download scoped; the monthly task (snapshots, then the county's and each
town's report of the month just ended); a failure that leaves the others; the pages and
the API with their bad input. Dates are relative to today: the suite passes on any day."""

from __future__ import annotations

import datetime
import subprocess

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from conftest import COUNTY, OTHER_TOWN, OTHER_VILLAGE, TOWN, UNIT, VILLAGE
from yiwang.areas.models import Area
from yiwang.cases.models import Case
from yiwang.cockpit import figures, report_pdf, reports, snapshots, tasks
from yiwang.cockpit.models import Report, Snapshot
from yiwang.cockpit.tests.test_indicators import records  # noqa: F401  (the fixture)
from yiwang.core.models import AuditEntry
from yiwang.core.reporting import add_months

pytestmark = pytest.mark.django_db


def _pdf_text(report: Report, tmp_path, layout: bool = True) -> str:
    path = tmp_path / f"report-{report.pk}.pdf"
    with report.file.open("rb") as stored:
        path.write_bytes(stored.read())
    args = ["pdftotext", "-enc", "UTF-8", *(["-layout"] if layout else []), str(path), "-"]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def _compact(text: str) -> str:
    return "".join(text.split())


def _make(actor, code, month, capture) -> Report:
    with capture(execute=True):
        report = reports.request_report(actor, Area.objects.get(code=code), month)
    report.refresh_from_db()
    return report


def _check_figures(text: str, area: Area, month: datetime.date) -> None:
    """Each figure's line holds its name and its value as the cockpit gives it."""
    cockpit = figures.cockpit(None, area, month)
    lines = text.splitlines()
    with translation.override("zh-hans"):
        for figure in cockpit.figures:
            indicator = figure.indicator
            name = str(indicator.name)
            value = report_pdf.number(figure.value, indicator.kind)
            found = [line for line in lines if line.strip().startswith(name)]
            assert found, f"{name} is not in the report"
            assert any(value in line.split() for line in found), (name, value, found)


@pytest.mark.usefixtures("records")
def test_it_makes_the_countys_report_of_last_month(
    county_admin,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    month = reports.latest_month()
    county = Area.objects.get(code=COUNTY)
    snapshots.take(month, county)  # last month's states, as the monthly task takes them
    report = _make(county_admin, COUNTY, month, django_capture_on_commit_callbacks)

    assert report.status == "ready" and report.error == ""
    assert report.pages >= 1 and report.size > 1000 and report.generated_at is not None
    text = _pdf_text(report, tmp_path)
    compact = _compact(_pdf_text(report, tmp_path, layout=False))
    assert f"{county.name}网格化治理月报{month.year}年{month.month}月" in _compact(text)
    _check_figures(text, county, month)
    assert figures.cockpit(None, county, month).figure("registry.households").value == 7
    # The children's table names the towns.
    assert "中都街道" in text and "汶上街道" in text
    # The late case: its tracking code and its area by name.
    late = Case.objects.filter(due_at__lt=timezone.now(), status__in=["reported"]).get()
    assert late.number and late.number in compact
    assert "南门社区居民委员会" in compact and "第1单元" in compact
    # The QR code's link, printed under it.
    assert f"{settings.SITE_URL}/cockpit/?area={COUNTY}&month={month:%Y-%m}" in compact
    assert AuditEntry.objects.filter(action="report.generate", object_id=str(report.pk)).exists()


@pytest.mark.usefixtures("records")
def test_it_makes_a_towns_report_of_this_month(
    town_admin,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    month = timezone.localdate().replace(day=1)
    town = Area.objects.get(code=TOWN)
    report = _make(town_admin, TOWN, month, django_capture_on_commit_callbacks)

    assert report.status == "ready"
    text = _pdf_text(report, tmp_path)
    assert f"{town.name}网格化治理月报{month.year}年{month.month}月" in _compact(text)
    _check_figures(text, town, month)
    cockpit = figures.cockpit(None, town, month)
    assert cockpit.figure("registry.households").value == 4
    assert cockpit.figure("cases.overdue").value == 1
    assert "南门社区居民委员会" in text
    assert "汶上街道" not in text  # the other town is not this town's


def test_making_it_again_replaces_the_file(
    county_admin, tree, tmp_path, django_capture_on_commit_callbacks
):
    month = reports.latest_month()
    first = _make(county_admin, VILLAGE, month, django_capture_on_commit_callbacks)
    old = first.file.name
    again = _make(county_admin, VILLAGE, month, django_capture_on_commit_callbacks)
    assert again.pk == first.pk and again.file.name != old
    assert not again.file.storage.exists(old)
    assert Report.objects.filter(area_code=VILLAGE).count() == 1


def test_the_download_is_scope_checked(
    county_admin, town_admin, chief, tree, django_capture_on_commit_callbacks
):
    month = reports.latest_month()
    county = _make(county_admin, COUNTY, month, django_capture_on_commit_callbacks)
    village = _make(chief, VILLAGE, month, django_capture_on_commit_callbacks)

    def get(user, report):
        client = APIClient()
        client.force_login(user)
        return client.get(reverse("cockpit:report-download", args=[report.pk]))

    answer = get(county_admin, county)
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/pdf"
    assert b"".join(answer.streaming_content).startswith(b"%PDF")
    assert "attachment;" in answer["Content-Disposition"]
    assert "filename*=utf-8''" in answer["Content-Disposition"]  # RFC 5987: the Chinese name
    assert get(chief, county).status_code == 404
    assert get(town_admin, county).status_code == 404
    assert get(chief, village).status_code == 200
    assert get(town_admin, village).status_code == 200


def test_the_monthly_task_takes_the_snapshots_and_makes_the_reports(
    tree, django_capture_on_commit_callbacks
):
    month = reports.latest_month()
    with django_capture_on_commit_callbacks(execute=True):
        result = tasks.monthly_reports.call_local()

    assert Snapshot.objects.filter(area_code=COUNTY, month=month).exists()
    assert result["snapshots"][COUNTY] > 0
    wanted = {COUNTY} | set(
        Area.objects.filter(level="town", code__startswith=COUNTY).values_list("code", flat=True)
    )
    made = Report.objects.filter(month=month)
    assert set(made.values_list("area_code", flat=True)) == wanted
    assert set(made.values_list("status", flat=True)) == {"ready"}
    assert all(r.requested_by is None for r in made)


def test_a_failure_marks_its_report_failed_and_leaves_the_others(
    tree, monkeypatch, django_capture_on_commit_callbacks
):
    render = report_pdf.render

    def failing(area, month, now=None):
        if area.code == OTHER_TOWN:
            raise RuntimeError("pango is missing")
        return render(area, month, now)

    monkeypatch.setattr(report_pdf, "render", failing)
    with django_capture_on_commit_callbacks(execute=True):
        reports.monthly()
    failed = Report.objects.get(area_code=OTHER_TOWN)
    assert failed.status == "failed" and "月报" in failed.error and "pango" not in failed.error
    assert Report.objects.get(area_code=COUNTY).status == "ready"
    assert Report.objects.get(area_code=TOWN).status == "ready"


def test_the_task_runs_at_six_on_the_first_in_beijing():
    # 06:00 in Beijing on the 1st is 22:00 UTC on the last day of the month before.
    assert tasks.first_of_month_at_six(datetime.datetime(2026, 11, 30, 22, 0))
    assert not tasks.first_of_month_at_six(datetime.datetime(2026, 12, 1, 6, 0))
    assert not tasks.first_of_month_at_six(datetime.datetime(2026, 11, 30, 22, 1))


# --- the pages ---------------------------------------------------------------------------


def _client(user):
    client = APIClient()
    client.force_login(user)
    return client


def test_the_page_lists_the_reports_in_scope_and_asks_for_one(
    town_admin, tree, django_capture_on_commit_callbacks
):
    month = reports.latest_month()
    Report.objects.create(area_code=COUNTY, month=month)
    Report.objects.create(area_code=OTHER_VILLAGE, month=month)
    client = _client(town_admin)
    url = reverse("cockpit:reports")
    with translation.override("zh-hans"):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    assert list(page.context["page_obj"]) == []  # the county's and the other town's: not here

    data = {"area": VILLAGE, "month": f"{month:%Y-%m}"}
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post(url, data)
    assert asked.status_code == 302
    report = Report.objects.get(area_code=VILLAGE, month=month)
    assert report.status == "ready" and report.requested_by == town_admin
    listed = client.get(url, {"area": TOWN, "month": f"{month:%Y-%m}"})
    assert [r.pk for r in listed.context["page_obj"]] == [report.pk]
    assert reverse("cockpit:report-download", args=[report.pk]) in listed.content.decode()
    # The one who asked finds it in their inbox, named and linked to the download.
    inbox = client.get(reverse("notices:inbox")).content.decode()
    assert reverse("cockpit:report-download", args=[report.pk]) in inbox
    assert "月报" in inbox

    # Asked again: the page asks to confirm, and nothing is queued until it is.
    again = client.post(url, data)
    assert again.status_code == 200 and again.context["replacing"] == report
    assert AuditEntry.objects.filter(action="report.request").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(url, {**data, "confirm": "on"})
    assert confirmed.status_code == 302
    assert AuditEntry.objects.filter(action="report.request").count() == 2


def test_the_page_refuses_bad_input(town_admin, worker, tree):
    client = _client(town_admin)
    url = reverse("cockpit:reports")
    assert client.post(url, {"area": OTHER_VILLAGE, "month": "2026-01"}).status_code == 404
    future = add_months(timezone.localdate().replace(day=1), 1)
    answer = client.post(url, {"area": TOWN, "month": f"{future:%Y-%m}"})
    assert answer.status_code == 200 and "month" in answer.context["form"].errors
    answer = client.post(url, {"area": TOWN, "month": "2026-13"})
    assert "month" in answer.context["form"].errors
    answer = client.post(url, {"area": f"{VILLAGE}001", "month": "2026-01"})
    assert "area" in answer.context["form"].errors  # a grid: reports are made above it
    assert not Report.objects.exists()
    assert _client(worker).get(url).status_code == 403


# --- the API -----------------------------------------------------------------------------


def test_the_api_asks_for_lists_and_shows_reports(
    town_admin, chief, tree, django_capture_on_commit_callbacks
):
    month = reports.latest_month()
    Report.objects.create(area_code=COUNTY, month=month)
    client = _client(town_admin)
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post(
            "/api/v1/reports/", {"area": TOWN, "month": f"{month:%Y-%m}"}, format="json"
        )
    assert asked.status_code == 202, asked.content
    body = asked.json()
    assert body["area"] == TOWN and body["area_name"] == "中都街道"
    assert body["month"] == f"{month:%Y-%m}" and body["status"] == "queued"

    listed = client.get("/api/v1/reports/").json()["results"]
    assert [row["id"] for row in listed] == [body["id"]]
    assert listed[0]["status"] == "ready"
    assert listed[0]["download_url"] == reverse("cockpit:report-download", args=[body["id"]])
    assert client.get(f"/api/v1/reports/{body['id']}/").json()["status"] == "ready"
    # The chief of a village sees neither the town's nor the county's.
    assert _client(chief).get("/api/v1/reports/").json()["results"] == []
    assert _client(chief).get(f"/api/v1/reports/{body['id']}/").status_code == 404


def test_the_api_refuses_bad_input(town_admin, worker, tree):
    client = _client(town_admin)

    def post(area, month, who=client):
        return who.post("/api/v1/reports/", {"area": area, "month": month}, format="json")

    assert post(OTHER_TOWN, "2026-01").status_code == 404
    assert post("999999", "2026-01").status_code == 404
    bad = post(TOWN, "2026-13")
    assert bad.status_code == 400 and "YYYY-MM" in bad.json()["month"][0]
    future = add_months(timezone.localdate().replace(day=1), 1)
    with translation.override("zh-hans"):
        late = post(TOWN, f"{future:%Y-%m}")
    assert late.status_code == 400 and "month" in late.json()
    assert post("abc", "2026-01").status_code == 400
    assert post(UNIT, "2026-01", _client(worker)).status_code == 400  # a unit makes none
    assert post(VILLAGE, "2026-01", _client(worker)).status_code == 404
    assert not Report.objects.exists()
