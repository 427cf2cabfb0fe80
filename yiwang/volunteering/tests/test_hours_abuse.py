"""Hours nobody can help themselves to: check-ins and outs that arrive within a day of the
activity's end (the phone's `at` trusted a day at most), wrong codes locked out, nobody
deciding their own hours, honour hours never over the activity's length, a uuid sent
again matched with its volunteer (also when two race), one rounding of lengths and
hours, a cancelled activity's check-ins closed without hours, an inactive leader leading
nothing."""

import datetime
import logging
import threading
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.utils import timezone, translation

from yiwang.notices.models import Notification
from yiwang.volunteering import access, services
from yiwang.volunteering.models import (
    Attendance,
    HoursKind,
    HoursRecord,
    HoursStatus,
    hours_between,
)
from yiwang.volunteering.services import attendance_checks
from yiwang.volunteering.services import hours as hours_services

from .activity_setup import HOUR, MINUTE, make_activity, make_team, make_volunteer, new_uuid

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.fixture
def volunteer(tree):
    return make_volunteer(username="lisi")


def check_in(user, activity, at=None, code=None, **more):
    return services.check_in(
        user,
        uuid=more.pop("uuid", None) or new_uuid(),
        activity=activity.pk,
        code=code or activity.checkin_code,
        at=at,
        **more,
    )[0]


def check_out(user, activity, at=None, code=None, **more):
    return services.check_out(
        user,
        uuid=more.pop("uuid", None) or new_uuid(),
        activity=activity.pk,
        code=code or activity.checkin_code,
        at=at,
        **more,
    )[0]


def error(call, field):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        call()
    return exc.value.message_dict[field][0]


def refusal(call):
    with translation.override("en"), pytest.raises(PermissionDenied) as exc:
        call()
    return str(exc.value)


def wrong(activity) -> str:
    return f"{(int(activity.checkin_code) + 1) % 1_000_000:06d}"


# --- the phone's time: a day to deliver -----------------------------------------------------


def test_a_check_in_and_out_sent_days_after_the_activity_are_refused_whatever_their_at(
    chief, volunteer
):
    starts = timezone.now() - 3 * DAY - 2 * HOUR
    activity = make_activity(chief, starts=starts, length=2 * HOUR)
    assert error(lambda: check_in(volunteer.user, activity, at=starts), "at").startswith(
        "Sent too late: check-in and check-out of this activity closed 24 hours after its end"
    )
    with time_machine.travel(starts + MINUTE, tick=False):  # checked in in time
        check_in(volunteer.user, activity)
    assert "Sent too late" in error(
        lambda: check_out(volunteer.user, activity, at=activity.ends_at), "at"
    )
    assert not HoursRecord.objects.exists()
    assert Attendance.objects.get().checked_out_at is None


def test_an_at_more_than_a_day_before_its_arrival_is_refused(chief, volunteer):
    starts = timezone.now() - 26 * HOUR
    activity = make_activity(chief, starts=starts, length=30 * HOUR)  # still going on
    assert "more than 24 hours before it was sent" in error(
        lambda: check_in(volunteer.user, activity, at=starts), "at"
    )
    check_in(volunteer.user, activity, at=timezone.now() - 23 * HOUR)
    assert "more than 24 hours before it was sent" in error(
        lambda: check_out(volunteer.user, activity, at=timezone.now() - 25 * HOUR), "at"
    )
    assert not HoursRecord.objects.exists()


def test_a_check_in_and_out_kept_offline_and_sent_the_same_day_give_hours(chief, volunteer):
    starts = timezone.now() - 22 * HOUR
    activity = make_activity(chief, starts=starts, length=2 * HOUR)  # ended 20 hours ago
    check_in(volunteer.user, activity, at=starts + 10 * MINUTE)
    check_out(volunteer.user, activity, at=activity.ends_at)
    record = HoursRecord.objects.get()
    assert (record.status, record.hours) == (HoursStatus.PENDING, Decimal("1.83"))


# --- wrong codes -------------------------------------------------------------------------------


def test_five_wrong_codes_lock_the_account_out_of_the_activity_for_ten_minutes(
    chief, volunteer, caplog
):
    activity = make_activity(chief)
    other = make_volunteer(number="102", name="赵六", username="zhaoliu")
    caplog.set_level(logging.WARNING, logger=attendance_checks.__name__)
    for _i in range(attendance_checks.WRONG_CODES):
        assert "is wrong" in error(
            lambda: check_in(volunteer.user, activity, code=wrong(activity)), "code"
        )
    wrong_lines = [r for r in caplog.records if "Wrong check-in code" in r.getMessage()]
    assert len(wrong_lines) == 5
    assert all(f"user {volunteer.user.pk}" in r.getMessage() for r in wrong_lines)
    # The right code now is refused too.
    locked = error(lambda: check_in(volunteer.user, activity), "code")
    assert locked.startswith("Too many wrong check-in codes: check-in and check-out of this")
    assert not Attendance.objects.filter(volunteer=volunteer).exists()
    # Another account is not locked out, nor the same account on another activity.
    check_in(other.user, activity)
    check_in(volunteer.user, make_activity(chief))
    with time_machine.travel(timezone.now() + 11 * MINUTE, tick=False):
        check_in(volunteer.user, activity)
    assert Attendance.objects.filter(volunteer=volunteer, activity=activity).exists()


