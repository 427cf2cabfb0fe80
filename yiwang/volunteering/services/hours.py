"""Check-in, check-out and the hours they give (民政部令第67号: whoever organises records).

- A volunteer checks in and out with the six-digit code the organiser shows at the place
  (no GPS): check-in from `CHECKIN_OPENS` before the start until the end, check-out until
  `CHECKOUT_CLOSES` after the end. `at` is the phone's time when the check-in was typed
  offline (at most `SKEW` ahead of the server's). The client's uuid makes each idempotent:
  the same uuid again answers the stored attendance, whatever happened since.
- Check-out gives credit hours (信用时长): the presence within the activity's time, when it
  is at least `CREDIT_SHARE` of the activity's length, pending the organiser's decision;
  under it the record is kept, declined, with the reason.
- Honour hours (荣誉时长) are added by an organiser afterwards, approved, kept apart.
- Hours are approved or declined once (a conditional UPDATE on their status), never
  deleted.
- `close_open_attendances` (hourly) closes check-ins never checked out `CLOSE_AFTER`
  after the activity's end, at its end, their hours pending and flagged, and tells the
  organiser; those of a cancelled activity are closed with their hours declined.
- The code, the phone's time and a uuid sent again are checked by
  `services.attendance_checks` (wrong codes counted and locked out, a day to deliver).
- Nobody decides their own hours: honour hours are refused, and pending hours neither
  approved nor declined, on the actor's own volunteer record. The honour hours of one
  volunteer on one activity add up to the activity's length at most.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from yiwang.core import audit, validators
from yiwang.core.scoping import get_or_404
from yiwang.notices.models import Notification
from yiwang.volunteering.models import (
    Activity,
    ActivityStatus,
    Attendance,
    HoursKind,
    HoursRecord,
    HoursStatus,
    hours_between,
)
from yiwang.volunteering.selectors import activities as selectors
from yiwang.volunteering.services.activities import (
    activity_of,
    require_runner,
    volunteer_for,
)
from yiwang.volunteering.services.attendance_checks import (
    check_code,
    in_time,
    read_at,
    read_uuid,
    replayed,
    shown,
)
from yiwang.volunteering.services.errors import Conflict
from yiwang.volunteering.services.inputs import read_pk
from yiwang.volunteering.services.volunteers import recheck, volunteer_of

CHECKIN_OPENS = datetime.timedelta(minutes=30)
CHECKOUT_CLOSES = datetime.timedelta(hours=2)
CLOSE_AFTER = datetime.timedelta(hours=24)
# The share of the activity's length a volunteer must be present for credit hours: 3/5.
CREDIT_SHARE = (3, 5)
NOTE_MAX = 200
REASON_MAX = 200
NOTICE_KIND = "volunteering.not_checked_out"
CENT = Decimal("0.01")


def _micro(span: datetime.timedelta) -> int:
    return span // datetime.timedelta(microseconds=1)


hours_of = hours_between  # the rounding of Activity.length_hours


def presence(attendance: Attendance, activity: Activity) -> datetime.timedelta:
    """The time present within the activity's own time."""
    start = max(attendance.checked_in_at, activity.starts_at)
    end = min(attendance.checked_out_at, activity.ends_at)
    return max(end - start, datetime.timedelta(0))


def _percent(part: datetime.timedelta, whole: datetime.timedelta) -> int:
    return _micro(part) * 100 // max(_micro(whole), 1)


