"""Background imports from the pages: upload, the job, its progress and its outcome."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from conftest import COUNTY, DATA, OTHER_VILLAGE, TOWN, VILLAGE
from yiwang.areas.models import Area
from yiwang.core.imports import get_progress, run_job, set_progress
from yiwang.core.models import AuditEntry, ImportJob
from yiwang.core.services import start_import

# Jobs are queued when their transaction commits, so these tests commit for real (and Huey
# runs the queued task at once, as it does in tests).
pytestmark = pytest.mark.django_db(transaction=True)


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _upload(client, code, text, name="areas.csv"):
    return client.post(
        f"/areas/{code}/import/", {"file": SimpleUploadedFile(name, text.encode("utf-8"))}
    )


def test_a_county_admin_imports_the_official_file_from_the_page(county_admin):
    client = _client(county_admin)
    data = (DATA / "divisions-370830.csv").read_bytes()

    response = client.post(
        f"/areas/{COUNTY}/import/", {"file": SimpleUploadedFile("divisions.csv", data)}
    )

    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}/"
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert job.status == "done" and job.result == {"created": 0, "renamed": 0, "unchanged": 388}
    assert "0 个新建、0 个改名、388 个未变" in page
    assert 'hx-trigger="every 1s"' not in page  # finished: no more polling


def test_new_grids_from_a_file_are_audited_as_an_import_by_the_uploader(chief):
    _upload(_client(chief), VILLAGE, f"code,name\n{VILLAGE}009,第九网格\n{VILLAGE}009001,第1单元\n")

    assert Area.objects.get(code=VILLAGE + "009001").parent.code == VILLAGE + "009"
    entries = AuditEntry.objects.filter(action="area.create", area_code__startswith=VILLAGE + "009")
    assert {(e.source, e.actor_id) for e in entries} == {("import", chief.pk)}


def test_a_file_with_bad_rows_is_rejected_row_by_row_and_changes_nothing(chief):
    count = Area.objects.count()

    _upload(_client(chief), VILLAGE, f"code,name\n{VILLAGE}009,\n{OTHER_VILLAGE}009,外村网格\n")

    job = ImportJob.objects.get()
    assert job.status == "rejected"
    assert job.errors[0].startswith("第 2 行") and "名称为空" in job.errors[0]
    assert job.errors[1].startswith("第 3 行") and VILLAGE in job.errors[1]
    assert Area.objects.count() == count
    page = _client(chief).get(f"/imports/{job.pk}/").content.decode()
    assert "未作任何更改" in page and "第 3 行" in page


def test_a_file_that_is_not_a_table_is_refused_on_the_form(chief):
    response = _upload(_client(chief), VILLAGE, "x", name="photo.jpg")

    assert response.status_code == 200
    assert "请上传 CSV 或 Excel（.xlsx）文件" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_an_unreadable_workbook_is_rejected_not_crashed(chief):
    _upload(_client(chief), VILLAGE, "not really a workbook", name="areas.xlsx")

    job = ImportJob.objects.get()
    assert job.status == "rejected" and job.errors


def test_a_grid_worker_cannot_import(worker):
    response = _upload(_client(worker), "370830001001001001", "code,name\n")

    assert response.status_code == 403
    assert not ImportJob.objects.exists()


def test_the_status_block_shows_progress_while_the_job_runs(town_admin):
    job = ImportJob.objects.create(
        kind="areas",
        filename="big.csv",
        data=b"",
        created_by=town_admin,
        area_code=TOWN,
        status="running",
    )
    set_progress(job.pk, 400, 1000)

    response = _client(town_admin).get(f"/imports/{job.pk}/", HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert '<progress class="w-100" id="import-progress" value="400" max="1000">' in body
    assert 'hx-trigger="every 1s"' in body and "<html" not in body
    assert get_progress(job.pk) == (400, 1000)


def test_a_job_runs_once_however_often_it_is_delivered(county_admin):
    job = start_import(
        actor=county_admin,
        kind="areas",
        filename="g.csv",
        data=f"code,name\n{VILLAGE}009,第九网格\n".encode(),
        area_code=COUNTY,
    )
    run_job(job.pk)  # immediate mode ran it at commit; this second delivery does nothing

    assert ImportJob.objects.get(pk=job.pk).result["created"] == 1
    assert AuditEntry.objects.filter(action="area.create", area_code=VILLAGE + "009").count() == 1


def test_an_importer_that_crashes_marks_the_job_failed(county_admin, monkeypatch):
    from yiwang.core import imports

    def broken(job, progress):
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(imports._IMPORTERS, "areas", broken)
    job = start_import(
        actor=county_admin, kind="areas", filename="a.csv", data=b"x", area_code=COUNTY
    )

    job.refresh_from_db()
    assert job.status == "failed" and "重新上传同一文件" in job.errors[0]


@pytest.mark.parametrize("user_fixture", ["outsider", "worker"])
def test_someone_elses_import_is_not_found(request, town_admin, user_fixture):
    job = ImportJob.objects.create(
        kind="areas", filename="a.csv", data=b"", created_by=town_admin, area_code=TOWN
    )
    other = request.getfixturevalue(user_fixture)

    assert _client(other).get(f"/imports/{job.pk}/").status_code == 404
