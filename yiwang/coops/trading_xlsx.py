"""The trading import's workbook: the empty template to fill in, and an uploaded file
read into the rows `services.members.import_trading` takes.

Columns (the template's first row): 成员编号或户编号 (the member's number on the members'
page, or the household number of a household member), 姓名 (enough alone when no two
members share it), 销售农产品（元）, 购买服务（元）, 年度. The header is the first row, so
that the service's row numbers (the header being row 1) are the sheet's; a blank row
between filled ones is kept as a row and reported."""

from __future__ import annotations

import io

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from yiwang.core import tables

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = {
    "member": "成员编号或户编号",
    "name": "姓名",
    "produce_sold": "销售农产品（元）",
    "services_bought": "购买服务（元）",
    "year": "年度",
}
ALIASES = {
    "member": (
        "社员编号或户编号",
        "成员编号",
        "社员编号",
        "户编号",
        "编号",
        "member",
        "household_number",
    ),
    "name": ("成员姓名", "社员姓名", "户主姓名", "name"),
    "produce_sold": ("销售农产品", "农产品销售额", "produce_sold"),
    "services_bought": ("购买服务", "服务购买额", "services_bought"),
    "year": ("年份", "year"),
}
MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
# The service names a value's field in its message: shown with the column's header.
FIELD_HEADERS = {
    "year": HEADERS["year"],
    "produce_sold": HEADERS["produce_sold"],
    "services_bought": HEADERS["services_bought"],
}


def template() -> bytes:
    """The empty workbook: the headers, text format for the numbers (kept as typed), and
    one example row of how a row looks, in grey, to be overwritten."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "交易量"
    sheet.append(list(HEADERS.values()))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in range(2, 1001):
        sheet[f"A{row}"].number_format = "@"
    for letter, width in zip("ABCDE", (20, 14, 18, 18, 8), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read(data: bytes, filename: str, members, village_numbers=frozenset()) -> list[dict]:
    """The file's data rows as the service takes them, one per sheet row after the header
    (a blank one as an empty row). `members`: the cooperative's members, a
    member's number being passed on as `member_id`; `village_numbers`: the
    household numbers of the village, never taken for a member's number. ValidationError for a file
    that cannot be read as a whole (not a workbook, no header, too many rows)."""
    if not filename.lower().endswith((".xlsx", ".xlsm")):
        raise ValidationError(
            pgettext("coop members", "Upload the Excel workbook (.xlsx) made from the template.")
        )
    if len(data) > MAX_BYTES:
        raise ValidationError(pgettext("coop members", "The file is larger than 5 MB."))
    if tables.count_rows(data, filename, MAX_ROWS + 1) > MAX_ROWS + 1:
        raise ValidationError(
            pgettext("coop members", "The file has more than %(n)d rows: split it.")
            % {"n": MAX_ROWS}
        )
    rows = tables.read_rows(data, filename)
    if not rows:
        raise ValidationError(_("The file is empty."))
    by_key = tables.column_by_header(HEADERS, ALIASES)
    number, header = rows[0]
    columns = {}
    for index, cell in enumerate(header):
        column = by_key.get(tables.header_key(cell))
        if column is not None and column not in columns:
            columns[column] = index
    if number != 1 or "year" not in columns or not {"member", "name"} & set(columns):
        raise ValidationError(
            pgettext(
                "coop members",
                "The first row must be the template's header: %(headers)s. Download the "
                "template and fill it in.",
            )
            % {"headers": "、".join(HEADERS.values())}
        )
    by_number = {m.household.number: m for m in members if m.household_id}
    by_id = {str(m.pk): m for m in members}
    out: list[dict] = []
    expected = 2
    for number, cells in rows[1:]:
        out.extend({} for _blank in range(number - expected))
        expected = number + 1

        def cell(column, cells=cells):
            index = columns.get(column)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        row = {
            "name": cell("name"),
            "year": cell("year"),
            "produce_sold": cell("produce_sold"),
            "services_bought": cell("services_bought"),
        }
        code = cell("member")
        taken = code in by_number or code in village_numbers
        member = by_id.get(code) if code and not taken else None
        if member is None:
            row["household_number"] = code
        else:
            # The member's number names them alone: two households of the village may
            # share a number (in two units), which the service would refuse as ambiguous.
            row["member_id"] = str(member.pk)
        out.append(row)
    return out


def messages_of(error: ValidationError) -> list[str]:
    """The service's messages, each row's field named by its column's header."""
    texts = error.message_dict.get("rows") if hasattr(error, "error_dict") else None
    texts = texts or error.messages
    out = []
    for text in texts:
        for field, header in FIELD_HEADERS.items():
            text = text.replace(f"{field}: ", f"{header}：")
        out.append(text)
    return out
