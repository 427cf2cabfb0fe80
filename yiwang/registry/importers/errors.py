"""The rows an import rejects: each with its reason, and the error file that hands them
back as they were in the file."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from yiwang.core import exports
from yiwang.registry.importers.households import _FileHousehold
from yiwang.registry.importers.reading import LedgerFile

# The two columns the error file adds; an error file imported again after its rows were
# fixed ignores them like any other unknown column.
ROW_NUMBER_HEADER = "行号"
REASON_HEADER = "错误原因"
ERROR_FILE_FORMATS = {".csv": exports.CSV, ".xlsx": exports.XLSX}


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


@dataclasses.dataclass
class RowError:
    row: int
    message: str

    def __str__(self) -> str:
        return _("Row %(row)d: %(message)s") % {"row": self.row, "message": self.message}


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
