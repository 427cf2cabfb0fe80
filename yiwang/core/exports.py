"""Writing exports: XLSX and CSV files whose cells are text and never run as formulas."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

XLSX = "xlsx"
CSV = "csv"
FORMATS = (XLSX, CSV)
CONTENT_TYPES = {
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    CSV: "text/csv; charset=utf-8",
}

# A spreadsheet runs a cell that begins with one of these as a formula (tab and carriage
# return too, in some of them): a name typed as =HYPERLINK(…) must stay a name.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Excel's text format: a cell formatted so keeps 370829196003020114 as typed, where the
# General format would show 3.70829E+17 and drop the last digits once edited.
TEXT_FORMAT = "@"


def escape_cell(value: object) -> str:
    """The cell as text, with a leading apostrophe when it would start a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def unescape_cell(text: str) -> str:
    """The cell as it was before `escape_cell`: an export read back in keeps its names."""
    if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text


def write_xlsx(
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    title: str = "Sheet1",
    widths: Sequence[int] = (),
) -> bytes:
    """One sheet: the header row, then the rows. Every cell is a text cell in the text
    format, so that no code or ID number turns into a number and no cell into a formula.
    Written row by row (openpyxl's write-only mode), so a large export keeps little in memory.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"

    def text_row(values):
        cells = []
        for value in values:
            # Control characters other than tab, LF and CR cannot be stored in XLSX at all.
            cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", escape_cell(value)))
            cell.number_format = TEXT_FORMAT
            cells.append(cell)
        return cells

    sheet.append(text_row(headers))
    for row in rows:
        sheet.append(text_row(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_cell(value: object) -> str:
    """A CSV cell that Excel opens as it was written: digits that Excel would turn into a
    number and so change (a leading zero dropped from 001, an 18-digit code shown as
    3.70829E+17 and its last digits lost) are written as the text formula ="001", which
    Excel shows as 001 and the importer reads back as 001."""
    text = escape_cell(value)
    if text.isascii() and text.isdigit() and (len(text) > 11 or (len(text) > 1 and text[0] == "0")):
        return f'="{text}"'
    return text


def write_csv(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 with a byte-order mark (so that Excel reads the Chinese right), CRLF lines."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([escape_cell(h) for h in headers])
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def write_table(
    fmt: str, headers: Sequence[str], rows: Iterable[Sequence[object]], **options
) -> bytes:
    """The table in `fmt` ("xlsx" or "csv")."""
    if fmt == XLSX:
        return write_xlsx(headers, rows, **options)
    if fmt == CSV:
        return write_csv(headers, rows)
    raise ValueError(f"unknown export format {fmt!r}")