def check_in(actor, *, uuid, activity, code, volunteer=None, at=None):
    """Checks a volunteer in (the actor's own record, or the one given by someone who runs
    the activity). Returns (attendance, created)."""
    key = read_uuid(uuid)
    now = timezone.now()
    moment = read_at(at, now)
    try:
        with transaction.atomic():
            recheck(actor)
            found = Attendance.objects.filter(checkin_uuid=key).first()
            if found is not None:
                return replayed(actor, found, activity, volunteer)
            row = activity_of(actor, activity)
            person = volunteer_for(actor, row, volunteer)
            check_code(actor, row, code)
            if moment < row.starts_at - CHECKIN_OPENS:
                raise ValidationError(
                    {
                        "code": [
                            _("Check-in opens 30 minutes before the start, at %(time)s.")
                            % {"time": shown(row.starts_at - CHECKIN_OPENS)}
                        ]
                    }
                )
            if moment > row.ends_at:
                raise ValidationError(
                    {
                        "code": [
                            _(
                                "The check-in code has expired: check-in closed when the "
                                "activity ended at %(time)s."
                            )
                            % {"time": shown(row.ends_at)}
                        ]
                    }
                )
            in_time(row, moment, now)
            earlier = Attendance.objects.filter(activity=row, volunteer=person).first()
            if earlier is not None:
                raise ValidationError(
                    {
                        "volunteer": [
                            _("%(name)s already checked in at %(time)s.")
                            % {"name": person.name, "time": shown(earlier.checked_in_at)}
                        ]
                    }
                )
            attendance = Attendance.objects.create(
                activity=row,
                volunteer=person,
                checkin_uuid=key,
                checked_in_at=moment,
                area_code=row.area_code,
            )
            audit.record(
                actor=actor,
                action="volunteering_attendance.check_in",
                obj=attendance,
                after=audit.snapshot(attendance),
            )
    except IntegrityError:
        # The same uuid, or the same volunteer, at the same moment from another request.
        found = Attendance.objects.filter(checkin_uuid=key).first()
        if found is not None:
            return replayed(actor, found, activity, volunteer)
        raise ValidationError(
            {"volunteer": [_("This volunteer has already checked in to this activity.")]}
        ) from None
    return attendance, True


def _credit_record(attendance: Attendance, activity: Activity, *, recorded_by, flag: str = ""):
    """The credit hours of a closed attendance: pending when present at least 60% of the
    activity's length (or when the system closed it: flagged for the organiser), else
    kept declined with the reason."""
    length = activity.ends_at - activity.starts_at
    present = presence(attendance, activity)
    enough = _micro(present) * CREDIT_SHARE[1] >= _micro(length) * CREDIT_SHARE[0]
    record = HoursRecord(
        volunteer_id=attendance.volunteer_id,
        activity=activity,
        attendance=attendance,
        kind=HoursKind.CREDIT,
        hours=hours_of(present),
        status=HoursStatus.PENDING,
        flag=flag,
        served_on=timezone.localdate(activity.starts_at),
        recorded_by=recorded_by,
        area_code=activity.area_code,
    )
    if not enough and not flag:
        record.status = HoursStatus.DECLINED
        record.decided_at = timezone.now()
        record.reason = _(
            "Present %(percent)d%% of the activity's time, under the 60%% needed for credit hours."
        ) % {"percent": _percent(present, length)}
    record.save(force_insert=True)
    return record


def _cancelled_record(attendance: Attendance, activity: Activity) -> HoursRecord:
    """The credit hours of a check-in of a cancelled activity closed by the system: kept
    declined, with the reason, so that nobody waits for a decision on them."""
    record = _credit_record(attendance, activity, recorded_by=None)
    if record.status != HoursStatus.DECLINED:
        record.status = HoursStatus.DECLINED
        record.decided_at = timezone.now()
    record.reason = _("The activity was cancelled: it gives no hours.")
    record.save(update_fields=["status", "decided_at", "reason", "updated_at"])
    return record


def check_out(actor, *, uuid, activity, code, volunteer=None, at=None):
    """Checks a volunteer out and records their credit hours. Returns (attendance,
    created); the hours are `attendance.hours`."""
    key = read_uuid(uuid)
    now = timezone.now()
    moment = read_at(at, now)
    try:
        with transaction.atomic():
            recheck(actor)
            found = Attendance.objects.filter(checkout_uuid=key).first()
            if found is not None:
                return replayed(actor, found, activity, volunteer)
            row = activity_of(actor, activity)
            person = volunteer_for(actor, row, volunteer)
            attendance = (
                Attendance.objects.select_for_update(of=("self",))
                .filter(activity=row, volunteer=person)
                .first()
            )
            if attendance is None:
                raise ValidationError(
                    {
                        "volunteer": [
                            _(
                                "%(name)s has not checked in to this activity: check in "
                                "first, then check out."
                            )
                            % {"name": person.name}
                        ]
                    }
                )
            if attendance.checkout_uuid == key:
                # The same uuid from another request, which held the row until it checked
                # out: its record is the answer.
                return replayed(actor, attendance, activity, volunteer)
            check_code(actor, row, code)
            if attendance.closed_by_system:
                raise ValidationError(
                    {
                        "volunteer": [
                            _(
                                "This check-in was closed at the activity's end because no "
                                "check-out came within 24 hours: ask the organiser to "
                                "correct the hours."
                            )
                        ]
                    }
                )
            if attendance.checked_out_at is not None:
                raise ValidationError(
                    {
                        "volunteer": [
                            _("%(name)s already checked out at %(time)s.")
                            % {"name": person.name, "time": shown(attendance.checked_out_at)}
                        ]
                    }
                )
            if moment > row.ends_at + CHECKOUT_CLOSES:
                raise ValidationError(
                    {
                        "code": [
                            _(
                                "The check-out has expired: it closed 2 hours after the "
                                "activity's end, at %(time)s. Ask the organiser to record "
                                "your hours."
                            )
                            % {"time": shown(row.ends_at + CHECKOUT_CLOSES)}
                        ]
                    }
                )
            in_time(row, moment, now)
            if moment < attendance.checked_in_at:
                raise ValidationError(
                    {
                        "at": [
                            _("The check-out time is before the check-in at %(time)s.")
                            % {"time": shown(attendance.checked_in_at)}
                        ]
                    }
                )
            if not Attendance.objects.filter(pk=attendance.pk, checked_out_at__isnull=True).update(
                checkout_uuid=key, checked_out_at=moment, updated_at=now
            ):
                raise Conflict({"volunteer": [_("This check-in was closed at the same moment.")]})
            attendance.checkout_uuid = key
            attendance.checked_out_at = moment
            record = _credit_record(attendance, row, recorded_by=actor)
            audit.record(
                actor=actor,
                action="volunteering_attendance.check_out",
                obj=attendance,
                after={
                    "checked_out_at": moment,
                    "hours": record.hours,
                    "status": record.status,
                },
            )
    except IntegrityError:
        found = Attendance.objects.filter(checkout_uuid=key).first()
        if found is not None:
            return replayed(actor, found, activity, volunteer)
        raise
    return attendance, True


