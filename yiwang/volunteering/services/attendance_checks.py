"""The checks of a check-in or check-out before it is stored (services.hours).

- The check-in code: the activity must be open and the code right. Wrong codes are
  counted per account and activity in the cache (shared by the web workers: Redis in
  production), each logged; `WRONG_CODES` within `WRONG_CODES_WINDOW` lock the account out
  of the activity's check-in and check-out for `LOCKOUT`, even with the right code. No
  audit entry is written for a refusal.
- The phone's `at` (typed offline): at most `SKEW` ahead of the server's time, at most
  `DELIVERY` before its arrival; and whatever the `at`, a check-in or out arrives at most
  `DELIVERY` after the activity's end (the offline queue has a day to deliver it).
- A uuid sent again answers the stored attendance only to whoever reaches it, and only
  for the same activity and volunteer.
"""

from __future__ import annotations

import datetime
import logging
import uuid as uuid_module

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core import validators
from yiwang.volunteering.models import Activity, ActivityStatus, Attendance
from yiwang.volunteering.selectors import activities as selectors
from yiwang.volunteering.services import inputs
from yiwang.volunteering.services.inputs import read_pk

logger = logging.getLogger(__name__)

SKEW = datetime.timedelta(minutes=1)
# How late a check-in or out may arrive after the activity's end, and how far its `at`
# may lie before its arrival: the offline queue has a day to deliver.
DELIVERY = datetime.timedelta(hours=24)
# Wrong codes: this many within the window lock the account out of the activity's
# check-in and check-out for LOCKOUT.
WRONG_CODES = 5
WRONG_CODES_WINDOW = datetime.timedelta(minutes=10)
LOCKOUT = datetime.timedelta(minutes=10)
# An `at` this many days away from today is a wrong clock.
FAR_DAYS = 366


