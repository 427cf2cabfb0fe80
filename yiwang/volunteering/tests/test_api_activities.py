"""The volunteering API: check-in and check-out idempotent on the phone's uuid (201, then
200 with the stored one), bad input answered 400 with the field's message, the check-in
code shown only to whoever runs the activity, hours decided once (409 after), and the
scope of every list and detail for every persona."""

import json
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from conftest import OTHER_UNIT, OTHER_VILLAGE
from yiwang.volunteering import services
from yiwang.volunteering.models import Attendance, HoursKind, HoursRecord, HoursStatus, SignUp

from .activity_setup import HOUR, MINUTE, make_activity, make_team, make_volunteer

pytestmark = pytest.mark.django_db
JSON = "application/json"


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


def post(client, url, **body):
    """A JSON POST, answered in English (the messages compared below)."""
    return client.post(url, json.dumps(body), content_type=JSON, headers={"accept-language": "en"})


def url(name, *args):
    return reverse(f"api:{name}", args=args)


@pytest.fixture
def world(county_admin, chief, outsider):
    """Own rows in 南门社区 (a team and its activity of the village, a volunteer of the
    worker's unit with hours) and foreign rows in the outsider's village."""
    rows = {}
    for side, unit, village, organiser in (
        ("own", None, None, chief),
        ("foreign", OTHER_UNIT, OTHER_VILLAGE, county_admin),
    ):
        team = make_team(village, f"{side}队") if village else make_team()
        starts = timezone.now() - 3 * HOUR
        activity = make_activity(organiser, team, starts=starts, length=2 * HOUR)
        volunteer = (
            make_volunteer(unit, number=f"{side}1", name="王五")
            if unit
            else make_volunteer(username="lisi")
        )
        services.check_in(
            None,
            uuid=uuid.uuid4(),
            activity=activity.pk,
            code=activity.checkin_code,
            volunteer=volunteer.pk,
            at=starts,
        )
        services.check_out(
            None,
            uuid=uuid.uuid4(),
            activity=activity.pk,
            code=activity.checkin_code,
            volunteer=volunteer.pk,
            at=starts + 2 * HOUR,
        )
        rows[side] = {
            "volunteer": volunteer,
            "volunteer-team": team,
            "activity": activity,
            "volunteer-hours": HoursRecord.objects.get(activity=activity),
        }
    return rows


# Which of the own and the foreign rows each persona sees (True: listed, detail 200).
SEES = {
    #               volunteer      team           activity       hours
    "county": {"own": (1, 1, 1, 1), "foreign": (1, 1, 1, 1)},
    "town": {"own": (1, 1, 1, 1), "foreign": (0, 0, 0, 0)},
    "chief": {"own": (1, 1, 1, 1), "foreign": (0, 0, 0, 0)},
    # The worker's unit lies in the village: its team and activities are theirs to join.
    "worker": {"own": (1, 1, 1, 0), "foreign": (0, 0, 0, 0)},
    "outsider": {"own": (0, 0, 0, 0), "foreign": (1, 1, 1, 0)},
}
KINDS = ("volunteer", "volunteer-team", "activity", "volunteer-hours")


@pytest.mark.parametrize("persona", sorted(SEES))
def test_every_persona_sees_its_scope_in_lists_and_details(persona, personas, world):
    client = client_of(personas[persona])
    for side in ("own", "foreign"):
        for kind, sees in zip(KINDS, SEES[persona][side], strict=True):
            pk = world[side][kind].pk
            listed = {row["id"] for row in client.get(url(f"{kind}-list")).json()["results"]}
            assert (pk in listed) == bool(sees), (persona, side, kind)
            status = client.get(url(f"{kind}-detail", pk)).status_code
            assert status == (200 if sees else 404), (persona, side, kind, status)


@pytest.mark.parametrize("kind", KINDS)
def test_the_lists_take_a_bounded_number_of_queries(
    kind, county_admin, world, django_assert_max_num_queries
):
    client = client_of(county_admin)
    client.get(url(f"{kind}-list"))  # warm: the session, the posts
    for i in range(3):
        activity = make_activity(county_admin, world["own"]["volunteer-team"], places=5 + i)
        services.add_honour_hours(
            county_admin,
            volunteer=world["own"]["volunteer"].pk,
            activity=activity.pk,
            hours="1",
        )
        make_volunteer(number=f"x{i}", name=f"赵{i}")
        make_team(name=f"服务队{i}")
    with django_assert_max_num_queries(6):
        response = client.get(url(f"{kind}-list"))
    assert response.status_code == 200 and response.json()["count"] >= 4