# --- honour hours and decisions --------------------------------------------------------------


def _hours(value) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        return None
    if not number.is_finite() or number != number.quantize(CENT):
        return None
    return number


def _refuse_own(actor, volunteer_user_id) -> None:
    """Nobody decides their own hours."""
    if actor is not None and volunteer_user_id is not None and volunteer_user_id == actor.pk:
        raise PermissionDenied(
            _("These are your own hours: someone else who runs the activity decides your hours.")
        )


def _honour_given(person, activity: Activity) -> Decimal:
    total = (
        HoursRecord.objects.filter(volunteer=person, activity=activity, kind=HoursKind.HONOUR)
        .exclude(status=HoursStatus.DECLINED)
        .aggregate(total=Sum("hours"))["total"]
    )
    return Decimal(total or 0).quantize(CENT)


@transaction.atomic
def add_honour_hours(actor, *, volunteer, activity, hours, note: str = "") -> HoursRecord:
    """Honour hours (荣誉时长) an organiser adds afterwards: approved by them, kept apart
    from the credit hours; never on their own record, and all of a volunteer's on one
    activity at most its length (the volunteer's row is locked while they are added up)."""
    recheck(actor)
    row = activity_of(actor, activity)
    require_runner(actor, row)
    person = volunteer_of(actor, volunteer, lock=True)
    _refuse_own(actor, person.user_id)
    errors: dict = {}
    amount = _hours(hours)
    length = row.length_hours
    if amount is None or amount <= 0:
        errors["hours"] = [_("Give the hours: a number above 0 with at most two decimals.")]
    else:
        given = _honour_given(person, row)
        if given + amount > length:
            errors["hours"] = [
                _(
                    "%(hours)s hours are too many: the activity lasts %(length)s hours and "
                    "%(name)s already has %(given)s honour hours for it, so at most %(left)s "
                    "more can be given."
                )
                % {
                    "hours": amount,
                    "length": length,
                    "name": person.name,
                    "given": given,
                    "left": max(length - given, Decimal("0.00")),
                }
            ]
    note = validators.clean_line(note, field="note", limit=NOTE_MAX, required=False, errors=errors)
    if row.status != ActivityStatus.OPEN:
        errors.setdefault("activity", []).append(_("This activity is cancelled."))
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    record = HoursRecord.objects.create(
        volunteer=person,
        activity=row,
        kind=HoursKind.HONOUR,
        hours=amount,
        status=HoursStatus.APPROVED,
        note=note,
        served_on=timezone.localdate(row.starts_at),
        recorded_by=actor,
        decided_by=actor,
        decided_at=now,
        area_code=row.area_code,
    )
    audit.record(
        actor=actor,
        action="volunteering_hours.add_honour",
        obj=record,
        after=audit.snapshot(record),
    )
    return record


