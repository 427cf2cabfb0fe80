"""Reading a ledger file: its header row and which column holds what, its rows read again
for each pass, and the first pass, which notes where each household's rows end and
where each ID number is listed."""

from __future__ import annotations

import array
import csv
import dataclasses
import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from yiwang.core.tables import column_by_header, iter_rows, open_rows, read_header

# The columns, by the names the import uses, with their Chinese headers.
HEADERS = {
    "household_number": "户编号",
    "unit_code": "单元网格编码",
    "name": "姓名",
    "id_number": "公民身份号码",
    "relation": "与户主关系",
    "sex": "性别",
    "birth_date": "出生日期",
    "phone": "联系电话",
    "address": "现住址",
    "tags": "人员标签",
    "category": "户类别",
}
REQUIRED = ("household_number", "unit_code", "name", "id_number", "relation")
# Other names a column goes by in the ledgers villages keep, and the English ones.
_ALIASES = {
    "household_number": ("户号", "household_number", "household"),
    "unit_code": ("单元网格代码", "单元编码", "单元网格", "unit_code", "unit"),
    "name": ("name",),
    "id_number": ("身份证号码", "身份证号", "id_number"),
    "relation": ("relation", "relation_to_head"),
    "sex": ("sex", "gender"),
    "birth_date": ("birth_date", "date_of_birth"),
    "phone": ("电话", "手机号码", "手机号", "phone"),
    "address": ("住址", "地址", "address"),
    "tags": ("标签", "tags"),
    "category": ("category", "household_category"),
}
FILE_SUFFIXES = {".csv", ".xlsx", ".xlsm", ".xls"}

_COLUMN_BY_HEADER = column_by_header(HEADERS, _ALIASES)
REQUIRED_KEYS = set(REQUIRED)
# How far down a title may push the header row.
HEADER_SEARCH_ROWS = 5


@dataclasses.dataclass
class LedgerFile:
    """The header row, which column holds what, and where the data rows are: they are read
    from the file again each time they are asked for, never all held at once."""

    header: list[str]
    columns: dict[str, int]
    data: bytes
    filename: str
    header_row: int  # the header's row number; the data rows follow it
    # Gives the rows again for each pass (core.tables.open_rows): a CSV read as a stream,
    # a workbook unpacked once (a large one streamed into a temporary CSV file).
    source: Callable[[], Iterator[tuple[int, list[str]]]] | None = None

    @property
    def labels(self) -> dict[str, str]:
        """Each column's header as the file writes it, to name the field in messages."""
        return {column: self.header[index] for column, index in self.columns.items()}

    @property
    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(row number, cells) of the data rows, read from the file."""
        source = self.source or (lambda: iter_rows(self.data, self.filename))
        try:
            for number, cells in source():
                if number > self.header_row:
                    yield number, cells
        except csv.Error:
            raise _not_csv() from None

    def records(self) -> _Records:
        """(row number, {column: cell}) with only the columns the file has; iterable more
        than once, each time reading the file again."""
        return _Records(self)


class _Records:
    def __init__(self, ledger: LedgerFile):
        self.ledger = ledger

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        columns = list(self.ledger.columns.items())
        for number, cells in self.ledger.rows:
            width = len(cells)
            yield number, {c: cells[i] if i < width else "" for c, i in columns}


def _not_csv() -> ValidationError:
    return ValidationError(
        _("The file is not readable CSV text: save the ledger as .xlsx or .csv again.")
    )


def read_ledger(data: bytes, filename: str) -> LedgerFile:
    """The ledger file's header and rows; ValidationError with one message for a file that
    cannot be imported at all."""
    if Path(filename).suffix.lower() not in FILE_SUFFIXES:
        raise ValidationError(
            _(
                "%(name)s is neither a CSV nor an Excel file: save the ledger as .xlsx or .csv "
                "and import that."
            )
            % {"name": Path(filename).name}
        )
    try:
        source = open_rows(data, filename)
        rows = list(itertools.islice(source(), HEADER_SEARCH_ROWS + 1))
    except csv.Error:
        raise _not_csv() from None
    if not rows:
        raise ValidationError(
            _("The file is empty: its first row must name the columns, one resident a row below.")
        )
    start, header, columns = read_header(
        rows,
        columns_by_key=_COLUMN_BY_HEADER,
        headers=HEADERS,
        required=REQUIRED,
        search_rows=HEADER_SEARCH_ROWS,
    )
    if len(rows) == start + 1:
        raise ValidationError(
            _("The file names the columns but has no rows: add one row for each resident.")
        )
    return LedgerFile(
        header=header,
        columns=columns,
        data=data,
        filename=filename,
        header_row=rows[start][0],
        source=source,
    )


class _Listing:
    """Where the file lists each ID number, and where each household's rows end: read in a
    first pass over the file, so that the second can write each household as soon as its
    last row is read, and still know which members the rest of the file moves elsewhere."""

    def __init__(self):
        self.keys: list[tuple[str, str]] = []
        self.index: dict[tuple[str, str], int] = {}
        self.last_row: array.array = array.array("q")  # by household index
        self.household_of_row: array.array = array.array("l")  # by row number, -1 for none
        self.row_of: dict[str, int] = {}  # ID number → its first row
        self.duplicates: dict[str, list[int]] = {}  # ID number → its rows, when several
        self.rejected: set[int] = set()  # household indexes
        self.rows = 0

    def add(self, number: int, key: tuple[str, str], id_number: str) -> None:
        index = self.index.get(key)
        if index is None:
            index = self.index[key] = len(self.keys)
            self.keys.append(key)
            self.last_row.append(number)
        else:
            self.last_row[index] = number
        gap = number + 1 - len(self.household_of_row)
        if gap > 0:
            self.household_of_row.extend(itertools.repeat(-1, gap))
        self.household_of_row[number] = index
        self.rows += 1
        if id_number:
            first = self.row_of.setdefault(id_number, number)
            if first != number:
                self.duplicates.setdefault(id_number, [first]).append(number)

    def get(self, id_number: str, default=None) -> tuple[str, str] | None:
        """The household that the file lists `id_number` in, unless it was rejected."""
        row = self.row_of.get(id_number)
        if row is None:
            return default
        index = self.household_of_row[row]
        return default if index in self.rejected else self.keys[index]

    def __contains__(self, id_number: str) -> bool:
        return self.get(id_number) is not None

    def reject(self, key: tuple[str, str]) -> None:
        if key in self.index:
            self.rejected.add(self.index[key])

    def complete(self, key: tuple[str, str], row: int) -> bool:
        """Whether every row of the household is at or before `row` (a household the first
        pass did not see, if the file changed in between, waits for the end)."""
        index = self.index.get(key)
        return index is not None and self.last_row[index] <= row


def _keys(rows) -> Iterator[tuple[int, str, str, str]]:
    """(row number, unit code, 户编号, ID number) cells of each row, for the first pass;
    from a file's rows straight, without making a record of each."""
    if isinstance(rows, _Records):
        columns = rows.ledger.columns
        unit, number, id_number = (
            columns["unit_code"],
            columns["household_number"],
            columns["id_number"],
        )
        last = max(unit, number, id_number)
        for row, cells in rows.ledger.rows:
            if len(cells) <= last:
                cells = [*cells, *[""] * (last + 1 - len(cells))]
            yield row, cells[unit], cells[number], cells[id_number]
    else:
        for row, cells in rows:
            yield row, cells["unit_code"], cells["household_number"], cells["id_number"]
