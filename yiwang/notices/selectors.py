"""The one inbox: a person's announcements (their receipts) and the notifications every
module sends them (notices.Notification), newest first, as one list.

The two tables are read apart and merged: each gives its newest rows up to the end of the
page asked for (by its inbox index), the merge keeps the page. So a page costs two short
index scans however many notices the year brought.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from fractions import Fraction

from django.db import connection
from django.db.models import Count
from django.db.models.functions import Substr
from django.urls import reverse

from yiwang.core.scoping import subtree_q
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


@dataclass(frozen=True)
class Counts:
    announcements: int = 0
    unread_announcements: int = 0
    pending: int = 0  # announcements not acknowledged yet
    notifications: int = 0
    unread_notifications: int = 0

    @property
    def unread(self) -> int:
        return self.unread_announcements + self.unread_notifications

    def of(self, which: str) -> int:
        """How many items the tab `which` lists."""
        return {
            "all": self.announcements + self.notifications,
            "unread": self.unread,
            "pending": self.pending,
            "announcements": self.announcements,
            "notifications": self.notifications,
        }[which]


def counts(user) -> Counts:
    """Every figure of the user's inbox in one query: two short scans, one of each table,
    by its inbox index."""
    if not getattr(user, "is_authenticated", False):
        return Counts()
    receipts, receipt_params = (
        receipts_of(user).order_by().values("read_at", "acked_at").query.sql_with_params()
    )
    notifications, notification_params = (
        notifications_of(user).order_by().values("read_at").query.sql_with_params()
    )
    unread = "SUM(CASE WHEN x.read_at IS NULL THEN 1 ELSE 0 END)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT r.n, r.unread, r.pending, n.n, n.unread FROM "
            f"(SELECT COUNT(*) n, {unread} unread, "
            f"SUM(CASE WHEN x.acked_at IS NULL THEN 1 ELSE 0 END) pending "
            f"FROM ({receipts}) x) r, "
            f"(SELECT COUNT(*) n, {unread} unread FROM ({notifications}) x) n",
            [*receipt_params, *notification_params],
        )
        row = cursor.fetchone()
    return Counts(*(int(value or 0) for value in row))


def unread_count(user) -> int:
    """Unread announcements and notifications: the badge of the inbox."""
    return counts(user).unread


def pending_count(user) -> int:
    """Announcements the user has not acknowledged yet."""
    return counts(user).pending


def _sources(user, which: str):
    receipts = None if which == "notifications" else receipts_of(user, which)
    notifications = None if which in ("announcements", "pending") else notifications_of(user, which)
    return receipts, notifications


def count(user, which: str = "all") -> int:
    return counts(user).of(which)


def page(user, which: str = "all", number: int = 1, size: int = PAGE_SIZE) -> list[Item]:
    """The items of one page, newest first: the newest rows of each table up to the end of
    the page (one query each, by its inbox index), merged, the page kept."""
    number = max(1, min(number, MAX_PAGE))
    end = number * size
    receipts, notifications = _sources(user, which)
    rows: list = []
    if receipts is not None:
        rows += list(
            receipts.select_related("announcement")
            .only(
                "id",
                "created_at",
                "read_at",
                "acked_at",
                "announcement__id",
                "announcement__title",
                "announcement__body",
                "announcement__priority",
                "announcement__ack_by",
            )
            .order_by("-created_at", "-id")[:end]
        )
    if notifications is not None:
        rows += list(notifications.order_by("-created_at", "-id")[:end])
    rows.sort(key=lambda row: (row.created_at, isinstance(row, Receipt), row.pk), reverse=True)
    return _items(user, rows[end - size : end])


def _items(user, rows) -> list[Item]:
    notifications = [row for row in rows if isinstance(row, Notification)]
    links = _links(user, notifications)
    items = []
    for row in rows:
        if isinstance(row, Receipt):
            announcement = row.announcement
            items.append(
                Item(
                    type=ANNOUNCEMENT,
                    id=row.pk,
                    created_at=row.created_at,
                    title=announcement.title,
                    text=announcement.body,
                    kind="notice.announcement",
                    kind_label=announcement.get_priority_display(),
                    priority=announcement.priority,
                    read=row.read_at is not None,
                    acked=row.acked_at is not None,
                    ack_by=announcement.ack_by,
                    url=reverse("notices:announcement", args=[announcement.pk]),
                    announcement_id=announcement.pk,
                )
            )
            continue
        url, title = links.get((row.kind, row.object_id), ("", ""))
        items.append(
            Item(
                type=NOTIFICATION,
                id=row.pk,
                created_at=row.created_at,
                title=title or str(kinds.label(row.kind)),
                text=row.text,
                kind=row.kind,
                kind_label=str(kinds.label(row.kind)),
                priority=Priority.ROUTINE,
                read=row.read_at is not None,
                acked=None,
                ack_by=None,
                url=url,
            )
        )
    return items


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


def acknowledged(area, period) -> tuple[Fraction | None, dict[str, Fraction | None]]:
    """Of the receipts in the subtree of `area` of the announcements sent in `period` that
    ask for an acknowledgement, those acknowledged: in all, and by child area (the
    cockpit's indicator). One GROUP BY on the receipts' code prefix; None where there is
    nothing to acknowledge."""
    length = len(area.code) + 3
    rows = (
        Receipt.objects.filter(
            subtree_q("area_code", area.code),
            announcement__ack_by__isnull=False,
            announcement__sent_at__gte=period.start,
            announcement__sent_at__lt=period.end,
        )
        .annotate(child=Substr("area_code", 1, length))
        .values("child")
        .annotate(total=Count("id"), acked=Count("acked_at"))
        .order_by()
    )
    total = acked = 0
    children: dict[str, Fraction | None] = {}
    for row in rows:
        total += row["total"]
        acked += row["acked"]
        if row["total"]:
            children[row["child"]] = Fraction(row["acked"], row["total"])
    return (Fraction(acked, total) if total else None), children
