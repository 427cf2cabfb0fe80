"""Everything a grid worker can read about a resident, put together, does not give their
full ID number or phone: the ledger's API and pages, the audit log (API and pages, the
import's entries that list a household's members), the exports (the page's, the API's, the
background job's files) and the import's job and error file.

An attacker's recipe: the masked ID number shows its first and last four characters; the
county's code (on every page) gives the next two, a birth date shown in full the next
eight, and the check digit (python-stdnum) confirms the guess. A phone's tail is shown:
its first seven digits anywhere else complete it."""

import csv
import datetime
import io
import json
import re

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from rest_framework.test import APIClient
from stdnum.cn import ric

from conftest import COUNTY, UNIT
from yiwang.core import export_services, exports
from yiwang.core.models import AuditEntry, ExportJob, ImportJob
from yiwang.core.services import start_import
from yiwang.registry.models import Resident
from yiwang.registry.services import add_resident, create_household, update_resident
from yiwang.registry.tests.conftest import make_id

pytestmark = pytest.mark.django_db(transaction=True)

# Two residents of the worker's unit: one the worker entered, one a chief's import brought.
ENTERED = {"name": "孙七", "id": make_id("19560604", "777", COUNTY), "phone": "13912345678"}
IMPORTED = {"name": "周八", "id": make_id("19811123", "456", COUNTY), "phone": "13687654321"}
# A newborn entered with their ID number: the "born" event's date is their birth date.
NEWBORN = {"name": "孙小九", "id": make_id("20240815", "318", COUNTY), "phone": "13711112222"}

HEADER = "户编号,单元网格编码,姓名,公民身份号码,与户主关系,性别,出生日期,联系电话\n"


def _ledger(chief, worker):
    home = create_household(actor=worker, unit_code=UNIT, number="001", address="南门街 1 号")
    entered = add_resident(
        actor=worker,
        household_id=home.pk,
        name=ENTERED["name"],
        relation="head",
        id_number=ENTERED["id"],
        phone="13900000000",
    )
    # A correction by someone else: the entry holds the number before and after.
    update_resident(actor=chief, resident_id=entered.pk, phone=ENTERED["phone"])
    add_resident(
        actor=worker,
        household_id=home.pk,
        name=NEWBORN["name"],
        relation="grandchild",
        id_number=NEWBORN["id"],
        phone=NEWBORN["phone"],
        birth_date=datetime.date(2024, 8, 15),
        event="birth",
        on=datetime.date(2024, 8, 15),
    )
    # The chief's import into the worker's unit: one new household, and a row rejected
    # (a relation the ledger does not know, a birth date that is not the ID's) that names
    # the entered resident again.
    text = (
        HEADER
        + f"201,{UNIT},{IMPORTED['name']},{IMPORTED['id']},户主,女,1981-11-23,{IMPORTED['phone']}\n"
        + f"202,{UNIT},{ENTERED['name']},{ENTERED['id']},朋友,男,1956-06-05,{ENTERED['phone']}\n"
    )
    start_import(
        actor=chief,
        kind="ledger",
        filename="台账.csv",
        data=text.encode(),
        area_code=UNIT,
    )
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.PARTIAL, job.errors
    return job


