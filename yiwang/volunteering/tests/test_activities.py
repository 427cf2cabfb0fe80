"""Activities made by the team's organisers with a six-digit code; sign-ups that never
take more than the places, also when two race (the activity's row locked while counted)."""

import datetime
import threading

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.utils import timezone, translation

from conftest import GRID, OTHER_UNIT, UNIT
from yiwang.core.models import AuditEntry
from yiwang.volunteering import services
from yiwang.volunteering.models import Activity, ActivityStatus, SignUp
from yiwang.volunteering.services import activities as activity_services

from .activity_setup import HOUR, make_activity, make_team, make_volunteer

pytestmark = pytest.mark.django_db


def test_it_makes_an_activity_with_a_six_digit_code(chief):
    activity = make_activity(chief, area_code=GRID)
    assert len(activity.checkin_code) == 6 and activity.checkin_code.isdigit()
    assert activity.organiser == chief and activity.area_code == GRID
    entry = AuditEntry.objects.get(action="volunteering_activity.create")
    assert "checkin_code" not in entry.after


def test_it_refuses_an_end_before_the_start_and_an_area_outside_the_team(chief):
    team = make_team()
    now = timezone.now()
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        make_activity(chief, team, starts=now, length=-HOUR, area_code=OTHER_UNIT)
    errors = exc.value.message_dict
    assert errors["ends_at"] == ["The activity ends before it starts: give an end after the start."]
    assert "team's area" in errors["area_code"][0]


@pytest.mark.parametrize(
    "starts_at",
    ["0001-01-01T00:00:00", "9999-12-31T23:59:59", "1900-05-01T09:00:00+08:00"],
)
def test_it_refuses_an_absurd_date_with_the_window_it_takes(chief, starts_at):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.create_activity(
            chief,
            team=make_team(),
            title="清扫村道",
            target_group="public",
            place="村委会门口",
            starts_at=starts_at,
            ends_at=starts_at,
            places=5,
        )
    for field in ("starts_at", "ends_at"):
        message = exc.value.message_dict[field][0]
        assert message.startswith("Give a time from a year ago to two years ahead (")
    assert not Activity.objects.exists()


def test_it_takes_an_activity_from_a_year_ago_to_two_years_ahead(chief):
    now = timezone.now()
    past = make_activity(chief, starts=now - datetime.timedelta(days=364), length=HOUR)
    ahead = make_activity(chief, starts=now + datetime.timedelta(days=729), length=HOUR)
    assert past.starts_at < now < ahead.starts_at
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        make_activity(chief, starts=now - datetime.timedelta(days=366), length=HOUR)
    assert "a year ago to two years ahead" in exc.value.message_dict["starts_at"][0]
    with pytest.raises(ValidationError) as exc:
        make_activity(chief, starts=now + datetime.timedelta(days=731), length=HOUR)
    assert set(exc.value.message_dict) == {"starts_at", "ends_at"}


def test_only_organisers_or_the_team_leader_make_activities(worker, chief, outsider):
    team = make_team()
    with pytest.raises(PermissionDenied):
        make_activity(worker, team)
    with pytest.raises(Http404):
        make_activity(outsider, team)
    # The worker leads the team through their own volunteer record.
    from yiwang.volunteering.models import Volunteer

    own = services.register_volunteer(None, user=worker.pk, area_code=UNIT, consent=True)
    services.add_member(chief, team.pk, own.pk, is_leader=True)
    activity = make_activity(worker, team)
    assert activity.organiser == worker and Volunteer.objects.count() == 1


def test_sign_ups_never_exceed_the_places(chief):
    activity = make_activity(chief, places=2)
    volunteers = [make_volunteer(number=str(100 + i), name=f"张{i}") for i in range(3)]
    services.sign_up(chief, activity.pk, volunteers[0].pk)
    services.sign_up(chief, activity.pk, volunteers[1].pk)
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.sign_up(chief, activity.pk, volunteers[2].pk)
    assert exc.value.message_dict["activity"] == ["All 2 places are taken: the activity is full."]
    services.cancel_sign_up(chief, activity.pk, volunteers[0].pk)
    services.sign_up(chief, activity.pk, volunteers[2].pk)
    assert SignUp.objects.filter(cancelled_at__isnull=True).count() == 2
    assert SignUp.objects.count() == 3


