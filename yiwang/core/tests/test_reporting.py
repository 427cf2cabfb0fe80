"""The reporting layer (core/reporting.py): periods and their bounds in local time, reading
them from a query, figure sets with their ratios, and figures by child area."""

import datetime
from dataclasses import dataclass, field
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from yiwang.core import reporting
from yiwang.core.reporting import Ratio

D = datetime.date
SHANGHAI = ZoneInfo("Asia/Shanghai")


# --- the period -----------------------------------------------------------------------


def test_a_period_of_days_runs_from_local_midnight_to_local_midnight_after_its_last_day():
    period = reporting.Period(D(2026, 11, 3), D(2026, 11, 5))

    assert period.start == datetime.datetime(2026, 11, 3, tzinfo=SHANGHAI)
    assert period.end == datetime.datetime(2026, 11, 6, tzinfo=SHANGHAI)
    assert period.last_day == D(2026, 11, 5)
    assert not period.is_month
    assert period.query() == {"from": "2026-11-03", "to": "2026-11-05"}


def test_a_calendar_month_is_a_month_and_says_so_in_its_query():
    period = reporting.Period.month_of(D(2024, 2, 17))

    assert (period.first, period.last) == (D(2024, 2, 1), D(2024, 2, 29))
    assert period.is_month and period.months() == [D(2024, 2, 1)]
    assert period.query() == {"month": "2024-02"}


def test_a_period_of_months_names_its_first_days_and_ends_after_its_last_month():
    period = reporting.MonthPeriod(D(2025, 11, 1), D(2026, 2, 1))

    assert period.last_day == D(2026, 2, 28)
    assert period.end == datetime.datetime(2026, 3, 1, tzinfo=SHANGHAI)
    assert period.months() == [D(2025, 11, 1), D(2025, 12, 1), D(2026, 1, 1), D(2026, 2, 1)]
    assert period.query() == {"from": "2025-11", "to": "2026-02"}
    assert reporting.MonthPeriod.month(D(2026, 2, 1)).last_day == D(2026, 2, 28)
    assert period != reporting.Period(D(2025, 11, 1), D(2026, 2, 1))  # not the same days


def test_the_last_months_end_with_this_one():
    period = reporting.last_months(3, D(2026, 1, 31))

    assert period == reporting.MonthPeriod(D(2025, 11, 1), D(2026, 1, 1))


@dataclass(frozen=True)
class Quarterly(reporting.MonthPeriod):
    """A module's own period class, made by the parsers."""


def test_the_parsers_read_back_what_a_period_gives_and_make_the_callers_class():
    months = reporting.parse_months("2026-03-17", "2026-05", cls=Quarterly)
    days = reporting.parse_days(first="2026-09-15", last="2026-10")

    assert type(months) is Quarterly and months == Quarterly(D(2026, 3, 1), D(2026, 5, 1))
    query = months.query()
    assert reporting.parse_months(query["from"], query["to"], cls=Quarterly) == months
    assert days == reporting.Period(D(2026, 9, 15), D(2026, 10, 31))
    assert reporting.parse_days(first=days.query()["from"], last=days.query()["to"]) == days
    assert reporting.parse_days("2026-02") == reporting.Period(D(2026, 2, 1), D(2026, 2, 28))


@pytest.mark.parametrize(
    ("parse", "fields"),
    [
        (lambda: reporting.parse_months("2026-13", "三月"), {"from", "to"}),
        (lambda: reporting.parse_months("2026-05", "2026-03"), {"to"}),
        (lambda: reporting.parse_days(month="2026-11-01"), {"month"}),
        (lambda: reporting.parse_days(first="2026-11-31"), {"from"}),
        (lambda: reporting.parse_days(first="2026-11-10", last="2026-11-01"), {"to"}),
    ],
)
def test_the_parsers_name_the_fields_they_cannot_read(parse, fields):
    with pytest.raises(ValueError) as raised:
        parse()
    assert set(raised.value.args[0]) == fields


def test_the_month_of_a_time_is_its_local_month():
    moment = datetime.datetime(2026, 10, 31, 16, 30, tzinfo=datetime.UTC)  # 00:30 on 11-01

    assert reporting.month_of(moment) == D(2026, 11, 1)
    assert reporting.month_of("2026-10-31") == D(2026, 10, 1)
    assert reporting.month_of(D(2026, 10, 31)) == D(2026, 10, 1)


# --- the figures ----------------------------------------------------------------------


@dataclass
class Served(reporting.Figures):
    asked: int = 0
    answered: int = 0
    pleased: int = 0

    answer_rate = Ratio("answered", "asked")
    pleased_rate = Ratio("pleased", "answered")


def test_a_figure_set_adds_rows_and_other_sets_and_rates_what_it_counts():
    figures = Served()
    figures.add({"asked": 3, "answered": 2, "pleased": None, "key": "370830"})
    figures.add(Served(asked=1, answered=1, pleased=1))
    figures.add({"asked": 5}, ["asked"])

    assert figures == Served(asked=9, answered=3, pleased=1)
    assert figures.answer_rate == Fraction(1, 3) and figures.pleased_rate == Fraction(1, 3)
    assert Served().answer_rate is None  # nothing to rate
    assert Served.counts() == ("asked", "answered", "pleased")
    assert list(Served.ratios()) == ["answer_rate", "pleased_rate"]
    assert figures.as_data() == {
        "asked": 9,
        "answered": 3,
        "pleased": 1,
        "answer_rate": 0.3333,
        "pleased_rate": 0.3333,
    }
    with pytest.raises(AttributeError):
        figures.answer_rate = Fraction(1, 2)


def test_a_ratio_is_shown_as_a_percentage_or_a_dash():
    assert reporting.percent(Fraction(2, 3)) == "66.7%" and reporting.percent(None) == "—"
    assert reporting.chart_percent(Fraction(2, 3)) == 66.7
    assert reporting.chart_percent(None) is None
    assert reporting.api_ratio(Fraction(2, 3)) == 0.6667


# --- by child area --------------------------------------------------------------------


@dataclass
class Line:
    code: str
    figures: Served = field(default_factory=Served)


def test_rows_by_child_go_to_their_child_the_area_itself_or_a_child_no_longer_listed():
    town = "370830001"
    own = Line(town)
    by_child = reporting.ByChild(
        len(town) + 3,
        rows={f"{town}001": Line(f"{town}001"), f"{town}002": Line(f"{town}002")},
        new_row=Line,
        total=Served(),
        own=own,
    )
    by_child.add(f"{town}002", {"asked": 1, "answered": 1, "pleased": 1})
    by_child.add(f"{town}001001", {"asked": 2, "answered": 0, "pleased": 0})  # below a child
    by_child.add(town, {"asked": 4}, ["asked"])  # on the town itself
    by_child.add(f"{town}009001", {"asked": 8}, ["asked"])  # a child closed and deleted

    assert [(row.code, row.figures.asked) for row in by_child.sorted()] == [
        (f"{town}001", 2),
        (f"{town}002", 1),
        (f"{town}009", 8),
    ]
    assert own.figures.asked == 4
    assert by_child.total == Served(asked=15, answered=1, pleased=1)


def test_without_a_row_of_its_own_the_area_itself_counts_in_the_total_only():
    by_child = reporting.ByChild(9, rows={}, new_row=Line, total=Served())
    by_child.add("370830", {"asked": 2}, ["asked"])

    assert by_child.sorted() == [] and by_child.total.asked == 2
