"""Notices (通知): announcements to the grids, one inbox per person with every module's
notifications, acknowledgements, and the outbox to group robots and SMS."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "yiwang.notices"
    label = "notices"
    verbose_name = _("Notices")

    def ready(self):
        from yiwang.core import audit
        from yiwang.notices import kinds, selectors, sweeps  # noqa: F401

        kinds.register(
            kinds.Kind(
                "notice.unacknowledged",
                _("Not acknowledged by the deadline"),
                "notices",
                "notices.announcement",
                selectors.announcement_links,
            )
        )

        audit.register_actions(
            {
                "announcement.create": _("Write an announcement"),
                "announcement.cancel": _("Cancel an announcement"),
                "announcement.send": _("Send an announcement"),
                "receipt.read": _("Read an announcement"),
                "receipt.acknowledge": _("Acknowledge an announcement"),
                "notifications.read": _("Mark notifications read"),
                "robot.create": _("Register a group robot"),
                "robot.update": _("Edit a group robot"),
                "delivery.retry": _("Send a delivery again"),
            }
        )
