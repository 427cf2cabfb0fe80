"""Scope checks of the battle map's routes, for the route walk of tests/test_routes_scope.py
(which adds CHECKS to its own), and the rows the Chinese pages' walk
(tests/test_pages_zh_hans.py) shows on the battle map.

The viewer is the grid chief of 南门社区: the own project lies in the chief's village
(with a red milestone, a problem and a site photo), the foreign one in another town. The
battle map lists the own project and not the foreign one; the foreign project's photo is
not found (404); the meeting pack is the command post's and the town admins' (403); the
lag figures of the API count the own project only."""

import datetime
import json
import re

from django.urls import reverse
from django.utils import timezone

from conftest import OTHER_TOWN, VILLAGE
from yiwang.projects.models import DelayCause, Problem, ProgressEntry
from yiwang.projects.tests import factories
from yiwang.projects.tests.test_battle_map import due_for_lag, site_photo


def seed(w) -> dict:
    """The own and the foreign project, each with a red milestone, a problem and a photo,
    made once per test (kept in `w`)."""
    if "battle_map" in w:
        return w["battle_map"]
    factories.enter_years_around_today()
    today = timezone.localdate()
    department = factories.make_department()
    rows = {}
    for side, number, name, code in (
        ("own", "XM-901", "本村农产品加工项目", VILLAGE),
        ("foreign", "XM-902", "外镇物流园项目", OTHER_TOWN),
    ):
        project = factories.make_project(number, name, area_code=code)
        factories.make_milestone(project, "主体开工", due_on=due_for_lag(today, 9))
        Problem.objects.create(
            project=project,
            area_code=code,
            department=department,
            cause=DelayCause.POWER,
            text=f"{name}电力接入",
            raised_on=today,
            due_on=today + datetime.timedelta(days=5),
        )
        entry = ProgressEntry.objects.create(project=project, day=today, text="现场施工")
        rows[side] = {"project": project, "photo": site_photo(entry)}
    w["battle_map"] = rows
    return rows


def page_arguments(w) -> dict:
    """The battle map's rows, for the Chinese pages' walk (its routes take no argument of
    their own)."""
    seed(w)
    return {}


def _map(w):
    rows = seed(w)
    response = w["client"].get(reverse("projects:map"))
    assert response.status_code == 200
    data = re.search(
        r'<script id="gantt-data" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    ids = [p["id"] for p in json.loads(data.group(1))["projects"]]
    assert ids == [rows["own"]["project"].pk]
    assert "外镇物流园项目" not in response.content.decode()
    # The records behind a figure leave the foreign project's problem out too.
    records = w["client"].get(reverse("projects:map"), {"problems": "open", "cause": "power"})
    assert "本村农产品加工项目电力接入" in records.content.decode()
    assert "外镇物流园项目" not in records.content.decode()


def _photo(w):
    rows = seed(w)
    own = reverse("projects:photo", args=[rows["own"]["photo"].pk, "thumbnail"])
    assert w["client"].get(own).status_code == 200
    for variant in ("file", "thumbnail"):
        foreign = reverse("projects:photo", args=[rows["foreign"]["photo"].pk, variant])
        assert w["client"].get(foreign).status_code == 404


def _meeting_pack(w):
    seed(w)
    assert w["client"].get(reverse("projects:meeting-pack")).status_code == 403


def _figures_api(w):
    """The lag figures count the own project and its problem, never the foreign ones."""
    seed(w)
    response = w["client"].get(reverse("api:project-figures-list"))
    assert response.status_code == 200
    data = response.json()
    assert sum(row["count"] for row in data["colours"]) == 1
    assert sum(row["count"] for row in data["funnel"]) == 1
    assert [(d["open"], d["resolved"]) for d in data["departments"]] == [(1, 0)]
    assert sum(row["problems"] for row in data["causes"]) == 1


CHECKS = {
    "projects:map": _map,
    "api:project-figures-list GET": _figures_api,
    "projects:photo": _photo,
    "projects:meeting-pack": _meeting_pack,
}
