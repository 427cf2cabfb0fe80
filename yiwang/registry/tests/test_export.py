"""Exports of the ledger: the import's columns, ID numbers as text cells, formulas escaped,
masked by default and in full only with the permission, audited, scoped."""

import csv
import io

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from conftest import OTHER_UNIT, UNIT
from yiwang.core.exports import escape_cell, write_csv, write_xlsx
from yiwang.core.models import AuditEntry
from yiwang.registry.importers import import_ledger, read_ledger
from yiwang.registry.models import Resident
from yiwang.registry.selectors.exports import HEADERS, export_residents
from yiwang.registry.services import add_resident, create_household, set_tags

from .conftest import make_id

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def api_as(user):
    api = APIClient()
    api.force_authenticate(type(user).objects.get(pk=user.pk))
    return api


def allow(user, codename):
    user.user_permissions.add(Permission.objects.get(codename=codename))
    return type(user).objects.get(pk=user.pk)


def read_xlsx(data: bytes):
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return sheet, [[c.value for c in row] for row in sheet.iter_rows()]


def read_csv(data: bytes):
    assert data.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM to read UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.fixture
def ledger(worker, household, other_household):
    """张三 (dibao, phone) and 李四 of household 001; a household whose address and a member
    whose name begin like formulas; 王五 of the outsider's village."""
    zhang = Resident.objects.get(name="张三")
    Resident.objects.filter(pk=zhang.pk).update(phone="13812345678", phone_tail="5678")
    set_tags(actor=worker, resident_id=zhang.pk, tags=["dibao", "elderly_alone"])
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
    add_resident(actor=worker, household_id=odd.pk, name="@cmd", relation="child")
    add_resident(actor=worker, household_id=odd.pk, name="-2+3", relation="other")
    return Resident.objects.visible_to(worker)


def zhang():
    return Resident.objects.get(name="张三")


# --- the shared writers -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("=1+2", "'=1+2"),
        ("+86", "'+86"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("张三", "张三"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (370829196003020114, "370829196003020114"),
    ],
)
def test_a_cell_that_would_start_a_formula_is_escaped(value, escaped):
    assert escape_cell(value) == escaped


def test_every_xlsx_cell_is_a_text_cell_in_the_text_format():
    data = write_xlsx(["编号", "公式"], [["370829196003020114", "=1+2"], ["0012", "\t@x"]])

    sheet, rows = read_xlsx(data)

    assert rows == [["编号", "公式"], ["370829196003020114", "'=1+2"], ["0012", "'\t@x"]]
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type == "s" and cell.number_format == "@"


def test_the_csv_is_utf8_with_a_bom_and_escaped():
    assert read_csv(write_csv(["姓名"], [["=1+2"], ["张三"]])) == [["姓名"], ["'=1+2"], ["张三"]]


# --- export_residents -------------------------------------------------------------------


def test_it_exports_in_the_import_columns_with_masked_numbers(ledger):
    sheet, rows = read_xlsx(export_residents(ledger.filter(name="张三")))

    assert rows[0] == list(HEADERS)
    person = zhang()
    assert rows[1] == [
        "001",
        UNIT,
        "张三",
        person.masked_id_number,
        "户主",
        "男",
        "1960-**-**",  # masked with the ID number it would give away
        "138****5678",
        "南门街 1 号",
        "独居老人、低保",  # in the tags' order
        "重点户",
    ]


def test_id_numbers_are_text_cells_never_numbers(ledger):
    sheet, rows = read_xlsx(export_residents(ledger, full=True))

    id_column = HEADERS.index("公民身份号码") + 1
    cells = {
        sheet.cell(row=r, column=3).value: sheet.cell(row=r, column=id_column)
        for r in range(2, sheet.max_row + 1)
    }
    cell = cells["张三"]
    assert cell.data_type == "s" and cell.number_format == "@"
    assert cell.value == zhang().id_number and len(cell.value) == 18
    assert sheet.cell(row=2, column=2).data_type == "s"  # the 18-digit unit code too


def test_cells_that_begin_like_formulas_are_escaped(ledger):
    sheet, rows = read_xlsx(export_residents(ledger))

    by_name = {row[2]: row for row in rows[1:]}
    assert set(by_name) >= {"'+SUM(A1:A9)", "'@cmd", "'-2+3"}
    assert by_name["'@cmd"][8] == '\'=HYPERLINK("http://x","点")'
    for row in sheet.iter_rows():
        # No formula cell anywhere; empty cells (no phone) read back as empty.
        assert all(c.data_type == "s" for c in row if c.value is not None)


def test_numbers_are_masked_by_default_and_full_on_request(ledger):
    numbers = [n for n in Resident.objects.values_list("id_number", flat=True) if n]

    masked = export_residents(ledger, fmt="csv").decode("utf-8-sig")
    full = export_residents(ledger, fmt="csv", full=True).decode("utf-8-sig")

    assert not any(n in masked for n in numbers if n) and "13812345678" not in masked
    assert zhang().id_number in full and "13812345678" in full


