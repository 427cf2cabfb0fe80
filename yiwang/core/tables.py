"""Reading tabular uploads (CSV or Excel) into rows of text, with their row numbers."""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime
import io
import itertools
import os
import re
import tempfile
import weakref
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from yiwang.core import validators

EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
# Older or other spreadsheet formats: asked to be saved again as .xlsx (their readers give
# no way to bound the memory a hostile file makes them take).
OTHER_SPREADSHEETS = {".xls", ".ods", ".et", ".numbers"}

# Bounds on what a workbook may unpack to, checked before it is read: a small file can
# declare a sheet of billions of cells, or unzip to gigabytes.
# A ledger of MAX_SHEET_ROWS rows in the import's columns unpacks to about 660 MB of
# sheet XML (602 MB measured for 1,000,000 rows); a sheet that large is streamed, never
# held (`open_rows`), so the bound only has to stop archives that unpack to far more.
MAX_UNZIPPED_BYTES = 1536 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
MAX_SHEET_ROWS = 1_100_000
MAX_SHEET_COLUMNS = 100


# Below this every integer is exact in a double (2**53 ≈ 9.007e15), so a number cell this
# small still holds the digits that were typed.
EXACT_NUMBER_LIMIT = 10**15


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, int):  # an integer cell (.xls, .ods) is exact
        return str(value)
    if isinstance(value, float) and value.is_integer():
        if abs(value) < EXACT_NUMBER_LIMIT:
            return str(int(value))  # a code stored as a number in Excel
        # Excel keeps numbers as doubles: the last digits of a longer code are gone. Show it
        # in scientific notation, as Excel does, so that it cannot pass for a good code.
        return f"{value:.15e}"
    return str(value).strip()


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _check_workbook(data: bytes) -> int:
    """Refuses a workbook that would unpack to more than the server should hold: checked
    on the zip's own directory and by streaming the sheets' cell references, before the
    reader allocates anything. Gives the last row its largest sheet refers to."""
    unreadable = ValidationError(_("The file is not a readable Excel workbook."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise unreadable from None
    largest = 0
    with archive:
        members = archive.infolist()
        if sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES or any(
            m.file_size > 1024 * 1024
            and m.file_size > MAX_COMPRESSION_RATIO * max(m.compress_size, 1)
            for m in members
        ):
            raise ValidationError(
                _(
                    "The workbook unpacks to far more data than it holds: save it again as a plain .xlsx."
                )
            )
        for member in members:
            if not (
                member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml")
            ):
                continue
            try:
                rows, columns = _sheet_extent(archive, member)
            except Exception:  # a damaged archive member: the reader would fail on it too
                raise unreadable from None
            if rows > MAX_SHEET_ROWS or columns > MAX_SHEET_COLUMNS:
                raise ValidationError(
                    _(
                        "The sheet reaches row %(rows)d, column %(columns)d: delete the empty rows and columns beyond the data and save it again."
                    )
                    % {"rows": rows, "columns": columns}
                )
            largest = max(largest, rows)
    return largest


# The row and the column letters of a cell's, a row's or the sheet dimension's reference:
# r="K12", r="12", ref="A1:K12".
_ROW_REFERENCE = re.compile(rb' r(?:ef)?="(?:[A-Z]{1,3}\d+:)?[A-Z]{0,3}(\d+)"')
_COLUMN_REFERENCE = re.compile(rb' r(?:ef)?="(?:[A-Z]{1,3}\d+:)?([A-Z]{1,3})\d+"')
_SCAN_PIECE = 1 << 22


def _sheet_extent(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> tuple[int, int]:
    """The last row and column that a sheet's XML refers to, read in pieces with regular
    expressions (a full XML parse of 100,000 rows takes seconds; this, a fraction)."""
    rows: set[bytes] = set()
    columns: set[bytes] = set()
    tail = b""
    with archive.open(member) as sheet:
        while piece := sheet.read(_SCAN_PIECE):
            text = tail + piece
            rows.update(_ROW_REFERENCE.findall(text))
            columns.update(_COLUMN_REFERENCE.findall(text))
            tail = text[-64:]  # a reference cut in two is found whole in the next piece
    return (
        max(map(int, rows), default=0),
        max((_column_number(c.decode()) for c in columns), default=0),
    )


# A line of a CSV with something in it other than separators and spaces.
_CSV_LINE_WITH_TEXT = re.compile(rb"(?m)^[ \t,;]*[^ \t,;\r\n]")


def count_rows(data: bytes, filename: str, stop_after: int) -> int:
    """How many rows with something in them the file has, counted up to `stop_after + 1`
    (so "more than `stop_after`" shows) without parsing it: a CSV's lines with text, a
    workbook's rows with a value (its sheets' XML streamed in pieces, the largest sheet).
    Never fewer than the import would read: a line break inside a quoted cell counts as a
    row. A file that is not what its name says counts 0, and is refused when it is read."""
    suffix = Path(filename).suffix.lower()
    if suffix not in EXCEL_SUFFIXES:
        matches = _CSV_LINE_WITH_TEXT.finditer(data)
        return sum(1 for _match in itertools.islice(matches, stop_after + 1))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return 0
    counted = 0
    with archive:
        for member in archive.infolist():
            name = member.filename
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                try:
                    counted = max(counted, _rows_with_values(archive, member, stop_after))
                except Exception:  # a damaged member: refused when the file is read
                    continue
                if counted > stop_after:
                    break
    return counted


def _rows_with_values(archive: zipfile.ZipFile, member: zipfile.ZipInfo, stop_after: int) -> int:
    counted = 0
    tail = b""
    with archive.open(member) as sheet:
        while piece := sheet.read(_SCAN_PIECE):
            rows = (tail + piece).split(b"</row>")
            tail = rows.pop()  # a row cut in two is whole in the next piece
            counted += sum(1 for row in rows if b"<v>" in row or b"<v " in row or b"<is>" in row)
            if counted > stop_after:
                break
    return counted


def read_rows(data: bytes, filename: str) -> list[tuple[int, list[str]]]:
    """(row number as a spreadsheet shows it, cells) for every non-empty row, header included."""
    return list(iter_rows(data, filename))


def _encoding(data: bytes) -> str:
    """UTF-8 (with or without a BOM) or GBK, the encodings Excel in China saves CSV in;
    checked over the whole file in pieces, without holding it decoded."""
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        view = memoryview(data)
        try:
            for start in range(0, len(view), _DECODE_PIECE):
                decoder.decode(view[start : start + _DECODE_PIECE])
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise ValidationError(_("The file is neither UTF-8 nor GBK text."))


_DECODE_PIECE = 1 << 20


def iter_rows(data: bytes, filename: str) -> Iterator[tuple[int, list[str]]]:
    """`read_rows` one row at a time: a large CSV is decoded as it is read, never held as
    text. The checks that refuse a file (its kind, its encoding, a workbook that would
    unpack to too much) are made before the first row is given."""
    return open_rows(data, filename)()


# A workbook of up to this many rows is read by python-calamine, fast, which holds the
# sheet unpacked (about 100 MiB for 100,000 rows of the ledger's 11 columns: docs/
# PERFORMANCE.md); a larger one is converted once, streaming, by openpyxl's read-only mode
# into a temporary CSV file, which each pass then reads like any CSV, in flat memory.
IN_MEMORY_SHEET_ROWS = 200_000


def open_rows(data: bytes, filename: str) -> Callable[[], Iterator[tuple[int, list[str]]]]:
    """A function that gives the file's rows, (row number, cells), each time it is
    called, for a reader that goes over the file more than once. The checks that refuse
    a file are made here, and a workbook is unpacked here once."""
    suffix = Path(filename).suffix.lower()
    if suffix in OTHER_SPREADSHEETS:
        raise ValidationError(_("Save the file as .xlsx (or .csv) and upload it again."))
    if suffix in EXCEL_SUFFIXES:
        if _check_workbook(data) > IN_MEMORY_SHEET_ROWS:
            return _spooled(data)
        sheet = _calamine_sheet(data)
        return lambda: _numbered(_calamine_rows(sheet))
    encoding = _encoding(data)

    def read() -> Iterator[tuple[int, list[str]]]:
        text = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
        return _numbered([c.strip() for c in r] for r in csv.reader(text))

    return read


def _unreadable_workbook() -> ValidationError:
    return ValidationError(_("The file is not a readable Excel workbook."))


def _calamine_sheet(data: bytes):
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    except CalamineError:
        raise _unreadable_workbook() from None


def _calamine_rows(sheet) -> Iterator[list[str]]:
    # The sheet's rows from the first, its columns from the first that holds a cell.
    pad = [""] * (sheet.start[1] if sheet.start else 0)
    for row in sheet.iter_rows():
        yield _trimmed([*pad, *map(_cell_text, row)])


def _trimmed(cells: list[str]) -> list[str]:
    """A workbook's row without the empty cells after its last (the readers pad rows to
    different widths)."""
    end = len(cells)
    while end and not cells[end - 1]:
        end -= 1
    return cells[:end]


def _openpyxl_cell(value):
    """A cell as python-calamine gives it, so that both readers read a file alike: Excel's
    numbers are doubles, and a date is a date."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= EXACT_NUMBER_LIMIT:
        return float(value)
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date()
    return value


def _spooled(data: bytes) -> Callable[[], Iterator[tuple[int, list[str]]]]:
    """The first sheet streamed once by openpyxl's read-only mode into a temporary CSV file
    of its cells' text, one line a row (empty rows too, so the row numbers hold); removed
    once nothing reads it any more."""
    from openpyxl import load_workbook

    handle, path = tempfile.mkstemp(prefix="yiwang-sheet-", suffix=".csv")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheet = book.worksheets[0]
                sheet.reset_dimensions()  # a wrong <dimension> must not cut the rows short
                for row in sheet.iter_rows(values_only=True):
                    writer.writerow(_trimmed([_cell_text(_openpyxl_cell(v)) for v in row]))
            finally:
                book.close()
    except ValidationError:
        _remove(path)
        raise
    except Exception:
        _remove(path)
        raise _unreadable_workbook() from None

    def read() -> Iterator[tuple[int, list[str]]]:
        with open(path, encoding="utf-8", newline="") as spooled:
            yield from _numbered(csv.reader(spooled))

    weakref.finalize(read, _remove, path)
    return read


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)


def _numbered(rows: Iterable[list[str]]) -> Iterator[tuple[int, list[str]]]:
    for number, cells in enumerate(rows, start=1):
        if any(cells):
            yield number, cells


# A header matches whatever case, spaces, marks of a required column (*) and remarks in
# brackets it was typed with: "* 公民身份号码（18位）" is the ID number.
_HEADER_NOISE = re.compile(r"[(（【\[].*?[)）】\]]|[\s*_\-]")


def header_key(cell: str) -> str:
    return _HEADER_NOISE.sub("", validators.normalize_code(cell)).lower()


def column_by_header(
    headers: dict[str, str], aliases: dict[str, tuple[str, ...]]
) -> dict[str, str]:
    """Each header's key → the column it names: a column's header and its other names."""
    return {
        header_key(name): column
        for column, chinese in headers.items()
        for name in (chinese, *aliases[column])
    }


def read_header(
    rows: list[tuple[int, list[str]]],
    *,
    columns_by_key: dict[str, str],
    headers: dict[str, str],
    required: tuple[str, ...],
    search_rows: int,
) -> tuple[int, list[str], dict[str, int]]:
    """(index of the header among `rows`, its cells, column → index) of an import file:
    ValidationError when two cells name one column or a required column is missing."""

    def column_list(columns: Iterable[str]) -> str:
        return "、".join(headers[c] for c in columns)

    # A workbook often has a title above the header (嘉祥县某某村台账): the header is the
    # first row that names the required columns.
    start = next(
        (
            i
            for i, (_number, cells) in enumerate(rows[:search_rows])
            if {columns_by_key.get(header_key(c)) for c in cells} >= set(required)
        ),
        0,
    )
    header = [validators.normalize_text(cell) for cell in rows[start][1]]
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        column = columns_by_key.get(header_key(cell))
        if column is None:
            continue  # a column the import does not keep, such as 行号 of an error file
        if column in columns:
            raise ValidationError(
                _(
                    'The columns "%(first)s" and "%(second)s" both hold %(column)s: keep one '
                    "of them."
                )
                % {"first": header[columns[column]], "second": cell, "column": headers[column]}
            )
        columns[column] = index
    missing = [c for c in required if c not in columns]
    if missing:
        raise ValidationError(
            _(
                "The file lacks the required column(s) %(missing)s, so nothing was imported. "
                "Its first row must name the columns: %(required)s are required, "
                "%(optional)s may be added."
            )
            % {
                "missing": column_list(missing),
                "required": column_list(required),
                "optional": column_list(c for c in headers if c not in required),
            }
        )
    return start, header, columns
