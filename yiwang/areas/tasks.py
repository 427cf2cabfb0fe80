"""Background work of the areas module, run by the Huey consumers."""

from huey.contrib.djhuey import db_task

from yiwang.areas.importers import division_rows
from yiwang.areas.services import import_areas
from yiwang.core.audit import audit_source
from yiwang.core.models import AuditSource


@db_task()
def import_areas_file(data: bytes, filename: str, actor_id: int | None = None) -> dict:
    """Imports an uploaded division-code table; returns the report as plain data."""
    from yiwang.accounts.models import User

    actor = User.objects.get(pk=actor_id) if actor_id else None
    with audit_source(AuditSource.TASK):
        report = import_areas(actor=actor, rows=division_rows(data, filename))
    return {
        "created": report.created,
        "renamed": report.renamed,
        "unchanged": report.unchanged,
        "errors": [str(e) for e in report.errors],
    }
