"""Volunteering's figures in the cockpit's registry (yiwang.core.indicators): the active
volunteers, the activities held and the services with approved credit hours in the month,
the wishes waiting for a claimer and those fulfilled in the month. Each is the count of a
list the API gives (`records_url`), read through the same filterset."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def register_indicators() -> None:
    from yiwang.core import indicators
    from yiwang.volunteering.filters.activities import ActivityFilterSet
    from yiwang.volunteering.filters.hours import HoursFilterSet
    from yiwang.volunteering.filters.volunteers import VolunteerFilterSet
    from yiwang.volunteering.filters.wishes import WishFilterSet
    from yiwang.volunteering.models import Activity, HoursRecord, Volunteer, Wish
    from yiwang.volunteering.selectors import activities as visible

    def days(first, last, since="since", until="until"):
        return {since: first.isoformat(), until: last.isoformat()}

    def this_month(since="since", until="until", **fixed):
        def params():
            today = timezone.localdate()
            return {**fixed, **days(today.replace(day=1), today, since, until)}

        return params

    def monthly(since="since", until="until", **fixed):
        return lambda period: {**fixed, **days(period.first, period.last_day, since, until)}

    def base(model, scoped):
        return lambda user: model.objects.all() if user is None else scoped(user)

    indicators.register(
        indicators.Indicator(
            "volunteering.volunteers",
            _("Volunteers"),
            _("Active volunteers registered in the area, with their consent."),
            _("people"),
            "volunteering",
            "volunteering.Volunteer",
            VolunteerFilterSet,
            "api:volunteer-list",
            "volunteering:volunteers",
            params={"is_active": "true"},
            base=base(Volunteer, visible.volunteers_visible_to),
            order=70,
        ),
        indicators.Indicator(
            "volunteering.activities",
            _("Volunteer activities"),
            _("Volunteer activities of the area held in the month (cancelled ones left out)."),
            _("activities"),
            "volunteering",
            "volunteering.Activity",
            ActivityFilterSet,
            "api:activity-list",
            "volunteering:activities",
            params=this_month(status="open"),
            monthly=monthly(status="open"),
            base=base(Activity, visible.activities_visible_to),
            order=71,
        ),
        indicators.Indicator(
            "volunteering.services",
            _("Volunteer services"),
            _(
                "Services in the area's activities of the month whose credit hours, from "
                "check-in and check-out, the organiser approved."
            ),
            _("services"),
            "volunteering",
            "volunteering.HoursRecord",
            HoursFilterSet,
            "api:volunteer-hours-list",
            "volunteering:records",
            params=this_month(kind="credit", status="approved"),
            monthly=monthly(kind="credit", status="approved"),
            base=base(HoursRecord, visible.hours_visible_to),
            order=72,
        ),
        indicators.Indicator(
            "volunteering.wishes_waiting",
            _("Micro-wishes waiting"),
            _("Micro-wishes of the area's residents still waiting for a claimer."),
            _("wishes"),
            "volunteering",
            "volunteering.Wish",
            WishFilterSet,
            "api:wish-list",
            "volunteering:wishes",
            params={"status": "open"},
            base=base(Wish, lambda user: Wish.objects.visible_to(user)),
            order=73,
            main=False,
        ),
        indicators.Indicator(
            "volunteering.wishes_fulfilled",
            _("Micro-wishes fulfilled"),
            _("Micro-wishes of the area's residents fulfilled in the month."),
            _("wishes"),
            "volunteering",
            "volunteering.Wish",
            WishFilterSet,
            "api:wish-list",
            "volunteering:wishes",
            params=this_month("fulfilled_since", "fulfilled_until"),
            monthly=monthly("fulfilled_since", "fulfilled_until"),
            base=base(Wish, lambda user: Wish.objects.visible_to(user)),
            order=74,
        ),
    )
