"""Background work of volunteering: the micro-wishes nobody claimed raised to their village
(daily at 08:05 in TIME_ZONE). Huey hands its periodic tasks the time in UTC (naive), so
the daily task is timed by a function of the local time (as points' tasks)."""

import datetime

from django.conf import settings
from django.utils import timezone, translation

from yiwang.core.audit import audit_source
from yiwang.core.models import AuditSource
from yiwang.core.periodic import periodic_task


def _local(timestamp: datetime.datetime) -> datetime.datetime:
    if timezone.is_naive(timestamp):
        timestamp = timestamp.replace(tzinfo=datetime.UTC)
    return timezone.localtime(timestamp)


def raise_time(timestamp: datetime.datetime) -> bool:
    """08:05 in TIME_ZONE each day: the village's chief finds it at the day's start."""
    local = _local(timestamp)
    return local.hour == 8 and local.minute == 5


@periodic_task(raise_time)
def raise_unclaimed_wishes() -> int:
    """Each wish still open VOLUNTEERING_WISH_RAISE_DAYS after it was recorded, raised to
    its village once (a conditional UPDATE claims it: a second consumer leaves it)."""
    from yiwang.volunteering.services.wishes import raise_unclaimed

    with audit_source(AuditSource.TASK), translation.override(settings.LANGUAGE_CODE):
        return raise_unclaimed()
