"""Scope checks of the pages of volunteers, teams, activities and check-in, for the route
walk of tests/test_routes_scope.py (added to its CHECKS through scope_checks.py), and the
own rows' ids for the pages walked by tests/test_pages_zh_hans.py.

The viewer is the grid chief of 南门社区; the foreign rows (checks_activities.seed: a
volunteer, a team, an activity with credit hours on each side, here also a membership)
lie in the outsider's village of another town. A foreign row is not found (404) by a page
or a write, and nothing changes; lists show the own rows and none of the foreign.
"""

import uuid

from django.urls import reverse
from django.utils import timezone

from conftest import OTHER_VILLAGE
from yiwang.volunteering import services
from yiwang.volunteering.models import Membership
from yiwang.volunteering.tests.checks_activities import seed as seed_rows
from yiwang.volunteering.tests.checks_activities import unchanged


def seed(w) -> dict:
    rows = seed_rows(w)
    for side in ("own", "foreign"):
        if "membership" not in rows[side]:
            rows[side]["membership"] = Membership.objects.filter(
                team=rows[side]["volunteer-team"]
            ).first() or services.add_member(
                None, rows[side]["volunteer-team"].pk, rows[side]["volunteer"].pk
            )
    return rows


def page_arguments(w) -> dict:
    rows = seed(w)["own"]
    return {
        "volunteer_id": rows["volunteer"].pk,
        "team_id": rows["volunteer-team"].pk,
        "activity_id": rows["activity"].pk,
        "membership_id": rows["membership"].pk,
        "record_id": rows["volunteer-hours"].pk,
    }


def _pk(side, kind):
    return lambda w: seed(w)[side][kind].pk


def listing(name, kind, query=None):
    def check(w):
        rows = seed(w)
        response = w["client"].get(reverse(name), query or {})
        assert response.status_code == 200, name
        body = response.content.decode()
        prefix = {"volunteer-team": "team"}.get(kind, kind)
        assert f'id="{prefix}-{rows["own"][kind].pk}"' in body, name
        assert f'id="{prefix}-{rows["foreign"][kind].pk}"' not in body, name
        assert "foreign" not in body, name

    return check


def detail(name, kind):
    def check(w):
        c = w["client"]
        assert c.get(reverse(name, args=[_pk("own", kind)(w)])).status_code == 200, name
        assert c.get(reverse(name, args=[_pk("foreign", kind)(w)])).status_code == 404, name

    return check


def write(name, args, data=None, status=404, on_list=False):
    """A POST aimed at a foreign row: `status`, nothing changed."""

    def check(w):
        seed(w)
        before = unchanged(w)
        memberships = list(Membership.objects.order_by("id").values_list("id", "left_on"))
        address = reverse(name, args=[] if on_list else [f(w) for f in args])
        body = data(w) if callable(data) else (data or {})
        response = w["client"].post(address, body)
        assert response.status_code == status, (name, response.status_code)
        assert unchanged(w) == before, name
        assert list(Membership.objects.order_by("id").values_list("id", "left_on")) == memberships

    return check


def _check_body(w):
    return {"uuid": str(uuid.uuid4()), "code": "123456"}


def checkin_list(w):
    seed(w)
    response = w["client"].get(reverse("volunteering:checkin-list"))
    assert response.status_code == 200
    assert "foreign" not in response.content.decode()


def _activity_body(w):
    starts = timezone.localtime() + timezone.timedelta(days=1)
    return {
        "team": _pk("foreign", "volunteer-team")(w),
        "title": "越界活动",
        "target_group": "public",
        "place": "外村",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + timezone.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "places": "3",
    }


def _create_page(name, data, status):
    def check(w):
        assert w["client"].get(reverse(name)).status_code == 200, name
        write(name, [], data, status=status, on_list=True)(w)

    return check


FOREIGN_ACTIVITY = [_pk("foreign", "activity")]
CHECKS = {
    "volunteering:volunteers": listing("volunteering:volunteers", "volunteer"),
    "volunteering:volunteer": detail("volunteering:volunteer", "volunteer"),
    "volunteering:volunteer-create": _create_page(
        "volunteering:volunteer-create",
        lambda w: {"resident": w["foreign_resident"].pk, "consent": "on"},
        404,
    ),
    "volunteering:teams": listing("volunteering:teams", "volunteer-team"),
    "volunteering:team": detail("volunteering:team", "volunteer-team"),
    "volunteering:team-create": _create_page(
        "volunteering:team-create",
        {"name": "越界志愿队", "kind": "service", "area_code": OTHER_VILLAGE},
        400,
    ),
    "volunteering:team-add-member": write(
        "volunteering:team-add-member",
        [_pk("foreign", "volunteer-team")],
        lambda w: {"volunteer": _pk("own", "volunteer")(w)},
    ),
    "volunteering:membership-end": write(
        "volunteering:membership-end", [_pk("foreign", "membership")]
    ),
    "volunteering:activities": listing("volunteering:activities", "activity", {"when": "past"}),
    "volunteering:activity": detail("volunteering:activity", "activity"),
    "volunteering:activity-create": _create_page(
        "volunteering:activity-create", _activity_body, 404
    ),
    "volunteering:activity-signup": write("volunteering:activity-signup", FOREIGN_ACTIVITY),
    "volunteering:activity-signup-cancel": write(
        "volunteering:activity-signup-cancel", FOREIGN_ACTIVITY
    ),
    "volunteering:activity-new-code": write("volunteering:activity-new-code", FOREIGN_ACTIVITY),
    "volunteering:activity-cancel": write("volunteering:activity-cancel", FOREIGN_ACTIVITY),
    "volunteering:activity-honour": write(
        "volunteering:activity-honour",
        FOREIGN_ACTIVITY,
        lambda w: {"volunteer": _pk("own", "volunteer")(w), "hours": "1"},
    ),
    "volunteering:activity-hours-approve": write(
        "volunteering:activity-hours-approve",
        [_pk("own", "activity"), _pk("foreign", "volunteer-hours")],
    ),
    "volunteering:activity-hours-decline": write(
        "volunteering:activity-hours-decline",
        [_pk("foreign", "activity"), _pk("foreign", "volunteer-hours")],
        {"reason": "越界"},
    ),
    "volunteering:checkin-list": checkin_list,
    "volunteering:checkin": detail("volunteering:checkin", "activity"),
    "volunteering:checkin-in": write("volunteering:checkin-in", FOREIGN_ACTIVITY, _check_body),
    "volunteering:checkin-out": write("volunteering:checkin-out", FOREIGN_ACTIVITY, _check_body),
}