def shown(moment: datetime.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def read_uuid(value, field: str = "uuid") -> uuid_module.UUID:
    return inputs.read_uuid(
        value,
        _(
            "Not a UUID: the app makes one for each check-in and check-out, "
            "e.g. with crypto.randomUUID()."
        ),
        field,
    )


def read_at(value, now: datetime.datetime) -> datetime.datetime:
    """The moment of the check-in or out: the phone's, typed offline, else now."""
    if value in (None, ""):
        return now
    if isinstance(value, datetime.datetime):
        moment = value
    else:
        moment = validators.read_datetime(str(value).strip())
        if moment is None:
            raise ValidationError(
                {"at": [_("Give the time as a date and time such as 2026-05-01T09:00+08:00.")]}
            )
    # A year 1 or 9999 never reaches a time zone (it would overflow on its way to UTC).
    if abs((moment.date() - timezone.localdate(now)).days) > FAR_DAYS:
        raise ValidationError(
            {
                "at": [
                    _(
                        "This time is more than a year away: set the phone's clock and send it again."
                    )
                ]
            }
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment > now + SKEW:
        raise ValidationError(
            {"at": [_("This time is in the future: set the phone's clock and send it again.")]}
        )
    return moment


def _wrong_codes_key(actor, activity: Activity) -> str:
    return f"volunteering:wrong-codes:{actor.pk}:{activity.pk}"


def _lockout_key(actor, activity: Activity) -> str:
    return f"volunteering:code-lockout:{actor.pk}:{activity.pk}"


def _refuse_locked_out(actor, activity: Activity) -> None:
    """Refuses every try of an account locked out of the activity's code."""
    if actor is None:
        return
    until = cache.get(_lockout_key(actor, activity))
    if until is None:
        return
    raise ValidationError(
        {
            "code": [
                _(
                    "Too many wrong check-in codes: check-in and check-out of this activity "
                    "are refused until %(time)s. Ask the organiser for the code, then try "
                    "again."
                )
                % {"time": shown(datetime.datetime.fromtimestamp(until, tz=datetime.UTC))}
            ]
        }
    )


def _count_wrong_code(actor, activity: Activity) -> None:
    """Counts a wrong code of the account on the activity (in the cache, which every web
    worker shares), logs it, and locks the account out once it made `WRONG_CODES` within
    `WRONG_CODES_WINDOW` (a window from the first of them)."""
    if actor is None:
        logger.warning("Wrong check-in code for activity %s by the operator", activity.pk)
        return
    key = _wrong_codes_key(actor, activity)
    window = int(WRONG_CODES_WINDOW.total_seconds())
    cache.add(key, 0, window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        count = 1
    logger.warning(
        "Wrong check-in code for activity %s by user %s (%d of %d allowed in %d minutes)",
        activity.pk,
        actor.pk,
        count,
        WRONG_CODES,
        window // 60,
    )
    if count >= WRONG_CODES:
        until = timezone.now() + LOCKOUT
        cache.set(_lockout_key(actor, activity), until.timestamp(), int(LOCKOUT.total_seconds()))
        cache.delete(key)
        logger.warning(
            "User %s locked out of the check-in code of activity %s until %s",
            actor.pk,
            activity.pk,
            until.isoformat(),
        )


def check_code(actor, activity: Activity, code) -> None:
    if activity.status != ActivityStatus.OPEN:
        raise ValidationError({"activity": [_("This activity is cancelled.")]})
    _refuse_locked_out(actor, activity)
    if str(code or "").strip() != activity.checkin_code:
        _count_wrong_code(actor, activity)
        raise ValidationError(
            {
                "code": [
                    _(
                        "The check-in code is wrong: type the six digits shown by the "
                        "organiser at the place."
                    )
                ]
            }
        )


def in_time(activity: Activity, moment: datetime.datetime, now: datetime.datetime) -> None:
    """A check-in or out arrives at most `DELIVERY` after the activity's end, and its
    `at` lies at most `DELIVERY` before its arrival (the offline queue has a day)."""
    if now > activity.ends_at + DELIVERY:
        raise ValidationError(
            {
                "at": [
                    _(
                        "Sent too late: check-in and check-out of this activity closed 24 "
                        "hours after its end, at %(time)s. Ask the organiser to record your "
                        "hours."
                    )
                    % {"time": shown(activity.ends_at + DELIVERY)}
                ]
            }
        )
    if moment < now - DELIVERY:
        raise ValidationError(
            {
                "at": [
                    _(
                        "This time (%(time)s) is more than 24 hours before it was sent: a "
                        "check-in or check-out kept offline must be sent within a day. Ask "
                        "the organiser to record your hours."
                    )
                    % {"time": shown(moment)}
                ]
            }
        )


def _reached(actor, attendance: Attendance) -> Attendance:
    """A stored attendance sent again: answered only to whoever reaches it."""
    own = selectors.own_volunteer(actor)
    if actor is None or (own is not None and own.pk == attendance.volunteer_id):
        return attendance
    if selectors.activities_visible_to(actor).filter(pk=attendance.activity_id).exists():
        return attendance
    raise Http404(_("Not found."))


def replayed(actor, found: Attendance, activity, volunteer) -> tuple[Attendance, bool]:
    """The stored attendance of a uuid sent again, when it is of the same activity and the
    same volunteer (the one named, else the actor's own record) as the request."""
    found = _reached(actor, found)
    if found.activity_id != read_pk(activity):
        raise ValidationError(
            {
                "uuid": [
                    _(
                        "This UUID was sent before for another activity: make a new UUID for "
                        "a new check-in or check-out."
                    )
                ]
            }
        )
    if volunteer in (None, ""):
        own = selectors.own_volunteer(actor)
        wanted = own.pk if own is not None else None
    else:
        wanted = read_pk(volunteer)
    if wanted != found.volunteer_id:
        raise ValidationError(
            {
                "uuid": [
                    _(
                        "This UUID was sent before for another volunteer: make a new UUID for "
                        "a new check-in or check-out."
                    )
                ]
            }
        )
    return found, False
