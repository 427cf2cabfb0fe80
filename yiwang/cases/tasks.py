"""Background work of cases: the deadline sweep, every minute, on any consumer."""

import logging

from django.conf import settings
from django.utils import translation
from huey import crontab

from yiwang.cases.services import escalate_overdue
from yiwang.core.audit import audit_source
from yiwang.core.models import AuditSource
from yiwang.core.periodic import periodic_task

logger = logging.getLogger(__name__)


@periodic_task(crontab(minute="*"))
def sweep_cases() -> dict:
    """Reminders before a stage is due, escalation once it is overdue. Each case is
    claimed by a conditional UPDATE, so that the task may run on several consumers at once
    (or twice, late) and still remind and escalate each case once."""
    # The notices speak the county's language, whatever the worker thread last spoke.
    with audit_source(AuditSource.TASK), translation.override(settings.LANGUAGE_CODE):
        counts = escalate_overdue()
    # A line only when the sweep did something: the consumer is quiet about a sweep.
    if any(counts.values()):
        logger.info(
            "Case sweep: %d escalated, %d reminded.", counts["escalated"], counts["reminded"]
        )
    return counts
