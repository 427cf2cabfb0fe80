"""Asking for a background export (yiwang.core.exports): the job is kept and queued; the
Huey task (yiwang.core.tasks.run_export) runs it once this commits."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.core import audit
from yiwang.core.exports import (
    CSV,
    FORMATS,
    XLSX,
    checked_scope,
    cleaned_params,
    get_exporter,
    job_snapshot,
)
from yiwang.core.models import ExportJob


@transaction.atomic
def start_export(*, actor, kind: str, params: dict, fmt: str = XLSX):
    """Queues an export of the list `kind` under `params` (its filters) for `actor`, as
    XLSX or CSV (`fmt`); it runs once this commits. Refused, with the field and the fix,
    when the kind or the format is unknown, the actor lacks the permission, or an area
    asked lies outside the actor's posts."""
    found = get_exporter(kind)
    if found is None:
        raise ValidationError({"kind": _("Unknown kind of export.")})
    if fmt not in FORMATS:
        raise ValidationError({"format": _("Choose XLSX or CSV.")})
    if found.permission and not actor.has_perm(found.permission):
        raise PermissionDenied(_("Your account may not make this export."))
    params = cleaned_params(params)
    area_code, scope = checked_scope(actor, found, params)
    params["_scope"] = scope
    params["_area"] = area_code
    if fmt == CSV:
        params["_format"] = CSV
    job = ExportJob.objects.create(kind=kind, params=params, created_by=actor, area_code=area_code)
    audit.record(
        actor=actor,
        action="export.start",
        obj=job,
        object_repr=str(found.label),
        area_code=area_code,
        after=job_snapshot(job),
    )
    from yiwang.core.tasks import run_export

    transaction.on_commit(lambda: run_export(job.pk))
    return job
