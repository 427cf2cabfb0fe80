"""Importing a ledger file (one row per resident): reading it, checking every row, writing
the households that are whole and right, and handing back the rows that are not.

The file is read twice and never held whole: a first pass notes where each household's
rows end and where each ID number is listed; the second checks the rows and decides each
household as soon as its last row is read, in batches, each batch in one transaction (a
dry run decides and writes nothing). A crash leaves no half household, and running the
import again finishes the job: the ID number is the key of a person, and a row that
matches the ledger changes nothing. Households that the ledger does not know yet, the bulk
of a first import, are written with multi-row INSERTs (COPY on PostgreSQL).
"""

from __future__ import annotations

import array
import contextlib
import csv
import dataclasses
import datetime
import itertools
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.areas.models import Area, Level
from yiwang.core import audit, exports, validators
from yiwang.core.bulk import bulk_writing, db_value, insert_rows
from yiwang.core.imports import importer
from yiwang.core.masking import mask_id_number, mask_phone
from yiwang.core.models import AuditEntry
from yiwang.core.tables import EXCEL_SUFFIXES, iter_rows
from yiwang.registry.models import (
    Household,
    HouseholdCategory,
    HouseholdStatus,
    LifeEvent,
    LifeEventKind,
    Relation,
    Resident,
    ResidentStatus,
    ResidentTag,
    Sex,
    Tag,
)
from yiwang.registry.search import initials
from yiwang.registry.services import recompute_category

# --- the file ---------------------------------------------------------------------------

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
# The two columns the error file adds; an error file imported again after its rows were
# fixed ignores them like any other unknown column.
ROW_NUMBER_HEADER = "行号"
REASON_HEADER = "错误原因"
FILE_SUFFIXES = {".csv", ".xlsx", ".xlsm", ".xls"}
ERROR_FILE_FORMATS = {".csv": exports.CSV, ".xlsx": exports.XLSX}

# A header matches whatever case, spaces, marks of a required column (*) and remarks in
# brackets it was typed with: "* 公民身份号码（18位）" is the ID number.
_HEADER_NOISE = re.compile(r"[(（【\[].*?[)）】\]]|[\s*_\-]")


def _header_key(cell: str) -> str:
    return _HEADER_NOISE.sub("", validators.normalize_text(cell)).lower()


