"""Reading tabular uploads (CSV or Excel) into rows of text, with their row numbers."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}


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


def read_rows(data: bytes, filename: str) -> list[tuple[int, list[str]]]:
    """(row number as a spreadsheet shows it, cells) for every non-empty row, header included."""
    suffix = Path(filename).suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        from python_calamine import CalamineError, CalamineWorkbook

        try:
            sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
            raw = sheet.to_python(skip_empty_area=False)
        except CalamineError:
            raise ValidationError(_("The file is not a readable Excel workbook.")) from None
        rows = [[_cell_text(c) for c in r] for r in raw]
    else:
        text = None
        for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        if text is None:
            raise ValidationError(_("The file is neither UTF-8 nor GBK text."))
        rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO(text))]
    return [(i, r) for i, r in enumerate(rows, start=1) if any(c for c in r)]
