"""The ledger exported in the background: the job runs once, writes the rows the requester
sees (masked, ID numbers as text, formulas escaped), reports progress, keeps its file a
week for its requester alone, and refuses an area outside the requester's posts."""

import csv
import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from conftest import OTHER_UNIT, UNIT, VILLAGE
from yiwang.core import export_services, exports
from yiwang.core.models import AuditEntry, ExportJob
from yiwang.registry.services import add_resident, create_household
from yiwang.registry.tests.conftest import make_id

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ledger(worker, household, other_household):
    odd = create_household(
        actor=worker, unit_code=UNIT, number="002", address='=HYPERLINK("http://x","点")'
    )
    add_resident(
        actor=worker,
        household_id=odd.pk,
        name="+SUM(A1:A9)",
        relation="head",
        id_number=make_id("19700707", "081"),
    )


def login(client, user):
    client.force_login(user)
    return client


def sheet_rows(job):
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.error
    with exports.default_storage.open(job.file_name, "rb") as handle:
        book = load_workbook(io.BytesIO(handle.read()))
    sheet = book.worksheets[0]
    return sheet, [[c.value for c in row] for row in sheet.iter_rows()]


def test_the_ledger_export_runs_as_a_job_and_writes_the_visible_rows_masked(chief, ledger):
    job = export_services.start_export(actor=chief, kind="registry.residents", params={})

    sheet, rows = sheet_rows(job)
    assert rows[0][:4] == ["户编号", "单元网格编码", "姓名", "公民身份号码"]
    names = [row[2] for row in rows[1:]]
    assert sorted(names) == sorted(["张三", "李四", "'+SUM(A1:A9)"])
    assert "王五" not in names  # the other town's household is not the chief's
    odd = next(row for row in rows[1:] if row[2] == "'+SUM(A1:A9)")
    assert odd[3] == "3708**********0813"  # masked
    address = next(row[8] for row in rows[1:] if row[0] == "002")
    assert address.startswith("'=HYPERLINK")
    unit_cell = sheet.cell(row=2, column=2)
    assert unit_cell.value == UNIT and unit_cell.data_type == "s"
    assert unit_cell.number_format == "@"  # stays text when edited
    assert job.rows == 3 and job.size > 0
    assert job.expires_at - job.finished_at == datetime.timedelta(days=7)


def test_the_ledger_page_exports_csv_in_the_background_too(chief, ledger, client):
    page = login(client, chief).get("/ledger/").content.decode()
    assert 'name="format" value="csv"' in page and "/ledger/export/" not in page

    response = client.post(
        reverse("core:export-start", args=["registry.residents"]) + "?under=" + UNIT,
        {"format": "csv"},
    )
    job = ExportJob.objects.get()
    assert response.status_code == 302 and job.params["_format"] == "csv"
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.error
    download = client.get(reverse("core:export-download", args=[job.pk]))
    assert download["Content-Type"].startswith("text/csv")
    assert download["Content-Disposition"].endswith('.csv"')
    body = b"".join(download.streaming_content)
    assert body.startswith("\ufeff户编号,".encode())  # Excel reads the Chinese right
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    odd = next(row for row in rows if row[2] == "'+SUM(A1:A9)")  # escaped
    assert odd[3] == "3708**********0813"  # masked
    assert {row[0] for row in rows[1:]} == {'="001"', '="002"'}  # leading zeros kept
    assert job.rows == len(rows) - 1 == 3

    with pytest.raises(ValidationError):
        export_services.start_export(actor=chief, kind="registry.residents", params={}, fmt="pdf")


def test_id_numbers_stay_text_with_full_digits(county_admin, ledger):
    job = export_services.start_export(actor=county_admin, kind="registry.households", params={})
    _sheet, rows = sheet_rows(job)
    assert rows[0][0] == "户编号"
    assert {row[0] for row in rows[1:]} == {"001", "002", "101"}  # leading zeros kept
    counts = {row[0]: row[6] for row in rows[1:]}
    assert counts["002"] == "1"


def test_the_export_takes_the_list_filters(chief, ledger):
    job = export_services.start_export(
        actor=chief, kind="registry.residents", params={"search": "张", "page": "3"}
    )
    _sheet, rows = sheet_rows(job)
    assert [row[2] for row in rows[1:]] == ["张三"]
    assert "page" not in job.params


def test_an_area_outside_the_posts_is_refused_with_a_reason(client, chief, ledger):
    with pytest.raises(ValidationError) as refused:
        export_services.start_export(
            actor=chief, kind="registry.residents", params={"under": OTHER_UNIT}
        )
    assert OTHER_UNIT in str(refused.value)
    login(client, chief)
    response = client.post(
        reverse("core:export-start", args=["registry.residents"]) + f"?under={OTHER_UNIT}"
    )
    assert response.status_code == 400
    assert f"区域 {OTHER_UNIT} 不在您的岗位范围内" in response.content.decode()
    assert not ExportJob.objects.exists()


