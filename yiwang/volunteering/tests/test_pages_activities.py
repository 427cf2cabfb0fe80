"""Pages of activities and the phone's check-in: each persona sees an activity of the
village (or not, outside their scope), the volunteer signs up and checks in and out on
the page, those who run it see the code with its QR code and decide the hours; bad input
shows its message and changes nothing; the list's queries are pinned."""

import datetime
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from yiwang.notices import kinds
from yiwang.volunteering import services
from yiwang.volunteering.models import (
    Activity,
    ActivityStatus,
    Attendance,
    HoursRecord,
    HoursStatus,
    SignUp,
)
from yiwang.volunteering.services import hours as hours_services

from .activity_setup import (
    HOUR,
    make_activity,
    make_resident,
    make_team,
    make_volunteer,
    new_uuid,
)

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def as_volunteer(user, number="201"):
    """The persona's own volunteer record (a resident of the ledger with their account)."""
    resident = make_resident(number=number, name="赵志愿")
    return services.register_volunteer(None, resident=resident, user=user, consent=True)


@pytest.fixture
def activity(chief):
    return make_activity(chief, starts=timezone.now() + HOUR)


@pytest.mark.parametrize(
    ("who", "status"),
    [("county", 200), ("town", 200), ("chief", 200), ("worker", 200), ("outsider", 404)],
)
def test_it_shows_the_activity_to_each_persona_of_its_scope(personas, activity, who, status):
    client = signed_in(personas[who])
    page = client.get(reverse("volunteering:activity", args=[activity.pk]))
    assert page.status_code == status
    listed = client.get(reverse("volunteering:activities")).content.decode()
    assert (f'id="activity-{activity.pk}"' in listed) == (status == 200)


@pytest.mark.parametrize(("who", "runs"), [("chief", True), ("worker", False)])
def test_it_shows_the_code_and_its_qr_only_to_those_who_run_it(personas, activity, who, runs):
    page = signed_in(personas[who]).get(reverse("volunteering:activity", args=[activity.pk]))
    text = page.content.decode()
    assert (activity.checkin_code in text) == runs
    assert ('id="checkin-qr"' in text) == runs
    if runs:
        assert "<svg" in text
        address = f"/volunteering/checkin/{activity.pk}/?code={activity.checkin_code}"
        assert page.context["checkin_url"] == f"http://testserver{address}"


def test_a_volunteer_signs_up_checks_in_and_out_on_the_phone_page(worker, chief):
    activity = make_activity(chief, starts=timezone.now() - HOUR)
    own = as_volunteer(worker)
    client = signed_in(worker)
    detail = reverse("volunteering:activity", args=[activity.pk])
    assert 'id="signup-form"' in client.get(detail).content.decode()
    assert (
        client.post(reverse("volunteering:activity-signup", args=[activity.pk])).status_code == 302
    )
    assert SignUp.objects.filter(activity=activity, volunteer=own).exists()
    mine = client.get(reverse("volunteering:checkin-list")).content.decode()
    assert f'id="checkin-activity-{activity.pk}"' in mine

    page = client.get(reverse("volunteering:checkin", args=[activity.pk]), {"code": "12345x"})
    text = page.content.decode()
    assert "data-offline" in text and 'inputmode="numeric"' in text and 'pattern="[0-9]{6}"' in text
    assert f'data-offline-api="/api/v1/activities/{activity.pk}/checkin/"' in text
    filled = client.get(
        reverse("volunteering:checkin", args=[activity.pk]), {"code": activity.checkin_code}
    )
    assert f'value="{activity.checkin_code}"' in filled.content.decode()

    key = new_uuid()
    done = client.post(
        reverse("volunteering:checkin-in", args=[activity.pk]),
        {"uuid": key, "code": activity.checkin_code},
    )
    assert done.status_code == 302
    again = client.post(
        reverse("volunteering:checkin-in", args=[activity.pk]),
        {"uuid": key, "code": activity.checkin_code},
    )
    assert again.status_code == 302
    assert list(Attendance.objects.values_list("checkin_uuid", flat=True)) == [uuid.UUID(key)]
    out = client.post(
        reverse("volunteering:checkin-out", args=[activity.pk]),
        {"uuid": new_uuid(), "code": activity.checkin_code},
    )
    assert out.status_code == 302
    assert Attendance.objects.get().checked_out_at is not None
    assert HoursRecord.objects.filter(volunteer=own).count() == 1


