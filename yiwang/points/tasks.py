"""Background work of points, a block a topic: entries proposed from the records of the
month (daily at 02:10), the month closed on the 1st at 02:20, the evaluations made final
once their notice has ended (hourly), the benefit passes of the final evaluations (1st to
20th at 01:30). The times are TIME_ZONE's (Beijing): Huey hands its periodic tasks the
time in UTC (naive), where a crontab's hours would be UTC's, so each daily task is timed
by a function of the local time (as the cockpit's monthly reports)."""

import datetime
import logging

from django.conf import settings
from django.utils import timezone, translation
from huey import crontab

from yiwang.core.audit import audit_source
from yiwang.core.models import AuditSource
from yiwang.core.periodic import periodic_task
from yiwang.points.services.proposals import propose


def _local(timestamp: datetime.datetime) -> datetime.datetime:
    """Huey hands its periodic tasks the time in UTC (naive)."""
    if timezone.is_naive(timestamp):
        timestamp = timestamp.replace(tzinfo=datetime.UTC)
    return timezone.localtime(timestamp)


# --- the monthly evaluation (evaluation) --------------------------------------------------


def close_time(timestamp: datetime.datetime) -> bool:
    """02:20 in TIME_ZONE on the 1st: after the proposals of 02:10 (propose_time)."""
    local = _local(timestamp)
    return local.day == 1 and local.hour == 2 and local.minute == 20


@periodic_task(close_time)
def close_ended_month() -> dict:
    """On the 1st: the month just ended closed for every village that has no entry of it
    awaiting approval (the others are closed by their board once the entries are
    decided). Idempotent: a village already closed is left as it is, and the
    evaluation's unique constraint holds against a second consumer."""
    from yiwang.points.services.evaluation import close_ended_month as close

    with audit_source(AuditSource.TASK), translation.override(settings.LANGUAGE_CODE):
        return close()


@periodic_task(crontab(minute="5"))
def finalise_due_evaluations() -> dict:
    """Hourly: each evaluation whose public notice has ended is made final (its rewards
    paid) once every objection is answered; its chair is told otherwise. Each is locked
    while it is finalised, so a second consumer finds it final and leaves it."""
    from yiwang.points.services.decisions import finalise_due

    with audit_source(AuditSource.TASK), translation.override(settings.LANGUAGE_CODE):
        return finalise_due()


# --- proposals (entries) --------------------------------------------------------------

# On the first days of a month the month before is proposed again too: records of its
# last days (a case closed late on the 31st, a visit sent from a phone offline) arrive then.
LOOK_BACK_DAYS = 5


def propose_time(timestamp: datetime.datetime) -> bool:
    """02:10 in TIME_ZONE each day: before the month is closed (02:20 on the 1st,
    close_time), so that the last days' records count."""
    local = _local(timestamp)
    return local.hour == 2 and local.minute == 10


@periodic_task(propose_time)
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


logger = logging.getLogger(__name__)


# --- benefit passes ----------------------------------------------------------------------


def passes_time(timestamp: datetime.datetime) -> bool:
    """01:30 in TIME_ZONE on the 1st to the 20th of each month: on the 1st for the
    evaluations of the month just ended that are final, and each day after for those that
    become final once their public notice has ended (7 days and the objections answered)."""
    local = _local(timestamp)
    return local.day <= 20 and local.hour == 1 and local.minute == 30


@periodic_task(passes_time)
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