def test_a_check_in_sent_twice_is_recorded_once(chief):
    volunteer = make_volunteer(username="lisi")
    activity = make_activity(chief)
    client = client_of(volunteer.user)
    body = {"uuid": str(uuid.uuid4()), "code": activity.checkin_code}
    first = post(client, url("activity-checkin", activity.pk), **body)
    assert first.status_code == 201, first.json()
    again = post(client, url("activity-checkin", activity.pk), **body)
    assert again.status_code == 200 and again.json() == first.json()
    assert Attendance.objects.count() == 1
    out = {"uuid": str(uuid.uuid4()), "code": activity.checkin_code}
    done = post(client, url("activity-checkout", activity.pk), **out)
    assert done.status_code == 201 and done.json()["hours_status"] == HoursStatus.DECLINED
    assert post(client, url("activity-checkout", activity.pk), **out).status_code == 200
    assert HoursRecord.objects.count() == 1


def test_bad_check_ins_answer_400_with_the_fields_message(chief):
    volunteer = make_volunteer(username="lisi")
    activity = make_activity(chief)
    client = client_of(volunteer.user)
    wrong = f"{(int(activity.checkin_code) + 1) % 1_000_000:06d}"
    with translation.override("en"):
        response = post(
            client, url("activity-checkin", activity.pk), uuid=str(uuid.uuid4()), code=wrong
        )
        assert response.status_code == 400
        assert response.json()["code"][0].startswith("The check-in code is wrong")
        response = post(
            client,
            url("activity-checkout", activity.pk),
            uuid=str(uuid.uuid4()),
            code=activity.checkin_code,
        )
        assert response.status_code == 400 and "check in first" in response.json()["volunteer"][0]
    response = post(client, url("activity-checkin", activity.pk), uuid="nope", code="1")
    assert response.status_code == 400 and "uuid" in response.json()
    for far in ("0001-01-01T00:00:00", "9999-12-31T23:59:59", "1900-01-01T08:00:00+08:00"):
        with translation.override("en"):
            response = post(
                client,
                url("activity-checkin", activity.pk),
                uuid=str(uuid.uuid4()),
                code=activity.checkin_code,
                at=far,
            )
        assert response.status_code == 400, response.content
        assert "more than a year away" in response.json()["at"][0]
    assert not Attendance.objects.exists()


def test_the_code_is_shown_only_to_whoever_runs_the_activity(chief, worker):
    volunteer = make_volunteer(username="lisi")
    activity = make_activity(chief)
    services.sign_up(volunteer.user, activity.pk)
    for user, shown in ((volunteer.user, False), (worker, False), (chief, True)):
        client = client_of(user)
        detail = client.get(url("activity-detail", activity.pk)).json()
        listed = client.get(url("activity-list")).json()["results"]
        expected = activity.checkin_code if shown else None
        assert detail["checkin_code"] == expected and detail["signed_up"] == 1
        assert [row["checkin_code"] for row in listed] == [expected]
        assert activity.checkin_code not in json.dumps(listed) or shown


def test_signing_up_through_the_api_keeps_to_the_places(chief):
    activity = make_activity(chief, places=1)
    first = make_volunteer(username="lisi")
    second = make_volunteer(number="102", name="赵六", username="zhaoliu")
    assert post(client_of(first.user), url("activity-signup", activity.pk)).status_code == 201
    with translation.override("en"):
        response = post(client_of(second.user), url("activity-signup", activity.pk))
    assert response.status_code == 400
    assert response.json()["activity"] == ["All 1 places are taken: the activity is full."]
    assert SignUp.objects.count() == 1