def test_a_wrong_or_expired_code_shows_its_message_and_records_nothing(worker, chief):
    activity = make_activity(chief, starts=timezone.now() - HOUR)
    as_volunteer(worker)
    services.sign_up(worker, activity.pk)
    client = signed_in(worker)
    url = reverse("volunteering:checkin-in", args=[activity.pk])
    with translation.override("en"):
        wrong = client.post(url, {"uuid": new_uuid(), "code": "000000"}, HTTP_ACCEPT_LANGUAGE="en")
    assert wrong.status_code == 400
    assert "The check-in code is wrong" in wrong.content.decode()
    over = make_activity(chief, starts=timezone.now() - 5 * HOUR)
    late = client.post(
        reverse("volunteering:checkin-in", args=[over.pk]),
        {"uuid": new_uuid(), "code": over.checkin_code},
    )
    assert late.status_code == 400
    assert "签到码已过期" in late.content.decode(), late.context["checkin_form"].errors
    assert Attendance.objects.count() == 0


def _checked_out(chief, worker):
    starts = timezone.now() - 2 * HOUR + 2 * datetime.timedelta(minutes=1)
    activity = make_activity(chief, starts=starts)
    own = as_volunteer(worker)
    services.sign_up(worker, activity.pk)
    for call, at in ((services.check_in, activity.starts_at), (services.check_out, None)):
        call(worker, uuid=new_uuid(), activity=activity.pk, code=activity.checkin_code, at=at)
    return activity, own, HoursRecord.objects.get(volunteer=own)


