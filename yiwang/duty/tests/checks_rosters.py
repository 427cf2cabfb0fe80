"""Scope checks of the duty-roster routes, for the route walk of tests/test_routes_scope.py
(which adds them to its CHECKS and PUBLIC) and the page walk of tests/test_pages_zh_hans.py
(`page_arguments`, NOT_PAGES).

The world's viewer is the grid chief of 南门社区, who keeps the village's roster (the own
one); the foreign roster is of a village of another town, its people posted there. Pages,
API details and writes aimed at the foreign roster, its shifts, places and swaps answer
404 and change nothing; lists show the own roster and not the foreign one.
"""

from __future__ import annotations

import datetime
import json

from django.urls import reverse
from django.utils import timezone

from conftest import OTHER_UNIT, OTHER_VILLAGE, UNIT, VILLAGE
from yiwang.duty.models import Assignment, DutyFeed, Roster, RosterMember, SwapRequest
from yiwang.duty.services import rosters as services

JSON = "application/json"

# Routes answering no page a person reads: the calendar file, and the forms' POSTs.
NOT_PAGES = {
    "duty:feed",
    "duty:roster-member-add",
    "duty:roster-member-remove",
    "duty:roster-generate",
    "duty:roster-assign",
    "duty:roster-unassign",
    "duty:my-swap",
    "duty:my-feed",
    "duty:swap-decide",
}
# The calendar a calendar app reads with its secret token, no login.
PUBLIC = {"duty:feed"}


def _people(prefix: str, code: str, n: int) -> list:
    from yiwang.accounts.services import create_user, grant_post

    people = []
    for i in range(n):
        user = create_user(
            actor=None, username=f"{prefix}{i}", password="x-Yiwang-2026", full_name=f"{prefix}{i}"
        )
        grant_post(actor=None, user=user, role="grid_worker", area_code=code)
        people.append(user)
    return people


def _roster(side: str, code: str, unit: str, extra=()) -> Roster:
    today = timezone.localdate()
    roster = services.create_roster(
        actor=None,
        area_code=code,
        name=f"{side}值班表",
        starts_on=today + datetime.timedelta(days=2),
        ends_on=today + datetime.timedelta(days=5),
        shift_start=datetime.time(8, 0),
        roles={"patrol": 1},
    )
    people = _people(f"duty{side}", unit, 4) + list(extra)
    roles = ["leader", "leader", "patrol", "patrol"] + ["patrol"] * len(extra)
    services.set_members(
        actor=None,
        roster_id=roster.pk,
        members=[{"user": u.pk, "role": r} for u, r in zip(people, roles, strict=True)],
    )
    services.generate(actor=None, roster_id=roster.pk)
    return roster


def _swap(roster) -> SwapRequest:
    first = Assignment.objects.filter(shift__roster=roster, role="patrol").order_by("starts_at")[0]
    other = (
        RosterMember.objects.filter(roster=roster, role="patrol")
        .exclude(user=first.user)
        .values_list("user", flat=True)
    )
    for to_user in other:
        try:
            return services.request_swap(
                actor=None, assignment_id=first.pk, to_user_id=to_user, reason="有事"
            )
        except Exception:  # noqa: BLE001 — the next one may be free
            continue
    raise AssertionError("no swap possible")


def seed(w) -> dict:
    if "rosters" in w:
        return w["rosters"]
    own = _roster("own", VILLAGE, UNIT, extra=[w["own_user"]])
    foreign = _roster("foreign", OTHER_VILLAGE, OTHER_UNIT, extra=[w["foreign_user"]])
    rows = {
        "own": own,
        "foreign": foreign,
        "own_swap": _swap(own),
        "foreign_swap": _swap(foreign),
        "own_assignment": Assignment.objects.filter(shift__roster=own).order_by("pk").last(),
        "foreign_assignment": Assignment.objects.filter(shift__roster=foreign)
        .order_by("pk")
        .last(),
        "own_member": RosterMember.objects.filter(roster=own).first(),
        "foreign_member": RosterMember.objects.filter(roster=foreign).first(),
        "feed": services.ensure_feed(actor=w["own_user"]),
    }
    rows["own_shift"] = rows["own_assignment"].shift
    rows["foreign_shift"] = rows["foreign_assignment"].shift
    w["rosters"] = rows
    return rows


