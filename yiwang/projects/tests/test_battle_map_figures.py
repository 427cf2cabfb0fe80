"""The funnel of the stages and the bottlenecks, on a few rows worked out by hand."""

import datetime

import pytest

from yiwang.projects.models import DelayCause, Problem, ProblemStatus, Stage, StageChange
from yiwang.projects.selectors import battle_map as selectors
from yiwang.projects.tests import factories

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 2)
D = datetime.date


def _changes(project, *steps):
    for stage, day in steps:
        StageChange.objects.create(project=project, stage=stage, reached_on=day)


def test_the_funnel_counts_the_projects_and_the_days_in_each_stage(county_admin, town_admin):
    a = factories.make_project("XM-A", "甲", stage=Stage.SIGNED, starts_on=D(2026, 1, 1))
    _changes(
        a,
        (Stage.PLANNING, D(2026, 1, 1)),
        (Stage.NEGOTIATING, D(2026, 1, 11)),  # planning: 10 days
        (Stage.SIGNED, D(2026, 2, 10)),  # negotiating: 30 days; signed until today: 20
    )
    b = factories.make_project("XM-B", "乙", stage=Stage.NEGOTIATING, starts_on=D(2026, 1, 1))
    _changes(b, (Stage.PLANNING, D(2026, 1, 1)), (Stage.NEGOTIATING, D(2026, 1, 21)))
    # planning: 20 days; negotiating until today: 40.
    c = factories.make_project("XM-C", "丙", stage=Stage.STARTED, starts_on=D(2026, 2, 20))
    # No change recorded: its stage since `stage_reached_on` (20 February): 10 days.
    assert c.stage_reached_on == D(2026, 2, 20)
    rows = {r["stage"]: r for r in selectors.funnel(county_admin, today=TODAY)}
    assert list(rows) == list(Stage.values)
    figures = {s: (r["count"], r["stints"], r["median"], r["mean"]) for s, r in rows.items()}
    assert figures == {
        "planning": (0, 2, 15, 15.0),
        "negotiating": (1, 2, 35, 35.0),
        "signed": (1, 1, 20, 20.0),
        "started": (1, 1, 10, 10.0),
        "building": (0, 0, None, None),
        "producing": (0, 0, None, None),
        "full_capacity": (0, 0, None, None),
    }
    # A step back counts each stint in a stage: b back to planning on 26 January and on
    # to negotiating again on 5 February.
    _changes(
        b,
        (Stage.PLANNING, D(2026, 1, 26)),  # b: planning 20, negotiating 5, …
        (Stage.NEGOTIATING, D(2026, 2, 5)),  # … planning 10, negotiating 25
    )
    rows = {r["stage"]: r for r in selectors.funnel(county_admin, today=TODAY)}
    assert rows["planning"]["stints"] == 3 and rows["planning"]["median"] == 10
    assert rows["planning"]["mean"] == round((10 + 20 + 10) / 3, 1)
    assert rows["negotiating"]["stints"] == 3 and rows["negotiating"]["median"] == 25
    # The outsider's town has none of these: nothing counted.
    factories.make_project("XM-D", "丁", area_code="370830002", stage=Stage.BUILDING)
    assert {r["stage"]: r["count"] for r in selectors.funnel(town_admin)}["building"] == 0
    assert {r["stage"]: r["count"] for r in selectors.funnel(county_admin)}["building"] == 1


def _problem(project, department, cause, due_on, status=ProblemStatus.OPEN):
    return Problem.objects.create(
        project=project,
        area_code=project.area_code,
        department=department,
        cause=cause,
        text=f"{cause} 问题",
        raised_on=D(2026, 3, 1),
        due_on=due_on,
        status=status,
    )


def test_the_bottlenecks_by_cause_and_by_department(county_admin, outsider):
    project = factories.make_project(starts_on=D(2026, 1, 5))
    monday = D(2026, 3, 16)
    # Open, due Friday: 1 working day late, land.
    factories.make_milestone(project, "m1", due_on=D(2026, 3, 13), delay_cause=DelayCause.LAND)
    # Done late (due 6 March, done 10 March: 2 working days), funds.
    factories.make_milestone(
        project, "m2", due_on=D(2026, 3, 6), done_on=D(2026, 3, 10), delay_cause="funds"
    )
    # Done on time, and open not yet due: not late.
    factories.make_milestone(project, "m3", due_on=D(2026, 3, 6), done_on=D(2026, 3, 6))
    factories.make_milestone(project, "m4", due_on=D(2026, 3, 20))
    # Open and late, its cause not tagged yet.
    factories.make_milestone(project, "m5", due_on=D(2026, 3, 12))
    # Due Friday and done on Sunday: after the due day, but 0 working days late.
    factories.make_milestone(
        project, "m6", due_on=D(2026, 3, 13), done_on=D(2026, 3, 15), delay_cause="power"
    )
    dev = factories.make_department()
    land = factories.make_department("land", "县自然资源局")
    _problem(project, dev, DelayCause.LAND, D(2026, 3, 20))
    _problem(project, dev, DelayCause.POWER, D(2026, 3, 10))  # overdue
    _problem(project, land, DelayCause.LAND, D(2026, 3, 1), ProblemStatus.RESOLVED)
    found = selectors.bottlenecks(county_admin, today=monday)
    causes = {r["cause"]: (r["late"], r["late_open"], r["problems"]) for r in found["causes"]}
    assert causes == {
        "land": (1, 1, 1),
        "funds": (1, 0, 0),
        "permits": (0, 0, 0),
        "power": (0, 0, 1),
        "equipment": (0, 0, 0),
        "other": (0, 0, 0),
        "": (1, 1, 0),
    }
    departments = [
        (r["name"], r["open"], r["overdue"], r["resolved"]) for r in found["departments"]
    ]
    assert departments == [("县发展和改革局", 2, 1, 0), ("县自然资源局", 0, 0, 1)]
    # The records behind the figures.
    late = selectors.late_milestones(county_admin, cause="land", today=monday)
    assert [(m["name"], m["lag"]) for m in late] == [("m1", 1)]
    assert [m["name"] for m in selectors.late_milestones(county_admin, cause="", today=monday)] == [
        "m5"
    ]
    overdue = selectors.problems(county_admin, department=dev.pk, state="overdue", today=monday)
    # Tuesday 10 March to Monday 16 March: 4 working days (6 calendar days).
    assert [(p["cause"], p["days_overdue"]) for p in overdue] == [("power", 4)]
    assert len(selectors.problems(county_admin, department=dev.pk, today=monday)) == 2
    assert len(selectors.problems(county_admin, cause="land", today=monday)) == 1
    assert len(selectors.problems(county_admin, department=land.pk, state="resolved")) == 1
    # Outside the scope: nothing.
    found = selectors.bottlenecks(outsider, today=monday)
    assert found["departments"] == [] and all(r["late"] == 0 for r in found["causes"])
    assert selectors.problems(outsider, department=dev.pk) == []
