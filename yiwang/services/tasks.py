"""Background work of government services: the help requests' clock, every hour, on any
consumer."""

import logging

from django.conf import settings
from django.utils import translation
from huey import crontab

from yiwang.core.audit import audit_source
from yiwang.core.models import AuditSource
from yiwang.core.periodic import periodic_task
from yiwang.services.services.help import sweep_help_clock

logger = logging.getLogger(__name__)


@periodic_task(crontab(minute="17"))
def sweep_help_requests() -> dict:
    """Reminders on the day a help request is due, escalation once it is overdue. Run
    every hour (idempotent: each request is claimed by a conditional UPDATE, so a second
    run, or a second consumer, reminds and escalates nothing twice)."""
    # The notices speak the county's language, whatever the worker thread last spoke.
    with audit_source(AuditSource.TASK), translation.override(settings.LANGUAGE_CODE):
        counts = sweep_help_clock()
    if any(counts.values()):
        logger.info(
            "Help requests: %d reminded, %d escalated.", counts["reminded"], counts["escalated"]
        )
    return counts
