"""Writing exports: XLSX and CSV files whose cells are text and never run as formulas; and
exports in the background (a registry of exporters by kind, the job runner, progress,
the download and the week's expiry)."""

from __future__ import annotations

import csv
import dataclasses
import datetime
import io
import logging
import secrets
import tempfile
from collections.abc import Callable, Iterable, Sequence

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.http import Http404, QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from yiwang.core import access, audit, leases, progress, storage
from yiwang.core.audit import audit_source
from yiwang.core.models import AuditSource, ExportJob
from yiwang.core.replica import replica_reads
from yiwang.core.scoping import is_area_code

XLSX = "xlsx"
CSV = "csv"
FORMATS = (XLSX, CSV)
CONTENT_TYPES = {
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    CSV: "text/csv; charset=utf-8",
}

# A spreadsheet runs a cell that begins with one of these as a formula (tab and carriage
# return too, in some of them): a name typed as =HYPERLINK(…) must stay a name.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Excel's text format: a cell formatted so keeps 370829196003020114 as typed, where the
# General format would show 3.70829E+17 and drop the last digits once edited.
TEXT_FORMAT = "@"


def escape_cell(value: object) -> str:
    """The cell as text, with a leading apostrophe when it would start a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def unescape_cell(text: str) -> str:
    """The cell as it was before `escape_cell`: an export read back in keeps its names."""
    if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text


def write_xlsx(
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    title: str = "Sheet1",
    widths: Sequence[int] = (),
) -> bytes:
    """One sheet: the header row, then the rows. Every cell is a text cell in the text
    format, so that no code or ID number turns into a number and no cell into a formula.
    Written row by row (openpyxl's write-only mode), so a large export keeps little in memory.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"

    def text_row(values):
        cells = []
        for value in values:
            # Control characters other than tab, LF and CR cannot be stored in XLSX at all.
            cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", escape_cell(value)))
            cell.number_format = TEXT_FORMAT
            cells.append(cell)
        return cells

    sheet.append(text_row(headers))
    for row in rows:
        sheet.append(text_row(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_cell(value: object) -> str:
    """A CSV cell that Excel opens as it was written: digits that Excel would turn into a
    number and so change (a leading zero dropped from 001, an 18-digit code shown as
    3.70829E+17 and its last digits lost) are written as the text formula ="001", which
    Excel shows as 001 and the importer reads back as 001."""
    text = escape_cell(value)
    if text.isascii() and text.isdigit() and (len(text) > 11 or (len(text) > 1 and text[0] == "0")):
        return f'="{text}"'
    return text


def write_csv(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 with a byte-order mark (so that Excel reads the Chinese right), CRLF lines."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([escape_cell(h) for h in headers])
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def write_table(
    fmt: str, headers: Sequence[str], rows: Iterable[Sequence[object]], **options
) -> bytes:
    """The table in `fmt` ("xlsx" or "csv")."""
    if fmt == XLSX:
        return write_xlsx(headers, rows, **options)
    if fmt == CSV:
        return write_csv(headers, rows)
    raise ValueError(f"unknown export format {fmt!r}")


# --- Background exports -------------------------------------------------------------------
#
# A module registers an exporter for its kind with `@exporter("kind", label=…)`: a function
# that takes the requester and the list's filters (the query string, as a QueryDict) and
# returns a `Table` of the rows that user may see under those filters. The requester asks
# for an export with `core.export_services.start_export`; a Huey task runs it once
# (`run_export`), writing the rows with openpyxl's write-only mode into a file kept for a
# week; the job's page polls its progress and then offers the download, to the requester
# alone.

logger = logging.getLogger(__name__)

# How long a finished export's file is kept for download.
KEEP_FOR = datetime.timedelta(days=7)
# Progress is published every this many rows.
PROGRESS_EVERY = 1000
STORAGE_DIR = "exports"


@dataclasses.dataclass
class Table:
    """What an exporter returns: the sheet's title (also the file's name), its headers, its
    rows (an iterable, consumed once, best a generator over a chunked query), their number
    when known (for the progress bar) and the columns' widths."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[object]]
    total: int = 0
    widths: Sequence[int] = ()


@dataclasses.dataclass(frozen=True)
class Exporter:
    kind: str
    label: object
    build: Callable[[object, dict], Table]
    # The query parameters that name an area: each one given must lie in the user's scope.
    area_params: tuple[str, ...] = ("under",)
    # A permission the requester needs for this export (None: any user with the list).
    permission: str | None = None


_EXPORTERS: dict[str, Exporter] = {}


def exporter(kind: str, *, label, area_params=("under",), permission=None):
    def register(function):
        _EXPORTERS[kind] = Exporter(kind, label, function, tuple(area_params), permission)
        return function

    return register


def get_exporter(kind: str) -> Exporter | None:
    return _EXPORTERS.get(kind)


def kind_label(kind: str) -> str:
    found = _EXPORTERS.get(kind)
    return str(found.label) if found else kind


# --- Writing --------------------------------------------------------------------------------


def _text_cell(sheet, value: str):
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = TEXT_FORMAT
    return cell


def write_rows(
    target,
    table: Table,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Writes `table` as XLSX into `target` (a path or a binary file) with openpyxl's
    write-only mode; returns the number of rows. Every cell is text, escaped so that none
    runs as a formula; a cell of digits (an ID number, with its check letter X or not; a
    code; a phone number) is also in Excel's text format, so that it stays as typed when
    edited. `progress(done, total)` is called every PROGRESS_EVERY rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=table.title[:31] or "Sheet1")
    for index, width in enumerate(table.widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([_text_cell(sheet, escape_cell(h)) for h in table.headers])
    clean = ILLEGAL_CHARACTERS_RE.sub
    append = sheet.append
    done = 0
    total = table.total
    for row in table.rows:
        cells = []
        for value in row:
            if value is None or value == "":
                cells.append(None)
                continue
            text = value if isinstance(value, str) else str(value)
            if text[0] in FORMULA_TRIGGERS:
                text = "'" + text
            elif text.isdigit() or (text[-1] in "Xx" and text[:-1].isdigit()):
                cells.append(_text_cell(sheet, text))
                continue
            cells.append(clean("", text))
        append(cells)
        done += 1
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, max(total, done))
    workbook.save(target)
    return done


def write_csv_rows(
    target,
    table: Table,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Writes `table` as CSV (UTF-8 with a BOM, cells as `write_csv` writes them) into the
    binary file `target`; returns the number of rows. `progress` as for `write_rows`."""
    text = io.TextIOWrapper(target, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([escape_cell(h) for h in table.headers])
    done = 0
    for row in table.rows:
        writer.writerow([csv_cell(v) for v in row])
        done += 1
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, max(table.total, done))
    text.flush()
    text.detach()  # the caller keeps its file open
    return done


# --- Progress -------------------------------------------------------------------------------


def set_progress(job_id: int, done: int, total: int) -> None:
    progress.put("export", job_id, done, total)


def get_progress(job_id: int) -> tuple[int, int] | None:
    return progress.get("export", job_id)


def _clear_progress(job_id: int) -> None:
    progress.clear("export", job_id)


# --- Scope ----------------------------------------------------------------------------------


def checked_scope(user, found: Exporter, params: dict) -> tuple[str, list[str] | None]:
    """The area the export covers and the user's scope roots it was asked within; a
    ValidationError naming the field when an area given lies outside the user's posts."""
    given = ""
    for name in found.area_params:
        code = params.get(name) or ""
        code = (code[-1] if isinstance(code, list) else code).strip()
        if not code:
            continue
        if not is_area_code(code) or not access.in_scope(user, code):
            raise ValidationError(
                {
                    name: _(
                        "The area %(code)s is outside your posts: you may export only "
                        "the areas you serve. Clear the area filter or choose one of yours."
                    )
                    % {"code": code}
                }
            )
        given = given if len(given) >= len(code) else code
    codes = access.scope_codes(user)
    if codes is None:
        return given, None
    if not codes:
        raise PermissionDenied(_("You hold no post: there is nothing you may export."))
    return given or codes[0], list(codes)


def _still_in_scope(user, job) -> bool:
    codes = job.params.get("_scope")
    if codes is None:
        return access.scope_codes(user) is None
    area = job.params.get("_area") or ""
    return all(access.in_scope(user, code) for code in [*codes, *([area] if area else [])])


# --- The job --------------------------------------------------------------------------------


def job_snapshot(job) -> dict:
    return {
        "kind": job.kind,
        "filters": {k: v for k, v in job.params.items() if not k.startswith("_")},
        "area_code": job.area_code,
    }


def cleaned_params(params) -> dict:
    """The filters as JSON: a list for a repeated parameter (a QueryDict's), else text;
    without the page number, empty values and the job's own keys."""
    items = params.lists() if hasattr(params, "lists") else params.items()
    cleaned = {}
    for key, value in items:
        values = [str(v) for v in (value if isinstance(value, list | tuple) else [value])]
        values = [v for v in values if v != ""]
        if values and key != "page" and not key.startswith("_"):
            cleaned[str(key)] = values[0] if len(values) == 1 else values
    return cleaned


def as_query(params: dict) -> QueryDict:
    """The filters a job keeps, as the QueryDict a list page's filterset reads."""
    query = QueryDict(mutable=True)
    for key, value in params.items():
        if not key.startswith("_"):
            query.setlist(key, value if isinstance(value, list) else [value])
    return query


def run_export(job_id: int, *, now: datetime.datetime | None = None) -> None:
    """Runs a queued export once: a conditional UPDATE claims it. The rows are those the
    requester sees when it runs, narrowed again to the area asked. Its consumer's sign of
    life is renewed while it runs (yiwang/core/leases.py)."""
    attempt = leases.claim(ExportJob, job_id)
    if attempt is None:
        return
    with leases.heartbeat(ExportJob, job_id, attempt):
        _run(job_id, attempt, now)
    _clear_progress(job_id)


def _run(job_id: int, attempt: int, now: datetime.datetime | None) -> None:
    job = ExportJob.objects.select_related("created_by").get(pk=job_id)
    user = job.created_by
    fmt = job_format(job)
    name = f"{STORAGE_DIR}/{job.pk}-{secrets.token_hex(8)}.{fmt}"
    fields: dict = {}
    try:
        # The claim above is written and committed: the rows may be read on the replica.
        with (
            audit_source(AuditSource.TASK),
            translation.override(settings.LANGUAGE_CODE),
            replica_reads(),
        ):
            found = _EXPORTERS[job.kind]
            if not user.is_active or not _still_in_scope(user, job):
                raise PermissionDenied(_("The requester no longer holds the posts asked."))
            table = found.build(user, as_query(job.params))
            with tempfile.TemporaryFile() as handle:
                write = write_rows if fmt == XLSX else write_csv_rows
                rows = write(handle, table, lambda done, total: set_progress(job_id, done, total))
                size = handle.tell()
                handle.seek(0)
                name = default_storage.save(name, File(handle, name=name))
        finished = now or timezone.now()
        fields = {
            "status": ExportJob.Status.DONE,
            "rows": rows,
            "size": size,
            "file_name": name,
            "expires_at": finished + KEEP_FOR,
            "finished_at": finished,
        }
    except Exception as exc:
        logger.exception("export job %s failed", job_id)
        with translation.override(settings.LANGUAGE_CODE):
            if isinstance(exc, PermissionDenied) and str(exc):
                message = str(exc)
            elif storage.is_store_error(exc):
                message = _("The file storage cannot be reached. Ask for it again later.")
            else:
                message = _("The export stopped on an unexpected error. Ask for it again.")
        fields = {
            "status": ExportJob.Status.FAILED,
            "error": message,
            "finished_at": timezone.now(),
        }
    # Unless the run was given up meanwhile (its consumer silent too long): its file goes.
    if not leases.this_run(ExportJob, job_id, attempt).update(**fields) and fields.get("file_name"):
        default_storage.delete(fields["file_name"])


def purge_expired(now: datetime.datetime | None = None) -> int:
    """Removes the files of exports older than a week and marks their jobs expired.
    Returns the number of files removed."""
    now = now or timezone.now()
    removed = 0
    expired = ExportJob.objects.filter(status=ExportJob.Status.DONE, expires_at__lte=now)
    for job in expired.only("pk", "file_name"):
        if job.file_name:
            default_storage.delete(job.file_name)
        ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.DONE).update(
            status=ExportJob.Status.EXPIRED, file_name=""
        )
        removed += 1
    return removed


def recover_silent_jobs(
    enqueue: Callable[[int], object], now: datetime.datetime | None = None
) -> dict:
    """The exports whose consumer went silent (killed, restarted) run once more, then fail
    (yiwang/core/leases.py)."""
    with translation.override(settings.LANGUAGE_CODE):
        message = _(
            "The export stopped twice: the worker running it went silent. Ask for it again."
        )
    return leases.recover(ExportJob, enqueue, {"error": message}, now)


class ExportExpired(Exception):
    """The export's file was removed after a week."""


def open_download(*, user, job_id: int, now: datetime.datetime | None = None):
    """The job and its file opened for reading, for its requester within the scope they
    asked it in; the download is audited. Http404 for anyone else's job, PermissionDenied
    when the requester no longer holds those posts, ExportExpired after a week."""
    job = ExportJob.objects.filter(pk=job_id, created_by=user).first()
    if job is None:
        raise Http404(_("Not found."))
    if not _still_in_scope(user, job):
        raise PermissionDenied(
            _("This export covers an area you no longer serve: it cannot be downloaded.")
        )
    if job.is_expired(now) or not job.file_name:
        if job.status == ExportJob.Status.DONE or job.is_expired(now):
            raise ExportExpired(job)
        raise Http404(_("Not found."))
    try:
        with storage.guarded():  # the store down: a 503, not a 500
            handle = default_storage.open(job.file_name, "rb")
    except FileNotFoundError:
        raise ExportExpired(job) from None
    audit.record(
        actor=user,
        action="export.download",
        obj=job,
        object_repr=kind_label(job.kind),
        area_code=job.area_code,
        after={**job_snapshot(job), "rows": job.rows},
    )
    return job, handle


def job_format(job) -> str:
    """The file format a job writes: XLSX unless CSV was asked (the `_format` key)."""
    return CSV if job.params.get("_format") == CSV else XLSX


def download_name(job) -> str:
    stamp = timezone.localtime(job.finished_at or job.created_at).strftime("%Y%m%d-%H%M")
    return f"{job.kind.replace('.', '-')}-{stamp}.{job_format(job)}"
