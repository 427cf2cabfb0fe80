"""Scope checks of the battle map's project pages, for the route walk of
tests/test_routes_scope.py (added to its CHECKS), and the own rows' ids for the pages
walked by tests/test_pages_zh_hans.py.

The viewer is the grid chief of 南门社区: the own project lies in the village (the chief
sees it, manages nothing), the foreign one in the outsider's village of another town, each
with a milestone, a progress entry and an open problem. A foreign row is not found (404)
by a page or a write and nothing changes; the chief's posts allow no manager's write, no
problem list and none of the command post's pages (403)."""

import datetime
import uuid

from django.urls import reverse
from django.utils import timezone

from conftest import OTHER_VILLAGE, VILLAGE
from yiwang.projects.models import (
    CalendarYear,
    Milestone,
    MilestoneType,
    Permit,
    Problem,
    ProgressEntry,
    Project,
    ProjectMember,
    StageChange,
)
from yiwang.projects.tests import factories


def seed(w) -> dict:
    rows = {}
    factories.enter_years_around_today()
    department = factories.make_department()
    today = timezone.localdate()
    for side, area, number in (("own", VILLAGE, "XM-OWN"), ("foreign", OTHER_VILLAGE, "XM-FOR")):
        project = Project.objects.filter(number=number).first()
        if project is None:
            project = factories.make_project(number=number, name=f"{side}项目", area_code=area)
            factories.make_milestone(project, name=f"{side}节点")
            ProgressEntry.objects.create(project=project, day=today, text=f"{side}进展")
            Problem.objects.create(
                project=project,
                area_code=area,
                department=department,
                cause="land",
                text=f"{side}问题",
                raised_on=today,
                due_on=today + datetime.timedelta(days=7),
            )
        rows[side] = {
            "project": project,
            "milestone": project.milestones.first(),
            "problem": project.problems.first(),
        }
    return rows


def page_arguments(w) -> dict:
    own = seed(w)["own"]
    return {
        "pk": own["project"].pk,
        "milestone_id": own["milestone"].pk,
        "problem_id": own["problem"].pk,
    }


def unchanged(w):
    """Every battle-map row a write could touch."""
    return (
        list(Project.objects.order_by("id").values_list("id", "name", "stage", "area_code")),
        list(StageChange.objects.order_by("id").values_list("id")),
        list(Permit.objects.order_by("id").values_list("id", "state")),
        list(
            Milestone.objects.order_by("id").values_list("id", "done_on", "due_on", "delay_cause")
        ),
        list(ProjectMember.objects.order_by("id").values_list("id", "user_id")),
        list(ProgressEntry.objects.order_by("id").values_list("id")),
        list(Problem.objects.order_by("id").values_list("id", "status")),
        list(CalendarYear.objects.order_by("id").values_list("id")),
        list(MilestoneType.objects.order_by("id").values_list("id", "yellow_from", "red_from")),
        list(Project.objects.order_by("id").values_list("investment_done")),
    )


def _args(kind, side="foreign"):
    def make(w):
        rows = seed(w)[side]
        if kind == "milestone":
            return [rows["project"].pk, rows["milestone"].pk]
        if kind == "problem":
            return [rows["problem"].pk]
        return [rows["project"].pk]

    return make


def write(name, args, data=None, status=404):
    """A POST aimed at a foreign row (or refused to the chief): `status`, nothing changed."""

    def check(w):
        seed(w)
        before = unchanged(w)
        body = data(w) if callable(data) else (data or {})
        response = w["client"].post(reverse(name, args=args(w) if args else []), body)
        assert response.status_code == status, (name, response.status_code)
        assert unchanged(w) == before, name

    return check


def detail(name, kind="project", also_post=None):
    def check(w):
        c = w["client"]
        assert c.get(reverse(name, args=_args(kind, "own")(w))).status_code == 200, name
        assert c.get(reverse(name, args=_args(kind)(w))).status_code == 404, name
        if also_post is not None:
            write(name, _args(kind), also_post)(w)

    return check


