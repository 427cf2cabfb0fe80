"""Working days of the Chinese calendar: the weekly rule, the statutory holidays and the
weekends worked in their place (调休), year by year.

The years come from the `chinese-calendar` package (pinned; it learns each year when the
State Council publishes it, usually in November) and from the years a county admin entered
(the battle map's working calendar page, which registers them here with
`set_entered_years`), which replace the package's. A day in a year neither knows raises
`UnknownCalendarYear`, whose message says what to do: nothing is guessed.

Counting is by a table of each year's running total of working days, so that the lag of
20,000 milestones is 20,000 subtractions:

- `count(a, b)`: the working days after `a` up to and including `b` (negative when `b` is
  before `a`);
- `add(day, n)`: the day `n` working days after `day` (a request received on Friday with
  a day to verify it is due on Monday);
- `lag(due, end)`: how many working days late a milestone is on `end` (today, or the day
  it was done): 0 when `end` is not after `due`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from itertools import accumulate

from django.utils.translation import gettext as _

ONE_DAY = datetime.timedelta(days=1)


class UnknownCalendarYear(ValueError):
    """A day of a year whose holidays are not known."""

    def __init__(self, year: int):
        self.year = year
        super().__init__(
            _(
                "The holidays of %(year)s are not known yet: a county admin enters the "
                "State Council's arrangement for %(year)s on the working calendar page."
            )
            % {"year": year}
        )


def _package_years() -> dict[int, dict[datetime.date, bool]]:
    """The package's years: for each, its days that break the weekly rule (a weekday off,
    a weekend worked), True when worked."""
    from chinese_calendar import constants

    years: dict[int, dict[datetime.date, bool]] = {}
    for day in constants.holidays:
        if day.weekday() < 5:
            years.setdefault(day.year, {})[day] = False
    for day in constants.workdays:
        if day.weekday() >= 5:
            years.setdefault(day.year, {})[day] = True
    first, last = min(years), max(years)
    return {year: years.get(year, {}) for year in range(first, last + 1)}


_PACKAGE: dict[int, dict[datetime.date, bool]] | None = None


def package_years() -> dict[int, dict[datetime.date, bool]]:
    global _PACKAGE
    if _PACKAGE is None:
        _PACKAGE = _package_years()
    return _PACKAGE


class WorkCalendar:
    """The working days of the years given: {year: {day: worked}} for the days that break
    the weekly rule.

    A clock that must run whatever the year (an enterprise's request is received on
    28 December; its 15 working days reach into a year not published yet) asks
    `provisional()`: a copy that counts a year it does not know by the weekly rule alone
    and notes it in `assumed`, so that the due days can be marked provisional and counted
    again once the county enters the year."""

    def __init__(self, exceptions: dict[int, dict[datetime.date, bool]], assume: bool = False):
        self.exceptions = exceptions
        self.assume = assume
        self.assumed: set[int] = set()
        # year → running totals: totals[year][i] is the working days from 1 January up to
        # and including its day i (0-based), and the year's total.
        self._totals: dict[int, list[int]] = {}

    def provisional(self) -> WorkCalendar:
        """This calendar, counting an unknown year by the weekly rule (see `assumed`)."""
        return WorkCalendar(self.exceptions, assume=True)

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(sorted(self.exceptions))

    def knows(self, year: int) -> bool:
        """The year's holidays are known (from the package or entered by the county)."""
        return year in self.exceptions

    def _year(self, year: int) -> list[int]:
        totals = self._totals.get(year)
        if totals is None:
            if year in self.exceptions:
                breaks = self.exceptions[year]
            elif self.assume:
                self.assumed.add(year)
                breaks = {}
            else:
                raise UnknownCalendarYear(year)
            day = datetime.date(year, 1, 1)
            worked = []
            while day.year == year:
                worked.append(int(breaks.get(day, day.weekday() < 5)))
                day += ONE_DAY
            totals = self._totals[year] = list(accumulate(worked))
        return totals

    def is_workday(self, day: datetime.date) -> bool:
        totals = self._year(day.year)
        index = day.timetuple().tm_yday - 1
        return totals[index] - (totals[index - 1] if index else 0) == 1

    def _through(self, day: datetime.date) -> int:
        """Working days of `day`'s year up to and including `day`."""
        return self._year(day.year)[day.timetuple().tm_yday - 1]

    def count(self, start: datetime.date, end: datetime.date) -> int:
        """Working days after `start` up to and including `end`; negative when `end` is
        before `start`."""
        if end < start:
            return -self.count(end, start)
        if start.year == end.year:
            return self._through(end) - self._through(start)
        total = self._year(start.year)[-1] - self._through(start)
        for year in range(start.year + 1, end.year):
            total += self._year(year)[-1]
        return total + self._through(end)

    def add(self, day: datetime.date, n: int) -> datetime.date:
        """The day `n` working days after `day` (n ≥ 0; 0 gives `day` itself)."""
        if n < 0:
            raise ValueError("n must not be negative")
        self._year(day.year)  # an unknown year is refused, even for n = 0
        while n:
            day += ONE_DAY
            if self.is_workday(day):
                n -= 1
        return day

    def lag(self, due: datetime.date, end: datetime.date) -> int:
        """Working days late on `end` for a milestone due on `due`: 0 unless `end` is
        after `due`."""
        if end <= due:
            return 0
        return self.count(due, end)


_CACHE: dict[tuple, WorkCalendar] = {}
# Reads the years the county entered, as (year, day, worked) rows ordered by year and day
# (a year with no day: (year, None, None)). Set by the app that keeps them (the battle
# map's `CalendarYear`), so that every module counts on the same calendar.
_ENTERED: Callable[[], tuple] | None = None


def set_entered_years(reader: Callable[[], tuple]) -> None:
    """Where the county's entered years are read from (called once, when Django starts)."""
    global _ENTERED
    _ENTERED = reader


def calendar() -> WorkCalendar:
    """The working calendar as it stands: the package's years and the county's. One small
    query reads the county's years with their days (a few dozen rows a year); the tables
    are built once for each content."""
    key = _ENTERED() if _ENTERED is not None else ()
    found = _CACHE.get(key)
    if found is None:
        entered: dict[int, dict[datetime.date, bool]] = {}
        for year, day, worked in key:
            days = entered.setdefault(year, {})
            if day is not None:
                days[day] = worked
        years = {**package_years(), **entered}  # a year entered replaces the package's
        _CACHE.clear()  # one version at a time
        found = _CACHE[key] = WorkCalendar(years)
    return found
