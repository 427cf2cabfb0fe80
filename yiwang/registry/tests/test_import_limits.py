"""Imports that cannot exhaust a worker: a job stops after a number of errors, the lists
leave the errors out, and a file's rows are limited by the uploader's role."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from conftest import COUNTY, UNIT, VILLAGE
from yiwang.core.models import ImportJob
from yiwang.core.services import start_import
from yiwang.registry.models import Resident
from yiwang.registry.tests.conftest import make_id

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = "户编号,单元网格编码,姓名,公民身份号码,与户主关系\n"


def _noise(rows: int) -> bytes:
    """A file of rows that are all wrong, each a household of its own."""
    return (HEADER + "".join(f"{n},{UNIT},某{n},12345,户主\n" for n in range(rows))).encode()


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def _upload(api, data: bytes, name="l.csv", area=VILLAGE):
    return api.post(
        "/api/v1/imports/",
        {"kind": "ledger", "area_code": area, "file": SimpleUploadedFile(name, data)},
        format="multipart",
    )


def _workbook(rows: int) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    for n in range(rows):
        sheet.append([str(n), UNIT, f"某{n}", "12345", "户主"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# Stopping after a number of errors


def test_a_job_stops_failed_after_the_configured_number_of_errors_keeping_the_first(
    county_admin, settings
):
    settings.IMPORT_MAX_ERRORS = 20

    job = start_import(
        actor=county_admin, kind="ledger", filename="noise.csv", data=_noise(3000),
        area_code=COUNTY, dry_run=True,
    )  # fmt: skip

    job.refresh_from_db()
    assert job.status == "failed"
    assert job.errors[0] == "错误超过 20 行，已停止；请修正后重新上传"
    assert len(job.errors) == 21
    assert [e.split(" ")[1] for e in job.errors[1:]] == [str(n) for n in range(2, 22)]
    # It stopped there: the rows below were never decided.
    assert job.result["stopped_after_errors"] == 20
    assert sum(job.result["residents"].values()) < 3000
    # The error file holds the rows kept, no more.
    rows = list(openpyxl.load_workbook(io.BytesIO(job.error_file)).active.iter_rows())
    assert len(rows) == 1 + 20


def test_a_real_import_stopped_for_errors_keeps_the_households_written_before(
    county_admin, settings
):
    settings.IMPORT_MAX_ERRORS = 5
    good = "".join(
        f"{n},{UNIT},好{n},{make_id('19700101', f'{n:03d}')},户主\n" for n in range(1, 4)
    )
    data = (HEADER + good).encode() + _noise(50)[len(HEADER.encode()) :]

    job = start_import(
        actor=county_admin, kind="ledger", filename="l.csv", data=data, area_code=COUNTY
    )

    job.refresh_from_db()
    assert job.status == "failed" and job.errors[0].startswith("错误超过 5 行")
    assert len(job.errors) == 6
    # Stopped while the good households waited in the open batch: none was half-written.
    assert Resident.objects.count() in {0, 3}


def test_an_importer_that_returns_too_many_errors_is_cut_to_the_limit(county_admin, settings):
    settings.IMPORT_MAX_ERRORS = 3
    data = "code,name\n" + "".join(f"99999999{n},无效\n" for n in range(10))

    job = start_import(
        actor=county_admin, kind="areas", filename="a.csv", data=data.encode(), area_code=COUNTY
    )

    job.refresh_from_db()
    assert job.status == "failed"
    assert job.errors[0] == "错误超过 3 行，已停止；请修正后重新上传" and len(job.errors) == 4


# Errors out of the lists


def _job_with_errors(user, count: int) -> ImportJob:
    return ImportJob.objects.create(
        kind="ledger",
        filename="old.csv",
        data=b"x",
        created_by=user,
        area_code=VILLAGE,
        status=ImportJob.Status.REJECTED,
        errors=[f"第 {n} 行：身份证号码有误。" for n in range(2, count + 2)],
    )


def test_the_imports_list_gives_the_count_of_errors_never_the_errors(chief):
    job = _job_with_errors(chief, 5000)

    response = _api(chief).get("/api/v1/imports/")

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["id"] == job.pk and row["error_count"] == 5000 and "errors" not in row
    assert len(response.content) < 2000
    detail = _api(chief).get(f"/api/v1/imports/{job.pk}/").json()
    assert detail["error_count"] == 5000 and "errors" not in detail


def test_a_jobs_errors_are_read_a_page_at_a_time(chief, outsider):
    job = _job_with_errors(chief, 120)

    page = _api(chief).get(f"/api/v1/imports/{job.pk}/errors/?limit=50&offset=100").json()

    assert page["count"] == 120 and len(page["results"]) == 20
    assert page["results"][0] == "第 102 行：身份证号码有误。" and page["next"] is None
    assert _api(outsider).get(f"/api/v1/imports/{job.pk}/errors/").status_code == 404


def test_the_jobs_page_shows_its_errors_a_page_at_a_time(client, chief):
    job = _job_with_errors(chief, 250)
    client.force_login(chief)

    first = client.get(reverse("core:import-detail", args=[job.pk]))
    third = client.get(reverse("core:import-detail", args=[job.pk]), {"page": 3})

    assert first.status_code == 200
    body = first.content.decode()
    assert "第 2 行" in body and "第 101 行" in body and "第 102 行" not in body
    assert "共 250 条" in body
    assert "第 202 行" in third.content.decode() and "第 201 行" not in third.content.decode()


# Rows of a web upload, by role


def test_a_grid_workers_upload_past_the_rows_of_the_role_is_refused_before_any_job(
    worker, settings
):
    settings.IMPORT_MAX_ROWS = {**settings.IMPORT_MAX_ROWS, "grid_worker": 30}

    refused = _upload(_api(worker), _noise(31), area=UNIT)
    accepted = _upload(_api(worker), _noise(30), area=UNIT)

    assert refused.status_code == 400
    assert refused.json()["file"] == [
        "文件超过 30 行，超出了您的岗位一次可导入的行数：请把文件拆成几个分别上传，"
        "或请上级管理员导入。"
    ]
    assert accepted.status_code == 201
    assert ImportJob.objects.count() == 1


def test_the_row_limit_follows_the_largest_role_over_the_area(worker, chief, settings):
    settings.IMPORT_MAX_ROWS = {**settings.IMPORT_MAX_ROWS, "grid_worker": 30, "grid_chief": 100}

    assert _upload(_api(worker), _noise(60), area=UNIT).status_code == 400
    assert _upload(_api(chief), _noise(60), area=UNIT).status_code == 201


def test_a_workbook_past_the_rows_of_the_role_is_refused_from_the_upload_page(
    client, worker, settings
):
    settings.IMPORT_MAX_ROWS = {**settings.IMPORT_MAX_ROWS, "grid_worker": 30}
    client.force_login(worker)

    response = client.post(
        reverse("registry:import"),
        {"area": UNIT, "file": SimpleUploadedFile("l.xlsx", _workbook(40))},
    )

    assert response.status_code == 200
    assert "文件超过 30 行" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_blank_lines_and_empty_rows_do_not_count(worker, settings):
    settings.IMPORT_MAX_ROWS = {**settings.IMPORT_MAX_ROWS, "grid_worker": 30}
    blank = _noise(30) + b",,,,\n" * 100 + b"\n" * 100

    assert _upload(_api(worker), blank, area=UNIT).status_code == 201


# A large workbook is streamed


def test_a_workbook_too_large_for_memory_is_imported_streamed(county_admin, monkeypatch):
    from yiwang.core import tables

    monkeypatch.setattr(tables, "IN_MEMORY_SHEET_ROWS", 0)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["嘉祥县某村台账"])  # a title above the header
    sheet.append(HEADER.strip().split(","))
    for n in range(1, 4):
        sheet.append([str(n), UNIT, f"好{n}", make_id("19700101", f"{n:03d}"), "户主"])
    sheet.append([])
    sheet.append(["9", UNIT, "坏", "12345", "户主"])
    out = io.BytesIO()
    book.save(out)

    job = start_import(
        actor=county_admin, kind="ledger", filename="l.xlsx", data=out.getvalue(),
        area_code=COUNTY,
    )  # fmt: skip

    job.refresh_from_db()
    assert job.status == "partial" and job.result["residents"]["new"] == 3
    assert [e.split(" ")[1] for e in job.errors] == ["7"]  # the row numbers of the sheet
    assert sorted(Resident.objects.values_list("name", flat=True)) == ["好1", "好2", "好3"]


def test_the_imports_page_lists_the_scopes_jobs_with_their_error_counts(client, chief, outsider):
    job = _job_with_errors(chief, 5000)
    client.force_login(chief)

    response = client.get(reverse("core:imports"))

    body = response.content.decode()
    assert response.status_code == 200
    assert job.filename in body and '<td class="import-error-count">5000</td>' in body
    assert "身份证号码有误" not in body
    client.force_login(outsider)
    assert job.filename not in client.get(reverse("core:imports")).content.decode()
