"""Compliance (selectors/compliance.py, its page, the households behind a figure and the API):
a hand-computed example checked at every level of the tree, with frozen dates.

The example, in the year Y of the next October (after today: see `_example_year`), with
today Y-11-20 and the period November Y:

  unit A (UNIT, grid 1)           unit B (grid 2 of the village)   unit C (OTHER_UNIT)
  h1: due 11-05 done, 11-25 open  h5: due 11-03 done, 11-19 open   h7: due 11-02 open
      visited 11-04, 11-15            visited 11-03 (by a cadre)       visited 11-02
      paired (open)                   pairing ended 11-01              paired (open)
  h2: due 11-10 open, 10-10 open  h6: due 11-20 open, 12-01 open
      visited 10-30 (before)          visited 12-01 00:00 (after)
      pairing starts 12-01            paired until 12-31
  h3: due 11-12 skipped
      visited 11-30 23:30
  h4: moved out

Overdue (open, due before 11-20): h2 twice (one due in October), h5 once, h7 once.
"""

import datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import COUNTY, GRID, OTHER_TOWN, OTHER_UNIT, TOWN, UNIT, VILLAGE
from yiwang.accounts.models import Post
from yiwang.areas.models import Area
from yiwang.outreach.models import Pairing, Programme, ScheduledVisit, Visit, VisitRule
from yiwang.outreach.selectors import compliance as selectors
from yiwang.registry.models import Household, Resident


def _example_year() -> int:
    """The first year whose October begins after today: all of the example (10-10 to
    12-31) comes after the tree and the personas are made, whatever the date of the run,
    and November has its 30 days, December its 31, in any year."""
    today = timezone.localdate()
    return today.year if today < datetime.date(today.year, 10, 1) else today.year + 1


Y = _example_year()
TODAY = datetime.date(Y, 11, 20)
PERIOD = selectors.Period(datetime.date(Y, 11, 1), datetime.date(Y, 11, 30))
MONTH = f"{Y}-11"
GRID_2 = VILLAGE + "002"
UNIT_B = GRID_2 + "001"
D = datetime.date


def at(y, m, d, hh=10, mm=0):
    return timezone.make_aware(datetime.datetime(y, m, d, hh, mm))


@pytest.fixture
def example(personas):
    worker, outsider = personas["worker"], personas["outsider"]
    Post.objects.update(starts_on=D(Y, 1, 1))  # held before the frozen today
    cadre = get_user_model().objects.create_user(username="cadre", full_name="干部甲")
    units = {a.code: a for a in Area.objects.filter(code__in=[UNIT, UNIT_B, OTHER_UNIT])}

    def household(code, number, status="active"):
        h = Household.objects.create(
            unit=units[code], area_code=code, number=number, status=status, address=f"{number}号"
        )
        Resident.objects.create(
            household=h,
            area_code=code,
            name=f"户主{number}",
            relation="head",
            phone="13812345678",
        )
        return h

    h = {
        1: household(UNIT, "1"),
        2: household(UNIT, "2"),
        3: household(UNIT, "3"),
        4: household(UNIT, "4", status="moved_out"),
        5: household(UNIT_B, "5"),
        6: household(UNIT_B, "6"),
        7: household(OTHER_UNIT, "7"),
    }
    r1 = VisitRule.objects.create(code="t1", name="测试一", kind="periodic", every_days=30)
    r2 = VisitRule.objects.create(code="t2", name="测试二", kind="periodic", every_days=30)

    def due(n, rule, on, status="scheduled"):
        ScheduledVisit.objects.create(
            household=h[n],
            area_code=h[n].area_code,
            rule=rule,
            due_on=on,
            status=status,
            skip_reason="不在家" if status == "skipped" else "",
        )

    due(1, r1, D(Y, 11, 5), "done")
    due(1, r2, D(Y, 11, 25))
    due(2, r1, D(Y, 11, 10))
    due(2, r2, D(Y, 10, 10))
    due(3, r1, D(Y, 11, 12), "skipped")
    due(5, r1, D(Y, 11, 3), "done")
    due(5, r2, D(Y, 11, 19))
    due(6, r1, D(Y, 12, 1))
    due(6, r2, D(Y, 11, 20))
    due(7, r1, D(Y, 11, 2))

    def visit(n, who, when):
        Visit.objects.create(household=h[n], area_code=h[n].area_code, visitor=who, visited_at=when)

    visit(1, worker, at(Y, 11, 4))
    visit(1, worker, at(Y, 11, 15))
    visit(2, worker, at(Y, 10, 30))
    visit(3, worker, at(Y, 11, 30, 23, 30))
    visit(5, cadre, at(Y, 11, 3))
    visit(6, worker, at(Y, 12, 1, 0, 0))
    visit(7, outsider, at(Y, 11, 2))

    programme = Programme.objects.create(
        code="t-pair", name="测试结对", subject_kind="household", visit_every_days=30
    )

    def pair(n, starts, ends=None):
        Pairing.objects.create(
            programme=programme,
            sponsor=cadre,
            household=h[n],
            area_code=h[n].area_code,
            starts_on=starts,
            ends_on=ends,
        )

    pair(1, D(Y, 1, 1))
    pair(5, D(Y, 1, 1), D(Y, 11, 1))
    pair(6, D(Y, 1, 1), D(Y, 12, 31))
    pair(2, D(Y, 12, 1))
    pair(7, D(Y, 6, 1))
    return {"h": h, "cadre": cadre, **personas}


