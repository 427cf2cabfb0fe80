"""Writes of the core module: starting a background import."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.core import audit, imports
from yiwang.core.models import ImportJob

ACCEPTED_SUFFIXES = {".csv", ".xlsx", ".xls"}
MAX_IMPORT_BYTES = 20 * 1024 * 1024


@transaction.atomic
def start_import(*, actor, kind: str, filename: str, data: bytes, area_code: str) -> ImportJob:
    """Keeps the uploaded file as a job and queues it; the job runs once this commits.

    The caller has checked that the actor may import into `area_code`; each importer
    checks every row against the actor's posts again.
    """
    if not imports.is_registered(kind):
        raise ValidationError({"kind": _("Unknown kind of import.")})
    if Path(filename).suffix.lower() not in ACCEPTED_SUFFIXES:
        raise ValidationError({"file": _("Upload a CSV or Excel (.xlsx) file.")})
    if not data:
        raise ValidationError({"file": _("The file is empty.")})
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationError({"file": _("The file is larger than 20 MB.")})
    job = ImportJob.objects.create(
        kind=kind,
        filename=Path(filename).name[:200],
        data=data,
        created_by=actor,
        area_code=area_code,
    )
    audit.record(
        actor=actor, action="import.start", obj=job, after=audit.snapshot(job, exclude=("data",))
    )
    from yiwang.core.tasks import run_import

    transaction.on_commit(lambda: run_import(job.pk))
    return job
