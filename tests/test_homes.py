"""The home each role lands on after logging in (accounts.homes and the panels cases and
outreach register), and the admin's "today" page: a summary by child area that drills
down, not the whole county's households."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import OTHER_UNIT, PASSWORD, TOWN, UNIT, VILLAGE
from yiwang.accounts import homes
from yiwang.cases.tests.conftest import new_case
from yiwang.outreach.models import ScheduledVisit, Visit
from yiwang.outreach.services import schedule
from yiwang.outreach.tests.test_visits import make_household

pytestmark = pytest.mark.django_db

HOME = reverse("accounts:home")
TODAY = reverse("outreach:today")


def _get(client, user, url, **query):
    client.force_login(user)
    response = client.get(url, query)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def overdue(tree):
    """Two key households (低保) of the worker's unit, one overdue by 3 days, the other due
    in 2 days, and one of the other town's unit overdue too."""
    made = {
        "late": make_household(number="001", tags=["elderly_alone", "dibao"], name="李四"),
        "soon": make_household(number="002", tags=["elderly_alone", "dibao"], name="王小明"),
        "foreign": make_household(unit=OTHER_UNIT, number="009", tags=["elderly_alone"]),
    }
    schedule.schedule_rules()
    ScheduledVisit.objects.update(due_on=timezone.localdate() + datetime.timedelta(days=100))
    today = timezone.localdate()
    for key, days in (("late", -3), ("soon", 2), ("foreign", -1)):
        ScheduledVisit.objects.filter(
            household=made[key], rule__code="elderly_alone_weekly"
        ).update(due_on=today + datetime.timedelta(days=days))
    return made


@pytest.mark.parametrize(
    ("persona", "kind"),
    [("county", "county"), ("town", "town"), ("chief", "chief"), ("worker", "worker")],
)
def test_each_persona_logs_in_to_their_home(client, personas, persona, kind):
    response = client.post(reverse("login"), {"username": persona, "password": PASSWORD})
    assert response["Location"] == HOME
    html = client.get(HOME).content.decode()
    assert f'data-home="{kind}"' in html
    assert homes.kind(personas[persona]) == kind


def test_the_workers_home_is_their_day(client, worker, overdue):
    case = new_case(stage="dispatched")
    html = _get(client, worker, HOME)
    # The visits due, the overdue one marked, each opening the visit form.
    visits = html[html.index('id="home-visits"') :]
    assert ">001 · 李*<" in visits and ">002 · 王*明<" in visits
    assert ">009" not in visits
    assert reverse("outreach:visit-household", args=[overdue["late"].pk]) in visits
    assert "list-group-item-danger" in visits
    # The cases that wait for the worker, a button to report, the notices.
    cases = html[html.index('id="home-cases"') :]
    assert reverse("cases:detail", args=[case.pk]) in cases
    assert f'href="{reverse("cases:create")}" id="home-report"' in cases
    assert 'id="home-notices"' in html


def test_the_chiefs_home_is_their_village(client, chief, overdue):
    late = new_case(stage="reported")
    # A visit last week to the "soon" household: the other key households are unvisited.
    Visit.objects.create(
        household=overdue["soon"],
        visitor=chief,
        visited_at=timezone.now() - datetime.timedelta(days=7),
        area_code=overdue["soon"].area_code,
        outcome="all_well",
    )
    html = _get(client, chief, HOME)
    assert re.search(r'data-figure="cases-open">1<', html)
    assert re.search(r'data-figure="overdue-households">1<', html)
    assert reverse("cases:detail", args=[late.pk]) in html
    unvisited = html[html.index('id="home-unvisited"') :]
    assert re.search(r'data-figure="unvisited-key">1<', unvisited)
    assert ">001<" in unvisited and ">002<" not in unvisited
    assert ">009" not in html


def test_the_county_home_sums_up_the_towns(client, county_admin, overdue):
    html = _get(client, county_admin, HOME)
    assert re.search(r'data-figure="overdue-households">2<', html)
    # Each town drills down on the "today" page.
    assert f'href="{TODAY}?area={TOWN}"' in html
    # The ledger's figures of the county, from the tallies.
    assert re.search(r'data-figure="households">3<', html)
    assert re.search(r'data-figure="key-households">2<', html)


def test_the_town_home_counts_its_own_town_only(client, town_admin, overdue):
    html = _get(client, town_admin, HOME)
    assert re.search(r'data-figure="overdue-households">1<', html)
    assert re.search(r'data-figure="households">2<', html)


def test_the_admins_today_is_a_summary_that_drills_down(client, county_admin, overdue):
    # Not the county's households: the towns, with their overdue households.
    html = _get(client, county_admin, TODAY)
    assert 'id="today-by-area"' in html
    assert re.search(rf'data-area="{TOWN}">[^<]+</a></td><td[^>]*>1<', html)
    assert ">001 · " not in html and ">009" not in html
    # Down to the village, whose lines are listed.
    html = _get(client, county_admin, TODAY, area=TOWN)
    assert f'data-area="{VILLAGE}"' in html and ">001 · " not in html
    html = _get(client, county_admin, TODAY, area=VILLAGE)
    assert 'id="today-by-area"' not in html
    assert ">001 · " in html and ">002 · " in html and ">009" not in html


def test_the_admins_today_keeps_their_own_pairings(client, town_admin, overdue):
    from yiwang.outreach.tests.test_visits import pair

    pairing = pair("cadre_key_households", town_admin, overdue["soon"])
    schedule.schedule_pairings([pairing.pk])
    ScheduledVisit.objects.filter(pairing=pairing).update(due_on=timezone.localdate())
    html = _get(client, town_admin, TODAY)
    own = html[html.index('id="today-by-area"') :]
    assert ">002 · " in own and ">001 · " not in own


def test_a_drill_down_outside_the_scope_shows_nothing(client, town_admin, overdue):
    client.force_login(town_admin)
    assert client.get(TODAY, {"area": OTHER_UNIT[:9]}).status_code == 404


def test_the_worker_keeps_their_list(client, worker, overdue):
    html = _get(client, worker, TODAY, area=UNIT)
    assert ">001 · " in html and 'id="today-by-area"' not in html