def figures(**counts):
    return selectors.Figures(**counts)


UNIT_A = figures(
    households=3, due=4, done=1, skipped=1, overdue=2, overdue_households=1, visited=2, paired=1
)
UNIT_B_FIGURES = figures(
    households=2, due=3, done=1, skipped=0, overdue=1, overdue_households=1, visited=1, paired=1
)
UNIT_C = figures(
    households=1, due=1, done=0, skipped=0, overdue=1, overdue_households=1, visited=1, paired=1
)
NONE = selectors.Figures()


def total(*parts):
    result = selectors.Figures()
    for part in parts:
        result.add(part)
    return result


def rows_of(code):
    result = selectors.compliance(Area.objects.get(code=code), PERIOD, today=TODAY)
    return result, {row.code: row.figures for row in result.rows}


@pytest.mark.django_db
def test_it_counts_every_figure_of_the_units_of_a_grid(example):
    result, rows = rows_of(GRID)
    assert rows[UNIT] == UNIT_A
    assert rows[GRID + "002"] == NONE
    assert result.total == UNIT_A


@pytest.mark.django_db
def test_it_rolls_the_units_up_into_grids(example):
    result, rows = rows_of(VILLAGE)
    assert rows == {GRID: UNIT_A, GRID_2: UNIT_B_FIGURES}
    assert result.total == total(UNIT_A, UNIT_B_FIGURES)
    assert result.total.done_rate == Fraction(2, 7)
    assert result.total.coverage == Fraction(3, 5)


@pytest.mark.django_db
def test_it_rolls_the_grids_up_into_villages_and_towns(example):
    result, rows = rows_of(TOWN)
    assert rows[VILLAGE] == total(UNIT_A, UNIT_B_FIGURES)
    assert all(figures == NONE for code, figures in rows.items() if code != VILLAGE)
    assert result.total == total(UNIT_A, UNIT_B_FIGURES)

    result, rows = rows_of(COUNTY)
    assert rows[TOWN] == total(UNIT_A, UNIT_B_FIGURES)
    assert rows[OTHER_TOWN] == UNIT_C
    assert result.total == total(UNIT_A, UNIT_B_FIGURES, UNIT_C)
    assert result.total.as_dict() == {
        "households": 6,
        "due": 8,
        "done": 2,
        "skipped": 1,
        "overdue": 4,
        "overdue_households": 3,
        "visited": 4,
        "paired": 3,
    }


@pytest.mark.django_db
def test_it_counts_a_unit_in_its_total(example):
    result, rows = rows_of(UNIT)
    assert rows == {}
    assert result.total == UNIT_A


