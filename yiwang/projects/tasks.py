"""Background work of the battle map: the sweep of enterprise requests and project
problems, every hour, on any consumer."""

import logging

from django.conf import settings
from django.utils import translation
from huey import crontab

from yiwang.core.audit import audit_source
from yiwang.core.models import AuditSource
from yiwang.core.periodic import periodic_task
from yiwang.projects.services.support import sweep_requests

logger = logging.getLogger(__name__)


@periodic_task(crontab(minute="7"))
def sweep_support() -> dict:
    """Reminders on the day a request's stage is due, escalation once it is overdue, and
    reminders of overdue project problems. Run every hour (the sweep is idempotent: each
    request is claimed by a conditional UPDATE, so a second run, or a second consumer,
    reminds and escalates nothing twice)."""
    # The notices speak the county's language, whatever the worker thread last spoke.
    with audit_source(AuditSource.TASK), translation.override(settings.LANGUAGE_CODE):
        counts = sweep_requests()
    if any(counts.values()):
        logger.info(
            "Enterprise requests: %d reminded, %d escalated; %d problems reminded.",
            counts["reminded"],
            counts["escalated"],
            counts["problems_reminded"],
        )
    return counts