def page_arguments(w) -> dict:
    rows = seed(w)
    return {
        "roster_id": rows["own"].pk,
        "member_id": rows["own_member"].pk,
        "assignment_id": rows["own_assignment"].pk,
        "swap_id": rows["own_swap"].pk,
        "decision": "approve",
        "feed_token": rows["feed"].token,
    }


def unchanged(w):
    return (
        sorted(Assignment.objects.values_list("pk", "user_id", "role")),
        sorted(SwapRequest.objects.values_list("pk", "status")),
        sorted(RosterMember.objects.values_list("pk", "is_active")),
        Roster.objects.count(),
        sorted(DutyFeed.objects.values_list("user_id", "token")),
    )


def _names(body: str, rows) -> set[str]:
    return {side for side in ("own", "foreign") if rows[side].name in body}


def list_page(w):
    rows = seed(w)
    body = w["client"].get(reverse("duty:rosters")).content.decode()
    assert _names(body, rows) == {"own"}


def roster_page(w):
    rows = seed(w)
    assert w["client"].get(reverse("duty:roster", args=[rows["own"].pk])).status_code == 200
    assert w["client"].get(reverse("duty:roster", args=[rows["foreign"].pk])).status_code == 404


def create_page(w):
    seed(w)
    page = w["client"].get(reverse("duty:roster-create"))
    assert page.status_code == 200
    assert f'value="{OTHER_VILLAGE}"' not in page.content.decode()
    before = unchanged(w)
    sent = w["client"].post(
        reverse("duty:roster-create"),
        {
            "area_code": OTHER_VILLAGE,
            "name": "外村",
            "starts_on": "2026-06-01",
            "ends_on": "2026-06-02",
            "shift_start": "08:00",
            "shift_hours": 24,
            "min_gap_hours": 24,
            "night_rest_hours": 24,
        },
    )
    assert sent.status_code in (400, 404)
    assert unchanged(w) == before


def foreign_write(name, args, data=None):
    def check(w):
        rows = seed(w)
        before = unchanged(w)
        response = w["client"].post(reverse(name, args=args(rows)), data or {})
        assert response.status_code == 404, (name, response.status_code)
        assert unchanged(w) == before

    return check


def my_shifts(w):
    rows = seed(w)
    body = w["client"].get(reverse("duty:my-shifts")).content.decode()
    assert rows["foreign"].name not in body


def my_feed(w):
    seed(w)
    response = w["client"].post(reverse("duty:my-feed"))
    assert response.status_code == 302
    # Only the viewer's own address was made.
    chief = w["client"].session["_auth_user_id"]
    assert DutyFeed.objects.filter(user_id=chief).exists()


def swaps_page(w):
    rows = seed(w)
    body = w["client"].get(reverse("duty:swaps")).content.decode()
    assert f'data-swap="{rows["own_swap"].pk}"' in body
    assert f'data-swap="{rows["foreign_swap"].pk}"' not in body


def now_page(w):
    seed(w)
    assert w["client"].get(reverse("duty:now") + f"?area={VILLAGE}").status_code == 200
    assert w["client"].get(reverse("duty:now") + f"?area={OTHER_VILLAGE}").status_code == 404


def api_list(url, own_key, foreign_key, query=""):
    def check(w):
        rows = seed(w)
        listed = w["client"].get(url + query(rows) if callable(query) else url + query).json()
        ids = {r["id"] for r in listed["results"]}
        assert rows[own_key].pk in ids and rows[foreign_key].pk not in ids

    return check


def api_detail(url, own_key, foreign_key):
    def check(w):
        rows = seed(w)
        assert w["client"].get(url.format(rows[own_key].pk)).status_code == 200
        assert w["client"].get(url.format(rows[foreign_key].pk)).status_code == 404

    return check


def api_write(url, key, data):
    def check(w):
        rows = seed(w)
        before = unchanged(w)
        payload = data(rows) if callable(data) else data
        response = w["client"].post(
            url.format(rows[key].pk), json.dumps(payload), content_type=JSON
        )
        assert response.status_code == 404, (url, response.status_code, response.content[:200])
        assert unchanged(w) == before

    return check


def api_create_roster(w):
    seed(w)
    before = unchanged(w)
    response = w["client"].post(
        "/api/v1/rosters/",
        json.dumps(
            {
                "area_code": OTHER_VILLAGE,
                "name": "外村",
                "starts_on": "2026-06-01",
                "ends_on": "2026-06-02",
                "shift_start": "08:00",
            }
        ),
        content_type=JSON,
    )
    assert response.status_code == 404
    assert unchanged(w) == before


