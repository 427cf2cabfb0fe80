"""Background work of points."""

import datetime
import logging

from django.utils import timezone
from huey.contrib.djhuey import db_periodic_task

from yiwang.core.audit import audit_source
from yiwang.core.models import AuditSource

logger = logging.getLogger(__name__)


# --- benefit passes ----------------------------------------------------------------------


def _local(timestamp: datetime.datetime) -> datetime.datetime:
    """Huey hands its periodic tasks the time in UTC (naive)."""
    if timezone.is_naive(timestamp):
        timestamp = timestamp.replace(tzinfo=datetime.UTC)
    return timezone.localtime(timestamp)


def passes_time(timestamp: datetime.datetime) -> bool:
    """01:30 in TIME_ZONE on the 1st to the 20th of each month: on the 1st for the
    evaluations of the month just ended that are final, and each day after for those that
    become final once their public notice has ended (7 days and the objections answered)."""
    local = _local(timestamp)
    return local.day <= 20 and local.hour == 1 and local.minute == 30


@db_periodic_task(passes_time)
def issue_monthly_passes() -> int:
    """The passes of last month's final evaluations, valid this month. Idempotent: only
    the passes missing are made."""
    from yiwang.core.reporting import add_months
    from yiwang.points.services.passes import issue_passes

    month = add_months(timezone.localdate().replace(day=1), -1)
    with audit_source(AuditSource.TASK):
        made = issue_passes(month)
    logger.info("Benefit passes of %s: %d made", f"{month:%Y-%m}", made)
    return made


# --- end of benefit passes -----------------------------------------------------------------
