"""Reading uploads: hostile workbooks are refused before they are unpacked."""

import datetime
import gc
import io
import zipfile

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from yiwang.core import tables
from yiwang.core.tables import read_rows


def _xlsx(build) -> bytes:
    book = openpyxl.Workbook()
    build(book.active)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_it_reads_a_plain_workbook():
    data = _xlsx(lambda sheet: [sheet.append(["code", "name"]), sheet.append(["370830", "汶上县"])])

    assert read_rows(data, "a.xlsx") == [(1, ["code", "name"]), (2, ["370830", "汶上县"])]


def test_it_refuses_a_tiny_workbook_that_declares_a_huge_sheet():
    data = _xlsx(lambda sheet: sheet.cell(row=200_000, column=16_384, value="x"))
    assert len(data) < 10_000

    with pytest.raises(ValidationError) as exc:
        read_rows(data, "bomb.xlsx")

    assert "row 200000, column 16384" in exc.value.messages[0]


def test_it_refuses_a_zip_bomb_disguised_as_a_workbook():
    data = _xlsx(lambda sheet: sheet.append(["a"]))
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in source.infolist():
            bomb.writestr(item, source.read(item.filename))
        bomb.writestr("xl/media/padding.bin", b"\0" * (60 * 1024 * 1024))
    assert len(buffer.getvalue()) < 1024 * 1024

    with pytest.raises(ValidationError) as exc:
        read_rows(buffer.getvalue(), "bomb.xlsx")

    assert "unpacks to far more data" in exc.value.messages[0]


@pytest.mark.parametrize("content", [b"not a zip at all", b"PK\x03\x04broken"])
def test_it_refuses_a_file_that_is_not_a_workbook(content):
    with pytest.raises(ValidationError) as exc:
        read_rows(content, "fake.xlsx")

    assert exc.value.messages == ["The file is not a readable Excel workbook."]


def test_it_asks_for_xlsx_instead_of_older_formats():
    with pytest.raises(ValidationError) as exc:
        read_rows(b"\xd0\xcf\x11\xe0", "old.xls")

    assert ".xlsx" in exc.value.messages[0]


def _mixed(sheet):
    sheet["B3"] = "户编号"
    sheet["C3"] = 12
    sheet["B5"] = datetime.date(1956, 6, 4)
    sheet["C5"] = 370829195606047771  # past a double's exact digits, as Excel keeps it
    sheet["D5"] = " 370829195606047771 "
    sheet["E5"] = 1.5
    sheet["B7"] = "第二\n行"


def test_a_large_workbook_is_streamed_and_read_as_the_small_one_is(monkeypatch, tmp_path):
    data = _xlsx(_mixed)
    in_memory = read_rows(data, "a.xlsx")
    monkeypatch.setattr(tables, "IN_MEMORY_SHEET_ROWS", 0)
    monkeypatch.setattr(tables.tempfile, "tempdir", str(tmp_path))

    source = tables.open_rows(data, "a.xlsx")
    streamed = list(source())

    assert streamed == in_memory
    assert in_memory == [
        (3, ["", "户编号", "12"]),
        (5, ["", "1956-06-04", "3.708291956060477e+17", "370829195606047771", "1.5"]),
        (7, ["", "第二\n行"]),
    ]
    assert list(source()) == streamed  # a second pass reads it again
    assert len(list(tmp_path.iterdir())) == 1
    del source
    gc.collect()
    assert not list(tmp_path.iterdir())  # the temporary file goes with its reader


def test_a_workbook_too_large_for_memory_that_cannot_be_read_is_refused(monkeypatch, tmp_path):
    monkeypatch.setattr(tables, "IN_MEMORY_SHEET_ROWS", 0)
    monkeypatch.setattr(tables.tempfile, "tempdir", str(tmp_path))
    data = _xlsx(lambda sheet: sheet.append(["x"]))
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content[: len(content) // 2]
            target.writestr(item, content)

    with pytest.raises(ValidationError, match="not a readable Excel workbook"):
        tables.open_rows(broken.getvalue(), "a.xlsx")
    assert not list(tmp_path.iterdir())