_COLUMN_BY_HEADER = {
    _header_key(name): column
    for column, chinese in HEADERS.items()
    for name in (chinese, *_ALIASES[column])
}
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
    # A workbook's rows, read once: the reader unpacks the whole sheet anyway, and reading
    # it again for each pass would unpack it again. A CSV is read as a stream instead.
    parsed: list[tuple[int, list[str]]] | None = None

    @property
    def labels(self) -> dict[str, str]:
        """Each column's header as the file writes it, to name the field in messages."""
        return {column: self.header[index] for column, index in self.columns.items()}

    @property
    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(row number, cells) of the data rows, read from the file."""
        if self.parsed is not None:
            yield from (row for row in self.parsed if row[0] > self.header_row)
            return
        try:
            for number, cells in iter_rows(self.data, self.filename):
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


def _column_list(columns: Iterable[str]) -> str:
    return "、".join(HEADERS[c] for c in columns)


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
    parsed = None
    try:
        if Path(filename).suffix.lower() in EXCEL_SUFFIXES:
            rows = parsed = list(iter_rows(data, filename))
        else:
            rows = list(itertools.islice(iter_rows(data, filename), HEADER_SEARCH_ROWS + 1))
    except csv.Error:
        raise _not_csv() from None
    if not rows:
        raise ValidationError(
            _("The file is empty: its first row must name the columns, one resident a row below.")
        )
    # A workbook often has a title above the header (嘉祥县某某村台账): the header is the
    # first row that names the required columns.
    start = next(
        (
            i
            for i, (_number, cells) in enumerate(rows[:HEADER_SEARCH_ROWS])
            if {_COLUMN_BY_HEADER.get(_header_key(c)) for c in cells} >= REQUIRED_KEYS
        ),
        0,
    )
    header = [validators.normalize_text(cell) for cell in rows[start][1]]
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        column = _COLUMN_BY_HEADER.get(_header_key(cell))
        if column is None:
            continue  # a column the ledger does not keep, such as 行号 of an error file
        if column in columns:
            raise ValidationError(
                _(
                    'The columns "%(first)s" and "%(second)s" both hold %(column)s: keep one '
                    "of them."
                )
                % {"first": header[columns[column]], "second": cell, "column": HEADERS[column]}
            )
        columns[column] = index
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise ValidationError(
            _(
                "The file lacks the required column(s) %(missing)s, so nothing was imported. "
                "Its first row must name the columns: %(required)s are required, "
                "%(optional)s may be added."
            )
            % {
                "missing": _column_list(missing),
                "required": _column_list(REQUIRED),
                "optional": _column_list(c for c in HEADERS if c not in REQUIRED),
            }
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
        parsed=parsed,
    )


def error_file_format(path: Path) -> str:
    """ "csv" or "xlsx" for an error file at `path`, by its extension."""
    fmt = ERROR_FILE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValidationError(
            _("The error file must end in .csv or .xlsx, not %(name)s.") % {"name": path.name}
        )
    return fmt


def error_file(ledger: LedgerFile, errors: Iterable[RowError], fmt: str) -> bytes:
    """The rejected rows as they were in the file, each with its row number and its reason:
    fix them there, and import the error file itself again."""
    reasons = {e.row: e.message for e in errors}
    rejected = [(n, cells) for n, cells in ledger.rows if n in reasons]
    width = max([len(ledger.header), *(len(cells) for _n, cells in rejected)])
    headers = [*ledger.header, *[""] * (width - len(ledger.header))]
    rows = (
        [*cells, *[""] * (width - len(cells)), number, reasons[number]]
        for number, cells in rejected
    )
    return exports.write_table(fmt, [*headers, ROW_NUMBER_HEADER, REASON_HEADER], rows)


# --- cleaning a row (no database) -------------------------------------------------------

# What villages write in 与户主关系, and the codes.
RELATIONS = {
    "户主": Relation.HEAD,
    "本人": Relation.HEAD,
    "配偶": Relation.SPOUSE,
    "妻": Relation.SPOUSE,
    "妻子": Relation.SPOUSE,
    "夫": Relation.SPOUSE,
    "丈夫": Relation.SPOUSE,
    "子女": Relation.CHILD,
    "子": Relation.CHILD,
    "女": Relation.CHILD,
    "儿子": Relation.CHILD,
    "女儿": Relation.CHILD,
    "长子": Relation.CHILD,
    "次子": Relation.CHILD,
    "长女": Relation.CHILD,
    "次女": Relation.CHILD,
    "儿媳": Relation.CHILD_IN_LAW,
    "女婿": Relation.CHILD_IN_LAW,
    "儿媳/女婿": Relation.CHILD_IN_LAW,
    "孙子女": Relation.GRANDCHILD,
    "孙子": Relation.GRANDCHILD,
    "孙女": Relation.GRANDCHILD,
    "外孙子": Relation.GRANDCHILD,
    "外孙女": Relation.GRANDCHILD,
    "父母": Relation.PARENT,
    "父亲": Relation.PARENT,
    "母亲": Relation.PARENT,
    "祖父母": Relation.GRANDPARENT,
    "祖父": Relation.GRANDPARENT,
    "祖母": Relation.GRANDPARENT,
    "外祖父母": Relation.GRANDPARENT,
    "外祖父": Relation.GRANDPARENT,
    "外祖母": Relation.GRANDPARENT,
    "兄弟姐妹": Relation.SIBLING,
    "兄弟": Relation.SIBLING,
    "姐妹": Relation.SIBLING,
    "其他": Relation.OTHER,
    **{code: code for code in Relation.values},
}
RELATION_CHOICES = "户主、配偶、子女、儿媳/女婿、孙子女、父母、祖父母、兄弟姐妹、其他"
CATEGORIES = {
    "重点户": HouseholdCategory.KEY,
    "放心户": HouseholdCategory.ORDINARY,
    "普通户": HouseholdCategory.ORDINARY,
    **{code: code for code in HouseholdCategory.values},
}
# What the import writes as the reason when the file sets a household's category by hand.
CATEGORY_REASON = "导入文件指定"
_TAG_SEPARATORS = re.compile(r"[、,，;；\s]+")
_ALL_DIGITS = re.compile(r"^\d+$")
_NUMBER_SHAPED = re.compile(r"^[+-]?\d+(\.\d*)?[eE][+-]?\d+$")
_MAX_LENGTHS = {
    "household_number": Household._meta.get_field("number").max_length,
    "name": Resident._meta.get_field("name").max_length,
    "address": Household._meta.get_field("address").max_length,
}


@dataclasses.dataclass(slots=True, eq=False)
class _Row:
    """A row as the import will write it. None in sex, birth_date, phone, tags or category
    means "not given": the ledger keeps what it has."""

    number: int
    unit_code: str
    household_number: str
    name: str = ""
    name_initials: str = ""
    id_number: str = ""
    relation: str = ""
    sex: str | None = None
    birth_date: datetime.date | None = None
    phone: str | None = None
    address: str = ""
    tags: tuple[str, ...] | None = None
    category: str | None = None
    errors: list[str] = dataclasses.field(default_factory=list)


class _Cleaner:
    """Turns a row's cells into a _Row, with a message for each bad cell that names the
    column as the file does and says the fix."""

    def __init__(self, labels: dict[str, str], tags: dict[str, Tag]):
        self.labels = labels
        self.tags = tags
        self.tag_names = "、".join(t.name for t in sorted(set(tags.values()), key=_tag_order))

    def fail(self, row: _Row, column: str, message: str) -> None:
        row.errors.append(
            _("%(column)s: %(message)s") % {"column": self.labels[column], "message": message}
        )

    def attempt(self, row: _Row, column: str, function: Callable, value):
        try:
            return function(value)
        except ValidationError as exc:
            for message in exc.messages:
                self.fail(row, column, message)
            return None

    def clean(self, number: int, cells: dict[str, str]) -> _Row:
        text = {c: exports.unescape_cell(validators.normalize_text(v)) for c, v in cells.items()}
        unit_code, household_number = _household_key(text["unit_code"], text["household_number"])
        row = _Row(number=number, unit_code=unit_code, household_number=household_number)
        self._household(row)
        self._person(row, text)
        relation = text["relation"]
        if not relation:
            self.fail(
                row,
                "relation",
                _(
                    "The cell is empty: write 户主 for the head, or the relation to the head: %(choices)s."
                )
                % {"choices": RELATION_CHOICES},
            )
        else:
            row.relation = RELATIONS.get(relation) or RELATIONS.get(relation.lower(), "")
            if not row.relation:
                self.fail(
                    row,
                    "relation",
                    _('"%(value)s" is not a relation to the head: write one of %(choices)s.')
                    % {"value": relation, "choices": RELATION_CHOICES},
                )
        if "address" in text:
            row.address = text["address"]
            if len(row.address) > _MAX_LENGTHS["address"]:
                self.fail(row, "address", self._too_long(_MAX_LENGTHS["address"]))
        if "tags" in text:
            row.tags = self._tags(row, text["tags"])
        if "category" in text:
            value = text["category"]
            row.category = CATEGORIES.get(value) or CATEGORIES.get(value.lower(), "")
            if value and not row.category:
                self.fail(
                    row,
                    "category",
                    _(
                        '"%(value)s" is not a household category: write 重点户 or 放心户, or leave '
                        "it empty to have it follow from the tags."
                    )
                    % {"value": value},
                )
        return row

    def _too_long(self, limit: int) -> str:
        return _("The text is longer than %(n)d characters: shorten it.") % {"n": limit}

    def _household(self, row: _Row) -> None:
        if not row.household_number:
            self.fail(
                row,
                "household_number",
                _("The cell is empty: give the household's number, the same on each of its rows."),
            )
        elif len(row.household_number) > _MAX_LENGTHS["household_number"]:
            self.fail(row, "household_number", self._too_long(_MAX_LENGTHS["household_number"]))
        code = row.unit_code
        if not code:
            self.fail(
                row,
                "unit_code",
                _(
                    "The cell is empty: give the code of the unit (单元网格) the household lives in."
                ),
            )
        elif _NUMBER_SHAPED.match(code):
            self.fail(
                row,
                "unit_code",
                _(
                    "The code was stored as a number in Excel and lost its last digits: format "
                    "the column as text and type the code again."
                ),
            )
        elif not _ALL_DIGITS.match(code):
            self.fail(
                row,
                "unit_code",
                _('"%(value)s" is not an area code: write the unit\'s code, digits only.')
                % {"value": code},
            )

    def _person(self, row: _Row, text: dict[str, str]) -> None:
        row.name = text["name"]
        if not row.name:
            self.fail(row, "name", _("The cell is empty: give the resident's name."))
        elif len(row.name) > _MAX_LENGTHS["name"]:
            self.fail(row, "name", self._too_long(_MAX_LENGTHS["name"]))
        else:
            row.name_initials = initials(row.name)
        row.id_number = (
            self.attempt(row, "id_number", validators.clean_id_number, text["id_number"]) or ""
        )
        sex = self.attempt(row, "sex", validators.clean_sex, text["sex"]) if text.get("sex") else ""
        birth = (
            self.attempt(row, "birth_date", validators.clean_date, text["birth_date"])
            if text.get("birth_date")
            else None
        )
        if text.get("phone"):
            row.phone = self.attempt(row, "phone", validators.clean_phone, text["phone"])
        if row.id_number:
            # The ID number states the sex and birth date; the columns may only agree with it.
            id_sex = validators.sex_of(row.id_number)
            id_birth = validators.birth_date_of(row.id_number)
            if sex and sex != id_sex:
                self.fail(
                    row,
                    "sex",
                    _(
                        "%(given)s does not match the ID number, which says %(stated)s: "
                        "correct the sex or the ID number, or leave the sex empty."
                    )
                    % {"given": text["sex"], "stated": Sex(id_sex).label},
                )
            if birth and birth != id_birth:
                self.fail(
                    row,
                    "birth_date",
                    _(
                        "%(given)s does not match the ID number, which says %(stated)s: correct "
                        "the birth date or the ID number, or leave the birth date empty."
                    )
                    % {"given": birth.isoformat(), "stated": id_birth.isoformat()},
                )
            row.sex, row.birth_date = id_sex, id_birth
        else:
            row.sex, row.birth_date = sex or None, birth

    def _tags(self, row: _Row, value: str) -> tuple[str, ...]:
        codes: list[str] = []
        unknown: list[str] = []
        for word in _TAG_SEPARATORS.split(value):
            if not word:
                continue
            tag = self.tags.get(word) or self.tags.get(word.lower())
            if tag is None:
                unknown.append(word)
            elif tag.code not in codes:
                codes.append(tag.code)
        if unknown:
            self.fail(
                row,
                "tags",
                _("Unknown tag(s) %(tags)s: write the ledger's tags (%(known)s), separated by 、.")
                % {"tags": "、".join(unknown), "known": self.tag_names},
            )
        return tuple(codes)


def _tag_order(tag: Tag):
    return (tag.order, tag.code)


# --- households of the file -------------------------------------------------------------


@dataclasses.dataclass(eq=False)
class _FileHousehold:
    """The rows of one household of the file: the same 户编号 in the same unit."""

    unit_code: str
    number: str
    rows: list[_Row] = dataclasses.field(default_factory=list)
    # Messages that hold for every row of the household (no head, unit out of scope …).
    errors: list[str] = dataclasses.field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return (self.unit_code, self.number)

    @property
    def rejected(self) -> bool:
        return bool(self.errors) or any(r.errors for r in self.rows)

    @property
    def head_row(self) -> _Row:
        return next(r for r in self.rows if r.relation == Relation.HEAD)

    def reject(self, message: str) -> None:
        if message not in self.errors:
            self.errors.append(message)


def _check_household(
    household: _FileHousehold, labels: dict[str, str], duplicates: dict[str, list[int]]
) -> None:
    """What only the whole file shows: one head a household, one category a household, a
    person once in the file (`duplicates`: the rows of each ID number found more than once)."""

    def label(column: str, message: str) -> str:
        return _("%(column)s: %(message)s") % {"column": labels[column], "message": message}

    heads = [r for r in household.rows if r.relation == Relation.HEAD]
    if not heads and all(r.relation for r in household.rows):
        household.reject(
            label(
                "relation",
                _("Household %(number)s has no head: write 户主 on its head's row.")
                % {"number": household.number},
            )
        )
    elif len(heads) > 1:
        household.reject(
            label(
                "relation",
                _(
                    "Rows %(rows)s of household %(number)s all say 户主, but a household has "
                    "one head: write the others' relation to the head."
                )
                % {
                    "rows": "、".join(str(r.number) for r in heads),
                    "number": household.number,
                },
            )
        )
    categories = {r.category for r in household.rows if r.category}
    if len(categories) > 1:
        household.reject(
            label(
                "category",
                _(
                    "The rows of household %(number)s give different categories: give one, "
                    "on the head's row."
                )
                % {"number": household.number},
            )
        )
    seen_without_id: dict[tuple[str, datetime.date | None], _Row] = {}
    for row in household.rows:
        if row.id_number:
            for other in duplicates.get(row.id_number, ()):
                if other != row.number:
                    row.errors.append(
                        label(
                            "id_number",
                            _(
                                "Row %(row)d has the same ID number: a person is in the "
                                "ledger once, so remove one of the rows or correct the number."
                            )
                            % {"row": other},
                        )
                    )
        elif row.name:
            key = (row.name, row.birth_date)
            first = seen_without_id.setdefault(key, row)
            if first is not row:
                row.errors.append(
                    label(
                        "name",
                        _(
                            "Row %(row)d already lists %(name)s, with the same birth date "
                            "and no ID number: remove this row, or give their ID numbers."
                        )
                        % {"row": first.number, "name": row.name},
                    )
                )


class _Units:
    """The units the file names, looked up once each; a household in a code that is not
    an open unit in the importer's area is rejected."""

    def __init__(self, actor, within: str, labels: dict[str, str]):
        self.roots = scope.scope_codes(actor) if actor is not None else None
        self.within = within
        self.labels = labels
        self.areas: dict[str, Area | None] = {}
        self.units: dict[str, Area] = {}  # the open units among them, by code

    def check(self, households: list[_FileHousehold]) -> None:
        wanted = sorted(
            {h.unit_code for h in households if _ALL_DIGITS.match(h.unit_code)} - set(self.areas)
        )
        for chunk in _chunks(wanted):
            found = {a.code: a for a in Area.objects.filter(code__in=chunk)}
            for code in chunk:
                area = self.areas[code] = found.get(code)
                if area is not None and area.level == Level.UNIT:
                    self.units[code] = area
        for household in households:
            problem = _unit_problem(household.unit_code, self.areas, self.roots, self.within)
            if problem:
                household.reject(
                    _("%(column)s: %(message)s")
                    % {"column": self.labels["unit_code"], "message": problem}
                )


