"""Importing enterprises from a CSV or Excel file (one row per enterprise): every row
checked, then all written in one transaction or none at all. The unified social credit
code is the key: a code the county already has updates that enterprise (within the
actor's scope), so that importing the same file again changes nothing."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.areas.models import Area
from yiwang.core import audit, exports, validators
from yiwang.core.imports import importer
from yiwang.core.models import AuditEntry
from yiwang.core.tables import column_by_header, iter_rows, read_header
from yiwang.outreach.models import Enterprise
from yiwang.outreach.services.enterprises import ENTERPRISE_LEVELS, clean_fields

# The columns, by the names the import uses, with their Chinese headers.
HEADERS = {
    "name": "企业名称",
    "credit_code": "统一社会信用代码",
    "area_code": "所属区域编码",
    "industry": "行业",
    "address": "地址",
    "contact_name": "联系人",
    "contact_phone": "联系电话",
}
REQUIRED = ("name", "credit_code", "area_code")
_ALIASES = {
    "name": ("名称", "企业", "name"),
    "credit_code": ("信用代码", "社会信用代码", "credit_code", "uscc"),
    "area_code": ("区域编码", "网格编码", "村编码", "area_code", "area"),
    "industry": ("所属行业", "industry"),
    "address": ("企业地址", "住所", "address"),
    "contact_name": ("联系人姓名", "contact", "contact_name"),
    "contact_phone": ("电话", "手机号码", "contact_phone", "phone"),
}
FILE_SUFFIXES = {".csv", ".xlsx", ".xlsm"}
HEADER_SEARCH_ROWS = 5
_COLUMN_BY_HEADER = column_by_header(HEADERS, _ALIASES)


@dataclasses.dataclass
class EnterpriseFile:
    header: list[str]
    columns: dict[str, int]
    rows: list[tuple[int, list[str]]]

    @property
    def labels(self) -> dict[str, str]:
        return {column: self.header[index] for column, index in self.columns.items()}

    def records(self) -> Iterator[tuple[int, dict[str, str]]]:
        for number, cells in self.rows:
            width = len(cells)
            yield number, {c: cells[i] if i < width else "" for c, i in self.columns.items()}


def read_enterprises(data: bytes, filename: str) -> EnterpriseFile:
    """The file's header and rows; ValidationError with one message for a file that
    cannot be imported at all. A county's enterprises are a few thousand rows: held whole."""
    if Path(filename).suffix.lower() not in FILE_SUFFIXES:
        raise ValidationError(
            _("%(name)s is neither a CSV nor an Excel file: save it as .xlsx or .csv.")
            % {"name": Path(filename).name}
        )
    rows = list(iter_rows(data, filename))
    if not rows:
        raise ValidationError(_("The file is empty: its first row must name the columns."))
    start, header, columns = read_header(
        rows,
        columns_by_key=_COLUMN_BY_HEADER,
        headers=HEADERS,
        required=REQUIRED,
        search_rows=HEADER_SEARCH_ROWS,
    )
    return EnterpriseFile(header=header, columns=columns, rows=rows[start + 1 :])


@dataclasses.dataclass
class RowError:
    row: int
    message: str

    def __str__(self) -> str:
        return _("Row %(row)d: %(message)s") % {"row": self.row, "message": self.message}


@dataclasses.dataclass
class EnterpriseReport:
    dry_run: bool = False
    tally: Counter = dataclasses.field(default_factory=Counter)
    errors: list[RowError] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        return {k: self.tally[k] for k in ("created", "updated", "unchanged")}


_FIELDS = ("name", "credit_code", "industry", "address", "contact_name", "contact_phone")


