"""Duty rosters' pages and API for every persona: who sees, keeps and changes a town's
roster (the county and town admins keep it; a worker on it reads it and asks swaps;
the village chief and the outsider of another town see nothing of it)."""

from __future__ import annotations

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone

from conftest import TOWN, VILLAGE
from yiwang.duty.models import Assignment, Roster, Shift, SwapRequest, SwapStatus
from yiwang.duty.services import rosters as services
from yiwang.duty.tests.roster_rows import make_roster

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def world(personas):
    roster, pools = make_roster(days=8, patrols=3, generate=False)
    worker = personas["worker"]
    members = [{"user": u.pk, "role": role} for role, users in pools.items() for u in users] + [
        {"user": worker.pk, "role": "patrol", "phone": "13912340099"}
    ]
    services.set_members(actor=None, roster_id=roster.pk, members=members)
    services.generate(actor=None, roster_id=roster.pk)
    clients = {}
    for name, user in personas.items():
        client = Client()
        client.force_login(user)
        clients[name] = client
    return {"roster": roster, "pools": pools, "clients": clients, **personas}


def test_the_roster_pages_answer_each_persona_by_scope(world):
    roster, c = world["roster"], world["clients"]
    detail = f"/duty/rosters/{roster.pk}/"
    for name in ("county", "town", "worker"):
        listed = c[name].get("/duty/rosters/")
        assert listed.status_code == 200 and f'data-roster="{roster.pk}"' in listed.content.decode()
        page = c[name].get(detail)
        assert page.status_code == 200
        body = page.content.decode()
        assert 'id="roster-grid"' in body
        assert ('id="roster-generate"' in body) == (name != "worker")
    for name in ("chief", "outsider"):
        listed = c[name].get("/duty/rosters/")
        assert (
            listed.status_code == 200
            and f'data-roster="{roster.pk}"' not in listed.content.decode()
        )
        assert c[name].get(detail).status_code == 404
    for name in ("county", "town", "chief", "worker", "outsider"):
        for url in ("/duty/my-shifts/", "/duty/swaps/", "/duty/now/"):
            assert c[name].get(url).status_code == 200, (name, url)


def test_the_grid_shows_days_by_people_and_generate_needs_a_keeper(world):
    roster, c = world["roster"], world["clients"]
    body = c["town"].get(f"/duty/rosters/{roster.pk}/").content.decode()
    assert body.count("data-shift=") == 8
    assert body.count("data-assignment=") == Assignment.objects.filter(shift__roster=roster).count()
    assert 'data-breaks="0"' in body
    before = sorted(Assignment.objects.values_list("pk", "user_id"))
    assert c["worker"].post(f"/duty/rosters/{roster.pk}/generate/").status_code == 403
    assert c["outsider"].post(f"/duty/rosters/{roster.pk}/generate/").status_code == 404
    assert c["chief"].post(f"/duty/rosters/{roster.pk}/generate/").status_code == 404
    assert sorted(Assignment.objects.values_list("pk", "user_id")) == before
    done = c["county"].post(f"/duty/rosters/{roster.pk}/generate/", {"replace_hand_made": "1"})
    assert done.status_code == 302
    assert Assignment.objects.filter(shift__roster=roster).count() == 8 * 3


def test_a_hand_change_that_overlaps_is_shown_on_the_page_and_changes_nothing(world):
    roster, c = world["roster"], world["clients"]
    taken = Assignment.objects.filter(shift__roster=roster, role="leader").order_by("starts_at")[1]
    before_shift = Assignment.objects.filter(shift__roster=roster, role="leader").order_by(
        "starts_at"
    )[0]
    before = sorted(Assignment.objects.values_list("pk", "user_id"))
    # The next day's leader on the day before (a rest after the night): refused.
    sent = c["town"].post(
        f"/duty/rosters/{roster.pk}/assign/",
        {"shift": before_shift.shift_id, "user": taken.user_id, "role": "officer"},
    )
    assert sent.status_code == 400
    assert roster.name in sent.content.decode()
    assert sorted(Assignment.objects.values_list("pk", "user_id")) == before
    # Taking one off, then putting them back by hand.
    off = c["town"].post(f"/duty/rosters/{roster.pk}/unassign/{taken.pk}/")
    assert off.status_code == 302 and not Assignment.objects.filter(pk=taken.pk).exists()
    back = c["town"].post(
        f"/duty/rosters/{roster.pk}/assign/",
        {"shift": taken.shift_id, "user": taken.user_id, "role": "leader"},
    )
    assert back.status_code == 302
    assert Assignment.objects.get(shift_id=taken.shift_id, role="leader").by_hand


def test_a_new_roster_from_the_form(world):
    c = world["clients"]
    today = timezone.localdate()
    assert c["worker"].get("/duty/rosters/new/").status_code == 403
    page = c["chief"].get("/duty/rosters/new/")
    assert page.status_code == 200 and f'value="{VILLAGE}"' in page.content.decode()
    assert f'value="{TOWN}"' not in page.content.decode()
    data = {
        "area_code": TOWN,
        "name": "汛期值班",
        "place": "",
        "starts_on": (today + datetime.timedelta(days=1)).isoformat(),
        "ends_on": (today + datetime.timedelta(days=10)).isoformat(),
        "shift_start": "08:00",
        "shift_hours": 24,
        "min_gap_hours": 24,
        "night_rest_hours": 24,
        "role_officer": 1,
        "role_patrol": 2,
    }
    made = c["town"].post("/duty/rosters/new/", data)
    assert made.status_code == 302
    roster = Roster.objects.get(name="汛期值班")
    assert roster.roles == {"officer": 1, "patrol": 2}
    assert Shift.objects.filter(roster=roster).count() == 10
    bad = c["town"].post(
        "/duty/rosters/new/", {**data, "name": "倒序", "ends_on": today.isoformat()}
    )
    assert bad.status_code == 400 and not Roster.objects.filter(name="倒序").exists()