def _xlsx_text(content: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(
        "\t".join("" if v is None else str(v) for v in row)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
    )


def _csv_text(content: bytes) -> str:
    rows = csv.reader(io.StringIO(content.decode("utf-8-sig")))
    return "\n".join("\t".join(row) for row in rows)


def _read(response) -> str:
    assert response.status_code == 200, (response.status_code, response.content[:300])
    kind = response.get("Content-Type", "")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if "spreadsheetml" in kind:
        return _xlsx_text(content)
    if "csv" in kind:
        return _csv_text(content)
    if "json" in kind:
        return json.dumps(json.loads(content), ensure_ascii=False)
    return content.decode()


def _all_a_worker_reads(worker, job) -> list[str]:
    api = APIClient()
    api.force_authenticate(worker)
    page = Client()
    page.force_login(worker)
    texts = []
    residents = Resident.objects.visible_to(worker)
    households = {r.household_id for r in residents}
    texts += [_read(api.get("/api/v1/residents/")), _read(api.get("/api/v1/households/"))]
    for resident in residents:
        texts.append(_read(api.get(f"/api/v1/residents/{resident.pk}/")))
        texts.append(
            _read(api.get(f"/api/v1/audit/?object_type=registry.resident&object_id={resident.pk}"))
        )
        texts.append(_read(page.get(f"/ledger/residents/{resident.pk}/")))
        texts.append(_read(page.get(f"/ledger/residents/{resident.pk}/edit/")))
    for household in households:
        texts.append(_read(api.get(f"/api/v1/households/{household}/")))
        texts.append(_read(page.get(f"/ledger/households/{household}/")))
    # The whole audit log in scope, list and every entry's page.
    texts.append(_read(api.get("/api/v1/audit/?page_size=500")))
    texts.append(_read(page.get("/audit/")))
    for entry in AuditEntry.objects.visible_to(worker):
        texts.append(_read(api.get(f"/api/v1/audit/{entry.pk}/")))
        texts.append(_read(page.get(f"/audit/{entry.pk}/")))
    # The ledger's pages and exports: the page's, the API's, the background jobs'.
    texts.append(_read(page.get("/ledger/")))
    texts.append(_read(page.get("/ledger/duplicates/")))
    for fmt in ("xlsx", "csv"):
        texts.append(_read(api.get(f"/api/v1/residents/export/?format={fmt}")))
        for kind in ("registry.residents", "registry.households"):
            export = export_services.start_export(actor=worker, kind=kind, params={}, fmt=fmt)
            export.refresh_from_db()
            assert export.status == ExportJob.Status.DONE, export.error
            with exports.default_storage.open(export.file_name, "rb") as handle:
                content = handle.read()
            texts.append(_xlsx_text(content) if fmt == "xlsx" else _csv_text(content))
    # The import: its page, its API, and its rejected rows (the worker may download
    # others' error files: the county gave them the export permission).
    texts.append(_read(page.get(f"/imports/{job.pk}/")))
    texts.append(_read(api.get(f"/api/v1/imports/{job.pk}/")))
    texts.append(_read(api.get("/api/v1/imports/")))
    texts.append(_read(page.get(f"/imports/{job.pk}/errors.xlsx")))
    texts.append(_read(api.get(f"/api/v1/imports/{job.pk}/error-file/")))
    return texts


_DATE = re.compile(r"(?<!\d)(\d{4})(?:[-/.年](\d{1,2})[-/.月](\d{1,2})|(\d{2})(\d{2}))(?!\d)")


def _dates(text: str) -> set[str]:
    """Every full date the text shows, as the eight digits an ID number holds."""
    found = set()
    for year, month, day, month8, day8 in _DATE.findall(text):
        month, day = month or month8, day or day8
        if 1 <= int(month) <= 12 and 1 <= int(day) <= 31:
            found.add(f"{year}{int(month):02d}{int(day):02d}")
    return found


def _ids_rebuilt(text: str, masked_ends: tuple[str, str]) -> set[str]:
    """The full ID numbers that the shown pieces give: the masked number's ends, a six-digit
    area code (the county's, or any code the text shows) and a full date, when the check
    digit agrees."""
    head, tail = masked_ends
    codes = {COUNTY, *(c[:6] for c in re.findall(r"(?<!\d)\d{6,18}(?!\d)", text))}
    rebuilt = set()
    for code in codes:
        if not code.startswith(head):
            continue
        for date in _dates(text):
            body = f"{code}{date}{tail[:3]}"
            if ric.calc_check_digit(body + "0") == tail[3]:
                rebuilt.add(body + tail[3])
    return rebuilt


def test_nothing_a_worker_reads_gives_a_full_id_number_or_phone(chief, worker):
    job = _ledger(chief, worker)
    worker.user_permissions.add(Permission.objects.get(codename="export_personal_data"))
    worker = type(worker).objects.get(pk=worker.pk)  # permissions read afresh

    text = "\n".join(_all_a_worker_reads(worker, job))

    for person in (ENTERED, IMPORTED, NEWBORN):
        number, phone = person["id"], person["phone"]
        assert person["name"] in text  # the resident is there to be read about
        assert f"{number[:4]}**********{number[-4:]}" in text  # masked, as everywhere
        assert number not in text and number[:14] not in text
        assert number not in _ids_rebuilt(text, (number[:4], number[-4:])), person["name"]
        assert f"{phone[:3]}****{phone[-4:]}" in text
        assert phone not in text and phone[:7] not in text, person["name"]
