"""Working-day deadlines and lag across National Day and the Spring Festival of 2025 and
2026 with their 调休 weekends, against dates worked out by hand from the State Council's
arrangements (as the pinned `chinese-calendar` package has them):

- National Day 2025: 1–8 October off (Wed–Wed); Sun 28 September and Sat 11 October worked.
- National Day 2026: 1–7 October off (Thu–Wed); Sun 20 September and Sat 10 October worked
  (and Mid-Autumn: Fri 25 September off).
- Spring Festival 2025: 28 January–4 February off (Tue–Tue); Sun 26 January and Sat
  8 February worked.
- Spring Festival 2026: 15–23 February off (Sun–Mon); Sat 14 February and Sat 28 February
  worked.
"""

import datetime

import pytest
from django.utils import translation

from yiwang.projects.models import CalendarYear
from yiwang.projects.workdays import UnknownCalendarYear, calendar

D = datetime.date

pytestmark = pytest.mark.django_db


# --- National Day 2025 ------------------------------------------------------------------


def test_national_day_2025_days():
    cal = calendar()
    assert cal.is_workday(D(2025, 9, 28))  # a Sunday worked
    assert cal.is_workday(D(2025, 10, 11))  # a Saturday worked
    assert not cal.is_workday(D(2025, 10, 6))  # a Monday off
    assert not cal.is_workday(D(2025, 10, 8))  # the last day off, a Wednesday
    assert cal.is_workday(D(2025, 10, 9))


def test_national_day_2025_deadlines():
    cal = calendar()
    # Received Tue 30 September with 1 working day: 1–8 October are off, so Thu 9 October.
    assert cal.add(D(2025, 9, 30), 1) == D(2025, 10, 9)
    # With 3: Thu 9 (1), Fri 10 (2), Sat 11 worked (3).
    assert cal.add(D(2025, 9, 30), 3) == D(2025, 10, 11)
    # With 4: Sun 12 is off, so Mon 13.
    assert cal.add(D(2025, 9, 30), 4) == D(2025, 10, 13)
    # Received Fri 26 September with 1: Sat 27 off, Sun 28 worked.
    assert cal.add(D(2025, 9, 26), 1) == D(2025, 9, 28)
    # With 3: Sun 28 (1), Mon 29 (2), Tue 30 (3).
    assert cal.add(D(2025, 9, 26), 3) == D(2025, 9, 30)


def test_national_day_2025_lag():
    cal = calendar()
    # Due Tue 30 September: not late at all while the holiday lasts.
    assert cal.lag(D(2025, 9, 30), D(2025, 10, 8)) == 0
    assert cal.lag(D(2025, 9, 30), D(2025, 10, 9)) == 1
    # Due Fri 26 September, on Mon 13 October: Sep 28, 29, 30, Oct 9, 10, 11, 13 = 7
    # (the weekly rule alone would say 11).
    assert cal.lag(D(2025, 9, 26), D(2025, 10, 13)) == 7
    assert cal.count(D(2025, 9, 30), D(2025, 10, 13)) == 4


# --- National Day 2026 ------------------------------------------------------------------


def test_national_day_2026_deadlines_and_lag():
    cal = calendar()
    assert cal.is_workday(D(2026, 9, 20)) and cal.is_workday(D(2026, 10, 10))
    assert not cal.is_workday(D(2026, 10, 7)) and not cal.is_workday(D(2026, 9, 25))
    # Fri 18 September with 1: Sat 19 off, Sun 20 worked.
    assert cal.add(D(2026, 9, 18), 1) == D(2026, 9, 20)
    # Thu 24 September with 1: Fri 25 off (Mid-Autumn), the weekend off, Mon 28.
    assert cal.add(D(2026, 9, 24), 1) == D(2026, 9, 28)
    # Wed 30 September with 1: 1–7 October off, Thu 8 October.
    assert cal.add(D(2026, 9, 30), 1) == D(2026, 10, 8)
    # With 3: Thu 8 (1), Fri 9 (2), Sat 10 worked (3).
    assert cal.add(D(2026, 9, 30), 3) == D(2026, 10, 10)
    # Due Wed 30 September, on Mon 12 October: Oct 8, 9, 10, 12 = 4.
    assert cal.lag(D(2026, 9, 30), D(2026, 10, 12)) == 4
    assert cal.lag(D(2026, 9, 30), D(2026, 10, 7)) == 0


# --- Spring Festival 2025 -------------------------------------------------------------------


def test_spring_festival_2025_deadlines_and_lag():
    cal = calendar()
    assert cal.is_workday(D(2025, 1, 26)) and cal.is_workday(D(2025, 2, 8))
    assert not cal.is_workday(D(2025, 1, 28)) and not cal.is_workday(D(2025, 2, 4))
    # Fri 24 January with 1: Sat 25 off, Sun 26 worked.
    assert cal.add(D(2025, 1, 24), 1) == D(2025, 1, 26)
    # Mon 27 January with 1: 28 January–4 February off, Wed 5 February.
    assert cal.add(D(2025, 1, 27), 1) == D(2025, 2, 5)
    # With 4: Wed 5 (1), Thu 6 (2), Fri 7 (3), Sat 8 worked (4).
    assert cal.add(D(2025, 1, 27), 4) == D(2025, 2, 8)
    # Due Fri 24 January, on Mon 10 February: Jan 26, 27, Feb 5, 6, 7, 8, 10 = 7.
    assert cal.lag(D(2025, 1, 24), D(2025, 2, 10)) == 7