def test_my_shifts_and_a_swap_asked_on_the_phone_then_decided(world):
    c, worker = world["clients"], world["worker"]
    page = c["worker"].get("/duty/my-shifts/")
    mine = list(Assignment.objects.filter(user=worker).order_by("starts_at"))
    assert mine and all(f'data-assignment="{a.pk}"' in page.content.decode() for a in mine)
    target = mine[0]
    # Someone not on the roster: a message, nothing changed.
    before = list(SwapRequest.objects.values_list("pk"))
    refused = c["worker"].post(
        f"/duty/my-shifts/{target.pk}/swap/", {"to_user": world["chief"].pk, "reason": "有事"}
    )
    assert refused.status_code == 400
    assert list(SwapRequest.objects.values_list("pk")) == before
    # Through the API: someone free around the shift.
    free = next(
        u
        for u in world["pools"]["patrol"]
        if not Assignment.objects.filter(
            user=u,
            starts_at__gt=target.starts_at - datetime.timedelta(hours=48),
            starts_at__lt=target.starts_at + datetime.timedelta(hours=48),
        ).exists()
    )
    asked = c["worker"].post(
        "/api/v1/duty-swaps/",
        json.dumps({"assignment": target.pk, "to_user": free.pk, "reason": "家中有事"}),
        content_type=JSON,
    )
    assert asked.status_code == 201, asked.content
    swap_id = asked.json()["id"]
    assert c["worker"].post(f"/api/v1/duty-swaps/{swap_id}/approve/").status_code == 403
    assert c["outsider"].post(f"/api/v1/duty-swaps/{swap_id}/approve/").status_code == 404
    pending = c["town"].get("/duty/swaps/").content.decode()
    assert f'data-swap="{swap_id}"' in pending
    decided = c["town"].post(f"/duty/swaps/{swap_id}/approve/", {"note": "同意"})
    assert decided.status_code == 302
    assert SwapRequest.objects.get(pk=swap_id).status == SwapStatus.APPROVED
    target.refresh_from_db()
    assert target.user == free


def test_the_api_for_every_persona(world):
    roster, c = world["roster"], world["clients"]
    seen = {name: c[name].get("/api/v1/rosters/").json()["count"] for name in c}
    assert seen == {"county": 1, "town": 1, "chief": 0, "worker": 1, "outsider": 0}
    assert c["outsider"].get(f"/api/v1/rosters/{roster.pk}/").status_code == 404
    shifts = c["worker"].get(f"/api/v1/roster-shifts/?roster={roster.pk}").json()
    assert shifts["count"] == 8 and all(len(s["assignments"]) >= 3 for s in shifts["results"])
    assert c["outsider"].get(f"/api/v1/roster-shifts/?roster={roster.pk}").json()["count"] == 0
    generated = c["town"].post(
        f"/api/v1/rosters/{roster.pk}/generate/", json.dumps({}), content_type=JSON
    )
    assert generated.status_code == 200 and generated.json()["placed"] > 0
    assert (
        c["worker"]
        .post(f"/api/v1/rosters/{roster.pk}/generate/", json.dumps({}), content_type=JSON)
        .status_code
        == 403
    )
    assert c["town"].get(f"/api/v1/rosters/{roster.pk}/rule-breaks/").json() == {"breaks": []}
    made = c["chief"].post(
        "/api/v1/rosters/",
        json.dumps(
            {
                "area_code": VILLAGE,
                "name": "村值班",
                "starts_on": timezone.localdate().isoformat(),
                "ends_on": timezone.localdate().isoformat(),
                "shift_start": "08:00",
                "roles": {"patrol": 1},
            }
        ),
        content_type=JSON,
    )
    assert made.status_code == 201, made.content
    refused = c["chief"].post(
        "/api/v1/rosters/",
        json.dumps(
            {
                "area_code": TOWN,
                "name": "镇值班",
                "starts_on": "2026-06-01",
                "ends_on": "2026-06-02",
                "shift_start": "08:00",
            }
        ),
        content_type=JSON,
    )
    assert refused.status_code == 404
    assert not Roster.objects.filter(name="镇值班").exists()
    # A shift overlapping another of the same person, by the API: 400 naming the shift.
    # (the next day's officer, in their own role: a member of the roster as an officer)
    officers = list(
        Assignment.objects.filter(shift__roster=roster, role="officer").order_by("starts_at")
    )
    sent = c["town"].post(
        f"/api/v1/roster-shifts/{officers[0].shift_id}/assign/",
        json.dumps({"user": officers[1].user_id, "role": "officer"}),
        content_type=JSON,
    )
    assert sent.status_code == 400 and roster.name in sent.json()["user"][0]
