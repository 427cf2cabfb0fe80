"""Background work of volunteering: hourly, the check-ins left open 24 hours after their
activity's end are closed at its end, their hours flagged, their organisers told."""

from django.conf import settings
from django.utils import translation
from huey import crontab

from yiwang.core.audit import audit_source
from yiwang.core.models import AuditSource
from yiwang.core.periodic import periodic_task


@periodic_task(crontab(minute="25"))
def close_open_attendances() -> int:
    """Idempotent: each attendance is claimed by a conditional UPDATE, so a second run (or
    a second consumer) closes none twice."""
    from yiwang.volunteering.services.hours import close_open_attendances as close

    with audit_source(AuditSource.TASK), translation.override(settings.LANGUAGE_CODE):
        return close()
