"""Notices (通知): announcements to the grids, one inbox per person with every module's
notifications, acknowledgements, and the outbox to group robots and SMS."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "yiwang.notices"
    label = "notices"
    verbose_name = _("Notices")

    def ready(self):
        from django.urls import reverse

        from yiwang.core import audit, indicators, menus
        from yiwang.notices import home, kinds, selectors, sweeps, tasks  # noqa: F401
        from yiwang.notices.outbox.robots import may_manage_robots
        from yiwang.notices.services.announcements import can_write
        from yiwang.notices.services.receipts import may_see_overdue

        # The cockpit's figure: announcements acknowledged, rolled up the tree.
        indicators.register(
            indicators.Rate(
                "notices.acknowledged",
                _("Announcements acknowledged"),
                _(
                    "Of the receipts of the announcements sent in the month that ask for an acknowledgement, those acknowledged."
                ),
                "notices",
                compute=selectors.acknowledged,
                page=lambda code, period: reverse("notices:announcements"),
                order=40,
            )
        )

        item = menus.MenuItem
        menus.register(
            item(
                "notices.inbox",
                _("Inbox"),
                "notices:inbox",
                "work",
                5,
                badge=home.unread_count,
                tab=4,
                tab_label=_("Inbox"),
            ),
            item(
                "notices.announcements",
                _("Announcements"),
                "notices:announcements",
                "work",
                6,
                can_write,
            ),
            item(
                "notices.announcement-create",
                _("Write an announcement"),
                "notices:announcement-create",
                "work",
                7,
                can_write,
            ),
            item(
                "notices.overdue",
                _("Not acknowledged in time"),
                "notices:overdue",
                "work",
                8,
                may_see_overdue,
            ),
        )
        home.register()

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
        # The outbox: the group robots' page (and from it the deliveries) in the settings.
        menus.register(
            menus.MenuItem(
                key="notices.robots",
                label=_("Group robots"),
                url_name="notices:robots",
                section="settings",
                order=80,
                visible=may_manage_robots,
            )
        )