def _decide(actor, record, status: str, reason: str = "") -> HoursRecord:
    recheck(actor)
    row = get_or_404(
        selectors.hours_visible_to(actor).select_related("activity__team", "volunteer"),
        pk=read_pk(record),
    )
    require_runner(actor, row.activity)
    _refuse_own(actor, row.volunteer.user_id)
    now = timezone.now()
    if not HoursRecord.objects.filter(pk=row.pk, status=HoursStatus.PENDING).update(
        status=status, decided_by=actor, decided_at=now, reason=reason, updated_at=now
    ):
        current = HoursRecord.objects.filter(pk=row.pk).values_list("status", flat=True).first()
        raise Conflict(
            {
                "status": [
                    _("These hours were already decided (%(status)s): a decision is made once.")
                    % {"status": HoursStatus(current).label}
                ]
            }
        )
    before = row.status
    row.status, row.decided_by, row.decided_at, row.reason = status, actor, now, reason
    audit.record(
        actor=actor,
        action=f"volunteering_hours.{'approve' if status == HoursStatus.APPROVED else 'decline'}",
        obj=row,
        before={"status": before},
        after={"status": status, "reason": reason},
    )
    return row


@transaction.atomic
def approve_hours(actor, record) -> HoursRecord:
    """Approves pending hours (whoever runs the activity)."""
    return _decide(actor, record, HoursStatus.APPROVED)


@transaction.atomic
def decline_hours(actor, record, reason: str) -> HoursRecord:
    """Declines pending hours with the reason; the record stays."""
    errors: dict = {}
    reason = validators.clean_line(
        reason, field="reason", limit=REASON_MAX, required=False, errors=errors
    )
    if not reason and not errors:
        errors["reason"] = [_("Give the reason the hours are declined: the volunteer reads it.")]
    if errors:
        raise ValidationError(errors)
    return _decide(actor, record, HoursStatus.DECLINED, reason)


# --- check-ins left open -------------------------------------------------------------------


def due_attendances(now) -> dict[int, list[int]]:
    """{activity id: [attendance ids]} of the check-ins still open `CLOSE_AFTER` after
    their activity's end (the partial index on open check-ins)."""
    due = (
        Attendance.objects.filter(
            checked_out_at__isnull=True, activity__ends_at__lte=now - CLOSE_AFTER
        )
        .order_by("activity_id", "id")
        .values_list("activity_id", "id")
    )
    by_activity: dict[int, list[int]] = defaultdict(list)
    for activity_id, pk in due:
        by_activity[activity_id].append(pk)
    return by_activity


def close_open_attendances(now=None) -> int:
    """Closes every check-in not checked out `CLOSE_AFTER` after its activity's end, at
    the activity's end (`closed_by_system`), its credit hours pending and flagged, and
    tells each activity's organiser once; a cancelled activity's are closed with their
    hours declined (the reason: it was cancelled), nobody told. Each attendance is claimed by a conditional
    UPDATE, so two runs at once never close one twice. Answers how many it closed."""
    now = now or timezone.now()
    closed = 0
    for activity_id, ids in due_attendances(now).items():
        with transaction.atomic():
            activity = Activity.objects.get(pk=activity_id)
            mine = []
            for pk in ids:
                if Attendance.objects.filter(pk=pk, checked_out_at__isnull=True).update(
                    checked_out_at=activity.ends_at, closed_by_system=True, updated_at=now
                ):
                    mine.append(pk)
            cancelled = activity.status == ActivityStatus.CANCELLED
            for attendance in Attendance.objects.filter(pk__in=mine):
                if cancelled:
                    record = _cancelled_record(attendance, activity)
                else:
                    record = _credit_record(
                        attendance,
                        activity,
                        recorded_by=None,
                        flag=_("Not checked out: closed at the activity's end by the system."),
                    )
                audit.record(
                    actor=None,
                    action="volunteering_attendance.close",
                    obj=attendance,
                    after={
                        "checked_out_at": activity.ends_at,
                        "closed_by_system": True,
                        "hours": record.hours,
                        "status": record.status,
                    },
                )
            if mine and not cancelled:
                Notification.objects.create(
                    kind=NOTICE_KIND,
                    object_type="volunteering.activity",
                    object_id=activity.pk,
                    recipient_id=activity.organiser_id,
                    text=ngettext(
                        "%(count)d volunteer of %(title)s did not check out: closed at its "
                        "end, the hours wait for your decision.",
                        "%(count)d volunteers of %(title)s did not check out: closed at its "
                        "end, their hours wait for your decision.",
                        len(mine),
                    )
                    % {"count": len(mine), "title": activity.title},
                    created_at=now,
                )
            closed += len(mine)
    return closed