def _unit_problem(code: str, areas: dict[str, Area], roots, within: str) -> str:
    area = areas.get(code)
    if not _ALL_DIGITS.match(code):
        return ""  # the row already says what is wrong with the code
    if area is None:
        return _("No area has the code %(code)s: check it against the area tree.") % {"code": code}
    if area.level != Level.UNIT:
        return _(
            "%(code)s is a %(level)s, not a unit (单元网格): give the code of the unit the "
            "household lives in."
        ) % {"code": code, "level": area.get_level_display()}
    if not area.is_open:
        return _(
            "The unit %(code)s is closed: give the code of the unit the household belongs to now."
        ) % {"code": code}
    if within and not code.startswith(within):
        return _(
            "The unit %(code)s is not under %(within)s, the area this import is limited to: "
            "remove these rows, or import them there."
        ) % {"code": code, "within": within}
    if roots is not None and not any(code.startswith(root) for root in roots):
        return _(
            "The unit %(code)s is outside the areas of your posts: remove these rows, or have "
            "someone with a post there import them."
        ) % {"code": code}
    return ""


def _chunks(items: Sequence, size: int = 1000):
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- the ledger as it is ----------------------------------------------------------------


@dataclasses.dataclass
class _State:
    """What the ledger holds for a batch of the file's households, read in a few queries."""

    households: dict[tuple[str, str], Household]
    # Every resident found by ID number or as a member of those households, by pk.
    residents: dict[int, Resident]
    by_id: dict[str, Resident]
    members: dict[int, list[Resident]]
    # Current tags: resident pk → {tag code: ResidentTag pk}.
    tags: dict[int, dict[str, int]]
    # Every household read: the batch's and those that residents found by ID number live in.
    by_pk: dict[int, Household]


