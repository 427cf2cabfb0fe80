"""Pages of volunteers and teams: each persona sees the village's volunteers and teams (or
not, outside their scope), names and phones masked; a volunteer is registered from the
ledger or from one's own account, never without the consent; a team's members are added
and their membership ended; bad input shows its message and changes nothing; the lists'
queries are pinned."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from conftest import UNIT, VILLAGE
from yiwang.registry.models import Resident
from yiwang.volunteering import services
from yiwang.volunteering.models import Membership, Team, Volunteer

from .activity_setup import make_resident, make_team, make_volunteer

pytestmark = pytest.mark.django_db

PERSONAS = [("county", 200), ("town", 200), ("chief", 200), ("worker", 200), ("outsider", 404)]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def volunteer(tree):
    made = make_volunteer(name="李小四")
    Resident.objects.filter(pk=made.resident_id).update(phone="13812345678")
    return made


@pytest.mark.parametrize(("who", "status"), PERSONAS)
def test_it_shows_the_volunteer_masked_to_each_persona_of_its_scope(
    personas, volunteer, who, status
):
    client = signed_in(personas[who])
    page = client.get(reverse("volunteering:volunteer", args=[volunteer.pk]))
    assert page.status_code == status
    listed = client.get(reverse("volunteering:volunteers")).content.decode()
    assert (f'id="volunteer-{volunteer.pk}"' in listed) == (status == 200)
    if status == 200:
        for text in (page.content.decode(), listed):
            assert "李*四" in text and "李小四" not in text
            assert "138****5678" in listed and "13812345678" not in text


@pytest.mark.parametrize(("who", "status"), PERSONAS)
def test_it_shows_the_team_to_each_persona_of_its_scope(personas, volunteer, who, status):
    team = make_team()
    services.add_member(None, team.pk, volunteer.pk, is_leader=True)
    client = signed_in(personas[who])
    page = client.get(reverse("volunteering:team", args=[team.pk]))
    assert page.status_code == status
    if status == 200:
        leaders = page.content.decode().split('id="team-leaders"')[1].split("</ul>")[0]
        assert "李*四" in leaders
    listed = client.get(reverse("volunteering:teams")).content.decode()
    assert (f'id="team-{team.pk}"' in listed) == (status == 200)


def test_a_worker_registers_a_resident_found_by_name_with_their_consent(worker):
    resident = make_resident(name="周志愿")
    client = signed_in(worker)
    url = reverse("volunteering:volunteer-create")
    found = client.get(url, {"q": "志愿"}).content.decode()
    assert f"?resident={resident.pk}" in found
    form = client.get(url, {"resident": resident.pk}).content.decode()
    assert 'name="consent"' in form and "签到" in form  # the text of what is recorded
    with translation.override("en"):
        bad = client.post(
            url, {"resident": resident.pk, "skills": "理发"}, HTTP_ACCEPT_LANGUAGE="en"
        )
    assert bad.status_code == 400
    assert "consent to record their service is required" in bad.content.decode()
    assert not Volunteer.objects.exists()
    made = client.post(url, {"resident": resident.pk, "skills": "理发", "consent": "on"})
    volunteer = Volunteer.objects.get()
    assert made.status_code == 302 and made["Location"] == reverse(
        "volunteering:volunteer", args=[volunteer.pk]
    )
    assert (volunteer.resident_id, volunteer.skills, volunteer.registered_by) == (
        resident.pk,
        "理发",
        worker,
    )


def test_one_registers_oneself_from_ones_own_account(worker):
    client = signed_in(worker)
    url = reverse("volunteering:volunteer-create")
    assert 'id="volunteer-form"' in client.get(url, {"self": "1"}).content.decode()
    made = client.post(
        url, {"user": worker.pk, "area_code": UNIT, "consent": "on", "availability": "周末"}
    )
    assert made.status_code == 302
    own = Volunteer.objects.get(user=worker)
    assert (own.area_code, own.availability) == (UNIT, "周末")
    mine = client.get(reverse("accounts:home")).content.decode()
    assert reverse("volunteering:checkin-list") in mine  # "my activities" in the menu


def test_my_activities_is_in_everyones_menu_and_tells_who_is_not_a_volunteer(worker, chief):
    """In the menu of anyone signed in (asking whether the user is a volunteer would cost
    every page a query); the page tells someone who is not how to become one."""
    make_volunteer(name="钱志愿", username="volunteer")
    volunteer_user = Volunteer.objects.get().user
    for user in (volunteer_user, chief):
        menu = signed_in(user).get(reverse("accounts:home")).content.decode()
        assert f'href="{reverse("volunteering:checkin-list")}"' in menu
    page = signed_in(chief).get(reverse("volunteering:checkin-list")).content.decode()
    assert 'id="not-volunteer"' in page
    page = signed_in(volunteer_user).get(reverse("volunteering:checkin-list")).content.decode()
    assert 'id="not-volunteer"' not in page


def test_a_team_is_made_its_member_added_and_the_membership_ended(chief, volunteer):
    client = signed_in(chief)
    with translation.override("en"):
        bad = client.post(
            reverse("volunteering:team-create"),
            {"name": "", "kind": "service", "area_code": VILLAGE},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert bad.status_code == 400 and not Team.objects.exists()
    made = client.post(
        reverse("volunteering:team-create"),
        {"name": "巾帼志愿队", "kind": "service", "area_code": VILLAGE},
    )
    team = Team.objects.get()
    assert made.status_code == 302 and team.name == "巾帼志愿队"
    add = reverse("volunteering:team-add-member", args=[team.pk])
    with translation.override("en"):
        future = client.post(
            add, {"volunteer": volunteer.pk, "joined_on": "2999-01-01"}, HTTP_ACCEPT_LANGUAGE="en"
        )
    assert future.status_code == 400
    assert "The day joined is in the future" in future.content.decode()
    assert not Membership.objects.exists()
    assert client.post(add, {"volunteer": volunteer.pk, "is_leader": "on"}).status_code == 302
    membership = Membership.objects.get()
    assert membership.is_leader
    page = client.get(reverse("volunteering:team", args=[team.pk])).content.decode()
    end = reverse("volunteering:membership-end", args=[membership.pk])
    assert end in page
    assert client.post(end).status_code == 302
    membership.refresh_from_db()
    assert membership.left_on is not None


def test_a_grid_worker_may_not_make_a_team_nor_name_a_leader(worker, volunteer):
    client = signed_in(worker)
    assert client.get(reverse("volunteering:team-create")).status_code == 403
    team = make_team()
    add = reverse("volunteering:team-add-member", args=[team.pk])
    assert client.post(add, {"volunteer": volunteer.pk, "is_leader": "on"}).status_code == 403
    assert not Membership.objects.exists()


def test_the_lists_read_a_fixed_number_of_queries(chief, django_assert_max_num_queries):
    team = make_team()
    for i in range(8):
        made = make_volunteer(number=f"3{i:02d}", name=f"孙{i}号")
        services.add_member(None, team.pk, made.pk)
        make_team(name=f"第{i}队")
    client = signed_in(chief)
    for name in ("volunteering:volunteers", "volunteering:teams"):
        client.get(reverse(name))
        with django_assert_max_num_queries(10):
            assert client.get(reverse(name)).status_code == 200
    with django_assert_max_num_queries(10):
        page = client.get(reverse("volunteering:volunteers"), {"team": team.pk})
    assert len(page.context["rows"]) == 8


@pytest.mark.parametrize(
    ("who", "organises"),
    [("county", True), ("town", True), ("chief", True), ("worker", False), ("outsider", False)],
)
def test_the_forms_open_to_those_who_may_use_them(personas, who, organises):
    client = signed_in(personas[who])
    assert client.get(reverse("volunteering:volunteer-create")).status_code == 200
    expected = 200 if organises else 403
    assert client.get(reverse("volunteering:team-create")).status_code == expected
    assert client.get(reverse("volunteering:activity-create")).status_code == expected
    teams = client.get(reverse("volunteering:teams")).content.decode()
    assert ('id="team-create"' in teams) == organises
    assert client.get(reverse("volunteering:checkin-list")).status_code == 200
