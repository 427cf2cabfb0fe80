"""The official division-code importer: real Wenshang County data, idempotence, bad rows."""

import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from conftest import DATA
from yiwang.areas.importers import division_rows
from yiwang.areas.models import Area
from yiwang.areas.services import import_areas
from yiwang.core.models import AuditEntry

SAMPLE = DATA / "divisions-370830.csv"


def _import(text: str, filename: str = "f.csv"):
    return import_areas(actor=None, rows=division_rows(text.encode("utf-8"), filename))


def _level_counts():
    return {
        level: Area.objects.filter(level=level).count()
        for level in ("county", "town", "village", "grid", "unit")
    }


@pytest.mark.django_db
def test_it_imports_the_official_wenshang_sample_with_exact_counts():
    call_command("import_areas", str(SAMPLE), stdout=io.StringIO())

    assert _level_counts() == {"county": 1, "town": 15, "village": 372, "grid": 0, "unit": 0}
    county = Area.objects.get(code="370830")
    assert county.name == "汶上县" and county.parent is None
    village = Area.objects.get(code="370830001001")
    assert village.name == "南门社区居民委员会"
    assert village.parent.code == "370830001" and village.parent.parent == county
    assert village.level == "village"
    # Every area below the county hangs on the parent its code implies.
    assert not Area.objects.exclude(code="370830").filter(parent__isnull=True).exists()
    assert AuditEntry.objects.filter(action="area.create", source="import").count() == 388


@pytest.mark.django_db
def test_it_changes_nothing_when_the_same_file_is_imported_again():
    call_command("import_areas", str(SAMPLE), stdout=io.StringIO())
    stamps = dict(Area.objects.values_list("code", "updated_at"))
    audit_count = AuditEntry.objects.count()

    out = io.StringIO()
    call_command("import_areas", str(SAMPLE), stdout=out)

    assert "0 created, 0 renamed, 388 unchanged" in out.getvalue()
    assert Area.objects.count() == 388
    assert dict(Area.objects.values_list("code", "updated_at")) == stamps
    assert AuditEntry.objects.count() == audit_count


@pytest.mark.django_db
def test_it_updates_a_renamed_area_and_audits_the_rename():
    _import("code,name\n370830,汶上县\n370830001,中都街道\n")
    report = _import("code,name\n370830,汶上县\n370830001,中都新街道\n")

    assert (report.created, report.renamed, report.unchanged) == (0, 1, 1)
    assert Area.objects.get(code="370830001").name == "中都新街道"
    entry = AuditEntry.objects.get(action="area.rename")
    assert entry.before["name"] == "中都街道" and entry.after["name"] == "中都新街道"


@pytest.mark.django_db
def test_it_accepts_the_published_three_column_form_with_padded_codes():
    report = _import(
        "统计用区划代码,城乡分类代码,名称\n"
        "370830000000,,汶上县\n"
        "370830001000,,中都街道\n"
        "370830001001,111,南门社区居民委员会\n"
    )

    assert report.ok and report.created == 3
    assert set(Area.objects.values_list("code", flat=True)) == {
        "370830",
        "370830001",
        "370830001001",
    }


@pytest.mark.django_db
def test_it_reads_an_excel_workbook_with_codes_stored_as_numbers():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["code", "name"])
    sheet.append([370830, "汶上县"])
    sheet.append([370830001, "中都街道"])
    sheet.append(["370830001001", "南门社区居民委员会"])
    buffer = io.BytesIO()
    book.save(buffer)

    report = import_areas(actor=None, rows=division_rows(buffer.getvalue(), "areas.xlsx"))

    assert report.ok and report.created == 3
    assert Area.objects.get(code="370830001001").parent.code == "370830001"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("bad_row", "reason"),
    [
        ("37083X001,坏代码", "malformed code"),
        ("3708300,七位", "malformed code"),
        ("370830009001,孤儿村", "parent 370830009 is neither in the file nor in the database"),
        ("370830001,", "the name is empty"),
        ("370830001,另一个名字", "given twice with different names"),
    ],
)
def test_it_reports_each_bad_row_with_its_number_and_changes_nothing(bad_row, reason):
    text = f"code,name\n370830,汶上县\n370830001,中都街道\n{bad_row}\n"
    with translation.override("en"):
        report = _import(text)

    assert not report.ok
    assert [e.row for e in report.errors] == [4]
    assert reason in report.errors[0].message
    assert Area.objects.count() == 0
    assert AuditEntry.objects.count() == 0


