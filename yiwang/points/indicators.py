"""Points' figures in the cockpit's registry (yiwang.core.indicators): the entries
approved in the month, those awaiting approval, and the awards made final for the month.
Each is the count of a list the API gives (`records_url`), read through the same
filterset."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def register_indicators() -> None:
    from yiwang.core import indicators
    from yiwang.points.api.awards import final_awards
    from yiwang.points.filters.awards import AwardFilterSet
    from yiwang.points.filters.entries import EntryFilterSet
    from yiwang.points.models import Entry

    def this_month(**fixed):
        return lambda: {**fixed, "month": f"{timezone.localdate():%Y-%m}"}

    def monthly(**fixed):
        return lambda period: {**fixed, "month": f"{period.first:%Y-%m}"}

    indicators.register(
        indicators.Indicator(
            "points.entries",
            _("Points entries approved"),
            _("Points entries of the month's deeds in the area approved by a second person."),
            _("entries"),
            "points",
            "points.Entry",
            EntryFilterSet,
            "api:points-entry-list",
            "points:entries",
            params=this_month(status="approved"),
            monthly=monthly(status="approved"),
            base=lambda user: (
                Entry.objects.all() if user is None else Entry.objects.visible_to(user)
            ),
            order=60,
        ),
        indicators.Indicator(
            "points.pending",
            _("Points entries awaiting approval"),
            _("Points entries of the area recorded or proposed and not yet approved or rejected."),
            _("entries"),
            "points",
            "points.Entry",
            EntryFilterSet,
            "api:points-entry-list",
            "points:entries",
            params={"status": "pending"},
            base=lambda user: (
                Entry.objects.all() if user is None else Entry.objects.visible_to(user)
            ),
            order=61,
            main=False,
        ),
        indicators.Indicator(
            "points.awards",
            _("Awards"),
            _(
                "Red-flag grids, red pioneers and model villagers of the area made final in the "
                "month, after the review board's selection and the public notice."
            ),
            _("awards"),
            "points",
            "points.Selection",
            AwardFilterSet,
            "api:points-award-list",
            "points:honours",
            params=lambda: {"final_month": f"{timezone.localdate():%Y-%m}"},
            monthly=lambda period: {"final_month": f"{period.first:%Y-%m}"},
            base=lambda user: final_awards() if user is None else final_awards().visible_to(user),
            order=62,
        ),
    )
