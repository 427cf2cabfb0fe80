from yiwang.notices.api.announcements import AnnouncementViewSet
from yiwang.notices.api.inbox import InboxViewSet

__all__ = ["AnnouncementViewSet", "InboxViewSet"]