def _load(
    batch: list[_FileHousehold],
    units: dict[str, Area],
    tags_by_pk: dict[int, Tag],
    today: datetime.date,
    lock: bool,
) -> _State:
    households_qs = Household.objects.all()
    residents_qs = Resident.objects.all()
    if lock:
        households_qs = households_qs.select_for_update()
        residents_qs = residents_qs.select_for_update()
    wanted = {h.key for h in batch}
    households = {
        (h.area_code, h.number): h
        for h in households_qs.filter(
            unit_id__in={units[h.unit_code].pk for h in batch},
            number__in={h.number for h in batch},
        )
        if (h.area_code, h.number) in wanted
    }
    residents: dict[int, Resident] = {}
    ids = [r.id_number for h in batch for r in h.rows if r.id_number]
    for chunk in _chunks(ids):
        # The exclude lets SQLite use the unique index, which holds non-empty numbers only.
        found = residents_qs.filter(id_number__in=chunk).exclude(id_number="")
        residents.update((r.pk, r) for r in found)
    for chunk in _chunks([h.pk for h in households.values()]):
        for resident in residents_qs.filter(household_id__in=chunk):
            residents.setdefault(resident.pk, resident)
    members: dict[int, list[Resident]] = {}
    inside = {h.pk for h in households.values()}
    for resident in sorted(residents.values(), key=lambda r: r.pk):
        if resident.household_id in inside:
            members.setdefault(resident.household_id, []).append(resident)
    tags: dict[int, dict[str, int]] = {}
    for chunk in _chunks(list(residents)):
        for pk, resident_id, tag_id in (
            ResidentTag.objects.current(today)
            .filter(resident_id__in=chunk)
            .values_list("pk", "resident_id", "tag_id")
        ):
            tags.setdefault(resident_id, {})[tags_by_pk[tag_id].code] = pk
    by_pk = {h.pk: h for h in households.values()}
    outside = sorted({r.household_id for r in residents.values()} - inside)
    for chunk in _chunks(outside):
        by_pk.update((h.pk, h) for h in households_qs.filter(pk__in=chunk))
    return _State(
        households=households,
        residents=residents,
        by_id={r.id_number: r for r in residents.values() if r.id_number},
        members=members,
        tags=tags,
        by_pk=by_pk,
    )


# --- what would change ------------------------------------------------------------------

NEW, UPDATED, TRANSFERRED, UNCHANGED, REJECTED = (
    "new",
    "updated",
    "transferred",
    "unchanged",
    "rejected",
)
# The resident fields an import writes.
_RESIDENT_FIELDS = (
    "name",
    "name_initials",
    "id_number",
    "id_tail",
    "sex",
    "birth_date",
    "phone",
    "phone_tail",
    "relation",
    "household",
    "area_code",
    "status",
    "updated_at",
)
_HOUSEHOLD_FIELDS = (
    "address",
    "status",
    "category",
    "category_override",
    "category_reason",
    "updated_at",
)


@dataclasses.dataclass(eq=False)
class _ResidentPlan:
    row: _Row
    resident: Resident | None  # None: a new resident
    kind: str
    changes: dict = dataclasses.field(default_factory=dict)
    add_tags: list[str] = dataclasses.field(default_factory=list)
    end_tags: list[int] = dataclasses.field(default_factory=list)
    # The household the resident leaves (a transfer), or None.
    source_id: int | None = None
    left_living: bool = False  # they lived there until now (not moved out before)
    returning: bool = False  # had moved out of this household and is back
    becomes_head: bool = False  # an existing member of the household becomes its head


@dataclasses.dataclass(eq=False)
class _HouseholdPlan:
    file: _FileHousehold
    unit: Area
    household: Household | None  # None: a new household
    values: dict  # the household fields as they will be
    changes: dict
    residents: list[_ResidentPlan]
    # Households that members move between, this one and another one: written in one
    # transaction with this one, so that neither is ever seen half moved.
    linked: set[tuple[str, str]]
    created: bool = False
    household_id: int | None = None

    @property
    def kind(self) -> str:
        if self.household is None or self.created:
            return NEW
        if self.changes or any(r.kind != UNCHANGED for r in self.residents):
            return UPDATED
        return UNCHANGED


