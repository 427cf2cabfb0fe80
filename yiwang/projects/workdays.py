"""The working calendar of the battle map: `yiwang.core.workdays`, shared with every module
that counts working days, with the years the county entered here (`CalendarYear`)."""

from yiwang.core.workdays import (
    ONE_DAY,
    UnknownCalendarYear,
    WorkCalendar,
    calendar,
    package_years,
    set_entered_years,
)

__all__ = [
    "ONE_DAY",
    "UnknownCalendarYear",
    "WorkCalendar",
    "calendar",
    "entered_years",
    "package_years",
    "set_entered_years",
]


def entered_years() -> tuple:
    """The years a county admin entered, with their days: (year, day, worked) rows."""
    from yiwang.projects.models import CalendarYear

    return tuple(
        CalendarYear.objects.order_by("year", "days__day").values_list(
            "year", "days__day", "days__is_workday"
        )
    )
