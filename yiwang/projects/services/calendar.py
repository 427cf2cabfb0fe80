"""The working calendar as the county enters it: a year's statutory holidays that fall on
weekdays and its weekends worked (调休), from the State Council's notice. A year entered
replaces the `chinese-calendar` package's (yiwang.projects.workdays). County admins only
(the command post); `actor=None` is the command line."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.core import audit, validators
from yiwang.projects.models import CalendarDay, CalendarYear
from yiwang.projects.services.inputs import raise_errors, require_command_post

SOURCE_MAX = 200
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _read_year(year) -> int:
    try:
        number = int(str(year).strip())
    except (TypeError, ValueError):
        number = None
    if isinstance(year, bool) or number is None or not FIRST_YEAR <= number <= LAST_YEAR:
        raise ValidationError(
            {
                "year": [
                    _("Give the year, from %(first)d to %(last)d.")
                    % {
                        "first": FIRST_YEAR,
                        "last": LAST_YEAR,
                    }
                ]
            }
        )
    return number


def _read_days(values, year: int, field: str, errors: dict, *, weekend: bool) -> set:
    days = set()
    for value in values or ():
        try:
            day = validators.clean_date(value)
        except ValidationError as exc:
            errors.setdefault(field, []).extend(exc.messages)
            continue
        if day is None:
            continue
        if day.year != year:
            errors.setdefault(field, []).append(
                _("%(day)s is not in %(year)d.") % {"day": day.isoformat(), "year": year}
            )
        elif weekend and day.weekday() < 5:
            errors.setdefault(field, []).append(
                _(
                    "%(day)s is a weekday: only a Saturday or a Sunday is listed as a weekend "
                    "day worked (weekdays are worked anyway)."
                )
                % {"day": day.isoformat()}
            )
        elif not weekend and day.weekday() >= 5:
            errors.setdefault(field, []).append(
                _(
                    "%(day)s is a Saturday or a Sunday: only a weekday is listed as a holiday "
                    "(weekends are off anyway)."
                )
                % {"day": day.isoformat()}
            )
        else:
            days.add(day)
    return days


@transaction.atomic
def enter_year(
    actor,
    *,
    year: int,
    source: str,
    holidays: list[datetime.date],
    workdays: list[datetime.date],
) -> CalendarYear:
    """Enters (or replaces) a year's arrangement: the weekdays off (`holidays`) and the
    weekend days worked (`workdays`); every other day follows the weekly rule."""
    require_command_post(actor)
    year = _read_year(year)
    errors: dict = {}
    source = validators.clean_line(
        source or "", field="source", limit=SOURCE_MAX, required=True, errors=errors
    )
    off = _read_days(holidays, year, "holidays", errors, weekend=False)
    worked = _read_days(workdays, year, "workdays", errors, weekend=True)
    raise_errors(errors)
    found = CalendarYear.objects.select_for_update().filter(year=year).first()
    before = None
    if found is None:
        found = CalendarYear.objects.create(year=year, source=source, entered_by=actor)
    else:
        before = _document(found)
        found.source = source
        found.entered_by = actor
        found.save(update_fields=["source", "entered_by", "updated_at"])
        found.days.all().delete()
    CalendarDay.objects.bulk_create(
        [CalendarDay(calendar_year=found, day=day, is_workday=False) for day in sorted(off)]
        + [CalendarDay(calendar_year=found, day=day, is_workday=True) for day in sorted(worked)]
    )
    audit.record(
        actor=actor,
        action="projects.calendar.enter",
        obj=found,
        before=before,
        after=_document(found),
    )
    _recount_provisional(actor)
    return found


def _recount_provisional(actor) -> None:
    """The open requests and problems whose due days were counted by the weekly rule in
    a year not known then, counted again now the year is entered."""
    from yiwang.projects.services.progress import recount_provisional_dues
    from yiwang.projects.services.support import recount_provisional_clocks

    recount_provisional_clocks(actor)
    recount_provisional_dues(actor)


def _document(found: CalendarYear) -> dict:
    days = list(found.days.order_by("day").values_list("day", "is_workday"))
    return {
        "year": found.year,
        "source": found.source,
        "holidays": [d.isoformat() for d, worked in days if not worked],
        "workdays": [d.isoformat() for d, worked in days if worked],
    }


@transaction.atomic
def remove_year(actor, *, year: int) -> None:
    """Removes a year the county entered: the package's, if it knows the year, applies
    again."""
    require_command_post(actor)
    year = _read_year(year)
    found = CalendarYear.objects.select_for_update().filter(year=year).first()
    if found is None:
        raise ValidationError(
            {"year": [_("The county has not entered %(year)d.") % {"year": year}]}
        )
    before = _document(found)
    audit.record(actor=actor, action="projects.calendar.remove", obj=found, before=before)
    found.delete()