def test_an_organiser_creates_an_activity_and_a_team_with_a_member(chief, worker):
    client = client_of(chief)
    team = post(
        client,
        url("volunteer-team-list"),
        name="爱心妈妈",
        kind="caring_mothers",
        area_code="370830001001",
    )
    assert team.status_code == 201, team.json()
    volunteer = make_volunteer()
    member = post(
        client,
        url("volunteer-team-members", team.json()["id"]),
        volunteer=volunteer.pk,
        is_leader=True,
    )
    assert member.status_code == 201 and member.json()["is_leader"] is True
    starts = timezone.now() + HOUR
    body = {
        "team": team.json()["id"],
        "title": "陪伴留守儿童",
        "target_group": "children",
        "place": "村文化广场",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + 90 * MINUTE).isoformat(),
        "places": 8,
    }
    created = post(client, url("activity-list"), **body)
    assert created.status_code == 201 and len(created.json()["checkin_code"]) == 6
    refused = post(client_of(worker), url("activity-list"), **body)
    assert refused.status_code == 403
    with translation.override("en"):
        late = post(client, url("activity-list"), **{**body, "ends_at": starts.isoformat()})
    assert late.status_code == 400 and "ends before it starts" in late.json()["ends_at"][0]


def test_a_volunteer_is_registered_through_the_api_with_consent(worker):
    from .activity_setup import make_resident

    resident = make_resident()
    client = client_of(worker)
    refused = post(client, url("volunteer-list"), resident=resident.pk, consent=False)
    assert refused.status_code == 400 and "consent" in refused.json()
    made = post(client, url("volunteer-list"), resident=resident.pk, consent=True)
    assert made.status_code == 201 and made.json()["name"] == "李*"


def test_honour_hours_and_decisions_through_the_api(chief, world):
    client = client_of(chief)
    own = world["own"]
    body = {"volunteer": own["volunteer"].pk, "activity": own["activity"].pk}
    with translation.override("en"):
        over = post(client, url("volunteer-hours-list"), **body, hours="3")
    assert over.status_code == 400
    assert over.json()["hours"] == [
        "3.00 hours are too many: the activity lasts 2.00 hours and 李四 already has 0.00 "
        "honour hours for it, so at most 2.00 more can be given."
    ]
    honour = post(client, url("volunteer-hours-list"), **body, hours="1.5", note="组织")
    assert honour.status_code == 201 and honour.json()["kind"] == HoursKind.HONOUR
    credit = own["volunteer-hours"]
    approved = post(client, url("volunteer-hours-approve", credit.pk))
    assert approved.status_code == 200 and approved.json()["status"] == HoursStatus.APPROVED
    again = post(client, url("volunteer-hours-decline", credit.pk), reason="不对")
    assert again.status_code == 409
    credit.refresh_from_db()
    assert credit.status == HoursStatus.APPROVED


@pytest.mark.parametrize("leads", [False, True])
def test_the_activities_a_member_or_a_leader_lists_take_a_bounded_number_of_queries(
    leads, chief, django_assert_max_num_queries
):
    """A volunteer with no post sees their team's activities; its leader sees the codes."""
    volunteer = make_volunteer(username="lisi")
    team = make_team()
    services.add_member(chief, team.pk, volunteer.pk, is_leader=leads)
    codes = set()
    for i in range(4):
        activity = make_activity(chief, team, places=5 + i)
        services.sign_up(chief, activity.pk, volunteer.pk)
        codes.add(activity.checkin_code if leads else None)
    client = client_of(volunteer.user)
    client.get(url("activity-list"))  # warm: the session
    with django_assert_max_num_queries(7):
        response = client.get(url("activity-list"))
    rows = response.json()["results"]
    assert len(rows) == 4 and all(row["signed_up"] == 1 for row in rows)
    assert {row["checkin_code"] for row in rows} == codes


@pytest.mark.parametrize("starts_at", ["0001-01-01T00:00:00", "1900-05-01T09:00:00"])
def test_an_activity_of_an_absurd_date_answers_400(chief, starts_at):
    body = {
        "team": make_team().pk,
        "title": "陪伴留守儿童",
        "target_group": "children",
        "place": "村文化广场",
        "starts_at": starts_at,
        "ends_at": (timezone.now() + HOUR).isoformat(),
        "places": 8,
    }
    with translation.override("en"):
        answer = post(client_of(chief), url("activity-list"), **body)
    assert answer.status_code == 400, answer.content
    assert "a year ago to two years ahead" in answer.json()["starts_at"][0]