def test_wrong_check_out_codes_lock_the_check_out_out_too(chief, volunteer):
    activity = make_activity(chief)
    check_in(volunteer.user, activity)
    error(lambda: check_in(volunteer.user, activity, code=wrong(activity)), "code")
    for _i in range(attendance_checks.WRONG_CODES - 1):
        error(lambda: check_out(volunteer.user, activity, code=wrong(activity)), "code")
    assert "Too many wrong" in error(lambda: check_out(volunteer.user, activity), "code")
    assert not HoursRecord.objects.exists()
    with time_machine.travel(timezone.now() + 11 * MINUTE, tick=False):
        check_out(volunteer.user, activity)
    assert HoursRecord.objects.count() == 1


def test_four_wrong_codes_and_the_right_one_check_in(chief, volunteer):
    activity = make_activity(chief)
    for _i in range(attendance_checks.WRONG_CODES - 1):
        error(lambda: check_in(volunteer.user, activity, code=wrong(activity)), "code")
    assert check_in(volunteer.user, activity).volunteer == volunteer


# --- nobody decides their own hours -------------------------------------------------------------


@pytest.fixture
def led(chief, volunteer):
    """The volunteer leads the team (no post); an activity of the team that ended an hour
    ago, the leader and a member checked in and out, their credit hours pending."""
    team = make_team()
    services.add_member(chief, team.pk, volunteer.pk, is_leader=True)
    member = make_volunteer(number="102", name="赵六")
    services.add_member(chief, team.pk, member.pk)
    starts = timezone.now() - 3 * HOUR
    activity = make_activity(chief, team, starts=starts, length=2 * HOUR)
    for person in (volunteer, member):
        check_in(chief, activity, at=starts, volunteer=person.pk)
        check_out(chief, activity, at=activity.ends_at, volunteer=person.pk)
    return activity, member


def test_a_leader_neither_gives_themselves_honour_hours_nor_decides_their_own(
    chief, volunteer, led
):
    activity, member = led
    leader = volunteer.user
    assert access.is_team_leader(leader, activity.team)
    assert "someone else who runs the activity decides your hours" in refusal(
        lambda: services.add_honour_hours(
            leader, volunteer=volunteer.pk, activity=activity.pk, hours="2"
        )
    )
    own = HoursRecord.objects.get(volunteer=volunteer)
    assert "someone else" in refusal(lambda: services.approve_hours(leader, own.pk))
    assert "someone else" in refusal(lambda: services.decline_hours(leader, own.pk, "不算"))
    own.refresh_from_db()
    assert own.status == HoursStatus.PENDING and own.decided_by is None
    assert not HoursRecord.objects.filter(kind=HoursKind.HONOUR).exists()
    # The leader decides the member's; the chief decides the leader's.
    services.approve_hours(leader, HoursRecord.objects.get(volunteer=member).pk)
    services.add_honour_hours(leader, volunteer=member.pk, activity=activity.pk, hours="1")
    services.approve_hours(chief, own.pk)
    own.refresh_from_db()
    assert (own.status, own.decided_by) == (HoursStatus.APPROVED, chief)


def test_the_honour_hours_of_a_volunteer_on_an_activity_add_up_to_its_length_at_most(
    chief, town_admin, volunteer, led
):
    activity, _member = led
    services.add_honour_hours(chief, volunteer=volunteer.pk, activity=activity.pk, hours="1.5")
    assert error(
        lambda: services.add_honour_hours(
            town_admin, volunteer=volunteer.pk, activity=activity.pk, hours="0.6"
        ),
        "hours",
    ) == (
        "0.6 hours are too many: the activity lasts 2.00 hours and 李四 already has 1.50 "
        "honour hours for it, so at most 0.50 more can be given."
    )
    services.add_honour_hours(town_admin, volunteer=volunteer.pk, activity=activity.pk, hours="0.5")
    assert "at most 0.00 more" in error(
        lambda: services.add_honour_hours(
            chief, volunteer=volunteer.pk, activity=activity.pk, hours="0.01"
        ),
        "hours",
    )
    honour = HoursRecord.objects.filter(kind=HoursKind.HONOUR, volunteer=volunteer)
    assert sorted(honour.values_list("hours", flat=True)) == [Decimal("0.50"), Decimal("1.50")]


def test_an_inactive_volunteer_leads_nothing(chief, worker, volunteer, led):
    activity, member = led
    leader = volunteer.user
    services.deactivate_volunteer(worker, volunteer.pk)
    assert not access.is_team_leader(leader, activity.team)
    with pytest.raises(Http404):  # the team's hours are no longer theirs to see
        services.approve_hours(leader, HoursRecord.objects.get(volunteer=member).pk)


