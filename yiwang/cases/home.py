"""What cases add to the homes (accounts.homes) and the main menu's badge.

The worker's day: the cases that wait for them, a button to report, their unread notices.
The chief's village: the open and the late cases of the village, what waits for the chief,
the unread notices. A town's or the county's summary: the open and the late cases of the
area, with links to the lists and the rates.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.accounts import homes
from yiwang.cases import selectors, states
from yiwang.cases.models import Case
from yiwang.cases.selectors import rates

SHOWN = 5


def unread_count(request) -> int:
    """The user's unread notifications (notices.Notification, of every kind), counted once a
    request (the menu's badge)."""
    from yiwang.notices import home as inbox

    return inbox.unread_counts(request)[1]


def _waiting(request) -> dict:
    user = request.user
    waiting = selectors.inbox(user)
    rows = list(waiting[: SHOWN + 1])
    return {
        "cases_waiting": rows[:SHOWN],
        "cases_waiting_more": len(rows) > SHOWN,
        "cases_waiting_count": waiting.count() if len(rows) > SHOWN else len(rows),
        "now": timezone.now(),
    }


def assigned(request) -> dict:
    return _waiting(request) | {"panel_title": _("Cases for me")}


def notices(request) -> dict:
    latest = list(
        selectors.notifications(request.user).unread().order_by("-created_at", "-id")[:SHOWN]
    )
    return {"notices": latest, "notices_unread": unread_count(request)}


def _figures(request) -> dict:
    user = request.user
    return {
        "cases_open": Case.objects.visible_to(user).filter(status__in=list(states.OPEN)).count(),
        "cases_late": rates.overdue(user).count(),
    }


def village(request) -> dict:
    return _figures(request) | _waiting(request) | {"panel_title": _("Waiting for me")}


def summary(request) -> dict:
    return _figures(request)


def register() -> None:
    """Called from CasesConfig.ready()."""
    for panel in (
        homes.Panel("cases.assigned", (homes.WORKER,), "cases/home/waiting.html", assigned, 20),
        homes.Panel("cases.village", (homes.CHIEF,), "cases/home/village.html", village, 10),
        homes.Panel(
            "cases.notices", (homes.WORKER, homes.CHIEF), "cases/home/notices.html", notices, 30
        ),
        homes.Panel(
            "cases.summary", (homes.TOWN, homes.COUNTY), "cases/home/summary.html", summary, 10
        ),
    ):
        homes.register(panel)