@pytest.mark.django_db
def test_it_gives_the_reasons_in_chinese_by_default():
    report = _import("code,name\n370830,汶上县\n370830001,\n")

    assert str(report.errors[0]) == "第 3 行：名称为空"


@pytest.mark.django_db
def test_the_command_fails_listing_every_bad_row(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("code,name\n370830,汶上县\nabc,坏\n370830001,\n", encoding="utf-8")
    err = io.StringIO()

    with pytest.raises(CommandError, match="2"):
        call_command("import_areas", str(path), stdout=io.StringIO(), stderr=err)

    lines = err.getvalue().strip().splitlines()
    assert len(lines) == 2 and "3" in lines[0] and "4" in lines[1]
    assert Area.objects.count() == 0


@pytest.mark.django_db
def test_it_reads_gbk_encoded_csv_as_saved_by_excel():
    data = "code,name\n370830,汶上县\n".encode("gb18030")

    report = import_areas(actor=None, rows=division_rows(data, "gbk.csv"))

    assert report.ok and Area.objects.get(code="370830").name == "汶上县"


@pytest.mark.django_db
def test_it_creates_grids_and_units_in_bulk_under_existing_villages(tree):
    report = _import("code,name\n370830001002001,坝口第一网格\n370830001002001001,坝口第1单元\n")

    assert report.ok and report.created == 2
    unit = Area.objects.get(code="370830001002001001")
    assert unit.level == "unit" and unit.parent.level == "grid"


@pytest.mark.django_db
def test_it_reports_a_malformed_first_row_instead_of_dropping_it_as_a_header():
    with translation.override("en"):
        report = _import("37083X,坏县\n370830,汶上县\n")

    assert not report.ok
    assert [e.row for e in report.errors] == [1]
    assert "malformed code" in report.errors[0].message
    assert Area.objects.count() == 0


@pytest.mark.parametrize(
    "header", ["code,name", " Code ,名称", "代码,名称", "区划代码,名称", "行政区划代码,名称"]
)
def test_it_skips_a_first_row_only_when_it_is_a_recognisable_header(header):
    assert division_rows(f"{header}\n370830,汶上县\n".encode(), "f.csv") == [
        (2, "370830", "汶上县")
    ]


@pytest.mark.django_db
def test_it_reports_an_empty_name_in_the_three_column_form_instead_of_using_the_class():
    with translation.override("en"):
        report = _import(
            "统计用区划代码,城乡分类代码,名称\n"
            "370830000000,,汶上县\n"
            "370830001000,,中都街道\n"
            "370830001001,111,\n"
        )

    assert not report.ok
    assert [e.row for e in report.errors] == [4]
    assert "the name is empty" in report.errors[0].message
    assert not Area.objects.filter(name="111").exists()


def test_it_takes_the_third_cell_as_the_name_in_a_three_column_file_without_header():
    rows = division_rows("370830000000,,汶上县\n370830001001,111,\n".encode(), "f.csv")

    assert rows == [(1, "370830000000", "汶上县"), (2, "370830001001", "")]


def test_it_keeps_reading_two_column_files_even_with_a_trailing_comma():
    rows = division_rows("code,name\n370830,汶上县,\n370830001,中都街道\n".encode(), "f.csv")

    assert rows == [(2, "370830", "汶上县"), (3, "370830001", "中都街道")]


def _workbook(*rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.django_db
def test_it_reports_an_excel_code_that_lost_digits_as_a_number(tree):
    data = _workbook(
        ["code", "name"],
        [370830001001001, "第一网格"],
        [370830001001001234, "第1234单元"],
    )

    with translation.override("en"):
        report = import_areas(actor=None, rows=division_rows(data, "units.xlsx"))

    assert not report.ok
    assert [e.row for e in report.errors] == [3]
    assert "stored as a number in Excel and lost digits" in report.errors[0].message
    assert not Area.objects.filter(code__startswith="3708300010010012").exists()


def test_it_keeps_exact_number_cells_and_integer_cells_as_digits():
    from yiwang.core.tables import _cell_text

    assert _cell_text(370830001001001.0) == "370830001001001"
    assert _cell_text(370830001001001234) == "370830001001001234"
    assert _cell_text(370830.0) == "370830"


@pytest.mark.django_db
def test_it_explains_a_code_that_lost_digits_in_chinese_by_default(tree):
    data = _workbook(["code", "name"], [370830001001001234, "第1234单元"])

    report = import_areas(actor=None, rows=division_rows(data, "units.xlsx"))

    assert [e.row for e in report.errors] == [2]
    assert "请将代码列设置为文本格式" in str(report.errors[0])