class _Planner:
    def __init__(self, units: dict[str, Area], tags: dict[str, Tag], labels, today, actor=None):
        self.units = units
        self.tags = tags  # by code
        self.labels = labels
        self.today = today
        self.actor = actor  # None: the operator at the command line, who may reach anyone

    def reachable(self, resident: Resident) -> bool:
        """Whether the importer may take the resident from where they are now: only from
        the areas of their posts (wherever `within` limits the households to)."""
        return self.actor is None or scope.in_scope(self.actor, resident.area_code)

    def label(self, column: str, message: str) -> str:
        return _("%(column)s: %(message)s") % {"column": self.labels[column], "message": message}

    def plan(
        self, fh: _FileHousehold, state: _State, listed: dict[str, tuple[str, str]]
    ) -> _HouseholdPlan | None:
        """What importing the household changes; None, with its errors set, when the
        ledger as it is forbids it."""
        household = state.households.get(fh.key)
        members = state.members.get(household.pk, []) if household else []
        unclaimed_without_id: dict[tuple[str, datetime.date | None], list[Resident]] = {}
        for member in members:
            if not member.id_number:
                unclaimed_without_id.setdefault((member.name, member.birth_date), []).append(member)
        claimed: set[int] = set()
        found: dict[int, Resident | None] = {}
        for row in fh.rows:
            if not row.id_number:
                continue
            resident = state.by_id.get(row.id_number)
            if resident is None:
                # An ID number the ledger does not know may complete a member the ledger
                # has without one: the same household, name and birth date.
                candidates = unclaimed_without_id.get((row.name, row.birth_date), [])
                resident = next((m for m in candidates if m.pk not in claimed), None)
            elif not self.reachable(resident):
                # One message whatever the ledger holds about them elsewhere (living,
                # moved out, deceased): the import tells no one outside their posts.
                row.errors.append(self.label("id_number", self._unreachable()))
                continue
            if resident is not None:
                claimed.add(resident.pk)
            found[row.number] = resident
        # A row without an ID number is a member of the household by the same name (and
        # birth date, when the row gives one), unless the file lists that member elsewhere.
        without_id = [r for r in fh.rows if not r.id_number]
        for row in sorted(without_id, key=lambda r: r.birth_date is None):
            candidates = [
                m
                for m in members
                if m.pk not in claimed
                and m.name == row.name
                and (row.birth_date is None or m.birth_date == row.birth_date)
                and not (m.id_number and m.id_number in listed)
            ]
            if len(candidates) > 1:
                row.errors.append(
                    self.label(
                        "id_number",
                        _(
                            "Household %(number)s has several members named %(name)s: give "
                            "the ID number of the one this row is about."
                        )
                        % {"number": fh.number, "name": row.name},
                    )
                )
                continue
            resident = candidates[0] if candidates else None
            if resident is not None:
                claimed.add(resident.pk)
            found[row.number] = resident
        residents = []
        for row in fh.rows:
            if row.number not in found:
                continue
            resident = found[row.number]
            if resident is not None and resident.status == ResidentStatus.DECEASED:
                row.errors.append(
                    self.label(
                        "id_number",
                        _(
                            "The ledger records this person as deceased: check the ID "
                            "number, or correct the record on the resident's page first."
                        ),
                    )
                )
                continue
            residents.append(self._resident(row, resident, household, state))
        if fh.rejected:
            return None

        linked: set[tuple[str, str]] = set()
        staying: list[Resident] = []  # living members the file leaves where they are
        for member in members:
            if member.pk in claimed or member.status != ResidentStatus.LIVING:
                continue
            elsewhere = listed.get(member.id_number) if member.id_number else None
            if elsewhere is not None and elsewhere != fh.key:
                linked.add(elsewhere)
            else:
                staying.append(member)
        head = fh.head_row
        for member in staying:
            if member.relation == Relation.HEAD:
                fh.reject(
                    self.label(
                        "relation",
                        _(
                            "The ledger's head of household %(number)s is %(name)s (%(id)s), who "
                            "is not in the file: add their row with their relation to %(head)s, "
                            "or change the head on the household's page first."
                        )
                        % {
                            "number": fh.number,
                            "name": member.name,
                            "id": member.masked_id_number or "-",
                            "head": head.name,
                        },
                    )
                )
                return None

        values = self._household_values(fh, household, residents, staying, state)
        changes = {}
        if household is not None:
            changes = {f: v for f, v in values.items() if getattr(household, f) != v}
        for plan in residents:
            if plan.source_id is not None:
                source = state.by_pk[plan.source_id]
                linked.add((source.area_code, source.number))
        linked.discard(fh.key)
        return _HouseholdPlan(
            file=fh,
            unit=self.units[fh.unit_code],
            household=household,
            values=values,
            changes=changes,
            residents=residents,
            linked=linked,
        )

    def _unreachable(self) -> str:
        return _(
            "This ID number cannot be used here: if the person moved from another village, "
            "ask that village or the town to record the move."
        )

    def _resident(
        self, row: _Row, resident: Resident | None, household: Household | None, state: _State
    ) -> _ResidentPlan:
        if resident is None:
            return _ResidentPlan(row=row, resident=None, kind=NEW, add_tags=list(row.tags or ()))
        wanted = {
            "name": row.name,
            "name_initials": row.name_initials,
            "relation": row.relation,
            "status": ResidentStatus.LIVING,
        }
        if row.id_number:
            wanted["id_number"] = row.id_number
        # A member matched by name keeps the sex and birth date their ID number states.
        stated = () if resident.id_number and not row.id_number else ("sex", "birth_date")
        for column in (*stated, "phone"):
            if getattr(row, column) is not None:
                wanted[column] = getattr(row, column)
        changes = {f: v for f, v in wanted.items() if getattr(resident, f) != v}
        moving = household is None or resident.household_id != household.pk
        current = state.tags.get(resident.pk, {})
        add_tags, end_tags = [], []
        if row.tags is not None:
            add_tags = [c for c in row.tags if c not in current]
            end_tags = [pk for code, pk in current.items() if code not in row.tags]
        if moving:
            kind = TRANSFERRED
        elif changes or add_tags or end_tags:
            kind = UPDATED
        else:
            kind = UNCHANGED
        was_living_head = (
            resident.relation == Relation.HEAD and resident.status == ResidentStatus.LIVING
        )
        return _ResidentPlan(
            row=row,
            resident=resident,
            kind=kind,
            changes=changes,
            add_tags=add_tags,
            end_tags=end_tags,
            source_id=resident.household_id if moving else None,
            left_living=moving and resident.status == ResidentStatus.LIVING,
            returning=not moving and resident.status != ResidentStatus.LIVING,
            becomes_head=not moving and row.relation == Relation.HEAD and not was_living_head,
        )

    def _household_values(self, fh, household, residents, staying, state) -> dict:
        head = fh.head_row
        address = head.address or next((r.address for r in fh.rows if r.address), "")
        if household is not None and not address:
            address = household.address  # an empty cell keeps the address the ledger has
        codes: set[str] = set()
        for plan in residents:
            if plan.row.tags is not None:
                codes.update(plan.row.tags)
            elif plan.resident is not None:
                codes.update(state.tags.get(plan.resident.pk, {}))
        for member in staying:
            codes.update(state.tags.get(member.pk, {}))
        key = any(self.tags[c].makes_key_household for c in codes if c in self.tags)
        derived = HouseholdCategory.KEY if key else HouseholdCategory.ORDINARY
        override, reason = (
            (household.category_override, household.category_reason) if household else ("", "")
        )
        given = [r.category for r in fh.rows if r.category is not None]
        given = next((c for c in given if c), "") if given else None  # None: no such column
        if given == "":
            # Left empty: the category follows the tags again, unless it was set by hand on
            # a page (with a reason of its own), which an import does not overrule.
            if override and reason == CATEGORY_REASON:
                override, reason = "", ""
        elif given and given != override:
            override, reason = ("", "") if given == derived else (given, CATEGORY_REASON)
        return {
            "address": address,
            # The file gives the household living members: it is active again, if it had
            # moved out.
            "status": HouseholdStatus.ACTIVE,
            "category": override or derived,
            "category_override": override,
            "category_reason": reason,
        }


# --- writing ----------------------------------------------------------------------------


_FRESH_HOUSEHOLD_FIELDS = (
    "unit",
    "area_code",
    "number",
    "address",
    "door_number",
    "category",
    "category_override",
    "category_reason",
    "status",
    "created_at",
    "updated_at",
)
_FRESH_RESIDENT_FIELDS = (
    "household",
    "area_code",
    "name",
    "name_initials",
    "id_number",
    "id_tail",
    "sex",
    "birth_date",
    "phone",
    "phone_tail",
    "relation",
    "ethnicity",
    "is_party_member",
    "status",
    "created_at",
    "updated_at",
)
_AUDIT_FIELDS = (
    "at",
    "actor",
    "actor_username",
    "source",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "area_code",
    "after",
)


