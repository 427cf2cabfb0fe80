"""The files an import keeps: the error file handed out (masked for whoever may not see it
in full, every download in the audit log), and the uploaded file and error file removed
IMPORT_KEEP_DAYS after the job finished, by an hourly task.

An importer whose error file holds personal data registers how to mask it, as it registers
itself: `@error_file_masker("ledger")` on a function that takes the file's bytes and
returns them with the ID numbers, phones and birth dates masked."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yiwang.core import audit
from yiwang.core.masking import may_reveal
from yiwang.core.models import ImportJob

_MASKERS: dict[str, Callable[[bytes], bytes]] = {}


def error_file_masker(kind: str):
    def register(function: Callable[[bytes], bytes]) -> Callable[[bytes], bytes]:
        _MASKERS[kind] = function
        return function

    return register


def keep_for() -> datetime.timedelta:
    return datetime.timedelta(days=settings.IMPORT_KEEP_DAYS)


def kept_until(job: ImportJob) -> datetime.datetime | None:
    """When the job's files go; None while it runs."""
    return job.finished_at + keep_for() if job.finished_at else None


class ImportFilesRemoved(Exception):
    """The job's files were removed IMPORT_KEEP_DAYS after it finished."""


def removed_message() -> str:
    return _(
        "The uploaded file and its rejected rows were removed %(days)s days after the import "
        "finished. Upload the file again."
    ) % {"days": settings.IMPORT_KEEP_DAYS}


def may_download_errors(user, job: ImportJob) -> bool:
    """The rejected rows are for who uploaded them, and for who may export personal data."""
    return job.created_by_id == user.pk or user.has_perm("registry.export_personal_data")


@transaction.atomic
def open_error_file(*, user, job_id: int) -> tuple[ImportJob, bytes]:
    """The job's error file as `user` may have it, the download kept in the audit log: in
    full for the uploader (the rows are their own file's) and for who may reveal personal
    data, else with the ID numbers, phones and birth dates masked. Http404 outside the
    scope or with no error file, PermissionDenied for someone else's job without the
    export permission, ImportFilesRemoved once the files are gone."""
    job = (
        ImportJob.objects.visible_to(user)
        .defer("data", "error_file")
        .filter(pk=job_id)
        .annotate(present=ExpressionWrapper(Q(error_file__isnull=False), BooleanField()))
        .first()
    )
    if job is None:
        raise Http404(_("Not found."))
    if job.files_removed_at is not None:
        raise ImportFilesRemoved(job)
    if not job.present:
        raise Http404(_("Not found."))
    if not may_download_errors(user, job):
        raise PermissionDenied(_("The rejected rows are for the person who uploaded the file."))
    content = bytes(ImportJob.objects.values_list("error_file", flat=True).get(pk=job.pk))
    full = job.created_by_id == user.pk or may_reveal(user)
    masker = _MASKERS.get(job.kind)
    if not full:
        if masker is None:  # a kind that says not how to mask its rows: kept whole, not sent
            raise PermissionDenied(_("The rejected rows are for the person who uploaded the file."))
        content = masker(content)
    audit.record(
        actor=user,
        action="import.download_errors",
        obj=job,
        after={"filename": job.filename, "kind": job.kind, "full": full},
    )
    return job, content


def purge_expired(now: datetime.datetime | None = None) -> int:
    """Removes the uploaded file and the error file of the jobs that finished more than
    IMPORT_KEEP_DAYS ago, and fails the jobs queued that long ago that no worker ever ran;
    conditional UPDATEs, so any number of consumers may run it at once. Returns the number
    of jobs whose files went."""
    now = now or timezone.now()
    cutoff = now - keep_for()
    with translation.override(settings.LANGUAGE_CODE):
        message = removed_message()
    ImportJob.objects.filter(status=ImportJob.Status.QUEUED, created_at__lte=cutoff).update(
        status=ImportJob.Status.FAILED, errors=[message], finished_at=now
    )
    return ImportJob.objects.filter(
        Q(finished_at__lte=cutoff) | Q(status=ImportJob.Status.FAILED, created_at__lte=cutoff),
        files_removed_at=None,
    ).update(data=b"", error_file=None, files_removed_at=now)