def test_the_csv_has_the_same_rows_as_the_xlsx(ledger):
    _sheet, rows = read_xlsx(export_residents(ledger))

    def shown(cell):  # what Excel shows for ="001"
        return cell[2:-1] if cell.startswith('="') else cell

    in_csv = [[shown(v) for v in row] for row in read_csv(export_residents(ledger, fmt="csv"))]
    assert in_csv == [[v or "" for v in row] for row in rows]


def test_the_csv_keeps_codes_and_numbers_as_text_for_excel(ledger):
    rows = read_csv(export_residents(ledger, fmt="csv", full=True))
    zhang_row = next(r for r in rows if r[2] == "张三")

    # Excel would read 001 as 1 and an 18-digit code as 3.70829E+17: kept as ="…".
    assert zhang_row[0] == '="001"'
    assert zhang_row[1] == f'="{zhang().area_code}"'
    assert zhang_row[3] == "37082919600302011X"  # ends in X: Excel keeps it as text
    numbers = [r[3] for r in rows[1:] if r[3]]
    assert numbers and all(n.endswith("X") or n.startswith('="') for n in numbers)
    assert any(n.startswith('="') for n in numbers)
    assert escape_cell("001") == "001"  # the XLSX keeps it in a text cell instead


def test_a_full_csv_export_imports_back_unchanged(ledger):
    data = export_residents(ledger, fmt="csv", full=True)
    exported = len(read_csv(data)) - 1
    before = list(Resident.objects.order_by("pk").values())

    ledger_file = read_ledger(data, "导出.csv")
    report = import_ledger(actor=None, rows=ledger_file.records(), labels=ledger_file.labels)

    assert report.ok, report.errors
    assert exported == ledger.count() >= 5
    # Codes, 户编号, ID numbers and the names a formula escape protected come back as they were.
    assert report.counts()["residents"] == {
        "new": 0,
        "updated": 0,
        "transferred": 0,
        "unchanged": exported,
        "rejected": 0,
    }
    assert list(Resident.objects.order_by("pk").values()) == before


def test_an_export_takes_a_fixed_number_of_queries(ledger, django_assert_num_queries):
    with django_assert_num_queries(2):  # the residents with their households, their tags
        export_residents(ledger)


# --- the API ----------------------------------------------------------------------------


def test_the_api_exports_the_filtered_residents_as_an_attachment(chief, ledger):
    response = api_as(chief).get("/api/v1/residents/export/?format=xlsx&search=zs")

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_TYPE
    assert response["Content-Disposition"].startswith('attachment; filename="residents-')
    _sheet, rows = read_xlsx(response.content)
    assert [row[2] for row in rows[1:]] == ["张三"]
    assert rows[1][3] == zhang().masked_id_number


def test_the_api_exports_csv(chief, ledger):
    response = api_as(chief).get("/api/v1/residents/export/?format=csv&tag=dibao")

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].endswith('.csv"')
    rows = read_csv(response.content)
    assert rows[0] == list(HEADERS) and [r[2] for r in rows[1:]] == ["张三"]


def test_every_export_is_audited_with_its_count_and_filters(chief, ledger):
    api_as(chief).get("/api/v1/residents/export/?format=csv&under=" + UNIT + "&status=living")

    entry = AuditEntry.objects.get(action="resident.export")
    assert entry.source == "api" and entry.actor_username == "chief"
    assert entry.after == {
        "count": 5,
        "filters": {"under": UNIT, "status": "living"},
        "full": False,
    }
    assert entry.area_code == UNIT


def test_a_full_export_needs_the_permission(chief, ledger):
    response = api_as(chief).get("/api/v1/residents/export/?format=xlsx&full=1")

    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()
    assert not AuditEntry.objects.filter(action="resident.export").exists()


def test_a_full_export_with_the_permission_has_the_numbers_and_says_so(chief, ledger):
    chief = allow(chief, "export_personal_data")

    response = api_as(chief).get("/api/v1/residents/export/?format=csv&full=true")

    assert response.status_code == 200
    assert zhang().id_number in response.content.decode("utf-8-sig")
    assert AuditEntry.objects.get(action="resident.export").after["full"] is True


def test_the_outsider_exports_none_of_another_village(outsider, ledger):
    response = api_as(outsider).get("/api/v1/residents/export/?format=csv")

    rows = read_csv(response.content)
    assert [r[2] for r in rows[1:]] == ["王五"] and rows[1][1] == f'="{OTHER_UNIT}"'
    assert AuditEntry.objects.get(action="resident.export").after["count"] == 1


def test_an_unknown_format_is_not_found(chief, ledger):
    assert api_as(chief).get("/api/v1/residents/export/?format=pdf").status_code == 404