def test_a_volunteer_signs_themselves_up_once(chief, worker):
    volunteer = make_volunteer(username="lisi")
    activity = make_activity(chief)
    signup = services.sign_up(volunteer.user, activity.pk)
    assert signup.volunteer == volunteer
    with pytest.raises(ValidationError):
        services.sign_up(volunteer.user, activity.pk)
    other = make_volunteer(number="102", name="赵六")
    with pytest.raises(Http404):  # a volunteer without a post reaches no one else
        services.sign_up(volunteer.user, activity.pk, other.pk)
    services.cancel_sign_up(volunteer.user, activity.pk)
    with pytest.raises(PermissionDenied):  # only whoever runs it signs others up
        services.sign_up(worker, activity.pk, volunteer.pk)


def test_a_cancelled_activity_takes_no_sign_up_and_a_new_code_replaces_the_old(chief, worker):
    activity = make_activity(chief)
    old = activity.checkin_code
    with pytest.raises(PermissionDenied):
        services.new_checkin_code(worker, activity.pk)
    assert services.new_checkin_code(chief, activity.pk).checkin_code != old
    services.cancel_activity(chief, activity.pk)
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.CANCELLED
    with pytest.raises(ValidationError):
        services.cancel_activity(chief, activity.pk)
    with pytest.raises(ValidationError):
        services.sign_up(chief, activity.pk, make_volunteer().pk)


@pytest.mark.django_db(transaction=True)
def test_two_sign_ups_racing_for_the_last_place_take_it_once(chief, town_admin, monkeypatch):
    """On PostgreSQL both requests have read everything and wait for each other right
    before locking the activity's row: the second waits for the first's lock, then counts
    its sign-up. SQLite takes the write lock at BEGIN: the two run one after the other."""
    activity = make_activity(chief, places=1)
    volunteers = [make_volunteer(number=str(100 + i), name=f"张{i}") for i in range(2)]
    racing = connection.vendor == "postgresql"
    if racing:
        both_ready = threading.Barrier(2, timeout=20)
        real = activity_services.locked_activity

        def lock_when_both_ready(actor, row):
            both_ready.wait()
            return real(actor, row)

        monkeypatch.setattr(activity_services, "locked_activity", lock_when_both_ready)
    results = [None, None]

    def run(i):
        try:
            # Two organisers: each locks their own posts (recheck) before the race.
            user = type(chief).objects.get(pk=(chief, town_admin)[i].pk)
            services.sign_up(user, activity.pk, volunteers[i].pk)
            results[i] = "through"
        except ValidationError as exc:
            results[i] = " ".join(exc.messages)
        except BaseException as exc:  # reported below
            results[i] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results, key=str)[1] == "through", results
    assert results.count("through") == 1, results
    assert SignUp.objects.filter(activity=activity, cancelled_at__isnull=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_closing_runs_at_once_close_a_check_in_once(chief, monkeypatch):
    """Both runs have found the same check-in left open before either claims it: the
    conditional UPDATE gives it to one (on PostgreSQL the second waits for the first's row
    lock, then finds it closed). SQLite runs them one after the other."""
    import uuid

    from yiwang.notices.models import Notification
    from yiwang.volunteering.models import HoursRecord
    from yiwang.volunteering.services import hours as hours_services

    starts = timezone.now() - 27 * HOUR
    activity = make_activity(chief, starts=starts, length=2 * HOUR)
    volunteer = make_volunteer()
    with time_machine.travel(starts, tick=False):  # checked in at the start
        services.check_in(
            None,
            uuid=uuid.uuid4(),
            activity=activity.pk,
            code=activity.checkin_code,
            volunteer=volunteer.pk,
        )
    racing = connection.vendor == "postgresql"
    both_found = threading.Barrier(2, timeout=20)
    real = hours_services.due_attendances

    def found_by_both(now):
        due = real(now)
        if racing:
            both_found.wait()
        return due

    monkeypatch.setattr(hours_services, "due_attendances", found_by_both)
    results = [None, None]
    serial = threading.Lock()

    def run(i):
        try:
            if racing:
                results[i] = services.close_open_attendances()
            else:
                with serial:
                    results[i] = services.close_open_attendances()
        except BaseException as exc:  # reported below
            results[i] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results, key=str) == [0, 1], results
    assert HoursRecord.objects.count() == 1 and Notification.objects.count() == 1
