"""The one inbox: a person's announcements (their receipts) and the notifications every
module sends them (notices.Notification), newest first, as one list.

The two tables are read apart and merged: each gives its newest rows up to the end of the
page asked for (by its inbox index), the merge keeps the page. So a page costs two short
index scans however many notices the year brought.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import connection
from django.urls import reverse

from yiwang.notices import kinds
from yiwang.notices.models import Notification, Priority, Receipt

PAGE_SIZE = 20
MAX_PAGE = 50

ANNOUNCEMENT, NOTIFICATION = "announcement", "notification"
FILTERS = ("all", "unread", "pending", "announcements", "notifications")


@dataclass
class Item:
    type: str
    id: int
    created_at: datetime.datetime
    title: str
    text: str
    kind: str
    kind_label: str
    priority: str
    read: bool
    acked: bool | None  # None: nothing to acknowledge (a notification)
    ack_by: datetime.datetime | None
    url: str
    announcement_id: int | None = None

    @property
    def needs_ack(self) -> bool:
        return self.acked is False

    @property
    def important(self) -> bool:
        return self.priority in (Priority.IMPORTANT, Priority.EMERGENCY)


def receipts_of(user, which: str = "all"):
    receipts = Receipt.objects.for_user(user).exclude(announcement__status="cancelled")
    if which == "unread":
        receipts = receipts.filter(read_at__isnull=True)
    elif which == "pending":
        receipts = receipts.filter(acked_at__isnull=True)
    return receipts


def notifications_of(user, which: str = "all"):
    notifications = Notification.objects.for_user(user)
    if which == "unread":
        notifications = notifications.unread()
    return notifications


def unread_counts(user) -> tuple[int, int]:
    """(unread announcements, unread notifications), in one query: the menu's badges."""
    if not getattr(user, "is_authenticated", False):
        return 0, 0
    receipts, receipt_params = (
        receipts_of(user, "unread").order_by().values("id").query.sql_with_params()
    )
    notifications, notification_params = (
        notifications_of(user, "unread").order_by().values("id").query.sql_with_params()
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM ({receipts}) r), "
            f"(SELECT COUNT(*) FROM ({notifications}) n)",
            [*receipt_params, *notification_params],
        )
        announcements, notes = cursor.fetchone()
    return int(announcements), int(notes)


def unread_count(user) -> int:
    """Unread announcements and notifications: the badge of the inbox."""
    return sum(unread_counts(user))


def pending_count(user) -> int:
    """Announcements the user has not acknowledged yet."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return receipts_of(user, "pending").count()


def _sources(user, which: str):
    receipts = None if which == "notifications" else receipts_of(user, which)
    notifications = None if which in ("announcements", "pending") else notifications_of(user, which)
    return receipts, notifications


def count(user, which: str = "all") -> int:
    receipts, notifications = _sources(user, which)
    return (receipts.count() if receipts is not None else 0) + (
        notifications.count() if notifications is not None else 0
    )


def page(user, which: str = "all", number: int = 1, size: int = PAGE_SIZE) -> list[Item]:
    """The items of one page, newest first."""
    number = max(1, min(number, MAX_PAGE))
    end = number * size
    receipts, notifications = _sources(user, which)
    keys = []
    if receipts is not None:
        keys += [
            (at, ANNOUNCEMENT, pk)
            for pk, at in receipts.order_by("-created_at", "-id").values_list("id", "created_at")[
                :end
            ]
        ]
    if notifications is not None:
        keys += [
            (at, NOTIFICATION, pk)
            for pk, at in notifications.order_by("-created_at", "-id").values_list(
                "id", "created_at"
            )[:end]
        ]
    keys.sort(key=lambda key: (key[0], key[1], key[2]), reverse=True)
    keys = keys[end - size : end]
    return _items(user, keys)


def _items(user, keys) -> list[Item]:
    receipt_ids = [pk for _at, kind, pk in keys if kind == ANNOUNCEMENT]
    notification_ids = [pk for _at, kind, pk in keys if kind == NOTIFICATION]
    found: dict[tuple[str, int], Item] = {}
    for receipt in Receipt.objects.filter(pk__in=receipt_ids).select_related("announcement"):
        announcement = receipt.announcement
        found[(ANNOUNCEMENT, receipt.pk)] = Item(
            type=ANNOUNCEMENT,
            id=receipt.pk,
            created_at=receipt.created_at,
            title=announcement.title,
            text=announcement.body,
            kind="notice.announcement",
            kind_label=announcement.get_priority_display(),
            priority=announcement.priority,
            read=receipt.read_at is not None,
            acked=receipt.acked_at is not None,
            ack_by=announcement.ack_by,
            url=reverse("notices:announcement", args=[announcement.pk]),
            announcement_id=announcement.pk,
        )
    notifications = list(Notification.objects.filter(pk__in=notification_ids))
    links = _links(user, notifications)
    for notification in notifications:
        url, title = links.get((notification.kind, notification.object_id), ("", ""))
        found[(NOTIFICATION, notification.pk)] = Item(
            type=NOTIFICATION,
            id=notification.pk,
            created_at=notification.created_at,
            title=title or str(kinds.label(notification.kind)),
            text=notification.text,
            kind=notification.kind,
            kind_label=str(kinds.label(notification.kind)),
            priority=Priority.ROUTINE,
            read=notification.read_at is not None,
            acked=None,
            ack_by=None,
            url=url,
        )
    return [found[(kind, pk)] for _at, kind, pk in keys if (kind, pk) in found]


def _links(user, notifications) -> dict:
    """{(kind, object id): (URL, title)} of the objects the user may open, one call of
    each kind's `links` for the whole page."""
    wanted: dict[str, set[int]] = {}
    for notification in notifications:
        if notification.object_id is not None:
            wanted.setdefault(notification.kind, set()).add(notification.object_id)
    links = {}
    for key, ids in wanted.items():
        kind = kinds.get(key)
        if kind is None or kind.links is None:
            continue
        for object_id, link in kind.links(user, sorted(ids)).items():
            links[(key, object_id)] = link
    return links


def announcement_links(user, ids) -> dict:
    """The links of the notifications about announcements (to the grid chiefs): the list
    of those who have not acknowledged."""
    url = reverse("notices:overdue")
    from yiwang.notices.models import Announcement

    return {
        pk: (url, title)
        for pk, title in Announcement.objects.filter(pk__in=ids).values_list("pk", "title")
    }


__all__ = ["Item", "count", "page", "pending_count", "unread_count"]