def test_the_page_polls_progress_then_links_the_download(client, chief, ledger):
    login(client, chief)
    response = client.post(
        reverse("core:export-start", args=["registry.residents"]) + f"?under={VILLAGE}"
    )
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("core:export-detail", args=[job.pk])
    assert job.area_code == VILLAGE
    page = client.get(response["Location"]).content.decode()
    assert reverse("core:export-download", args=[job.pk]) in page
    download = client.get(reverse("core:export-download", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert book.worksheets[0].max_row == 4
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"export.start", "export.download"} <= actions
    mine = client.get(reverse("core:exports")).content.decode()
    assert reverse("core:export-download", args=[job.pk]) in mine


def test_progress_is_published_while_the_rows_are_written(chief, monkeypatch):
    seen = []
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 2)

    def rows():
        for i in range(5):
            yield [str(i)]

    table = exports.Table(title="t", headers=["n"], rows=rows(), total=5)
    written = exports.write_rows(io.BytesIO(), table, lambda d, t: seen.append((d, t)))
    assert written == 5
    assert seen == [(2, 5), (4, 5)]


def test_a_queued_job_shows_its_progress_bar(client, chief):
    job = ExportJob.objects.create(
        kind="registry.residents", params={"_scope": [VILLAGE]}, created_by=chief
    )
    exports.set_progress(job.pk, 300, 1200)
    login(client, chief)
    page = client.get(reverse("core:export-detail", args=[job.pk]), HTTP_HX_REQUEST="true")
    body = page.content.decode()
    assert 'value="300" max="1200"' in body and "hx-trigger" in body
    exports._clear_progress(job.pk)


def test_someone_else_may_not_download(client, chief, town_admin, ledger):
    job = export_services.start_export(actor=chief, kind="registry.residents", params={})
    login(client, town_admin)  # sees the chief's village, but the file is the chief's
    assert client.get(reverse("core:export-download", args=[job.pk])).status_code == 404
    assert client.get(reverse("core:export-detail", args=[job.pk])).status_code == 404


def test_a_requester_who_left_the_area_may_not_download(client, chief, ledger):
    from yiwang.accounts.models import Post

    job = export_services.start_export(actor=chief, kind="registry.residents", params={})
    Post.objects.filter(user=chief).update(ends_on=timezone.localdate())
    login(client, chief)
    assert client.get(reverse("core:export-download", args=[job.pk])).status_code == 403


def test_after_a_week_the_file_is_removed_and_the_link_says_so(client, chief, ledger):
    job = export_services.start_export(actor=chief, kind="registry.residents", params={})
    job.refresh_from_db()
    name = job.file_name
    assert exports.purge_expired(now=timezone.now() + datetime.timedelta(days=6)) == 0
    assert exports.purge_expired(now=timezone.now() + datetime.timedelta(days=7, minutes=1)) == 1
    job.refresh_from_db()
    assert job.status == ExportJob.Status.EXPIRED
    assert not exports.default_storage.exists(name)
    login(client, chief)
    response = client.get(reverse("core:export-download", args=[job.pk]))
    assert response.status_code == 410
    assert "一周" in response.content.decode()


def test_full_numbers_only_with_the_permission_and_recorded(client, chief, ledger):
    from django.contrib.auth.models import Permission
    from django.core.exceptions import PermissionDenied

    from yiwang.registry.models import Resident

    with pytest.raises(PermissionDenied):
        export_services.start_export(actor=chief, kind="registry.residents_full", params={})
    login(client, chief)
    url = reverse("core:export-start", args=["registry.residents_full"])
    assert client.post(url).status_code == 403
    assert not ExportJob.objects.exists()

    chief.user_permissions.add(Permission.objects.get(codename="export_personal_data"))
    chief = type(chief).objects.get(pk=chief.pk)  # the permission cache read again
    job = export_services.start_export(actor=chief, kind="registry.residents_full", params={})
    sheet, rows = sheet_rows(job)
    zhang = Resident.objects.get(name="张三")
    row = next(row for row in rows[1:] if row[2] == "张三")
    assert row[3] == zhang.id_number  # 18 digits, kept as text
    cell = sheet.cell(row=rows.index(row) + 1, column=4)
    assert cell.data_type == "s" and cell.number_format == "@"
    entry = AuditEntry.objects.filter(action="resident.export").latest("at")
    assert entry.after["full"] is True and entry.after["count"] == 3
