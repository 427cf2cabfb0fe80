"""Background work of announcements: sending one at once, and every minute the sweeps of
the scheduled ones that are due, of the deadlines passed (the grid chiefs told) and of
the fallback SMS. Each claims its work with a conditional UPDATE, so that any number of
consumers may run them."""

import logging

from django.conf import settings
from django.utils import translation
from huey import crontab
from huey.contrib.djhuey import db_task

from yiwang.core.audit import audit_source
from yiwang.core.models import AuditSource
from yiwang.core.periodic import periodic_task
from yiwang.notices.services import announcements, receipts

logger = logging.getLogger(__name__)


@db_task(retries=3, retry_delay=10)
def send_announcement_task(announcement_id: int) -> int:
    with audit_source(AuditSource.TASK), translation.override(settings.LANGUAGE_CODE):
        return announcements.send_announcement(announcement_id)


@periodic_task(crontab(minute="*"))
def sweep_announcements() -> dict:
    with audit_source(AuditSource.TASK), translation.override(settings.LANGUAGE_CODE):
        counts = {
            "sent": announcements.send_due(),
            "chiefs_told": receipts.tell_chiefs(),
            "sms_queued": receipts.queue_fallback_sms(),
        }
    if any(counts.values()):
        logger.info(
            "Announcements: %(sent)d sent, %(chiefs_told)d villages told, "
            "%(sms_queued)d SMS queued.",
            counts,
        )
    return counts


announcements.register_send_task(send_announcement_task)
