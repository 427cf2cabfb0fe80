"""The case lists exported in the background, and the printable case sheet."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from conftest import OTHER_UNIT, OTHER_VILLAGE, UNIT, VILLAGE
from yiwang.cases.tests.conftest import new_case
from yiwang.core import export_services, exports
from yiwang.core.models import ExportJob

pytestmark = pytest.mark.django_db(transaction=True)


def rows_of(job):
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.error
    with exports.default_storage.open(job.file_name, "rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read())).worksheets[0]
    return [[c.value for c in row] for row in sheet.iter_rows()]


def test_the_case_list_exports_with_its_filters_within_the_scope(tree, chief):
    mine = new_case(UNIT)
    new_case(UNIT, stage="accepted")
    new_case(OTHER_UNIT)
    job = export_services.start_export(
        actor=chief, kind="cases.cases", params={"status": "reported"}
    )
    rows = rows_of(job)
    assert rows[0][:4] == ["编号", "标题", "类别", "状态"]
    assert [row[0] for row in rows[1:]] == [mine.number]  # not the other town's, nor accepted
    assert rows[1][12] == "138****5678"  # the reporter's phone masked


def test_a_case_export_of_another_village_is_refused(client, tree, chief):
    client.force_login(chief)
    response = client.post(
        reverse("core:export-start", args=["cases.cases"]) + f"?under={OTHER_VILLAGE}"
    )
    assert response.status_code == 400
    assert f"区域 {OTHER_VILLAGE} 不在您的岗位范围内" in response.content.decode()
    response = client.post(reverse("core:export-start", args=["cases.rates"]) + "?area=370830002")
    assert response.status_code == 400
    assert not ExportJob.objects.exists()


def test_the_rates_export_has_a_row_a_child_area_and_the_total(tree, town_admin):
    new_case(UNIT, stage="accepted")
    job = export_services.start_export(actor=town_admin, kind="cases.rates", params={})
    rows = rows_of(job)
    assert rows[0][:2] == ["分组", "事件数"]
    assert rows[-1][0].startswith("合计")
    assert rows[-1][1] == "1"


def test_the_overdue_export_runs_for_the_chief(tree, chief):
    job = export_services.start_export(actor=chief, kind="cases.overdue", params={"area": VILLAGE})
    assert rows_of(job)[0][0] == "编号"


def test_the_case_page_links_a_printable_sheet_with_the_timeline(client, tree, chief):
    case = new_case(UNIT, stage="accepted")
    client.force_login(chief)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    sheet_url = reverse("cases:sheet", args=[case.pk])
    assert sheet_url in page
    response = client.get(sheet_url)
    body = response.content.decode()
    assert response.status_code == 200
    assert "cases/print.css" in body and 'id="sheet-timeline"' in body
    assert body.count("<tr>") >= 3  # the header and at least the report and acceptance
    assert "13812345678" not in body and "138****5678" in body


def test_a_case_sheet_outside_the_scope_is_not_found(client, tree, outsider):
    case = new_case(UNIT)
    client.force_login(outsider)
    assert client.get(reverse("cases:sheet", args=[case.pk])).status_code == 404
