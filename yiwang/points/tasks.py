"""Background work of points, a block a topic."""

from django.conf import settings
from django.utils import translation
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from yiwang.core.audit import audit_source
from yiwang.core.models import AuditSource

# --- the monthly evaluation (evaluation) --------------------------------------------------


@db_periodic_task(crontab(minute="20", hour="2", day="1"))
def close_ended_month() -> dict:
    """On the 1st: the month just ended closed for every village that has no entry of it
    awaiting approval (the others are closed by their board once the entries are
    decided). Idempotent: a village already closed is left as it is, and the
    evaluation's unique constraint holds against a second consumer."""
    from yiwang.points.services.evaluation import close_ended_month as close

    with audit_source(AuditSource.TASK), translation.override(settings.LANGUAGE_CODE):
        return close()


@db_periodic_task(crontab(minute="5"))
def finalise_due_evaluations() -> dict:
    """Hourly: each evaluation whose public notice has ended is made final (its rewards
    paid) once every objection is answered; its chair is told otherwise. Each is locked
    while it is finalised, so a second consumer finds it final and leaves it."""
    from yiwang.points.services.evaluation import finalise_due

    with audit_source(AuditSource.TASK), translation.override(settings.LANGUAGE_CODE):
        return finalise_due()


# --- end of the monthly evaluation ----------------------------------------------------------
