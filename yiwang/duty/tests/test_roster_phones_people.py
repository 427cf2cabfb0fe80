"""The roster's duty phones are masked on its page and in the members API (one's own in
full; "on duty now" keeps the number to call in full), and the keeper finds any person
they see by a search to add them to the roster."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from conftest import OTHER_UNIT, TOWN
from yiwang.duty.models import RosterMember
from yiwang.duty.selectors.rosters import on_duty_now
from yiwang.duty.services import rosters as services
from yiwang.duty.tests.roster_rows import make_people, make_roster
from yiwang.duty.views import rosters as views

pytestmark = pytest.mark.django_db
PHONE = "13912340099"


@pytest.fixture
def world(personas):
    roster, pools = make_roster(days=3, start_in_days=0, generate=False)
    worker = personas["worker"]
    members = [
        {"user": m.user_id, "role": m.role, "phone": m.phone}
        for m in RosterMember.objects.filter(roster=roster)
    ] + [{"user": worker.pk, "role": "patrol", "phone": PHONE}]
    services.set_members(actor=None, roster_id=roster.pk, members=members)
    clients = {}
    for name, user in personas.items():
        client = Client()
        client.force_login(user)
        clients[name] = client
    return {"roster": roster, "pools": pools, "clients": clients, **personas}


def test_duty_phones_are_masked_on_the_roster_page_and_in_the_api(world):
    roster, c = world["roster"], world["clients"]
    others = list(RosterMember.objects.filter(roster=roster).exclude(phone="").exclude(phone=PHONE))
    assert others
    body = c["town"].get(f"/duty/rosters/{roster.pk}/").content.decode()
    assert PHONE not in body and "139****0099" in body
    assert all(m.phone not in body for m in others)
    data = c["town"].get(f"/api/v1/rosters/{roster.pk}/").json()
    phones = {m["user"]: m["phone"] for m in data["members"]}
    assert phones[world["worker"].pk] == "139****0099"
    assert all(m.phone not in phones.values() for m in others)
    # One's own number in full.
    mine = c["worker"].get(f"/api/v1/rosters/{roster.pk}/").json()
    assert {m["user"]: m["phone"] for m in mine["members"]}[world["worker"].pk] == PHONE


def test_on_duty_now_keeps_the_number_to_call(world):
    roster = world["roster"]
    shift = roster.shifts.order_by("starts_at").first()
    services.assign(actor=None, shift_id=shift.pk, user_id=world["worker"].pk, role="patrol")
    rows = on_duty_now(world["town"], TOWN, at=shift.starts_at + datetime.timedelta(hours=1))
    assert {r["user"]: r["phone"] for r in rows}[world["worker"].pk] == PHONE


def test_a_keeper_finds_anyone_they_see_by_a_search(world, monkeypatch):
    roster, c = world["roster"], world["clients"]
    monkeypatch.setattr(views, "PEOPLE_SHOWN", 2)
    late = make_people("zzsearch", 1)[0]  # sorted last among the people the town sees
    page = c["town"].get(f"/duty/rosters/{roster.pk}/").content.decode()
    assert f'value="{late.pk}"' not in page  # not among the first shown
    found = c["town"].get(f"/duty/rosters/{roster.pk}/", {"q": "zzsearch"}).content.decode()
    assert f'value="{late.pk}"' in found and 'id="roster-people-search"' in found
    added = c["town"].post(
        f"/duty/rosters/{roster.pk}/members/",
        {"user": late.pk, "role": "officer", "phone": ""},
    )
    assert added.status_code == 302
    assert RosterMember.objects.filter(roster=roster, user=late, role="officer").exists()
    # Someone the keeper does not see is refused, nothing added.
    stranger = make_people("zzfar", 1, code=OTHER_UNIT)[0]
    refused = c["town"].post(
        f"/duty/rosters/{roster.pk}/members/", {"user": stranger.pk, "role": "officer"}
    )
    assert refused.status_code == 400
    assert not RosterMember.objects.filter(user=stranger).exists()
