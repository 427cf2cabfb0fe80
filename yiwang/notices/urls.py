from django.urls import include, path

from yiwang.notices.views import announcements, inbox
from yiwang.notices.views.robots import robot_urlpatterns

app_name = "notices"

urlpatterns = [
    path("notices/", inbox.inbox, name="inbox"),
    path("notices/read/", inbox.read_all, name="read-all"),
    path(
        "notices/notifications/<int:notification_id>/read/",
        inbox.read_notification,
        name="notification-read",
    ),
    path("notices/announcements/", announcements.announcement_list, name="announcements"),
    path(
        "notices/announcements/new/",
        announcements.announcement_create,
        name="announcement-create",
    ),
    path(
        "notices/announcements/<int:announcement_id>/",
        announcements.announcement_detail,
        name="announcement",
    ),
    path(
        "notices/announcements/<int:announcement_id>/ack/",
        announcements.announcement_ack,
        name="announcement-ack",
    ),
    path(
        "notices/announcements/<int:announcement_id>/cancel/",
        announcements.announcement_cancel,
        name="announcement-cancel",
    ),
    path(
        "notices/announcements/<int:announcement_id>/people/",
        announcements.announcement_people,
        name="announcement-people",
    ),
    path(
        "notices/announcements/<int:announcement_id>/files/<int:attachment_id>/",
        announcements.attachment,
        name="attachment",
    ),
    path("notices/overdue/", announcements.overdue, name="overdue"),
    path("n/<str:token>/", announcements.ack_link, name="ack-link"),
    # The outbox: the groups' robots and the deliveries, for the areas' managers.
    path("notices/", include(robot_urlpatterns)),
]