@pytest.mark.django_db
def test_it_computes_overdue_from_today_not_from_the_period(example):
    area = Area.objects.get(code=VILLAGE)
    later = selectors.compliance(area, PERIOD, today=D(Y, 11, 26))
    # 11-20 (h6) and 11-25 (h1) have passed too; the period's figures stay.
    assert later.total.overdue == 5
    assert later.total.overdue_households == 4
    assert later.total.due == 7
    october = selectors.Period(D(Y, 10, 1), D(Y, 10, 31))
    result = selectors.compliance(area, october, today=TODAY)
    assert (result.total.due, result.total.visited, result.total.overdue) == (1, 1, 3)


@pytest.mark.django_db
def test_it_reads_the_whole_tree_in_seven_queries(example):
    area = Area.objects.get(code=COUNTY)
    with CaptureQueriesContext(connection) as queries:
        selectors.compliance(area, PERIOD, today=TODAY)
    assert len(queries) == 7


@pytest.mark.django_db
def test_it_lists_each_worker_with_their_visits_and_overdue_rows(example):
    rows = selectors.compliance_by_worker(Area.objects.get(code=VILLAGE), PERIOD, today=TODAY)
    by_name = {row.name: row for row in rows}
    assert set(by_name) == {"worker", "干部甲"}
    worker = by_name["worker"]
    assert (worker.units, worker.visits, worker.households_visited) == ([UNIT], 3, 2)
    assert (worker.overdue, worker.overdue_households) == (2, 1)
    cadre = by_name["干部甲"]
    assert (cadre.units, cadre.visits, cadre.households_visited, cadre.overdue) == ([], 1, 1, 0)
    assert rows[0] is worker  # workers with posts first

    county = selectors.compliance_by_worker(Area.objects.get(code=COUNTY), PERIOD, today=TODAY)
    outsider = next(row for row in county if row.name == "outsider")
    assert (outsider.units, outsider.visits, outsider.overdue) == ([OTHER_UNIT], 1, 1)


@pytest.mark.parametrize(
    ("figure", "numbers"),
    [
        ("households", ["1", "2", "3", "5", "6"]),
        ("due", ["1", "2", "3", "5", "6"]),
        ("done", ["1", "5"]),
        ("skipped", ["3"]),
        ("overdue", ["2", "5"]),
        ("visited", ["1", "3", "5"]),
        ("not_visited", ["2", "6"]),
        ("paired", ["1", "6"]),
    ],
)
@pytest.mark.django_db
def test_it_finds_the_households_behind_each_figure(example, figure, numbers):
    found = selectors.households_behind(
        Household.objects.all(), [VILLAGE], figure, PERIOD, today=TODAY
    )
    assert [h.number for h in found] == numbers


@pytest.mark.django_db
def test_it_finds_the_households_a_worker_visited(example):
    found = selectors.households_behind(
        Household.objects.all(),
        [VILLAGE],
        "visited",
        PERIOD,
        today=TODAY,
        visitor_id=example["worker"].pk,
    )
    assert [h.number for h in found] == ["1", "3"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, (D(Y, 11, 1), D(Y, 11, 30))),  # the month of TODAY
        ({"month": "2026-02"}, (D(2026, 2, 1), D(2026, 2, 28))),
        ({"first": "2026-09-15", "last": "2026-10-03"}, (D(2026, 9, 15), D(2026, 10, 3))),
        ({"first": "2026-09"}, (D(2026, 9, 1), D(2026, 9, 30))),
        ({"last": "2026-12"}, (D(2026, 12, 1), D(2026, 12, 31))),
    ],
)
def test_it_reads_the_period(query, expected):
    period = selectors.parse_period(**query, today=TODAY)
    assert (period.first, period.last) == expected


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"month": "2026-13"}, "month"),
        ({"month": "nov"}, "month"),
        ({"first": "2026-11-31"}, "from"),
        ({"first": "2026-11-10", "last": "2026-11-01"}, "to"),
    ],
)
def test_it_rejects_a_period_it_cannot_read(query, field):
    with pytest.raises(ValueError) as raised:
        selectors.parse_period(**query, today=TODAY)
    assert field in raised.value.args[0]


# --- the page, the households behind a figure, the API ---------------------------------


