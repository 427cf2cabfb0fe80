"""Notices (通知): announcements to the grids, one inbox per person with every module's
notifications, acknowledgements, and the outbox to group robots and SMS."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "yiwang.notices"
    label = "notices"
    verbose_name = _("Notices")

    def ready(self):
        from yiwang.core import audit, menus
        from yiwang.notices.outbox.robots import may_manage_robots

        audit.register_actions(
            {
                "announcement.create": _("Write an announcement"),
                "announcement.cancel": _("Cancel an announcement"),
                "announcement.send": _("Send an announcement"),
                "receipt.acknowledge": _("Acknowledge an announcement"),
                "notifications.read": _("Mark notifications read"),
                "robot.create": _("Register a group robot"),
                "robot.update": _("Edit a group robot"),
                "delivery.retry": _("Send a delivery again"),
            }
        )
        # The outbox: the group robots' page (and from it the deliveries) in the settings.
        menus.register(
            menus.MenuItem(
                key="notices.robots",
                label=_("Group robots"),
                url_name="notices:robots",
                section="settings",
                order=80,
                visible=_robots_page_for(may_manage_robots),
            )
        )


def _robots_page_for(may_manage_robots):
    """Who sees the robots' page in the menu: those who may manage robots, once the notices
    URLconf mounts the page (views.robots.robot_urlpatterns), so that a menu is never
    built with a link that does not resolve."""
    from django.urls import NoReverseMatch, reverse

    def visible(user) -> bool:
        if not may_manage_robots(user):
            return False
        try:
            reverse("notices:robots")
        except NoReverseMatch:
            return False
        return True

    return visible