def _write_fresh(plans: list[_HouseholdPlan], tags: dict[str, Tag], actor, today, now) -> None:
    """Writes households the ledger does not know, all of whose members are new to it:
    the bulk of a first import, as a few multi-row INSERTs with no model instances.

    Registering a household that already lives here is not a move: no life events. Each
    household gets one audit entry, its members (personal data masked) listed in it.
    """
    stamp = db_value(Household, "created_at", now)
    insert_rows(
        Household,
        _FRESH_HOUSEHOLD_FIELDS,
        (
            (
                p.unit.pk,
                p.unit.code,
                p.file.number,
                p.values["address"],
                "",
                p.values["category"],
                p.values["category_override"],
                p.values["category_reason"],
                p.values["status"],
                stamp,
                stamp,
            )
            for p in plans
        ),
    )
    ids: dict[tuple[int, str], int] = {}
    for chunk in _chunks(plans, 500):
        ids.update(
            ((unit_id, number), pk)
            for unit_id, number, pk in Household.objects.filter(
                unit_id__in={p.unit.pk for p in chunk}, number__in={p.file.number for p in chunk}
            ).values_list("unit_id", "number", "pk")
        )
    adapt_date = connection.ops.adapt_datefield_value
    members = []
    for plan in plans:
        household_id = ids[(plan.unit.pk, plan.file.number)]
        plan.created = True
        plan.household_id = household_id
        for r in plan.residents:
            row = r.row
            phone = row.phone or ""
            members.append(
                (
                    household_id,
                    plan.unit.code,
                    row.name,
                    row.name_initials,
                    row.id_number,
                    row.id_number[-4:],
                    row.sex or "",
                    adapt_date(row.birth_date),
                    phone,
                    phone[-4:],
                    row.relation,
                    "",
                    False,
                    ResidentStatus.LIVING,
                    stamp,
                    stamp,
                )
            )
    insert_rows(Resident, _FRESH_RESIDENT_FIELDS, members)
    # Residents get their ids in the order they were inserted, household by household.
    resident_ids: dict[int, list[int]] = {}
    for chunk in _chunks([p.household_id for p in plans], 500):
        for household_id, pk in (
            Resident.objects.filter(household_id__in=chunk)
            .order_by("household_id", "pk")
            .values_list("household_id", "pk")
        ):
            resident_ids.setdefault(household_id, []).append(pk)
    starts = adapt_date(today)
    tag_rows = []
    entries = []
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    actor_id = actor.pk if authenticated else None
    username = actor.get_username() if authenticated else ""
    source = audit.current_source()
    for plan in plans:
        pks = resident_ids[plan.household_id]
        listed = []
        for pk, r in zip(pks, plan.residents, strict=True):
            row = r.row
            tag_rows.extend((pk, tags[code].pk, starts) for code in r.add_tags)
            listed.append(
                {
                    "id": pk,
                    "name": row.name,
                    "id_number": mask_id_number(row.id_number),
                    "sex": row.sex or "",
                    "birth_date": row.birth_date.isoformat() if row.birth_date else None,
                    "phone": mask_phone(row.phone or ""),
                    "relation": row.relation,
                    "tags": list(r.add_tags),
                }
            )
        after = {
            "id": plan.household_id,
            "unit_id": plan.unit.pk,
            "area_code": plan.unit.code,
            "number": plan.file.number,
            **{f: plan.values[f] for f in ("address", "category", "category_override", "status")},
            "category_reason": plan.values["category_reason"],
            "members": listed,
        }
        entries.append(
            (
                stamp,
                actor_id,
                username,
                source,
                "household.create",
                "registry.household",
                str(plan.household_id),
                f"{plan.unit.code}-{plan.file.number}",
                plan.unit.code,
                db_value(AuditEntry, "after", after),
            )
        )
    insert_rows(ResidentTag, ("resident", "tag", "starts_on"), tag_rows)
    insert_rows(AuditEntry, _AUDIT_FIELDS, entries)


def _write(plans: list[_HouseholdPlan], state: _State, tags: dict[str, Tag], actor, today):
    """Writes a batch of planned households; the caller holds the transaction."""
    now = timezone.now()
    fresh = [
        p for p in plans if p.household is None and all(r.resident is None for r in p.residents)
    ]
    if fresh:
        _write_fresh(fresh, tags, actor, today, now)
        plans = [p for p in plans if not p.created]
    entries = []
    new_households = []
    for plan in plans:
        if plan.household is None:
            plan.created = True
            plan.household = Household(
                unit=plan.unit,
                area_code=plan.unit.code,
                number=plan.file.number,
                created_at=now,
                **plan.values,
            )
            new_households.append(plan.household)
    Household.objects.bulk_create(new_households, batch_size=500)
    changed_households = []
    for plan in plans:
        if plan.created or not plan.changes:
            continue
        before = audit.snapshot(plan.household)
        for column, value in plan.changes.items():
            setattr(plan.household, column, value)
        plan.household.updated_at = now
        changed_households.append(plan.household)
        entries.append(
            audit.build_entry(
                actor=actor,
                action="household.update",
                obj=plan.household,
                before=before,
                after=audit.snapshot(plan.household),
            )
        )
    Household.objects.bulk_update(changed_households, _HOUSEHOLD_FIELDS, batch_size=500)

    # A household has one living head at every moment (a unique index says so), so the
    # heads that stop being heads here give up the place before the new ones take it.
    vacating = [
        r.resident.pk
        for plan in plans
        for r in plan.residents
        if r.resident is not None
        and r.resident.relation == Relation.HEAD
        and r.resident.status == ResidentStatus.LIVING
        and (r.source_id is not None or r.changes.get("relation", Relation.HEAD) != Relation.HEAD)
    ]
    if vacating:
        Resident.objects.filter(pk__in=vacating).update(relation=Relation.OTHER)

    updated, created, events, tag_rows, ended = [], [], [], [], []
    leaving: list[int] = []
    for plan in plans:
        household = plan.household
        for r in plan.residents:
            if r.resident is None:
                resident = Resident(
                    household=household,
                    area_code=household.area_code,
                    name=r.row.name,
                    name_initials=r.row.name_initials,
                    id_number=r.row.id_number,
                    id_tail=r.row.id_number[-4:],
                    sex=r.row.sex or "",
                    birth_date=r.row.birth_date,
                    phone=r.row.phone or "",
                    phone_tail=(r.row.phone or "")[-4:],
                    relation=r.row.relation,
                    created_at=now,
                )
                r.resident = resident
                created.append(r)
                continue
            resident = r.resident
            if r.kind == UNCHANGED:
                continue
            before = audit.snapshot(resident)
            before_tags = sorted(state.tags.get(resident.pk, {}))
            if r.left_living:
                leaving.append(r.source_id)
                r.changes["household"] = household
                r.changes["area_code"] = household.area_code
            for column, value in r.changes.items():
                setattr(resident, column, value)
            if r.changes:
                resident.id_tail = resident.id_number[-4:]
                resident.phone_tail = resident.phone[-4:]
                resident.updated_at = now
                updated.append(resident)
            after = audit.snapshot(resident)
            if r.add_tags or r.end_tags:
                after_tags = sorted(
                    {*before_tags, *r.add_tags}
                    - {c for c, pk in state.tags.get(resident.pk, {}).items() if pk in r.end_tags}
                )
                before, after = {**before, "tags": before_tags}, {**after, "tags": after_tags}
            ended.extend(r.end_tags)
            tag_rows.extend(
                ResidentTag(resident=resident, tag=tags[c], starts_on=today) for c in r.add_tags
            )
            action = "resident.transfer" if r.kind == TRANSFERRED else "resident.update"
            entries.append(
                audit.build_entry(
                    actor=actor, action=action, obj=resident, before=before, after=after
                )
            )
            events.extend(_events(r, household, state, actor, today))
    Resident.objects.bulk_update(updated, _RESIDENT_FIELDS, batch_size=500)
    Resident.objects.bulk_create([r.resident for r in created], batch_size=500)
    for r in created:
        tag_rows.extend(
            ResidentTag(resident=r.resident, tag=tags[c], starts_on=today) for c in r.add_tags
        )
        events.extend(_events(r, r.resident.household, state, actor, today))
        entries.append(
            audit.build_entry(
                actor=actor,
                action="resident.create",
                obj=r.resident,
                after={**audit.snapshot(r.resident), "tags": list(r.add_tags)},
            )
        )
    if ended:
        ResidentTag.objects.filter(pk__in=ended).update(ends_on=today)
    ResidentTag.objects.bulk_create(tag_rows, batch_size=500)
    LifeEvent.objects.bulk_create(events, batch_size=500)
    for plan in plans:
        if plan.created:
            entries.append(
                audit.build_entry(
                    actor=actor,
                    action="household.create",
                    obj=plan.household,
                    after=audit.snapshot(plan.household),
                )
            )
    in_batch = {plan.household.pk for plan in plans}
    for source_id in dict.fromkeys(leaving):
        if source_id not in in_batch:
            _settle(state.by_pk[source_id], actor, today)
    audit.record_many(entries)