def listing(name):
    def check(w):
        rows = seed(w)
        response = w["client"].get(reverse(name))
        assert response.status_code == 200, name
        body = response.content.decode()
        assert rows["own"]["project"].name in body, name
        assert rows["foreign"]["project"].name not in body, name
        assert "foreign项目" not in body and OTHER_VILLAGE not in body, name

    return check


def refused_page(name, data=None):
    """The chief's posts do not allow the page: 403 to GET and POST, nothing changed."""

    def check(w):
        assert w["client"].get(reverse(name)).status_code == 403, name
        write(name, None, data or {}, status=403)(w)

    return check


def mine(w):
    seed(w)
    response = w["client"].get(reverse("projects:mine"))
    assert response.status_code == 200
    assert "foreign项目" not in response.content.decode()


def edit(w):
    """The chief sees the own project but manages it not (403); the foreign one is not
    found (404)."""
    c = w["client"]
    assert (
        c.get(reverse("projects:project-edit", args=_args("project", "own")(w))).status_code == 403
    )
    assert c.get(reverse("projects:project-edit", args=_args("project")(w))).status_code == 404
    write("projects:project-edit", _args("project"), {"name": "越界"})(w)


def _progress(w):
    return {"uuid": str(uuid.uuid4()), "day": timezone.localdate().isoformat(), "text": "越界"}


def _problem(w):
    return {"department": factories.make_department().pk, "cause": "land", "text": "越界"}


def progress(w):
    """The chief sees the own project but is not in its team (403); the foreign one is not
    found (404), and sending its form changes nothing."""
    c = w["client"]
    own = reverse("projects:progress", args=_args("project", "own")(w))
    assert c.get(own).status_code == 403
    assert c.get(reverse("projects:progress", args=_args("project")(w))).status_code == 404
    write("projects:progress", _args("project"), _progress)(w)


TODAY = lambda: timezone.localdate().isoformat()  # noqa: E731

CHECKS = {
    "projects:projects": listing("projects:projects"),
    "projects:mine": mine,
    "projects:project": detail("projects:project"),
    "projects:project-create": refused_page(
        "projects:project-create", {"area_code": OTHER_VILLAGE[:9], "name": "越界"}
    ),
    "projects:project-edit": edit,
    "projects:project-stage": write(
        "projects:project-stage",
        _args("project"),
        lambda w: {"stage": "producing", "reached_on": TODAY()},
    ),
    "projects:project-permit": write(
        "projects:project-permit", _args("project"), {"kind": "land", "state": "approved"}
    ),
    "projects:milestone-add": write(
        "projects:milestone-add",
        _args("project"),
        lambda w: {
            "milestone_type": factories.milestone_type().pk,
            "name": "越界",
            "due_on": TODAY(),
        },
    ),
    "projects:milestone-complete": write(
        "projects:milestone-complete", _args("milestone"), lambda w: {"done_on": TODAY()}
    ),
    "projects:milestone-delay": write(
        "projects:milestone-delay", _args("milestone"), {"delay_cause": "power"}
    ),
    "projects:project-target": write(
        "projects:project-target",
        _args("project"),
        {"month": "2026-01", "investment_planned": "1", "progress_planned": "1"},
    ),
    "projects:project-members": write(
        "projects:project-members", _args("project"), {"members": "chief, 越界"}
    ),
    "projects:progress": progress,
    "projects:problem-raise": write("projects:problem-raise", _args("project"), _problem),
    "projects:problems": refused_page("projects:problems"),
    "projects:problem-resolve": write(
        "projects:problem-resolve", _args("problem"), {"answer": "越界"}
    ),
    "projects:calendar": refused_page(
        "projects:calendar", {"year": "2031", "source": "越界", "holidays": "", "workdays": ""}
    ),
    "projects:calendar-remove": write(
        "projects:calendar-remove",
        None,
        lambda w: {"year": timezone.localdate().year + 1},
        status=403,
    ),
    "projects:milestone-types": refused_page(
        "projects:milestone-types",
        {
            "which": "new",
            "new-code": "x",
            "new-name": "越界",
            "new-yellow_from": "1",
            "new-red_from": "2",
        },
    ),
}
