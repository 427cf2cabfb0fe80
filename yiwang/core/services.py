"""Writes of the core module: starting a background import, committing a preview."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.core import audit, import_files, imports, tables
from yiwang.core.models import ImportJob
from yiwang.core.scoping import get_or_404

ACCEPTED_SUFFIXES = {".csv", ".xlsx", ".xlsm"}
MAX_IMPORT_BYTES = 20 * 1024 * 1024


@transaction.atomic
def start_import(
    *, actor, kind: str, filename: str, data: bytes, area_code: str, dry_run: bool = False
) -> ImportJob:
    """Keeps the uploaded file as a job and queues it; the job runs once this commits.

    The caller has checked that the actor may import into `area_code`; each importer
    checks every row against the actor's posts again. A file with more rows than the
    actor's posts may import at once (settings.IMPORT_MAX_ROWS) is refused.
    """
    if not imports.is_registered(kind):
        raise ValidationError({"kind": _("Unknown kind of import.")})
    if Path(filename).suffix.lower() not in ACCEPTED_SUFFIXES:
        raise ValidationError({"file": _("Upload a CSV or Excel (.xlsx) file.")})
    if not data:
        raise ValidationError({"file": _("The file is empty.")})
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationError({"file": _("The file is larger than 20 MB.")})
    # Refused here, in the request, before a worker parses it: counting stops past the limit.
    limit = imports.row_limit(actor, area_code)
    if tables.count_rows(data, filename, stop_after=limit + 1) > limit + 1:  # and the header
        raise ValidationError({"file": imports.too_many_rows_message(limit)})
    job = ImportJob.objects.create(
        dry_run=dry_run,
        kind=kind,
        filename=Path(filename).name[:200],
        data=data,
        created_by=actor,
        area_code=area_code,
    )
    audit.record(
        actor=actor,
        action="import.start",
        obj=job,
        after=audit.snapshot(job, exclude=("data", "error_file")),
    )
    from yiwang.core.tasks import run_import

    transaction.on_commit(lambda: run_import(job.pk))
    return job


@transaction.atomic
def commit_preview(*, actor, job_id: int) -> ImportJob:
    """After a preview (a dry-run job) the same file is imported for real, as a new job."""
    preview = get_or_404(ImportJob.objects.visible_to(actor), pk=job_id)
    if not preview.dry_run or preview.status not in {
        ImportJob.Status.DONE,
        ImportJob.Status.PARTIAL,
    }:
        raise ValidationError(_("Only a finished preview can be imported."))
    if preview.files_removed_at is not None:
        raise ValidationError(import_files.removed_message())
    return start_import(
        actor=actor,
        kind=preview.kind,
        filename=preview.filename,
        data=bytes(preview.data),
        area_code=preview.area_code,
    )