def _events(r: _ResidentPlan, household: Household, state: _State, actor, today):
    def event(kind, **fields):
        return LifeEvent(
            resident=r.resident,
            kind=kind,
            on=today,
            to_household=household,
            area_code=household.area_code,
            recorded_by=actor,
            **fields,
        )

    if r.kind == NEW or r.returning:
        yield event(LifeEventKind.MOVE_IN)
    if r.source_id is not None:
        source = state.by_pk[r.source_id]
        yield event(LifeEventKind.TRANSFER, from_household=source, from_area_code=source.area_code)
    if r.becomes_head and r.kind != NEW:
        yield event(LifeEventKind.HEAD_CHANGE)


def _settle(household: Household, actor, today: datetime.date) -> None:
    """A household that members left by transfer: the eldest remaining member becomes head
    if the head left, it closes when no one remains, and its category follows."""
    living = household.residents.filter(status=ResidentStatus.LIVING)
    if not living.exists():
        if household.status == HouseholdStatus.MOVED_OUT:
            return
        household.status = HouseholdStatus.MOVED_OUT
        household.save(update_fields=["status", "updated_at"])
    elif not living.filter(relation=Relation.HEAD).exists():
        # The eldest known: a member without a birth date does not come first.
        successor = living.order_by(F("birth_date").asc(nulls_last=True), "id").first()
        Resident.objects.filter(pk=successor.pk).update(
            relation=Relation.HEAD, updated_at=timezone.now()
        )
        LifeEvent.objects.create(
            resident=successor,
            kind=LifeEventKind.HEAD_CHANGE,
            on=today,
            to_household=household,
            area_code=household.area_code,
            recorded_by=actor,
            note=_("The head left; the eldest member became head."),
        )
    recompute_category(household)


# --- the import -------------------------------------------------------------------------

# Households are analysed, and written, in batches of about this many rows: each batch is
# a few queries, and one transaction when written.
BATCH_ROWS = 5000
# How often the import reports its progress, in rows.
PROGRESS_EVERY = 500


@dataclasses.dataclass
class RowError:
    row: int
    message: str

    def __str__(self) -> str:
        return _("Row %(row)d: %(message)s") % {"row": self.row, "message": self.message}


@dataclasses.dataclass
class LedgerReport:
    """What an import did (or, in a dry run, would do), and the rows it rejected."""

    dry_run: bool = False
    households: Counter = dataclasses.field(default_factory=Counter)
    residents: Counter = dataclasses.field(default_factory=Counter)
    errors: list[RowError] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict:
        return {
            "households": {k: self.households[k] for k in (NEW, UPDATED, UNCHANGED, REJECTED)},
            "residents": {
                k: self.residents[k] for k in (NEW, UPDATED, TRANSFERRED, UNCHANGED, REJECTED)
            },
        }

    def summary(self) -> str:
        counts = self.counts()
        households = ", ".join(f"{n} {k}" for k, n in counts["households"].items())
        residents = ", ".join(f"{n} {k}" for k, n in counts["residents"].items())
        return f"households: {households}; residents: {residents}"


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


def _household_key(unit_code: str, household_number: str) -> tuple[str, str]:
    """(unit code, 户编号) of a row from its normalised cells, the same in both passes."""
    return validators.unwrap(unit_code.replace(" ", "")), validators.unwrap(household_number)


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


def _groups(links: dict[tuple[str, str], set]) -> dict:
    """Household key → the keys (in file order) of the households linked with it."""
    parent = {key: key for key in links}

    def find(key):
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for key, linked in links.items():
        for other in linked:
            if other in parent:
                parent[find(key)] = find(other)
    members: dict = {}
    for key in links:
        members.setdefault(find(key), []).append(key)
    return {key: members[find(key)] for key in links}


def import_ledger(
    *,
    actor,
    rows: Iterable[tuple[int, dict[str, str]]],
    labels: dict[str, str] | None = None,
    within: str = "",
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> LedgerReport:
    """Imports (row number, {column: cell}) rows of a ledger file.

    Households with a bad row are rejected whole, every other household goes in: a new
    one is created, a known one (by unit and 户编号) updated. Residents are known by their
    ID number, and without one by household, name and birth date; one found in another
    household moves (a transfer, kept in both histories). `actor=None` is the operator at
    the command line; `within` limits the units to one subtree. `labels` names the columns
    as the file does, for the messages. A dry run analyses and writes nothing.

    `rows` is read twice (a list, or `LedgerFile.records()`, which reads the file again):
    first for where each household's rows end and where each ID number is listed, then
    to check and write the households in batches of about BATCH_ROWS rows, each in one
    transaction, as soon as their last row is read. Only the batch is held in memory.
    """
    run = _Import(actor, labels, within, dry_run, progress)
    for number, unit_code, household_number, id_number in _keys(rows):
        run.listing.add(
            number,
            _household_key(
                exports.unescape_cell(validators.normalize_text(unit_code)),
                exports.unescape_cell(validators.normalize_text(household_number)),
            ),
            validators.compact(id_number).upper(),
        )
    if progress:
        progress(0, run.listing.rows)
    with bulk_writing():
        for number, cells in rows:
            run.read(number, cells)
        run.finish()
    written = sum(run.report.residents[k] for k in (NEW, UPDATED, TRANSFERRED))
    if not dry_run and written >= ANALYZE_AFTER_ROWS and connection.vendor == "postgresql":
        # PostgreSQL plans the ledger's searches by its statistics, which a large load
        # leaves out of date until autovacuum (if it runs at all) gets to the tables.
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE registry_household, registry_resident, registry_residenttag, "
                "registry_ledgertally"
            )
    return run.report


# After an import that wrote this many residents, PostgreSQL's statistics are refreshed.
ANALYZE_AFTER_ROWS = 50_000


