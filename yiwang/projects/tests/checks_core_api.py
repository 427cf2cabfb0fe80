"""Scope checks of the battle map's API routes (projects, milestones, daily progress,
permits), for the route walk of tests/test_routes_scope.py (which adds them to CHECKS).

The viewer is the grid chief of 南门社区 (`client`): they see the project of their village
and not the project of the outsider's village in another town. A foreign row is not found
(404) by an API detail or a write, and nothing changes; lists show the own rows and none of
the foreign.
"""

import datetime
import io
import json
import uuid
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from conftest import OTHER_VILLAGE, VILLAGE
from yiwang.projects import services
from yiwang.projects.models import Milestone, Permit, ProgressEntry, ProgressPhoto, Project
from yiwang.projects.tests import factories

JSON = "application/json"


def _photo():
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "blue").save(out, format="PNG")
    return SimpleUploadedFile("p.png", out.getvalue(), content_type="image/png")


def seed(w) -> dict:
    """The own and the foreign project, each with a milestone, a day's progress with a
    photo and a permit, made once per test."""
    if "projects" in w:
        return w["projects"]
    factories.enter_years_around_today()
    today = timezone.localdate()
    rows = {}
    for side, number, code in (
        ("own", "XM-OWN", VILLAGE),
        ("foreign", "XM-FOREIGN", OTHER_VILLAGE),
    ):
        project = services.create_project(
            None,
            area_code=code,
            number=number,
            name=f"{side}项目",
            kind="upgrade",
            batch="upgraded",
            starts_on=today - datetime.timedelta(days=30),
            ends_on=today + datetime.timedelta(days=300),
            investment_planned=Decimal("1000"),
            stage="building",
        )
        milestone = services.add_milestone(
            None, project.pk, milestone_type=factories.milestone_type(), name="开工", due_on=today
        )
        entry, _created = services.record_progress(
            None, project.pk, day=today, text="进展", photos=[_photo()], uuid=uuid.uuid4()
        )
        permit = services.set_permit(None, project.pk, kind="land", state="applying")
        rows.update(
            {
                f"{side}_project": project,
                f"{side}_milestone": milestone,
                f"{side}_progress": entry,
                f"{side}_photo": ProgressPhoto.objects.get(entry=entry),
                f"{side}_permit": permit,
            }
        )
    w["projects"] = rows
    return rows


def unchanged(w):
    """Everything a write of these routes could change."""
    return (
        list(Project.objects.order_by("id").values_list("id", "name", "stage", "updated_at")),
        list(Milestone.objects.order_by("id").values_list("id", "done_on", "updated_at")),
        ProgressEntry.objects.count(),
        ProgressPhoto.objects.count(),
        list(Permit.objects.order_by("id").values_list("id", "state", "number")),
    )


def _pk(side, kind):
    return lambda w: seed(w)[f"{side}_{kind}"].pk


def _results(response) -> list[dict]:
    data = response.json()
    return data["results"] if isinstance(data, dict) and "results" in data else data


def _api_list(name, kind):
    def check(w):
        seed(w)
        response = w["client"].get(reverse(name))
        assert response.status_code == 200
        ids = {row["id"] for row in _results(response)}
        assert _pk("own", kind)(w) in ids and _pk("foreign", kind)(w) not in ids

    return check


def _api_detail(name, kind):
    def check(w):
        c = w["client"]
        assert c.get(reverse(name, args=[_pk("own", kind)(w)])).status_code == 200
        assert c.get(reverse(name, args=[_pk("foreign", kind)(w)])).status_code == 404

    return check


def _send(method, name, kind, data):
    """A write aimed at a foreign row (in the path, or in the body when `kind` is None) is
    not found: nothing changes."""

    def check(w):
        seed(w)
        before = unchanged(w)
        url = reverse(name, args=[_pk("foreign", kind)(w)]) if kind else reverse(name)
        body = json.dumps(data(w))
        response = getattr(w["client"], method)(url, body, content_type=JSON)
        assert response.status_code == 404, (name, response.status_code, response.content[:300])
        assert unchanged(w) == before

    return check


def _today(w):
    return timezone.localdate().isoformat()


def photo_api(w):
    c = w["client"]
    rows = seed(w)
    for side, code in (("own", 200), ("foreign", 404)):
        url = reverse(
            "api:project-progress-photo",
            args=[rows[f"{side}_progress"].pk, rows[f"{side}_photo"].pk, "thumbnail"],
        )
        assert c.get(url).status_code == code, (side, url)


def _foreign_project(w):
    return _pk("foreign", "project")(w)


CHECKS = {
    "api:project-list GET": _api_list("api:project-list", "project"),
    "api:project-list POST": _send(
        "post",
        "api:project-list",
        None,
        lambda w: {
            "area_code": OTHER_VILLAGE,
            "number": "XM-越界",
            "name": "越界",
            "kind": "upgrade",
            "batch": "upgraded",
            "starts_on": _today(w),
            "ends_on": _today(w),
            "investment_planned": "1",
        },
    ),
    "api:project-detail GET": _api_detail("api:project-detail", "project"),
    "api:project-detail PATCH": _send(
        "patch", "api:project-detail", "project", lambda w: {"name": "越界"}
    ),
    "api:project-stage POST": _send(
        "post",
        "api:project-stage",
        "project",
        lambda w: {"stage": "producing", "reached_on": _today(w)},
    ),
    "api:project-milestone-list GET": _api_list("api:project-milestone-list", "milestone"),
    "api:project-milestone-list POST": _send(
        "post",
        "api:project-milestone-list",
        None,
        lambda w: {
            "project": _foreign_project(w),
            "milestone_type": factories.milestone_type().pk,
            "name": "越界",
            "due_on": _today(w),
        },
    ),
    "api:project-milestone-detail GET": _api_detail("api:project-milestone-detail", "milestone"),
    "api:project-milestone-complete POST": _send(
        "post", "api:project-milestone-complete", "milestone", lambda w: {"done_on": _today(w)}
    ),
    "api:project-milestone-delay POST": _send(
        "post", "api:project-milestone-delay", "milestone", lambda w: {"cause": "power"}
    ),
    "api:project-progress-list GET": _api_list("api:project-progress-list", "progress"),
    "api:project-progress-list POST": _send(
        "post",
        "api:project-progress-list",
        None,
        lambda w: {
            "project": _foreign_project(w),
            "day": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
            "text": "越界",
            "uuid": str(uuid.uuid4()),
        },
    ),
    "api:project-progress-detail GET": _api_detail("api:project-progress-detail", "progress"),
    "api:project-progress-photo GET": photo_api,
    "api:project-permit-list GET": _api_list("api:project-permit-list", "permit"),
    "api:project-permit-list POST": _send(
        "post",
        "api:project-permit-list",
        None,
        lambda w: {"project": _foreign_project(w), "kind": "energy", "state": "applying"},
    ),
    "api:project-permit-detail GET": _api_detail("api:project-permit-detail", "permit"),
    "api:project-permit-detail PATCH": _send(
        "patch", "api:project-permit-detail", "permit", lambda w: {"number": "越界"}
    ),
}
