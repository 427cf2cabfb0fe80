"""Background work of points: entries proposed from the records of the month, daily."""

import datetime

from django.conf import settings
from django.utils import timezone, translation
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from yiwang.core.audit import audit_source
from yiwang.core.models import AuditSource
from yiwang.points.services.proposals import propose

# On the first days of a month the month before is proposed again too: records of its
# last days (a case closed late on the 31st, a visit sent from a phone offline) arrive then.
LOOK_BACK_DAYS = 5


@db_periodic_task(crontab(minute="40", hour="2"))
def propose_entries() -> dict:
    """The current month's proposals and, on the first days of a month, the month
    before's. Idempotent: a record proposes once (Entry.proposal_key)."""
    with audit_source(AuditSource.TASK), translation.override(settings.LANGUAGE_CODE):
        today = timezone.localdate()
        month = today.replace(day=1)
        result = {month.isoformat(): propose(month)}
        if today.day <= LOOK_BACK_DAYS:
            before = (month - datetime.timedelta(days=1)).replace(day=1)
            result[before.isoformat()] = propose(before)
        return result