@pytest.fixture
def frozen():
    """The pages and the API count overdue rows as of the real today: TODAY here."""
    noon = datetime.datetime.combine(TODAY, datetime.time(12), tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(noon, tick=False):
        yield


def _client(client, user):
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_it_shows_the_county_admin_the_towns_with_links_to_the_households(client, example, frozen):
    response = _client(client, example["county"]).get("/outreach/compliance/", {"month": MONTH})
    assert response.status_code == 200
    rows = {row["row"].code: row for row in response.context["rows"]}
    assert rows[TOWN]["f"].due == 7
    assert response.context["area"].code == COUNTY
    assert response.context["workers"] == []  # a county lists no workers
    link = rows[TOWN]["links"]["overdue"]
    assert link.startswith("/outreach/compliance/households/?area=370830001&figure=overdue")
    assert b'id="compliance-chart-data"' in response.content
    assert b"<script>" not in response.content  # the chart's data is JSON, not a script


@pytest.mark.django_db
def test_it_opens_on_the_users_own_area_and_lists_its_workers(client, example, frozen):
    response = _client(client, example["chief"]).get("/outreach/compliance/")
    assert response.status_code == 200
    assert response.context["area"].code == VILLAGE
    names = [item["w"].name for item in response.context["workers"]]
    assert "worker" in names


@pytest.mark.parametrize("persona", ["worker", "outsider", "chief"])
@pytest.mark.django_db
def test_it_answers_404_for_an_area_outside_the_scope(client, example, persona, frozen):
    other = OTHER_TOWN if persona != "outsider" else TOWN
    client = _client(client, example[persona])
    assert client.get("/outreach/compliance/", {"area": other}).status_code == 404
    response = client.get("/outreach/compliance/households/", {"area": other, "figure": "due"})
    assert response.status_code == 404
    assert client.get("/api/v1/compliance/", {"area": other}).status_code == 404


@pytest.mark.django_db
def test_it_lists_the_households_behind_a_figure_with_masked_phones(client, example, frozen):
    response = _client(client, example["town"]).get(
        "/outreach/compliance/households/",
        {"area": VILLAGE, "figure": "overdue", "month": MONTH},
    )
    assert response.status_code == 200
    assert [h.number for h in response.context["page_obj"]] == ["2", "5"]
    assert "138****5678" in response.content.decode()
    assert "13812345678" not in response.content.decode()


@pytest.mark.django_db
def test_it_shows_the_outsider_only_their_own(client, example, frozen):
    client = _client(client, example["outsider"])
    response = client.get("/api/v1/compliance/", {"month": MONTH})
    assert response.status_code == 200
    assert response.json()["area"]["code"] == OTHER_UNIT
    response = client.get("/outreach/compliance/households/", {"figure": "visited"})
    assert [h.number for h in response.context["page_obj"]] == ["7"]


@pytest.mark.django_db
def test_the_api_gives_every_figure_of_each_child(client, example, frozen):
    response = _client(client, example["town"]).get(
        "/api/v1/compliance/", {"area": VILLAGE, "month": MONTH, "by": "worker"}
    )
    assert response.status_code == 200
    data = response.json()
    assert (data["area"]["code"], data["from"], data["to"]) == (
        VILLAGE,
        str(PERIOD.first),
        str(PERIOD.last),
    )
    grid = next(row for row in data["rows"] if row["code"] == GRID)
    assert grid["has_children"] is True
    assert set(grid["figures"]) == {
        "households",
        "due",
        "done",
        "skipped",
        "done_rate",
        "overdue",
        "overdue_households",
        "visited",
        "coverage",
        "paired",
    }
    assert grid["figures"]["due"] == 4
    assert grid["figures"]["done_rate"] == 0.25
    assert grid["figures"]["coverage"] == round(2 / 3, 4)
    assert data["total"]["visited"] == 3
    worker = next(w for w in data["workers"] if w["name"] == "worker")
    assert (worker["visits"], worker["units"]) == (3, [UNIT])


@pytest.mark.django_db
def test_the_api_rejects_a_month_it_cannot_read(client, example, frozen):
    response = _client(client, example["county"]).get("/api/v1/compliance/", {"month": "2026-13"})
    assert response.status_code == 400
    assert "month" in response.json()
