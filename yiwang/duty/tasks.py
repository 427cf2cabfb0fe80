"""Background work of emergency duty: the incidents' reporting clocks, every 5 minutes,
on any consumer."""

import logging

from django.conf import settings
from django.utils import translation
from huey import crontab

from yiwang.core.audit import audit_source
from yiwang.core.models import AuditSource
from yiwang.core.periodic import periodic_task
from yiwang.duty.services.incidents import sweep_incident_clocks

logger = logging.getLogger(__name__)


@periodic_task(crontab(minute="*/5"))
def sweep_incidents() -> dict:
    """Reminders at three quarters of each clock (1 hour to the town, 2 to the county, 24
    for the written report) and, overdue, the level above told once. Idempotent: each
    clock is claimed by a conditional UPDATE, so a second run, or a second consumer,
    reminds and raises nothing twice."""
    with audit_source(AuditSource.TASK), translation.override(settings.LANGUAGE_CODE):
        counts = sweep_incident_clocks()
    if any(counts.values()):
        logger.info(
            "Incidents: %d clocks reminded, %d raised.", counts["reminded"], counts["escalated"]
        )
    return counts
