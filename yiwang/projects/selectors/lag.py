"""A milestone's lag in working days and its colour (yiwang.projects.workdays): counted up
to today while it is open, and up to the day it was done once done, so that a milestone
done late keeps its lag."""

import datetime

from yiwang.projects.models import Colour, Milestone
from yiwang.projects.workdays import WorkCalendar

COLOUR_RANK = {Colour.GREEN: 0, Colour.YELLOW: 1, Colour.RED: 2}


def milestone_lag(milestone: Milestone, *, today: datetime.date, cal: WorkCalendar) -> int:
    """Working days late (0 when on time). UnknownCalendarYear when a day it spans lies in
    a year the calendar does not know."""
    return cal.lag(milestone.due_on, milestone.done_on or today)


def milestone_colour(milestone: Milestone, lag: int) -> str:
    """The colour of `lag` by the thresholds of the milestone's type."""
    return milestone.milestone_type.colour(lag)


def worst(colours) -> str:
    """The worst of `colours` (green when there is none)."""
    return max(colours, key=COLOUR_RANK.__getitem__, default=Colour.GREEN)