def api_create_swap(w):
    rows = seed(w)
    before = unchanged(w)
    response = w["client"].post(
        "/api/v1/duty-swaps/",
        json.dumps(
            {
                "assignment": rows["foreign_assignment"].pk,
                "to_user": rows["foreign_member"].user_id,
                "reason": "x",
            }
        ),
        content_type=JSON,
    )
    assert response.status_code == 404
    assert unchanged(w) == before


def api_now(w):
    seed(w)
    assert w["client"].get(f"/api/v1/duty/now/?area={VILLAGE}").status_code == 200
    assert w["client"].get(f"/api/v1/duty/now/?area={OTHER_VILLAGE}").status_code == 404


def api_ics(w):
    rows = seed(w)
    assert w["client"].get("/api/v1/duty/ics/").status_code == 200
    other = rows["foreign_member"].user_id
    assert w["client"].get(f"/api/v1/duty/ics/?user={other}").status_code == 403


CHECKS = {
    "duty:rosters": list_page,
    "duty:roster": roster_page,
    "duty:roster-create": create_page,
    "duty:roster-member-add": foreign_write(
        "duty:roster-member-add",
        lambda r: [r["foreign"].pk],
        {"user": "1", "role": "patrol"},
    ),
    "duty:roster-member-remove": foreign_write(
        "duty:roster-member-remove", lambda r: [r["foreign"].pk, r["foreign_member"].pk]
    ),
    "duty:roster-generate": foreign_write("duty:roster-generate", lambda r: [r["foreign"].pk]),
    "duty:roster-assign": foreign_write(
        "duty:roster-assign",
        lambda r: [r["foreign"].pk],
        {"shift": "1", "user": "1", "role": "patrol"},
    ),
    "duty:roster-unassign": foreign_write(
        "duty:roster-unassign", lambda r: [r["foreign"].pk, r["foreign_assignment"].pk]
    ),
    "duty:my-shifts": my_shifts,
    "duty:my-swap": foreign_write(
        "duty:my-swap", lambda r: [r["foreign_assignment"].pk], {"to_user": "1", "reason": "x"}
    ),
    "duty:my-feed": my_feed,
    "duty:swaps": swaps_page,
    "duty:swap-decide": foreign_write(
        "duty:swap-decide", lambda r: [r["foreign_swap"].pk, "approve"]
    ),
    "duty:now": now_page,
    "api:roster-list GET": api_list("/api/v1/rosters/", "own", "foreign"),
    "api:roster-list POST": api_create_roster,
    "api:roster-detail GET": api_detail("/api/v1/rosters/{}/", "own", "foreign"),
    "api:roster-members POST": api_write("/api/v1/rosters/{}/members/", "foreign", {"members": []}),
    "api:roster-generate POST": api_write("/api/v1/rosters/{}/generate/", "foreign", {}),
    "api:roster-rule-breaks GET": api_detail("/api/v1/rosters/{}/rule-breaks/", "own", "foreign"),
    "api:roster-shift-list GET": api_list("/api/v1/roster-shifts/", "own_shift", "foreign_shift"),
    "api:roster-shift-detail GET": api_detail(
        "/api/v1/roster-shifts/{}/", "own_shift", "foreign_shift"
    ),
    "api:roster-shift-assign POST": api_write(
        "/api/v1/roster-shifts/{}/assign/",
        "foreign_shift",
        lambda r: {"user": r["foreign_member"].user_id, "role": "patrol"},
    ),
    "api:roster-shift-unassign POST": api_write(
        "/api/v1/roster-shifts/{}/unassign/",
        "foreign_shift",
        lambda r: {"assignment": r["foreign_assignment"].pk},
    ),
    "api:duty-swap-list GET": api_list("/api/v1/duty-swaps/", "own_swap", "foreign_swap"),
    "api:duty-swap-list POST": api_create_swap,
    "api:duty-swap-detail GET": api_detail("/api/v1/duty-swaps/{}/", "own_swap", "foreign_swap"),
    "api:duty-swap-approve POST": api_write("/api/v1/duty-swaps/{}/approve/", "foreign_swap", {}),
    "api:duty-swap-refuse POST": api_write("/api/v1/duty-swaps/{}/refuse/", "foreign_swap", {}),
    "api:duty-now-list GET": api_now,
    "api:duty-ics-list GET": api_ics,
}
