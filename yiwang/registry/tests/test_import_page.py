"""Importing the ledger from the page: preview, confirm, the error file."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from conftest import UNIT, VILLAGE
from yiwang.core.models import ImportJob
from yiwang.registry.models import Household, Resident

from .conftest import make_id

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = "户编号,单元网格编码,姓名,公民身份号码,与户主关系,性别,出生日期,联系电话,现住址,人员标签,户类别\n"


def _file():
    good_head, good_child = make_id("19700101", "015"), make_id("20000202", "026")
    bad = make_id("19800303", "035")[:-1] + (
        "0" if not make_id("19800303", "035").endswith("0") else "1"
    )
    text = (
        HEADER
        + f"101,{UNIT},赵一,{good_head},户主,,,13805371234,南门街9号,低保,\n"
        + f"101,{UNIT},赵二,{good_child},子女,,,,,,\n"
        + f"102,{UNIT},钱三,{bad},户主,,,,,,\n"
    )
    return SimpleUploadedFile("ledger.csv", text.encode("utf-8"))


def test_it_previews_then_imports_on_confirmation_and_offers_the_rejected_rows(chief):
    client = Client()
    client.force_login(chief)

    response = client.post("/ledger/import/", {"area": VILLAGE, "file": _file()})

    preview = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{preview.pk}/"
    assert preview.dry_run and preview.status == "partial"
    assert not Household.objects.exists()  # a preview writes nothing
    page = client.get(f"/imports/{preview.pk}/").content.decode()
    assert 'id="import-commit"' in page and 'id="import-error-file"' in page

    errors = client.get(f"/imports/{preview.pk}/errors.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(errors.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][-2:] == ("行号", "错误原因") and rows[1][2] == "钱三" and rows[1][-2] in (4, "4")

    done = client.post(f"/imports/{preview.pk}/commit/")
    job = ImportJob.objects.exclude(pk=preview.pk).get()
    assert done["Location"] == f"/imports/{job.pk}/"
    assert job.status == "partial" and not job.dry_run
    assert set(Resident.objects.values_list("name", flat=True)) == {"赵一", "赵二"}
    assert Household.objects.get().category == "key"


def test_only_a_finished_preview_can_be_confirmed(chief):
    client = Client()
    client.force_login(chief)
    client.post("/ledger/import/", {"area": VILLAGE, "file": _file()})
    preview = ImportJob.objects.get()
    client.post(f"/imports/{preview.pk}/commit/")
    real = ImportJob.objects.exclude(pk=preview.pk).get()

    client.post(f"/imports/{real.pk}/commit/")  # a real import is no preview

    assert ImportJob.objects.count() == 2


def test_a_file_that_is_not_a_table_is_refused_on_the_form(chief):
    client = Client()
    client.force_login(chief)

    response = client.post(
        "/ledger/import/", {"area": VILLAGE, "file": SimpleUploadedFile("x.pdf", b"%PDF-1.4")}
    )

    assert response.status_code == 200 and "CSV" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_an_area_outside_the_scope_cannot_be_chosen(chief):
    client = Client()
    client.force_login(chief)

    response = client.post("/ledger/import/", {"area": "370830002", "file": _file()})

    assert response.status_code == 200 and not ImportJob.objects.exists()


def test_the_rejected_rows_are_for_the_uploader(chief, town_admin):
    client = Client()
    client.force_login(chief)
    client.post("/ledger/import/", {"area": VILLAGE, "file": _file()})
    preview = ImportJob.objects.get()

    other = Client()
    other.force_login(town_admin)  # sees the job, but did not upload the file

    assert other.get(f"/imports/{preview.pk}/errors.xlsx").status_code == 403
    assert client.get(f"/imports/{preview.pk}/errors.xlsx").status_code == 200
