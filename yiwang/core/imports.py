"""Background imports: a registry of importers by kind, the job runner, and progress.

A module registers an importer with `@importer("kind")`: a function that takes the job
and a progress callback and returns `(result, errors)` — counts as a dict, and row errors
as strings. With errors, nothing was changed unless the result says `"partial": True`
(the rows without errors went in).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yiwang.core import progress
from yiwang.core.audit import audit_source
from yiwang.core.models import AuditSource, ImportJob

logger = logging.getLogger(__name__)

Importer = Callable[[ImportJob, Callable[[int, int], None]], tuple[dict, list[str]]]
_IMPORTERS: dict[str, Importer] = {}


def importer(kind: str):
    def register(function: Importer) -> Importer:
        _IMPORTERS[kind] = function
        return function

    return register


def is_registered(kind: str) -> bool:
    return kind in _IMPORTERS


def set_progress(job_id: int, done: int, total: int) -> None:
    progress.put("import", job_id, done, total)


def get_progress(job_id: int) -> tuple[int, int] | None:
    return progress.get("import", job_id)


def run_job(job_id: int) -> None:
    """Runs a queued job once: a conditional UPDATE claims it, so that of several
    consumers given the same job only one runs it."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    try:
        # The job speaks the county's language, whatever the worker thread last spoke.
        with audit_source(AuditSource.IMPORT), translation.override(settings.LANGUAGE_CODE):
            result, errors = _IMPORTERS[job.kind](
                job, lambda done, total: set_progress(job_id, done, total)
            )
        if not errors:
            status = ImportJob.Status.DONE
        elif result.get("partial"):
            status = ImportJob.Status.PARTIAL
        else:
            status = ImportJob.Status.REJECTED
    except Exception:
        logger.exception("import job %s failed", job_id)
        result = {}
        with translation.override(settings.LANGUAGE_CODE):
            errors = [
                _(
                    "The import stopped on an unexpected error. Upload the same file again: "
                    "what went in stays, and nothing is doubled."
                )
            ]
        status = ImportJob.Status.FAILED
    ImportJob.objects.filter(pk=job_id).update(
        status=status, result=result, errors=errors, finished_at=timezone.now()
    )
    progress.clear("import", job_id)


# A job still running after this long lost its worker (a crash, a kill, a restart).
STALE_AFTER = datetime.timedelta(hours=2)


def fail_stale_jobs(now: datetime.datetime | None = None) -> int:
    """Marks as failed the jobs whose worker died; one conditional UPDATE, so any number of
    consumers may run it at once. Their file can be uploaded again: what went in stays."""
    now = now or timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        message = _(
            "The import stopped on an unexpected error. Upload the same file again: "
            "what went in stays, and nothing is doubled."
        )
    return ImportJob.objects.filter(
        status=ImportJob.Status.RUNNING, started_at__lt=now - STALE_AFTER
    ).update(status=ImportJob.Status.FAILED, errors=[message], finished_at=now)