# --- Spring Festival 2026 -------------------------------------------------------------------


def test_spring_festival_2026_deadlines_and_lag():
    cal = calendar()
    assert cal.is_workday(D(2026, 2, 14)) and cal.is_workday(D(2026, 2, 28))
    assert not cal.is_workday(D(2026, 2, 16)) and not cal.is_workday(D(2026, 2, 23))
    # Fri 13 February with 1: Sat 14 worked.
    assert cal.add(D(2026, 2, 13), 1) == D(2026, 2, 14)
    # Sat 14 February with 1: 15–23 February off, Tue 24.
    assert cal.add(D(2026, 2, 14), 1) == D(2026, 2, 24)
    # Fri 13 February with 5: Feb 14 (1), 24 (2), 25 (3), 26 (4), Fri 27 (5); 6: Sat 28.
    assert cal.add(D(2026, 2, 13), 5) == D(2026, 2, 27)
    assert cal.add(D(2026, 2, 13), 6) == D(2026, 2, 28)
    # Due Fri 13 February, on Mon 2 March: Feb 14, 24, 25, 26, 27, 28, Mar 2 = 7.
    assert cal.lag(D(2026, 2, 13), D(2026, 3, 2)) == 7


def test_counting_across_the_new_year():
    # Wed 31 December 2025 to Mon 5 January 2026: 1–3 January off, Sun 4 worked, Mon 5.
    assert calendar().count(D(2025, 12, 31), D(2026, 1, 5)) == 2


# --- the rules of counting ----------------------------------------------------------------


def test_add_zero_is_the_day_itself_even_a_holiday():
    cal = calendar()
    assert cal.add(D(2025, 10, 1), 0) == D(2025, 10, 1)
    assert cal.add(D(2026, 3, 2), 0) == D(2026, 3, 2)
    with pytest.raises(ValueError):
        cal.add(D(2026, 3, 2), -1)


def test_count_backwards_is_negative():
    cal = calendar()
    assert cal.count(D(2025, 10, 9), D(2025, 9, 30)) == -1
    assert cal.count(D(2025, 10, 13), D(2025, 9, 26)) == -7
    assert cal.count(D(2025, 10, 9), D(2025, 10, 9)) == 0


def test_a_year_entered_by_the_county_replaces_the_packages():
    assert calendar().add(D(2025, 9, 30), 1) == D(2025, 10, 9)
    # Entered with no days: 2025 follows the weekly rule alone.
    CalendarYear.objects.create(year=2025, source="测试")
    cal = calendar()
    assert cal.add(D(2025, 9, 30), 1) == D(2025, 10, 1)
    assert not cal.is_workday(D(2025, 9, 28))
    # 2026 is still the package's.
    assert cal.add(D(2026, 9, 30), 1) == D(2026, 10, 8)


def test_an_unknown_year_is_refused_with_its_name():
    cal = calendar()
    assert not cal.knows(2099)
    with translation.override("en"), pytest.raises(UnknownCalendarYear) as caught:
        cal.add(D(2099, 3, 2), 1)
    assert caught.value.year == 2099
    assert "2099" in str(caught.value)
    with pytest.raises(UnknownCalendarYear):
        cal.add(D(2099, 3, 2), 0)
    with pytest.raises(UnknownCalendarYear):
        cal.lag(D(2026, 12, 1), D(2099, 1, 5))
    # A day late in the last known year counts towards an unknown one: refused as well.
    with pytest.raises(UnknownCalendarYear):
        cal.count(D(2026, 12, 30), D(2099, 1, 1))


def test_a_provisional_calendar_counts_an_unknown_year_by_the_weekly_rule_and_says_so():
    from yiwang.projects.workdays import WorkCalendar, package_years

    known = package_years()
    year = max(known) + 1  # the first year the package does not know
    strict = WorkCalendar(dict(known))
    with pytest.raises(UnknownCalendarYear):
        strict.add(datetime.date(year - 1, 12, 28), 15)
    loose = strict.provisional()
    last = datetime.date(year - 1, 12, 31)
    # Three working days after 31 December of the last year known: the third weekday of
    # the unknown year, its holidays not guessed.
    day = loose.add(last, 3)
    weekdays = [
        last + datetime.timedelta(days=n)
        for n in range(1, 10)
        if (last + datetime.timedelta(days=n)).weekday() < 5
    ]
    assert day == weekdays[2]
    assert loose.assumed == {year}
    assert strict.assumed == set()  # the strict one is untouched
