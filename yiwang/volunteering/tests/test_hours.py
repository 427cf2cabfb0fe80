"""Check-in and check-out by the code shown at the place, the credit hours they give with
the 60% rule, honour hours kept apart, decisions made once, and check-ins left open closed
after 24 hours, flagged, their organiser told once."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone, translation

from yiwang.notices.models import Notification
from yiwang.volunteering import services
from yiwang.volunteering.models import Attendance, HoursKind, HoursRecord, HoursStatus
from yiwang.volunteering.selectors.hours import volunteer_hours
from yiwang.volunteering.services import hours as hours_services
from yiwang.volunteering.tasks import close_open_attendances as close_task

from .activity_setup import HOUR, MINUTE, make_activity, make_volunteer, new_uuid

pytestmark = pytest.mark.django_db


@pytest.fixture
def volunteer(tree):
    return make_volunteer(username="lisi")


def check_in(user, activity, at=None, code=None, **more):
    attendance, _created = services.check_in(
        user,
        uuid=new_uuid(),
        activity=activity.pk,
        code=code or activity.checkin_code,
        at=at,
        **more,
    )
    return attendance


def check_out(user, activity, at=None, code=None, **more):
    attendance, _created = services.check_out(
        user,
        uuid=new_uuid(),
        activity=activity.pk,
        code=code or activity.checkin_code,
        at=at,
        **more,
    )
    return attendance


def error(call, field):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        call()
    return exc.value.message_dict[field][0]


def test_hours_at_exactly_60_percent_of_the_activity_are_credited(chief, volunteer):
    starts = timezone.now() - 100 * MINUTE
    activity = make_activity(chief, starts=starts, length=100 * MINUTE)
    check_in(volunteer.user, activity, at=starts - 10 * MINUTE)  # early: counts from the start
    check_out(volunteer.user, activity, at=starts + 60 * MINUTE)
    record = HoursRecord.objects.get()
    assert (record.kind, record.status, record.hours) == (
        HoursKind.CREDIT,
        HoursStatus.PENDING,
        Decimal("1.00"),
    )
    assert record.served_on == timezone.localdate(starts)
    assert record.area_code == activity.area_code and record.volunteer == volunteer


def test_hours_under_60_percent_are_kept_declined_with_the_reason(chief, volunteer):
    starts = timezone.now() - 100 * MINUTE
    activity = make_activity(chief, starts=starts, length=100 * MINUTE)
    check_in(volunteer.user, activity, at=starts)
    check_out(volunteer.user, activity, at=starts + 59 * MINUTE)
    record = HoursRecord.objects.get()
    assert record.status == HoursStatus.DECLINED and record.hours == Decimal("0.98")
    assert record.decided_by is None
    with translation.override("en"):
        assert "59%" in record.reason and "60%" in record.reason


def test_presence_counts_only_within_the_activity(chief, volunteer):
    starts = timezone.now() - 3 * HOUR
    activity = make_activity(chief, starts=starts, length=2 * HOUR)
    check_in(volunteer.user, activity, at=starts - 20 * MINUTE)
    check_out(volunteer.user, activity, at=starts + 2 * HOUR + 50 * MINUTE)
    assert HoursRecord.objects.get().hours == Decimal("2.00")


def test_a_wrong_or_expired_code_is_refused(chief, volunteer):
    activity = make_activity(chief)
    assert (
        error(
            lambda: check_in(
                volunteer.user,
                activity,
                code=f"{(int(activity.checkin_code) + 1) % 1_000_000:06d}",
            ),
            "code",
        )
        == "The check-in code is wrong: type the six digits shown by the organiser at the place."
    )
    ended = make_activity(chief, starts=timezone.now() - 3 * HOUR, length=HOUR)
    assert "has expired" in error(lambda: check_in(volunteer.user, ended), "code")
    later = make_activity(chief, starts=timezone.now() + 2 * HOUR)
    assert "opens 30 minutes before the start" in error(
        lambda: check_in(volunteer.user, later), "code"
    )
    assert "in the future" in error(
        lambda: check_in(volunteer.user, activity, at=timezone.now() + 5 * MINUTE), "at"
    )
    assert not Attendance.objects.exists()


def test_an_old_code_stops_working_once_a_new_one_is_made(chief, volunteer):
    activity = make_activity(chief)
    old = activity.checkin_code
    services.new_checkin_code(chief, activity.pk)
    assert "is wrong" in error(lambda: check_in(volunteer.user, activity, code=old), "code")


def test_a_check_out_before_the_check_in_is_refused(chief, volunteer):
    activity = make_activity(chief)
    assert "check in first" in error(lambda: check_out(volunteer.user, activity), "volunteer")
    assert not HoursRecord.objects.exists()


def test_a_check_out_expires_two_hours_after_the_end(chief, volunteer):
    starts = timezone.now() - 5 * HOUR
    activity = make_activity(chief, starts=starts, length=2 * HOUR)
    check_in(volunteer.user, activity, at=starts)
    assert "check-out has expired" in error(lambda: check_out(volunteer.user, activity), "code")
    check_out(volunteer.user, activity, at=starts + 3 * HOUR)  # typed offline in time
    assert HoursRecord.objects.get().hours == Decimal("2.00")


def test_the_same_uuid_answers_the_stored_attendance(chief, volunteer):
    activity = make_activity(chief)
    key = new_uuid()
    first, created = services.check_in(
        volunteer.user, uuid=key, activity=activity.pk, code=activity.checkin_code
    )
    assert created
    services.new_checkin_code(chief, activity.pk)  # whatever happened since
    again, created = services.check_in(volunteer.user, uuid=key, activity=activity.pk, code="x")
    assert (again.pk, created) == (first.pk, False)
    activity.refresh_from_db()  # the new code
    assert "already checked in" in error(lambda: check_in(volunteer.user, activity), "volunteer")
    assert Attendance.objects.count() == 1


def test_whoever_runs_the_activity_checks_in_a_volunteer_without_a_phone(chief, worker):
    activity = make_activity(chief)
    person = make_volunteer(number="102", name="赵六")
    with pytest.raises(PermissionDenied):
        check_in(worker, activity, volunteer=person.pk)
    attendance = check_in(chief, activity, volunteer=person.pk)
    assert attendance.volunteer == person


def test_a_cancelled_activity_takes_no_check_in(chief, volunteer):
    activity = make_activity(chief)
    services.cancel_activity(chief, activity.pk)
    assert error(lambda: check_in(volunteer.user, activity), "activity") == (
        "This activity is cancelled."
    )


def test_honour_hours_are_kept_apart_and_never_over_the_length(chief, worker, volunteer):
    starts = timezone.now() - 3 * HOUR
    activity = make_activity(chief, starts=starts, length=2 * HOUR)
    check_in(volunteer.user, activity, at=starts)
    check_out(volunteer.user, activity, at=starts + 2 * HOUR)
    assert (
        error(
            lambda: services.add_honour_hours(
                chief, volunteer=volunteer.pk, activity=activity.pk, hours="2.5", note="组织"
            ),
            "hours",
        )
        == "2.5 hours are too many: the activity lasts 2.00 hours and 李四 already has 0.00 "
        "honour hours for it, so at most 2.00 more can be given."
    )
    with pytest.raises(PermissionDenied):
        services.add_honour_hours(worker, volunteer=volunteer.pk, activity=activity.pk, hours=1)
    honour = services.add_honour_hours(
        chief, volunteer=volunteer.pk, activity=activity.pk, hours="1.5", note="组织协调"
    )
    assert (honour.kind, honour.status, honour.decided_by) == (
        HoursKind.HONOUR,
        HoursStatus.APPROVED,
        chief,
    )
    credit = HoursRecord.objects.get(kind=HoursKind.CREDIT)
    assert credit.hours == Decimal("2.00") and credit.status == HoursStatus.PENDING
    assert HoursRecord.objects.count() == 2
    hours = volunteer_hours(volunteer.pk)
    assert (hours.credit, hours.honour, hours.pending) == (
        Decimal("0.00"),
        Decimal("1.50"),
        Decimal("2.00"),
    )
    services.approve_hours(chief, credit.pk)
    hours = volunteer_hours(volunteer.pk)
    assert (hours.credit, hours.honour, hours.pending) == (
        Decimal("2.00"),
        Decimal("1.50"),
        Decimal("0.00"),
    )


def test_hours_are_decided_once_and_never_deleted(chief, worker, volunteer):
    starts = timezone.now() - 3 * HOUR
    activity = make_activity(chief, starts=starts, length=2 * HOUR)
    check_in(volunteer.user, activity, at=starts)
    check_out(volunteer.user, activity, at=starts + 2 * HOUR)
    record = HoursRecord.objects.get()
    with pytest.raises(Http404):  # the activity's hours lie outside the worker's unit
        services.approve_hours(worker, record.pk)
    assert "reason" in error(lambda: services.decline_hours(chief, record.pk, ""), "reason")
    services.approve_hours(chief, record.pk)
    record.refresh_from_db()
    assert (record.status, record.decided_by) == (HoursStatus.APPROVED, chief)
    with translation.override("en"), pytest.raises(hours_services.Conflict) as exc:
        services.decline_hours(chief, record.pk, "不对")
    assert "already decided (Approved)" in exc.value.message_dict["status"][0]
    record.refresh_from_db()
    assert record.status == HoursStatus.APPROVED


@pytest.fixture
def left_open(chief, volunteer):
    """An activity that ended 25 hours ago, its volunteer checked in late and never out,
    and another that ended 23 hours ago, not yet due."""
    now = timezone.now()
    starts = now - 27 * HOUR
    due = make_activity(chief, starts=starts, length=2 * HOUR)
    with time_machine.travel(starts + 31 * MINUTE, tick=False):  # sent as it was made
        check_in(volunteer.user, due, at=starts + 30 * MINUTE)
    recent = make_activity(chief, starts=now - 25 * HOUR, length=2 * HOUR)
    with time_machine.travel(now - 25 * HOUR, tick=False):
        check_in(volunteer.user, recent)
    return due, recent


def test_check_ins_left_open_are_closed_after_24_hours_flagged_and_told_once(chief, left_open):
    due, recent = left_open
    assert services.close_open_attendances() == 1
    attendance = Attendance.objects.get(activity=due)
    assert attendance.closed_by_system and attendance.checked_out_at == due.ends_at
    record = HoursRecord.objects.get()
    assert (record.status, record.hours) == (HoursStatus.PENDING, Decimal("1.50"))
    assert record.flag and record.attendance == attendance
    assert Attendance.objects.get(activity=recent).checked_out_at is None
    notice = Notification.objects.get()
    assert (notice.recipient, notice.object_id, notice.kind) == (
        chief,
        due.pk,
        hours_services.NOTICE_KIND,
    )
    # A second run does nothing.
    assert services.close_open_attendances() == 0
    assert HoursRecord.objects.count() == 1 and Notification.objects.count() == 1
    # The one not yet due is closed once its 24 hours have passed.
    later = timezone.now() + 2 * HOUR
    assert services.close_open_attendances(now=later) == 1
    assert Notification.objects.count() == 2


def test_the_hourly_task_closes_them(left_open):
    close_task.call_local()
    assert Attendance.objects.filter(closed_by_system=True).count() == 1
    assert Attendance.objects.filter(checked_out_at__isnull=True).count() == 1


def test_a_check_out_after_the_system_closed_it_is_refused(chief, volunteer, left_open):
    due, _recent = left_open
    services.close_open_attendances()
    assert "no check-out came within 24 hours" in error(
        lambda: check_out(volunteer.user, due, at=due.ends_at), "volunteer"
    )
    assert HoursRecord.objects.count() == 1
    assert datetime.timedelta(0) <= timezone.now() - due.ends_at