def test_the_organiser_approves_and_declines_hours_with_a_reason(chief, worker):
    activity, own, record = _checked_out(chief, worker)
    client = signed_in(chief)
    decline = reverse("volunteering:activity-hours-decline", args=[activity.pk, record.pk])
    with translation.override("en"):
        bad = client.post(decline, {"reason": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 400
    assert "Give the reason the hours are declined" in bad.content.decode()
    record.refresh_from_db()
    assert record.status == HoursStatus.PENDING
    approve = reverse("volunteering:activity-hours-approve", args=[activity.pk, record.pk])
    # The volunteer does not run the activity: forbidden, nothing decided.
    assert signed_in(worker).post(approve).status_code == 403
    assert client.post(approve).status_code == 302
    record.refresh_from_db()
    assert record.status == HoursStatus.APPROVED
    page = client.get(reverse("volunteering:activity", args=[activity.pk])).content.decode()
    assert f'id="hours-{record.pk}"' in page and "赵*愿" in page and "赵志愿" not in page


def test_honour_hours_over_the_length_show_the_message_and_add_nothing(chief, worker):
    activity, own, _record = _checked_out(chief, worker)
    client = signed_in(chief)
    url = reverse("volunteering:activity-honour", args=[activity.pk])
    with translation.override("en"):
        bad = client.post(url, {"volunteer": own.pk, "hours": "9"}, HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 400
    assert "hours are too many: the activity lasts" in bad.content.decode()
    assert HoursRecord.objects.count() == 1
    assert client.post(url, {"volunteer": own.pk, "hours": "1.5"}).status_code == 302
    assert HoursRecord.objects.filter(kind="honour", hours="1.50").count() == 1


def test_a_new_code_and_cancelling_need_to_run_the_activity(chief, worker, activity):
    code = reverse("volunteering:activity-new-code", args=[activity.pk])
    cancel = reverse("volunteering:activity-cancel", args=[activity.pk])
    assert signed_in(worker).post(code).status_code == 403
    assert signed_in(worker).post(cancel).status_code == 403
    old = activity.checkin_code
    assert signed_in(chief).post(code).status_code == 302
    activity.refresh_from_db()
    assert activity.checkin_code != old
    assert signed_in(chief).post(cancel).status_code == 302
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.CANCELLED


def test_an_activity_made_on_the_page_and_bad_input_left_unmade(chief):
    team = make_team()
    client = signed_in(chief)
    url = reverse("volunteering:activity-create")
    assert client.get(url).status_code == 200
    starts = timezone.localtime() + datetime.timedelta(days=1)
    data = {
        "team": team.pk,
        "title": "敬老院探访",
        "target_group": "elderly",
        "place": "敬老院",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts - HOUR).strftime("%Y-%m-%dT%H:%M"),
        "places": "5",
    }
    with translation.override("en"):
        bad = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 400
    assert "The activity ends before it starts" in bad.content.decode()
    assert not Activity.objects.exists()
    data["ends_at"] = (starts + 2 * HOUR).strftime("%Y-%m-%dT%H:%M")
    made = client.post(url, data)
    assert made.status_code == 302
    assert Activity.objects.get().title == "敬老院探访"


def test_a_grid_worker_may_not_make_an_activity(worker):
    assert signed_in(worker).get(reverse("volunteering:activity-create")).status_code == 403


def test_the_list_filters_by_target_group_and_splits_coming_from_past(chief):
    coming = make_activity(chief, starts=timezone.now() + HOUR)
    past = make_activity(chief, starts=timezone.now() - 5 * HOUR)
    client = signed_in(chief)
    url = reverse("volunteering:activities")
    text = client.get(url).content.decode()
    assert f'id="activity-{coming.pk}"' in text and f'id="activity-{past.pk}"' not in text
    text = client.get(url, {"when": "past"}).content.decode()
    assert f'id="activity-{past.pk}"' in text and f'id="activity-{coming.pk}"' not in text
    text = client.get(url, {"target_group": "elderly"}).content.decode()
    assert f'id="activity-{coming.pk}"' not in text
    # The team is chosen by its name.
    assert f'<option value="{coming.team_id}">{coming.team.name}</option>' in text
    other = make_team(name="巾帼志愿队")
    text = client.get(url, {"team": other.pk}).content.decode()
    assert f'id="activity-{coming.pk}"' not in text


def test_the_activity_list_reads_a_fixed_number_of_queries(chief, django_assert_max_num_queries):
    for hours in range(1, 8):
        make_activity(chief, starts=timezone.now() + hours * HOUR)
    client = signed_in(chief)
    client.get(reverse("volunteering:activities"))
    with django_assert_max_num_queries(10):
        page = client.get(reverse("volunteering:activities"))
    assert page.status_code == 200


def test_the_notice_of_check_ins_left_open_links_the_activity(chief, outsider):
    activity = make_activity(chief)
    kind = kinds.get(hours_services.NOTICE_KIND)
    assert kind.links(chief, [activity.pk]) == {
        activity.pk: (reverse("volunteering:activity", args=[activity.pk]), activity.title)
    }
    assert kind.links(outsider, [activity.pk]) == {}


def test_the_organisers_page_and_my_activities_read_a_fixed_number_of_queries(
    chief, worker, django_assert_max_num_queries
):
    activity = make_activity(chief, starts=timezone.now() - HOUR)
    for i in range(6):
        person = make_volunteer(number=f"6{i:02d}", name=f"周{i}号")
        services.sign_up(chief, activity.pk, volunteer=person.pk)
        services.check_in(
            chief,
            uuid=new_uuid(),
            activity=activity.pk,
            code=activity.checkin_code,
            volunteer=person.pk,
        )
    as_volunteer(worker)
    services.sign_up(worker, activity.pk)
    organiser, volunteer = signed_in(chief), signed_in(worker)
    url = reverse("volunteering:activity", args=[activity.pk])
    organiser.get(url)
    with django_assert_max_num_queries(11):
        page = organiser.get(url)
    assert len(page.context["attendances"]) == 6 and len(page.context["signups"]) == 7
    volunteer.get(reverse("volunteering:checkin-list"))
    with django_assert_max_num_queries(6):
        mine = volunteer.get(reverse("volunteering:checkin-list"))
    assert [a.pk for a in mine.context["today"]] == [activity.pk]


@pytest.mark.parametrize(
    ("who", "status"),
    [("county", 200), ("town", 200), ("chief", 200), ("worker", 200), ("outsider", 404)],
)
def test_the_check_in_page_opens_to_each_persona_of_its_scope(personas, activity, who, status):
    page = signed_in(personas[who]).get(reverse("volunteering:checkin", args=[activity.pk]))
    assert page.status_code == status
    if status == 200:
        # Not a volunteer: told how to register, no form to send.
        assert 'id="checkin-form"' not in page.content.decode()
