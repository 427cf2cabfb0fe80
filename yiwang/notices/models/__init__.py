from yiwang.notices.models.announcements import (
    Announcement,
    AnnouncementAttachment,
    AnnouncementStatus,
    Priority,
    Receipt,
)
from yiwang.notices.models.inbox import Notification, NotificationQuerySet
from yiwang.notices.models.outbox import (
    Channel,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Robot,
)

__all__ = [
    "Announcement",
    "AnnouncementAttachment",
    "AnnouncementStatus",
    "Channel",
    "Delivery",
    "DeliveryAttempt",
    "DeliveryStatus",
    "Notification",
    "NotificationQuerySet",
    "Priority",
    "Receipt",
    "Robot",
]
