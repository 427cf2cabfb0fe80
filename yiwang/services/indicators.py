"""The services' figures in the cockpit's registry (yiwang.core.indicators): the help
requests open (not delivered yet) and those overdue (open past their due day in working
days). Each is the count of the API's list of help requests (`records_url`), read
through the same filterset as that list."""

from django.utils.translation import gettext_lazy as _


def register_indicators() -> None:
    from yiwang.core import indicators
    from yiwang.services.filters import HelpRequestFilterSet
    from yiwang.services.selectors.help import visible_help_requests

    def requests(user):
        """The requests of the user's areas and those of their department's items."""
        return visible_help_requests(user)

    indicators.register(
        indicators.Indicator(
            "services.help_open",
            _("Help requests open"),
            _("Help requests (帮办代办) of the area's residents not delivered yet."),
            _("requests"),
            "services",
            "services.HelpRequest",
            HelpRequestFilterSet,
            "api:help-request-list",
            None,
            params={"open": "true"},
            base=requests,
            order=90,
            main=False,
        ),
        indicators.Indicator(
            "services.help_overdue",
            _("Help requests overdue"),
            _(
                "Help requests of the area's residents not delivered by their due day, the "
                "item's time limit in working days from acceptance."
            ),
            _("requests"),
            "services",
            "services.HelpRequest",
            HelpRequestFilterSet,
            "api:help-request-list",
            None,
            params={"overdue": "true"},
            base=requests,
            order=91,
        ),
    )
