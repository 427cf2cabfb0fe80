"""The homes' panel of the inbox, and the menu's badge.

Every home shows the announcements the person has not acknowledged yet (the newest few)
and the unread count; a grid chief's also the count of their villages' people who let a
deadline pass."""

from __future__ import annotations

from yiwang.accounts import homes
from yiwang.notices import selectors
from yiwang.notices.services import receipts

SHOWN = 5


def counts(request) -> selectors.Counts:
    """The figures of the user's inbox, counted once a request in one query: the inbox's
    badge, a module's badge of its notifications and the inbox page share them."""
    found = getattr(request, "_yiwang_inbox_counts", None)
    if found is None:
        found = request._yiwang_inbox_counts = selectors.counts(request.user)
    return found


def unread_counts(request) -> tuple[int, int]:
    """(unread announcements, unread notifications) of the user."""
    found = counts(request)
    return found.unread_announcements, found.unread_notifications


def unread_count(request) -> int:
    """The inbox's unread items (the menu's badge)."""
    return counts(request).unread


def panel(request) -> dict:
    user = request.user
    pending = list(
        selectors.receipts_of(user, "pending")
        .select_related("announcement")
        .order_by("-created_at", "-id")[:SHOWN]
    )
    context = {
        "inbox_pending": pending,
        "inbox_pending_count": counts(request).pending,
        "inbox_unread": unread_count(request),
    }
    if homes.kind(user) == homes.CHIEF:
        context["inbox_overdue"] = receipts.overdue_for(user).count()
    return context


def register() -> None:
    """Called from NoticesConfig.ready()."""
    homes.register(homes.Panel("notices.inbox", homes.KINDS, "notices/home/inbox.html", panel, 5))
