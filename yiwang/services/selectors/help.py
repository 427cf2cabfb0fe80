"""Reads of help requests: who sees which (access.help_request_q), and the conditions of
the open and the overdue ones that the lists, the clock and the cockpit share."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet

from yiwang.services import access
from yiwang.services.models import STEP_ORDER, HelpRequest, Step

# The steps in which the clock runs: before delivery.
OPEN_STEPS: tuple[str, ...] = STEP_ORDER[: STEP_ORDER.index(Step.DELIVERED)]


def visible_help_requests(user) -> QuerySet[HelpRequest]:
    """The help requests `user` sees (`None`: the system, every one): those of the areas
    of their posts and those of the items their department decides."""
    rows = HelpRequest.objects.all()
    if user is None:
        return rows
    q = access.help_request_q(user)
    return rows if q is None else rows.filter(q)


def open_q() -> Q:
    """Not delivered yet: the clock runs."""
    return Q(step__in=OPEN_STEPS)


def overdue_q(today: datetime.date) -> Q:
    """Open and past the due day."""
    return open_q() & Q(due_on__lt=today)


def due_today_q(today: datetime.date) -> Q:
    return open_q() & Q(due_on=today)
