"""Background work of the cockpit: on the 1st of each month at 06:00 (TIME_ZONE), the
snapshots of the month just ended, then its monthly reports (the county's and each
town's); and a report asked for on demand."""

import datetime
import logging

from django.conf import settings
from django.utils import timezone, translation
from huey.contrib.djhuey import db_task

from yiwang.cockpit import reports, snapshots
from yiwang.core.audit import audit_source
from yiwang.core.models import AuditSource
from yiwang.core.periodic import periodic_task
from yiwang.core.replica import primary_reads

logger = logging.getLogger(__name__)


def first_of_month_at_six(timestamp: datetime.datetime) -> bool:
    """Whether `timestamp` is 06:00 on the 1st in TIME_ZONE. Huey hands its periodic tasks
    the time in UTC (naive), where a crontab's hour would be UTC's: 06:00 in Beijing is
    22:00 UTC on the last day of the month before."""
    if timezone.is_naive(timestamp):
        timestamp = timestamp.replace(tzinfo=datetime.UTC)
    local = timezone.localtime(timestamp)
    return local.day == 1 and local.hour == 6 and local.minute == 0


@db_task()
def generate_report(report_id: int) -> str:
    """Makes one report (asked for on a page, by the API or by the monthly run)."""
    # The snapshots it reads were written by the task before it: read on the primary.
    with (
        audit_source(AuditSource.TASK),
        translation.override(settings.LANGUAGE_CODE),
        primary_reads(),
    ):
        report = reports.generate(report_id)
    return report.status if report is not None else "gone"


@periodic_task(first_of_month_at_six)
def monthly_reports() -> dict:
    """The snapshots of the month just ended, then its reports, each made by a task of its
    own (one that fails leaves the others). Idempotent: run again, the snapshots are taken
    again and the reports made again, replacing their files."""
    with audit_source(AuditSource.TASK), translation.override(settings.LANGUAGE_CODE):
        taken = snapshots.take_last_month()
        queued = reports.monthly()
    logger.info("Monthly run: snapshots %s, %d reports queued.", taken, len(queued))
    return {"snapshots": taken, "reports": queued}


def every_refresh(timestamp: datetime.datetime) -> bool:
    """Every COCKPIT_REFRESH_MINUTES, on the clock's minutes (0 turns it off)."""
    minutes = settings.COCKPIT_REFRESH_MINUTES
    return bool(minutes) and (timestamp.hour * 60 + timestamp.minute) % minutes == 0


@periodic_task(every_refresh)
def refresh_cockpits() -> dict:
    """This month's figures of every area, for the cockpits to read (`snapshots.refresh`)."""
    with audit_source(AuditSource.TASK):
        return snapshots.refresh()


reports.set_queue(generate_report)
