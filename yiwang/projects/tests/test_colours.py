"""Colours at each threshold of a milestone type, and a milestone done late keeps its lag
however far today moves on (dates fixed in 2025, a year the package knows)."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from yiwang.projects import services
from yiwang.projects.models import Colour
from yiwang.projects.selectors.lag import milestone_colour, milestone_lag
from yiwang.projects.tests import factories
from yiwang.projects.workdays import calendar

D = datetime.date


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "yellow", "red"),
    [("start", 1, 6), ("preparation", 3, 10)],
)
def test_each_threshold_of_the_migrations_types(code, yellow, red):
    kind = factories.milestone_type(code)
    assert (kind.yellow_from, kind.red_from) == (yellow, red)
    assert kind.colour(0) == Colour.GREEN
    assert kind.colour(yellow - 1) == Colour.GREEN
    assert kind.colour(yellow) == Colour.YELLOW
    assert kind.colour(red - 1) == Colour.YELLOW
    assert kind.colour(red) == Colour.RED
    assert kind.colour(red + 30) == Colour.RED


def test_a_type_configured_by_the_command_post(tree):
    kind = services.configure_milestone_type(
        None, code="power", name="供电接入", yellow_from=4, red_from=9
    )
    project = factories.make_project(starts_on=D(2025, 1, 2))
    milestone = factories.make_milestone(project, due_on=D(2025, 9, 30), code="power")
    assert milestone.milestone_type == kind
    assert [milestone_colour(milestone, lag) for lag in (3, 4, 8, 9)] == [
        Colour.GREEN,
        Colour.YELLOW,
        Colour.YELLOW,
        Colour.RED,
    ]


def test_lag_and_colour_of_an_open_milestone_across_national_day(tree):
    project = factories.make_project(starts_on=D(2025, 1, 2))
    # Type "start": yellow from 1, red from 6 working days late.
    milestone = factories.make_milestone(project, due_on=D(2025, 9, 30))
    cal = calendar()
    # 1–8 October are off: still on time on the 8th (green).
    lag = milestone_lag(milestone, today=D(2025, 10, 8), cal=cal)
    assert (lag, milestone_colour(milestone, lag)) == (0, Colour.GREEN)
    # Thu 9 October: 1 working day late (yellow).
    lag = milestone_lag(milestone, today=D(2025, 10, 9), cal=cal)
    assert (lag, milestone_colour(milestone, lag)) == (1, Colour.YELLOW)
    # Thu 16 October: Oct 9, 10, 11 (a Saturday worked), 13, 14, 15, 16 = 7 (red).
    lag = milestone_lag(milestone, today=D(2025, 10, 16), cal=cal)
    assert (lag, milestone_colour(milestone, lag)) == (7, Colour.RED)
    # Tue 14 October: Oct 9, 10, 11, 13, 14 = 5 (still yellow, red from 6).
    lag = milestone_lag(milestone, today=D(2025, 10, 14), cal=cal)
    assert (lag, milestone_colour(milestone, lag)) == (5, Colour.YELLOW)


def test_a_milestone_done_late_keeps_its_lag(tree):
    project = factories.make_project(starts_on=D(2025, 1, 2))
    milestone = factories.make_milestone(project, due_on=D(2025, 9, 30))
    # Done on Fri 10 October: Oct 9, 10 = 2 working days late (yellow), tagged.
    services.complete_milestone(None, milestone.pk, done_on=D(2025, 10, 10), delay_cause="permits")
    milestone.refresh_from_db()
    cal = calendar()
    for today in (D(2025, 10, 10), D(2025, 12, 31), D(2026, 6, 1)):
        lag = milestone_lag(milestone, today=today, cal=cal)
        assert (lag, milestone_colour(milestone, lag)) == (2, Colour.YELLOW)
    # Today itself moved on (the clock travels): the same lag.
    with time_machine.travel(datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC), tick=False):
        today = timezone.localdate()
        assert today == D(2026, 3, 2)
        assert milestone_lag(milestone, today=today, cal=calendar()) == 2
    # An open milestone due the same day is far later by then.
    other = factories.make_milestone(project, name="设备进场", due_on=D(2025, 9, 30))
    assert milestone_lag(other, today=D(2026, 3, 2), cal=cal) > 2