def import_enterprises(
    *,
    actor,
    rows: Iterable[tuple[int, dict[str, str]]],
    labels: dict[str, str] | None = None,
    within: str = "",
    dry_run: bool = False,
) -> EnterpriseReport:
    """Checks every row; with any error nothing is written and each bad row is named with
    its field and the fix. Otherwise, in one transaction, new enterprises are created and
    known ones (by credit code) updated, each audited. `within` limits the areas to one
    subtree; `actor=None` is the operator."""
    labels = {**HEADERS, **(labels or {})}
    report = EnterpriseReport(dry_run=dry_run)
    rows = [(n, {k: exports.unescape_cell(v) for k, v in cells.items()}) for n, cells in rows]
    with transaction.atomic():
        if actor is not None:
            scope.recheck(actor)
        area_codes = {validators.compact(c.get("area_code", "")) for _n, c in rows}
        areas = {a.code: a for a in Area.objects.open().filter(code__in=area_codes - {""})}
        planned: list[tuple[int, dict]] = []
        first_row: dict[str, int] = {}
        for number, cells in rows:
            values, errors = clean_fields(**{f: cells.get(f, "") for f in _FIELDS})
            code = validators.compact(cells.get("area_code", ""))
            area = areas.get(code)
            if not code:
                errors["area_code"] = [_("Give the code of the enterprise's village or unit.")]
            elif (
                area is None
                or (actor is not None and not scope.in_scope(actor, code))
                or not code.startswith(within)
            ):
                errors["area_code"] = [
                    _("No area %(code)s among yours: check the code against the area tree.")
                    % {"code": code}
                ]
            elif area.level not in ENTERPRISE_LEVELS:
                errors["area_code"] = [
                    _("An enterprise belongs to a village, a grid or a unit, not to a %(level)s.")
                    % {"level": area.get_level_display()}
                ]
            credit = values.get("credit_code")
            if credit and credit in first_row:
                errors.setdefault("credit_code", []).append(
                    _("The file lists this credit code already on row %(row)d: keep one row.")
                    % {"row": first_row[credit]}
                )
            elif credit:
                first_row[credit] = number
            if errors:
                message = "; ".join(
                    f"{labels.get(field, field)}: {' '.join(messages)}"
                    for field, messages in errors.items()
                )
                report.errors.append(RowError(number, message))
                continue
            values.update(area=area, area_code=area.code)
            planned.append((number, values))
        known = {
            e.credit_code: e
            for e in Enterprise.objects.select_for_update().filter(
                credit_code__in=[v["credit_code"] for _n, v in planned]
            )
        }
        for number, values in planned:
            found = known.get(values["credit_code"])
            if (
                found is not None
                and actor is not None
                and not scope.in_scope(actor, found.area_code)
            ):
                report.errors.append(
                    RowError(
                        number,
                        f"{labels['credit_code']}: "
                        + _(
                            "This enterprise is registered in an area outside your posts: "
                            "ask that area to change it."
                        ),
                    )
                )
        report.errors.sort(key=lambda e: e.row)
        if report.errors or dry_run:
            if not report.errors:
                for _n, values in planned:
                    found = known.get(values["credit_code"])
                    report.tally[_outcome(found, values)] += 1
            return report
        _write(actor, planned, known, report)
    return report


def _outcome(found: Enterprise | None, values: dict) -> str:
    if found is None:
        return "created"
    changed = any(getattr(found, f) != v for f, v in values.items())
    return "updated" if changed else "unchanged"


def _write(actor, planned, known, report) -> None:
    now = timezone.now()
    fresh, entries = [], []
    for _n, values in planned:
        found = known.get(values["credit_code"])
        outcome = _outcome(found, values)
        report.tally[outcome] += 1
        if outcome == "created":
            fresh.append(Enterprise(created_at=now, **values))
        elif outcome == "updated":
            before = _masked(found)
            changed = [f for f, v in values.items() if getattr(found, f) != v]
            for field in changed:
                setattr(found, field, values[field])
            found.save(update_fields=[*changed, "updated_at"])
            entries.append(_entry(actor, "enterprise.update", found, before))
    for enterprise in Enterprise.objects.bulk_create(fresh, batch_size=500):
        entries.append(_entry(actor, "enterprise.create", enterprise, None))
    audit.record_many(entries)


def _masked(enterprise: Enterprise) -> dict:
    data = audit.snapshot(enterprise)
    if data.get("contact_phone"):
        data["contact_phone"] = enterprise.masked_contact_phone
    return data


def _entry(actor, action: str, enterprise: Enterprise, before) -> AuditEntry:
    return audit.build_entry(
        actor=actor, action=action, obj=enterprise, before=before, after=_masked(enterprise)
    )


# --- background jobs --------------------------------------------------------------------


@importer("enterprises")
def import_enterprise_file(job, progress) -> tuple[dict, list[str]]:
    """An uploaded enterprise file, into the areas under the one it was uploaded on."""
    try:
        table = read_enterprises(bytes(job.data), job.filename)
        progress(0, len(table.rows))
        report = import_enterprises(
            actor=job.created_by,
            rows=table.records(),
            labels=table.labels,
            within=job.area_code,
            dry_run=job.dry_run,
        )
    except ValidationError as exc:
        return {}, list(exc.messages)
    progress(len(table.rows), len(table.rows))
    return report.counts(), [str(e) for e in report.errors]