# --- a uuid sent again ----------------------------------------------------------------------------


def test_a_uuid_sent_again_for_another_volunteer_is_refused(chief, volunteer):
    activity = make_activity(chief)
    other = make_volunteer(number="102", name="赵六")
    key = new_uuid()
    check_in(chief, activity, volunteer=volunteer.pk, uuid=key)
    assert check_in(chief, activity, volunteer=volunteer.pk, uuid=key).volunteer == volunteer
    assert (
        error(lambda: check_in(chief, activity, volunteer=other.pk, uuid=key), "uuid")
        == "This UUID was sent before for another volunteer: make a new UUID for a new "
        "check-in or check-out."
    )
    check_in(chief, activity, volunteer=other.pk)
    out = new_uuid()
    check_out(chief, activity, volunteer=volunteer.pk, uuid=out)
    assert "another volunteer" in error(
        lambda: check_out(chief, activity, volunteer=other.pk, uuid=out), "uuid"
    )
    # The volunteer's own phone sending the chief's uuid again names their own record.
    assert check_in(volunteer.user, activity, uuid=key).volunteer == volunteer
    assert Attendance.objects.get(volunteer=other).checked_out_at is None
    assert HoursRecord.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_check_outs_with_the_same_uuid_at_once_answer_the_one_record(
    chief, volunteer, monkeypatch
):
    """Both requests look the uuid up before either stores it. On PostgreSQL the second
    waits for the first's row lock, then finds its own uuid on the row and answers the
    stored record; SQLite runs them one after the other (the lookup answers it)."""
    starts = timezone.now() - 3 * HOUR
    activity = make_activity(chief, starts=starts, length=2 * HOUR)
    check_in(volunteer.user, activity, at=starts)
    racing = connection.vendor == "postgresql"
    both_looked = threading.Barrier(2, timeout=20)
    real = hours_services.volunteer_for

    def found_by_both(*args):
        found = real(*args)
        if racing:
            both_looked.wait()
        return found

    monkeypatch.setattr(hours_services, "volunteer_for", found_by_both)
    key = new_uuid()
    results = [None, None]
    serial = threading.Lock()
    user_model = type(volunteer.user)

    def run(i):
        try:
            user = user_model.objects.get(pk=volunteer.user.pk)
            if racing:
                attendance, created = services.check_out(
                    user, uuid=key, activity=activity.pk, code=activity.checkin_code
                )
            else:
                with serial:
                    attendance, created = services.check_out(
                        user, uuid=key, activity=activity.pk, code=activity.checkin_code
                    )
            results[i] = (attendance.pk, created)
        except BaseException as exc:  # reported below
            results[i] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    attendance = Attendance.objects.get()
    assert sorted(results, key=str) == [(attendance.pk, False), (attendance.pk, True)], results
    assert HoursRecord.objects.count() == 1


# --- one rounding -----------------------------------------------------------------------------------


def test_lengths_and_hours_round_alike_half_up_exactly():
    assert hours_between(datetime.timedelta(seconds=3618)) == Decimal("1.01")  # 1.005
    assert hours_between(datetime.timedelta(seconds=3617, microseconds=999_999)) == Decimal("1.00")
    assert hours_between(datetime.timedelta(seconds=-5)) == Decimal("0.00")
    assert hours_services.hours_of is hours_between


def test_an_activity_of_3618_seconds_lasts_and_credits_1_01_hours(chief, town_admin, volunteer):
    starts = timezone.now() - 2 * HOUR
    activity = make_activity(chief, starts=starts, length=datetime.timedelta(seconds=3618))
    assert activity.length_hours == Decimal("1.01")
    check_in(volunteer.user, activity, at=starts)
    check_out(volunteer.user, activity, at=activity.ends_at)
    assert HoursRecord.objects.get().hours == Decimal("1.01")
    honour = services.add_honour_hours(
        chief, volunteer=volunteer.pk, activity=activity.pk, hours="1.01"
    )
    assert honour.hours == Decimal("1.01")


# --- a cancelled activity's check-ins ----------------------------------------------------------------


def test_the_sweep_closes_a_cancelled_activity_s_check_ins_with_their_hours_declined(
    chief, volunteer
):
    starts = timezone.now() - 27 * HOUR
    activity = make_activity(chief, starts=starts, length=2 * HOUR)
    with time_machine.travel(starts + MINUTE, tick=False):
        check_in(volunteer.user, activity)
    services.cancel_activity(chief, activity.pk)
    assert services.close_open_attendances() == 1
    attendance = Attendance.objects.get()
    assert attendance.closed_by_system and attendance.checked_out_at == activity.ends_at
    record = HoursRecord.objects.get()
    assert record.status == HoursStatus.DECLINED and record.decided_at is not None
    assert record.reason == translation.gettext("The activity was cancelled: it gives no hours.")
    assert not Notification.objects.exists()  # nothing waits for a decision
    assert services.close_open_attendances() == 0
