"""The inbox's writes: notifications and announcements marked read, one or all."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from yiwang.accounts import scope
from yiwang.core import audit
from yiwang.notices.addressees import forget
from yiwang.notices.models import Notification, Receipt


def mark_all_read(*, actor) -> int:
    """Every unread announcement and notification of the actor marked read (their
    acknowledgements are not touched: read is not acknowledged). One UPDATE each, one
    audit entry; answers the count."""
    now = timezone.now()
    with transaction.atomic():
        scope.recheck(actor)
        forget(actor)
        receipts = Receipt.objects.for_user(actor).filter(read_at__isnull=True).update(read_at=now)
        notifications = Notification.objects.for_user(actor).unread().update(read_at=now)
        count = receipts + notifications
        if count:
            audit.record(
                actor=actor,
                action="notifications.read",
                object_type=Notification._meta.label_lower,
                object_repr=str(actor),
                area_code=getattr(actor, "area_code", ""),
                after={"announcements": receipts, "notifications": notifications},
            )
    return count


def mark_notification_read(*, actor, notification_id: int) -> bool:
    now = timezone.now()
    with transaction.atomic():
        scope.recheck(actor)
        forget(actor)
        updated = (
            Notification.objects.for_user(actor)
            .unread()
            .filter(pk=notification_id)
            .update(read_at=now)
        )
        if updated:
            audit.record(
                actor=actor,
                action="notifications.read",
                object_type=Notification._meta.label_lower,
                object_id=str(notification_id),
                object_repr=str(actor),
                area_code=getattr(actor, "area_code", ""),
                after={"notifications": 1},
            )
    return bool(updated)
