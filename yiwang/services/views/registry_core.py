"""The labels of the services' writes on the audit pages, the kinds of notification the
help requests' clock sends, and the services' figures in the cockpit."""

from django.utils.translation import gettext_lazy


def register() -> None:
    from yiwang.core import audit
    from yiwang.notices import kinds as notice_kinds
    from yiwang.services.indicators import register_indicators
    from yiwang.services.services.help import NOTICE_DUE, NOTICE_ESCALATED, help_links

    notice_kinds.register(
        notice_kinds.Kind(
            NOTICE_DUE,
            gettext_lazy("A help request due today"),
            "services",
            object_type="services.helprequest",
            links=help_links,
        ),
        notice_kinds.Kind(
            NOTICE_ESCALATED,
            gettext_lazy("A help request overdue, raised to your level"),
            "services",
            object_type="services.helprequest",
            links=help_links,
        ),
    )
    audit.register_actions(
        {
            "services_item.create": gettext_lazy("Add an item to the catalogue of services"),
            "services_item.update": gettext_lazy("Change an item of the catalogue of services"),
            "services_item.materials": gettext_lazy("Change the materials of a service item"),
            "services_help.take": gettext_lazy("Take a help request"),
            "services_help.material": gettext_lazy("Receive a material of a help request"),
            "services_help.accepted": gettext_lazy("Accept a help request"),
            "services_help.processing": gettext_lazy("Handle a help request"),
            "services_help.delivered": gettext_lazy("Deliver a help request's result"),
            "services_help.archived": gettext_lazy("Archive a help request"),
            "services_help.followed_up": gettext_lazy("Record a help request's follow-up call"),
            "services_help.reveal": gettext_lazy("Reveal a help request's personal data"),
            "services_help.remind": gettext_lazy("Remind of a help request due today"),
            "services_help.escalate": gettext_lazy("Raise an overdue help request a level"),
            "services_help.late": gettext_lazy("Mark a help request late"),
        }
    )
    register_indicators()
