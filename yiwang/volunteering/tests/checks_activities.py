"""Scope checks of the volunteering API routes: volunteers, teams, activities, hours.

Each takes tests/test_routes_scope.py's `world`: the viewer is the grid chief of 南门社区
(`client`); the foreign rows lie in the outsider's village of another town. `seed` adds
on both sides a volunteer, a team, an activity and credit hours. A foreign row is not
found (404) by an API detail or a write, and nothing changes; lists show the own rows and
none of the foreign.
"""

import datetime
import json
import uuid

from django.urls import reverse
from django.utils import timezone

from conftest import OTHER_VILLAGE, VILLAGE
from yiwang.volunteering import services
from yiwang.volunteering.models import (
    Activity,
    Attendance,
    HoursRecord,
    Membership,
    SignUp,
    TargetGroup,
    Team,
    TeamKind,
    Volunteer,
)

JSON = "application/json"
HOUR = datetime.timedelta(hours=1)


def seed(w) -> dict:
    """The own and the foreign volunteer, team, activity and hours, made once per test."""
    if "volunteering" in w:
        return w["volunteering"]
    rows = {}
    starts = timezone.now() - 3 * HOUR
    for side, village, resident, organiser in (
        ("own", VILLAGE, w["own_resident"], w["own_user"]),
        ("foreign", OTHER_VILLAGE, w["foreign_resident"], w["foreign_user"]),
    ):
        # Another module's seed of the same world may have registered the resident.
        volunteer = Volunteer.objects.filter(resident=resident).first() or (
            services.register_volunteer(None, resident=resident.pk, consent=True)
        )
        team = services.create_team(
            None, name=f"{side}志愿队", kind=TeamKind.SERVICE, area_code=village
        )
        activity = Activity.objects.create(
            team=team,
            title=f"{side}活动",
            target_group=TargetGroup.ELDERLY,
            place="村委会",
            starts_at=starts,
            ends_at=starts + 2 * HOUR,
            places=5,
            checkin_code="123456",
            organiser=organiser,
            area_code=village,
        )
        for call, at in ((services.check_in, starts), (services.check_out, starts + 2 * HOUR)):
            call(
                None,
                uuid=uuid.uuid4(),
                activity=activity.pk,
                code="123456",
                volunteer=volunteer.pk,
                at=at,
            )
        rows[side] = {
            "volunteer": volunteer,
            "volunteer-team": team,
            "activity": activity,
            "volunteer-hours": HoursRecord.objects.get(activity=activity),
        }
    w["volunteering"] = rows
    return rows


def unchanged(w):
    """Everything of volunteering a write could change."""
    return (
        list(Volunteer.objects.order_by("id").values_list("id", "is_active", "skills")),
        list(Team.objects.order_by("id").values_list("id", "name")),
        list(Membership.objects.order_by("id").values_list("id", "left_on")),
        list(Activity.objects.order_by("id").values_list("id", "status", "checkin_code")),
        list(SignUp.objects.order_by("id").values_list("id", "cancelled_at")),
        list(Attendance.objects.order_by("id").values_list("id", "checked_out_at")),
        list(HoursRecord.objects.order_by("id").values_list("id", "status")),
    )


def listing(kind):
    def check(w):
        rows = seed(w)
        response = w["client"].get(reverse(f"api:{kind}-list"))
        assert response.status_code == 200
        listed = {row["id"] for row in response.json()["results"]}
        assert rows["own"][kind].pk in listed, kind
        assert rows["foreign"][kind].pk not in listed, kind

    return check


def detail(kind):
    def check(w):
        rows = seed(w)
        c = w["client"]
        assert c.get(reverse(f"api:{kind}-detail", args=[rows["own"][kind].pk])).status_code == 200
        foreign = reverse(f"api:{kind}-detail", args=[rows["foreign"][kind].pk])
        assert c.get(foreign).status_code == 404

    return check


def write(name, kind, body, *, on_list=False, status=404):
    """A write aimed at a foreign row (in its address, or in its body when `on_list`):
    `status` (not found), nothing changed."""

    def check(w):
        rows = seed(w)
        before = unchanged(w)
        args = [] if on_list else [rows["foreign"][kind].pk]
        address = reverse(name, args=args)
        response = w["client"].post(address, json.dumps(body(w, rows)), content_type=JSON)
        assert response.status_code == status, (name, response.status_code, response.content)
        assert unchanged(w) == before

    return check


def _check_body(w, rows):
    return {"uuid": str(uuid.uuid4()), "code": "123456", "volunteer": rows["own"]["volunteer"].pk}


CHECKS = {
    **{
        f"api:{kind}-list GET": listing(kind)
        for kind in ("volunteer", "volunteer-team", "activity", "volunteer-hours")
    },
    **{
        f"api:{kind}-detail GET": detail(kind)
        for kind in ("volunteer", "volunteer-team", "activity", "volunteer-hours")
    },
    "api:volunteer-list POST": write(
        "api:volunteer-list",
        "volunteer",
        lambda w, rows: {"resident": w["foreign_resident"].pk, "consent": True},
        on_list=True,
    ),
    "api:volunteer-team-list POST": write(
        "api:volunteer-team-list",
        "volunteer-team",
        lambda w, rows: {"name": "外队", "kind": "service", "area_code": OTHER_VILLAGE},
        on_list=True,
        status=400,
    ),
    "api:volunteer-team-members POST": write(
        "api:volunteer-team-members",
        "volunteer-team",
        lambda w, rows: {"volunteer": rows["own"]["volunteer"].pk},
    ),
    "api:activity-list POST": write(
        "api:activity-list",
        "activity",
        lambda w, rows: {
            "team": rows["foreign"]["volunteer-team"].pk,
            "title": "外活动",
            "target_group": "public",
            "place": "外村",
            "starts_at": timezone.now().isoformat(),
            "ends_at": (timezone.now() + HOUR).isoformat(),
            "places": 3,
        },
        on_list=True,
    ),
    "api:activity-signup POST": write(
        "api:activity-signup",
        "activity",
        lambda w, rows: {"volunteer": rows["own"]["volunteer"].pk},
    ),
    "api:activity-checkin POST": write("api:activity-checkin", "activity", _check_body),
    "api:activity-checkout POST": write("api:activity-checkout", "activity", _check_body),
    "api:volunteer-hours-list POST": write(
        "api:volunteer-hours-list",
        "volunteer-hours",
        lambda w, rows: {
            "volunteer": rows["own"]["volunteer"].pk,
            "activity": rows["foreign"]["activity"].pk,
            "hours": "1",
        },
        on_list=True,
    ),
    "api:volunteer-hours-approve POST": write(
        "api:volunteer-hours-approve", "volunteer-hours", lambda w, rows: {}
    ),
    "api:volunteer-hours-decline POST": write(
        "api:volunteer-hours-decline", "volunteer-hours", lambda w, rows: {"reason": "外"}
    ),
}