class _Import:
    def __init__(self, actor, labels, within: str, dry_run: bool, progress):
        self.actor = actor
        self.labels = {**HEADERS, **(labels or {})}
        self.dry_run = dry_run
        self.progress = progress
        self.today = timezone.localdate()
        active = list(Tag.objects.filter(is_active=True))
        self.tags_by_pk = {t.pk: t for t in Tag.objects.all()}
        lookup = {**{t.code.lower(): t for t in active}, **{t.name: t for t in active}}
        self.cleaner = _Cleaner(self.labels, lookup)
        self.units = _Units(actor, within, self.labels)
        self.planner = _Planner(
            self.units.units, {t.code: t for t in active}, self.labels, self.today, actor
        )
        self.listing = _Listing()
        self.report = LedgerReport(dry_run=dry_run)
        self.open: dict[tuple[str, str], _FileHousehold] = {}
        self.ready: list[_FileHousehold] = []
        self.ready_rows = 0
        # Households that wait for another household of the file that a member moves
        # between them and that is not read whole yet: the two are written together.
        self.waiting: list[_FileHousehold] = []
        self.position = 0  # the last row read
        self.done = 0  # rows decided

    def read(self, number: int, cells: dict[str, str]) -> None:
        self.position = number
        row = self.cleaner.clean(number, cells)
        key = (row.unit_code, row.household_number)
        household = self.open.get(key)
        if household is None:
            household = self.open[key] = _FileHousehold(row.unit_code, row.household_number)
        household.rows.append(row)
        if self.listing.complete(key, number):
            del self.open[key]
            self.ready.append(household)
            self.ready_rows += len(household.rows)
            if self.ready_rows >= BATCH_ROWS:
                self.flush()

    def finish(self) -> None:
        self.position = sys.maxsize
        self.ready.extend(self.open.values())  # none, unless the file changed under us
        self.open.clear()
        self.flush()
        self.report.errors.sort(key=lambda e: e.row)
        if self.progress:
            self.progress(self.listing.rows, self.listing.rows)

    def flush(self) -> None:
        batch, self.ready, self.ready_rows = [*self.waiting, *self.ready], [], 0
        self.waiting = []
        if batch:
            self.waiting = self._process(batch)
        rows = sum(len(h.rows) for h in batch) - sum(len(h.rows) for h in self.waiting)
        before, self.done = self.done, self.done + rows
        if self.progress and self.done // PROGRESS_EVERY > before // PROGRESS_EVERY:
            self.progress(self.done, self.listing.rows)

    def _reject(self, household: _FileHousehold) -> None:
        self.listing.reject(household.key)
        self.report.households[REJECTED] += 1
        self.report.residents[REJECTED] += len(household.rows)
        self.report.errors.extend(_row_errors(household))

    def _process(self, batch: list[_FileHousehold]) -> list[_FileHousehold]:
        """Decides, and unless it is a dry run writes, a batch of whole households in one
        transaction; gives back the households that must wait for a later one."""
        for household in batch:
            _check_household(household, self.labels, self.listing.duplicates)
        self.units.check([h for h in batch if not h.rejected])
        for household in batch:
            if household.rejected:
                self._reject(household)
        batch = [h for h in batch if not h.rejected]
        if not batch:
            return []
        with contextlib.nullcontext() if self.dry_run else transaction.atomic():
            if self.actor is not None and not self.dry_run:
                # The posts may have ended since the import began: checked again, locked.
                scope.recheck(self.actor)
                for household in batch:
                    if not scope.in_scope(self.actor, household.unit_code):
                        household.reject(
                            self.planner.label(
                                "unit_code",
                                _(
                                    "The unit %(code)s is outside the areas of your posts: "
                                    "remove these rows, or have someone with a post there "
                                    "import them."
                                )
                                % {"code": household.unit_code},
                            )
                        )
            live = [h for h in batch if not h.rejected]
            state = _load(
                live, self.units.units, self.tags_by_pk, self.today, lock=not self.dry_run
            )
            plans: dict[tuple[str, str], _HouseholdPlan] = {}
            todo = live
            while todo:
                for household in todo:
                    plan = self.planner.plan(household, state, self.listing)
                    if plan is None:
                        plans.pop(household.key, None)
                        self.listing.reject(household.key)
                    else:
                        plans[household.key] = plan
                # A household rejected on what the ledger holds keeps its members where
                # they are, which the households they were to leave are planned again with.
                refused = {h.key for h in live if h.rejected}
                todo = [h for h in live if not h.rejected and plans[h.key].linked & refused]
            waiting = self._waiting(live, plans)
            written = [plans[h.key] for h in live if not h.rejected and h.key not in waiting]
            if not self.dry_run and any(p.kind != UNCHANGED for p in written):
                _write(written, state, self.planner.tags, self.actor, self.today)
        for household in batch:
            if household.rejected:
                self._reject(household)
        for plan in written:
            self.report.households[plan.kind] += 1
            for r in plan.residents:
                self.report.residents[r.kind] += 1
        return [h for h in live if h.key in waiting]

    def _waiting(self, live, plans) -> set[tuple[str, str]]:
        """The households linked, by a member who moves between them, to a household of
        the file that is not read whole yet; and those linked to them."""
        groups = _groups({h.key: plans[h.key].linked for h in live if not h.rejected})
        waiting = set()
        for key, group in groups.items():
            if any(
                other in self.listing.index and not self.listing.complete(other, self.position)
                for member in group
                for other in plans[member].linked
            ):
                waiting.add(key)
        return waiting


def _row_errors(household: _FileHousehold) -> list[RowError]:
    bad = [r.number for r in household.rows if r.errors]
    errors = []
    for row in household.rows:
        messages = [*household.errors, *row.errors]
        if not messages:
            messages = [
                _(
                    "Not imported because other rows of household %(number)s have errors (row "
                    "%(rows)s): fix them, and import the file again."
                )
                % {"number": household.number, "rows": "、".join(map(str, bad))}
            ]
        errors.append(RowError(row.number, " ".join(messages)))
    return errors


# --- background jobs --------------------------------------------------------------------


@importer("ledger")
def import_ledger_file(job, progress) -> tuple[dict, list[str]]:
    """An uploaded ledger file, into the units under the area it was uploaded on. A dry-run
    job is the preview; the rejected rows are kept with the job as an XLSX error file."""
    from yiwang.core.models import ImportJob

    try:
        ledger = read_ledger(bytes(job.data), job.filename)
        report = import_ledger(
            actor=job.created_by,
            rows=ledger.records(),
            labels=ledger.labels,
            within=job.area_code,
            dry_run=job.dry_run,
            progress=progress,
        )
    except ValidationError as exc:  # the file, or a row far down in it, cannot be read
        return {}, list(exc.messages)
    if report.errors:
        ImportJob.objects.filter(pk=job.pk).update(
            error_file=error_file(ledger, report.errors, "xlsx")
        )
    result = report.counts()
    # Households with a bad row are rejected whole; the others went in (or would).
    result["partial"] = any(result["households"][k] for k in (NEW, UPDATED, UNCHANGED))
    return result, [str(e) for e in report.errors]
