"""Exports of the ledger: residents to XLSX or CSV, in the import's columns, masked by default."""

from __future__ import annotations

import io
from collections.abc import Iterator

from django.db.models import QuerySet

from yiwang.core.db import stream
from yiwang.core.exports import write_table
from yiwang.registry.models import HouseholdCategory, Relation, Sex, Tag
from yiwang.registry.selectors.residents import with_current_tags

# The import's columns, so that an exported file goes back in as it came out.
HEADERS = (
    "户编号",
    "单元网格编码",
    "姓名",
    "公民身份号码",
    "与户主关系",
    "性别",
    "出生日期",
    "联系电话",
    "现住址",
    "人员标签",
    "户类别",
)
WIDTHS = (10, 20, 12, 22, 10, 6, 12, 15, 30, 24, 8)
# The words of the ledger's own Excel files, whatever the language of the page: the file is
# data for the village, not text of the interface.
RELATION_TEXT = {
    Relation.HEAD: "户主",
    Relation.SPOUSE: "配偶",
    Relation.CHILD: "子女",
    Relation.CHILD_IN_LAW: "儿媳/女婿",
    Relation.GRANDCHILD: "孙子女",
    Relation.PARENT: "父母",
    Relation.GRANDPARENT: "祖父母",
    Relation.SIBLING: "兄弟姐妹",
    Relation.OTHER: "其他",
}
SEX_TEXT = {Sex.MALE: "男", Sex.FEMALE: "女"}
CATEGORY_TEXT = {HouseholdCategory.KEY: "重点户", HouseholdCategory.ORDINARY: "放心户"}
TAG_SEPARATOR = "、"
CHUNK = 2000


def resident_rows(queryset: QuerySet, *, full: bool = False) -> Iterator[list[str]]:
    """One row per resident, in the queryset's order: a query per 2,000 residents (and one
    for their tags), whatever the size of the export."""
    # The export's own prefetch replaces any the caller's queryset carries (the API's).
    residents = with_current_tags(queryset.prefetch_related(None).select_related("household"))
    for resident in stream(residents, CHUNK):
        household = resident.household
        yield [
            household.number,
            resident.area_code,
            resident.name,
            resident.id_number if full else resident.masked_id_number,
            RELATION_TEXT.get(resident.relation, resident.relation),
            SEX_TEXT.get(resident.sex, ""),
            (resident.birth_date.isoformat() if resident.birth_date else "")
            if full
            else resident.masked_birth_date,
            resident.phone if full else resident.masked_phone,
            household.address,
            TAG_SEPARATOR.join(rt.tag.name for rt in resident.current_tags),
            CATEGORY_TEXT.get(household.category, ""),
        ]


def export_residents(queryset: QuerySet, fmt: str = "xlsx", full: bool = False) -> bytes:
    """The residents of `queryset` as an XLSX or CSV file. ID and phone numbers are masked
    unless `full`; the caller checks that the user holds registry.export_personal_data
    before asking for `full`, and records the export (services.record_export)."""
    return write_table(
        fmt,
        HEADERS,
        resident_rows(queryset, full=full),
        title="居民台账",
        widths=WIDTHS,
    )


def import_template() -> bytes:
    """An empty ledger workbook to fill in: the headers, dropdowns for relation, sex, tags
    and category, and the ID, phone and code columns formatted as text so that Excel keeps
    every digit. Several tags go in one cell separated by 、; the dropdown offers one."""
    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = "台账"
    sheet.append(list(HEADERS))
    lists = book.create_sheet("选项")
    choices = {
        "与户主关系": list(dict.fromkeys(RELATION_TEXT.values())),
        "性别": list(SEX_TEXT.values()),
        "人员标签": list(Tag.objects.filter(is_active=True).values_list("name", flat=True)),
        "户类别": list(CATEGORY_TEXT.values()),
    }
    rows = 5000
    for column, (header, values) in enumerate(choices.items(), start=1):
        letter = lists.cell(row=1, column=column).column_letter
        lists.cell(row=1, column=column, value=header)
        for row, value in enumerate(values, start=2):
            lists.cell(row=row, column=column, value=value)
        target = sheet.cell(row=1, column=HEADERS.index(header) + 1).column_letter
        validation = DataValidation(
            type="list",
            formula1=f"=选项!${letter}$2:${letter}${len(values) + 1}",
            # Tags may be several in one cell: a warning, not a refusal.
            errorStyle="warning" if header == "人员标签" else "stop",
            allow_blank=True,
        )
        validation.add(f"{target}2:{target}{rows}")
        sheet.add_data_validation(validation)
    for header in ("户编号", "单元网格编码", "公民身份号码", "联系电话"):
        letter = sheet.cell(row=1, column=HEADERS.index(header) + 1).column_letter
        for row in range(2, rows + 1):
            sheet[f"{letter}{row}"].number_format = "@"
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = width
    sheet.freeze_panes = "A2"
    lists.sheet_state = "hidden"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
