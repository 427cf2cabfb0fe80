"""Background imports: a registry of importers by kind, the job runner, and progress.

A module registers an importer with `@importer("kind")`: a function that takes the job
and a progress callback and returns `(result, errors)` — counts as a dict, and row errors
as strings. With errors, nothing was changed unless the result says `"partial": True`
(the rows without errors went in).

A file of noise must not keep a worker busy for a quarter of an hour and store a million
messages: past `settings.IMPORT_MAX_ERRORS` rejected rows the job ends as failed, keeping
the first ones. An importer that reads its file in passes stops as soon as it knows
(`TooManyErrors`); whatever an importer returns is cut to the limit the same way.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yiwang.core import access, leases, progress
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


class TooManyErrors(Exception):
    """Raised by an importer at the first rejected row past `max_errors()`, with the first
    errors (as many as the limit, or fewer) and the counts so far."""

    def __init__(self, errors: list, result: dict | None = None):
        super().__init__(f"more than {max_errors()} rows rejected")
        self.errors = errors
        self.result = result or {}


def max_errors() -> int:
    """How many rejected rows an import job keeps before it stops."""
    return settings.IMPORT_MAX_ERRORS


def too_many_errors_message(limit: int) -> str:
    return _(
        "More than %(limit)d rows have errors, so the import stopped: fix them and upload the "
        "file again."
    ) % {"limit": limit}


def _stopped(result: dict, errors: list) -> tuple[dict, list[str]]:
    """The result and errors kept of a job stopped for too many errors: the message first,
    then the first rejected rows."""
    limit = max_errors()
    return {**result, "stopped_after_errors": limit}, [
        too_many_errors_message(limit),
        *(str(e) for e in errors[:limit]),
    ]


def row_limit(user, area_code: str) -> int:
    """How many rows a file uploaded by `user` into `area_code` may hold: the largest of
    settings.IMPORT_MAX_ROWS over the roles the user holds there (a unit's grid worker
    far fewer than the county admin), the largest of all for a superuser, the smallest
    for a role the setting does not name."""
    limits = settings.IMPORT_MAX_ROWS
    if getattr(user, "is_superuser", False):
        return max(limits.values())
    roles = access.roles_over(user, area_code)
    return max((limits.get(role, min(limits.values())) for role in roles), default=0)


def too_many_rows_message(limit: int) -> str:
    return _(
        "The file has more than %(limit)d rows, the most your posts may import at once: split "
        "it into several files, or ask an administrator above you to import it."
    ) % {"limit": limit}


def set_progress(job_id: int, done: int, total: int) -> None:
    progress.put("import", job_id, done, total)


def get_progress(job_id: int) -> tuple[int, int] | None:
    return progress.get("import", job_id)


def run_job(job_id: int) -> None:
    """Runs a queued job once: a conditional UPDATE claims it, so that of several
    consumers given the same job only one runs it; its consumer's sign of life is renewed
    while it runs (yiwang/core/leases.py)."""
    attempt = leases.claim(ImportJob, job_id)
    if attempt is None:
        return
    with leases.heartbeat(ImportJob, job_id, attempt):
        _run(job_id, attempt)
    progress.clear("import", job_id)


def _run(job_id: int, attempt: int) -> None:
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    try:
        # The job speaks the county's language, whatever the worker thread last spoke.
        with audit_source(AuditSource.IMPORT), translation.override(settings.LANGUAGE_CODE):
            try:
                result, errors = _IMPORTERS[job.kind](
                    job, lambda done, total: set_progress(job_id, done, total)
                )
                stopped = len(errors) > max_errors()
            except TooManyErrors as exc:
                result, errors, stopped = exc.result, exc.errors, True
            if stopped:
                result, errors = _stopped(result, errors)
        if stopped:
            status = ImportJob.Status.FAILED
        elif not errors:
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
    # Unless the run was given up meanwhile (its consumer silent too long).
    leases.this_run(ImportJob, job_id, attempt).update(
        status=status, result=result, errors=errors, finished_at=timezone.now()
    )


def recover_silent_jobs(
    enqueue: Callable[[int], object], now: datetime.datetime | None = None
) -> dict:
    """The jobs whose consumer went silent (killed, restarted) run once more, then fail
    (yiwang/core/leases.py). Their file can be uploaded again: what went in stays."""
    with translation.override(settings.LANGUAGE_CODE):
        message = _(
            "The import stopped twice: the worker running it went silent. Upload the same "
            "file again: what went in stays, and nothing is doubled."
        )
    return leases.recover(ImportJob, enqueue, {"errors": [message]}, now)
