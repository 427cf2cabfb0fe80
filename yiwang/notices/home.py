"""The homes' panel of the inbox, and the menu's badge.

Every home shows the announcements the person has not acknowledged yet (the newest few)
and the unread count; a grid chief's also the count of their villages' people who let a
deadline pass."""

from __future__ import annotations

from yiwang.accounts import homes
from yiwang.notices import selectors
from yiwang.notices.services import receipts

SHOWN = 5


def unread_count(request) -> int:
    """The inbox's unread items, counted once a request (the menu's badge)."""
    count = getattr(request, "_yiwang_inbox_unread", None)
    if count is None:
        count = request._yiwang_inbox_unread = selectors.unread_count(request.user)
    return count


def panel(request) -> dict:
    user = request.user
    pending = list(
        selectors.receipts_of(user, "pending")
        .select_related("announcement")
        .order_by("-created_at", "-id")[:SHOWN]
    )
    context = {
        "inbox_pending": pending,
        "inbox_pending_count": selectors.pending_count(user)
        if len(pending) == SHOWN
        else len(pending),
        "inbox_unread": unread_count(request),
    }
    if homes.kind(user) == homes.CHIEF:
        context["inbox_overdue"] = receipts.overdue_for(user).count()
    return context


def register() -> None:
    """Called from NoticesConfig.ready()."""
    homes.register(homes.Panel("notices.inbox", homes.KINDS, "notices/home/inbox.html", panel, 5))
