"""Turning an official division-code table (CSV or Excel) into rows for `import_areas`."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from yiwang.core.imports import importer
from yiwang.core.tables import read_rows


def division_rows(data: bytes, filename: str) -> list[tuple[int, str, str]]:
    """(row number, code, name) from `code,name` or the published `code,class,name` form.

    A first row whose first cell is not a number is a header and is skipped.
    """
    rows = read_rows(data, filename)
    if not rows:
        raise ValidationError(_("The file is empty."))
    if not rows[0][1][0].strip().isdigit():
        rows = rows[1:]
    result = []
    for number, cells in rows:
        if len(cells) >= 3 and cells[2]:
            # 370830001001,111,南门社区居民委员会: code, urban-rural class, name
            result.append((number, cells[0], cells[2]))
        else:
            result.append((number, cells[0], cells[1] if len(cells) > 1 else ""))
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
