"""Background imports through the API: upload (a preview), status, commit, error file."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from conftest import UNIT, VILLAGE
from yiwang.core.models import ImportJob
from yiwang.registry.models import Resident
from yiwang.registry.tests.conftest import make_id

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = "户编号,单元网格编码,姓名,公民身份号码,与户主关系\n"


def _upload(api, text, area=VILLAGE, **extra):
    return api.post(
        "/api/v1/imports/",
        {
            "kind": "ledger",
            "area_code": area,
            "file": SimpleUploadedFile("l.csv", text.encode()),
            **extra,
        },
        format="multipart",
    )


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_it_previews_then_commits_and_serves_the_rejected_rows(chief):
    api = _api(chief)
    valid = make_id("19700101", "015")
    bad = valid[:-1] + ("1" if valid.endswith("0") else "0")
    text = HEADER + f"101,{UNIT},赵一,{valid},户主\n102,{UNIT},钱三,{bad},户主\n"

    preview = _upload(api, text)

    assert preview.status_code == 201, preview.content
    job = preview.json()
    assert job["dry_run"] and job["status"] == "partial" and job["has_error_file"]
    assert job["result"]["households"]["new"] == 1 and not Resident.objects.exists()
    errors = api.get(f"/api/v1/imports/{job['id']}/error-file/")
    rows = list(
        openpyxl.load_workbook(io.BytesIO(errors.content)).active.iter_rows(values_only=True)
    )
    assert rows[1][2] == "钱三"

    done = api.post(f"/api/v1/imports/{job['id']}/commit/")
    assert done.status_code == 201 and done.json()["dry_run"] is False
    assert list(Resident.objects.values_list("name", flat=True)) == ["赵一"]
    assert api.get(f"/api/v1/imports/{done.json()['id']}/").json()["status"] == "partial"


def test_an_import_into_another_town_is_not_found(chief):
    response = _upload(_api(chief), HEADER, area="370830002")

    assert response.status_code == 404 and not ImportJob.objects.exists()


def test_another_villages_jobs_are_not_found(chief, outsider):
    _upload(_api(chief), HEADER + f"101,{UNIT},赵一,{make_id('19700101', '015')},户主\n")
    job = ImportJob.objects.get()
    api = _api(outsider)

    assert api.get(f"/api/v1/imports/{job.pk}/").status_code == 404
    assert api.post(f"/api/v1/imports/{job.pk}/commit/").status_code == 404
    assert api.get("/api/v1/imports/").json()["count"] == 0
    assert ImportJob.objects.count() == 1


def test_a_bad_file_gets_a_clear_reason(chief):
    response = _api(chief).post(
        "/api/v1/imports/",
        {"kind": "ledger", "area_code": VILLAGE, "file": SimpleUploadedFile("x.pdf", b"%PDF")},
        format="multipart",
    )

    assert response.status_code == 400 and "file" in response.json()
