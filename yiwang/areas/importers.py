"""Turning an official division-code table (CSV or Excel) into rows for `import_areas`."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from yiwang.core.imports import importer
from yiwang.core.tables import read_rows

# What the first cell of a header row says, in the published tables and in our own template.
HEADER_CODE_LABELS = {"code", "代码", "统计用区划代码", "区划代码", "行政区划代码"}


def _width(cells: list[str]) -> int:
    """The number of columns up to the last non-empty cell."""
    return max((i + 1 for i, c in enumerate(cells) if c.strip()), default=0)


def division_rows(data: bytes, filename: str) -> list[tuple[int, str, str]]:
    """(row number, code, name) from `code,name` or the published `code,class,name` form.

    Only a first row that is recognisably a header (its first cell says "code") is
    skipped; any other first row is data, and a bad one is reported, never dropped. The
    form is the header's width, or without a header the widest row's: with three columns
    the name is always the third cell, even when it is empty.
    """
    rows = read_rows(data, filename)
    if not rows:
        raise ValidationError(_("The file is empty."))
    header = rows[0][1]
    if header[0].strip().lower() in HEADER_CODE_LABELS:
        rows = rows[1:]
        width = _width(header)
    else:
        width = max(_width(cells) for _number, cells in rows)
    name_column = 2 if width >= 3 else 1  # 370830001001,111,南门社区居民委员会
    result = []
    for number, cells in rows:
        name = cells[name_column] if len(cells) > name_column else ""
        result.append((number, cells[0], name))
    return result


@importer("areas")
def import_division_file(job, progress) -> tuple[dict, list[str]]:
    """An uploaded division-code table, into the subtree of the area it was uploaded on."""
    from yiwang.areas.services import import_areas

    try:
        rows = division_rows(bytes(job.data), job.filename)
    except ValidationError as exc:
        return {}, list(exc.messages)
    report = import_areas(actor=job.created_by, rows=rows, within=job.area_code, progress=progress)
    result = {"created": report.created, "renamed": report.renamed, "unchanged": report.unchanged}
    return result, [str(e) for e in report.errors]
