"""The battle map's reviewed defects: odd query parameters (never a 500), the problems'
overdue days in working days, projects whose lag cannot be counted ("unknown", never
green), a past month's meeting pack as of that month's last day."""

import datetime

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import translation

from conftest import OTHER_TOWN, _persona
from yiwang.projects import meeting_pack_pdf
from yiwang.projects.models import Problem, ProblemStatus, ProgressEntry, Stage, StageChange
from yiwang.projects.selectors import battle_map as selectors
from yiwang.projects.tests import factories
from yiwang.projects.tests.test_battle_map import seed, site_photo
from yiwang.projects.workdays import calendar, package_years

pytestmark = pytest.mark.django_db

D = datetime.date
# A Monday of 2026 with no holiday in the fortnight before it.
MONDAY = D(2026, 3, 16)


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def _unknown_year() -> int:
    year = max(package_years()) + 1
    while calendar().knows(year):
        year += 1
    return year


# --- 6: odd query parameters ---------------------------------------------------------------

ODD = ("²", "١٢", "99999999999999999999999", "-1", "0", "1e3", "\x00", "'", "ok", "")


def test_odd_query_parameters_are_never_a_500(county_admin):
    seed()
    client = _client(county_admin)
    url = reverse("projects:map")
    for value in ODD:
        for query in (
            {"problems": "open", "department": value},
            {"problems": value, "cause": value},
            {"late": value},
            {"stage": value, "colour": value, "area": value, "kind": value, "batch": value},
        ):
            response = client.get(url, query)
            assert response.status_code == 200, (query, response.status_code)
        pack = client.get(reverse("projects:meeting-pack"), {"month": value})
        assert pack.status_code in (200, 400), (value, pack.status_code)
    # Arrays: the last value is read, never a 500.
    response = client.get(f"{url}?problems=open&department=1&department=²&colour=a&colour=b")
    assert response.status_code == 200
    for month in ("2026-03&month=x", "²-1", "99999-01", "2026-13"):
        pack = client.get(f"{reverse('projects:meeting-pack')}?month={month}")
        assert pack.status_code == 400, month


# --- 14: problems overdue in working days --------------------------------------------------


def _problem(project, department, due_on, raised_on=None, **more):
    return Problem.objects.create(
        project=project,
        area_code=project.area_code,
        department=department,
        cause="power",
        text="电力接入",
        raised_on=raised_on or D(2026, 3, 1),
        due_on=due_on,
        **more,
    )


def test_problems_overdue_count_working_days(county_admin):
    project = factories.make_project(starts_on=D(2026, 1, 5))
    department = factories.make_department()
    # Due Friday 6 March, today Monday 16 March: 6 working days (10 calendar days).
    _problem(project, department, D(2026, 3, 6))
    (listed,) = selectors.battle_map(county_admin, today=MONDAY)["projects"]
    assert [p["days_overdue"] for p in listed["problems"]] == [6]
    (record,) = selectors.problems(county_admin, state="overdue", today=MONDAY)
    assert record["days_overdue"] == 6
    # Due Friday, counted on the Sunday after: not a working day late.
    (listed,) = selectors.battle_map(county_admin, today=D(2026, 3, 8))["projects"]
    assert listed["problems"][0]["days_overdue"] == 0


def test_problems_overdue_in_a_year_not_known_is_a_dash(county_admin):
    year = _unknown_year()
    project = factories.make_project(starts_on=D(year, 1, 2))
    department = factories.make_department()
    _problem(project, department, D(year, 1, 5), raised_on=D(year, 1, 2))
    today = D(year, 2, 1)
    (listed,) = selectors.battle_map(county_admin, today=today)["projects"]
    assert listed["problems"][0]["days_overdue"] is None
    (record,) = selectors.problems(county_admin, state="overdue", today=today)
    assert record["days_overdue"] is None


# --- 7: a lag that cannot be counted is "unknown", never green -----------------------------


def test_a_project_whose_lag_cannot_be_counted_is_unknown(county_admin):
    year = _past_unknown_year()
    uncounted = factories.make_project("XM-U", "未计项目", starts_on=D(year, 1, 2))
    factories.make_milestone(uncounted, due_on=D(year, 1, 5))
    # Its known milestone late past the red threshold keeps the project red.
    red = factories.make_project("XM-R", "红色项目", starts_on=D(year, 1, 2))
    factories.make_milestone(red, due_on=D(year, 1, 5))
    factories.make_milestone(red, "近", due_on=D(2026, 2, 2))
    green = factories.make_project("XM-G", "绿色项目", starts_on=D(year, 1, 2))
    factories.make_milestone(green, due_on=D(year, 1, 5), done_on=D(year, 1, 5))
    with translation.override("en"):
        found = selectors.battle_map(county_admin, today=MONDAY)
        colours = {p["number"]: p["colour"] for p in found["projects"]}
        assert colours == {"XM-U": "unknown", "XM-R": "red", "XM-G": "green"}
        assert found["colours"] == {"red": 1, "yellow": 0, "green": 1, "unknown": 1}
        assert found["unknown_year"]
        only = selectors.battle_map(county_admin, today=MONDAY, colour="unknown")
        assert [p["number"] for p in only["projects"]] == ["XM-U"]


def _past_unknown_year() -> int:
    year = min(package_years()) - 1
    while calendar().knows(year):
        year -= 1
    return year


def test_the_page_shows_unknown_grey_and_filters_it(county_admin):
    seed()
    year = _past_unknown_year()
    uncounted = factories.make_project("XM-U", "未计项目", starts_on=D(year, 1, 2))
    factories.make_milestone(uncounted, due_on=D(year, 1, 5))
    client = _client(county_admin)
    html = client.get(reverse("projects:map")).content.decode()
    # Open today, due in a year not known: its lag to today cannot be counted.
    assert f'id="project-{uncounted.pk}" data-colour="unknown"' in html
    assert 'id="count-unknown">1<' in html
    assert "bm-swatch bm-unknown" in html and 'id="battle-map-unknown-year"' in html
    filtered = client.get(reverse("projects:map"), {"colour": "unknown"}).content.decode()
    assert f'id="project-{uncounted.pk}"' in filtered and 'data-colour="red"' not in filtered


def test_the_pack_lists_the_projects_whose_lag_is_not_counted(county_admin):
    year = _past_unknown_year()
    uncounted = factories.make_project("XM-U", "未计项目", starts_on=D(year, 1, 2))
    factories.make_milestone(uncounted, due_on=D(year, 1, 5))
    with translation.override("en"):
        pack = meeting_pack_pdf.build(county_admin, MONDAY.replace(day=1), today=MONDAY)
        html = render_to_string("projects/meeting_pack_pdf.html", {"pack": pack})
    assert [p["number"] for p in pack.uncounted] == ["XM-U"]
    assert ("unknown", "Lag not counted", 1) in pack.colours
    assert "Lag not counted: the year" in html
    assert "未计项目" in html.split('id="uncounted"')[1]


# --- 8: a past month's meeting pack as of the month's last day -----------------------------


def test_a_past_months_pack_is_as_of_its_last_day(county_admin):
    today = D(2026, 4, 15)
    project = factories.make_project(stage=Stage.PRODUCING, starts_on=D(2026, 1, 5))
    StageChange.objects.create(project=project, stage=Stage.BUILDING, reached_on=D(2026, 3, 1))
    StageChange.objects.create(project=project, stage=Stage.PRODUCING, reached_on=D(2026, 4, 10))
    # Done on 10 April: still open, and red, on 31 March.
    factories.make_milestone(project, due_on=D(2026, 3, 2), done_on=D(2026, 4, 10))
    department = factories.make_department()
    resolved = _problem(project, department, D(2026, 3, 20), raised_on=D(2026, 3, 5))
    Problem.objects.filter(pk=resolved.pk).update(
        status=ProblemStatus.RESOLVED, resolved_on=D(2026, 4, 5), text="三月的问题"
    )
    _problem(project, department, D(2026, 4, 20), raised_on=D(2026, 4, 2))  # after March
    march = ProgressEntry.objects.create(project=project, day=D(2026, 3, 20), text="三月")
    april = ProgressEntry.objects.create(project=project, day=D(2026, 4, 5), text="四月")
    march_photo, _april_photo = site_photo(march), site_photo(april)

    (now,) = selectors.battle_map(county_admin, today=today)["projects"]
    assert now["colour"] == "green" and now["stage"] == Stage.PRODUCING
    (then,) = selectors.battle_map(county_admin, today=D(2026, 3, 31), historical=True)["projects"]
    assert then["colour"] == "red" and then["stage"] == Stage.BUILDING
    assert [q["text"] for q in then["problems"]] == ["三月的问题"]
    # Due Friday 20 March, counted to Tuesday 31 March: 7 working days.
    assert then["problems"][0]["days_overdue"] == 7
    assert then["photo_id"] == march_photo.pk

    with translation.override("en"):
        pack = meeting_pack_pdf.build(county_admin, D(2026, 3, 1), today=today)
        html = render_to_string("projects/meeting_pack_pdf.html", {"pack": pack})
    assert pack.as_of == D(2026, 3, 31)
    (red,) = pack.red
    assert [q["text"] for q in red.problems] == ["三月的问题"]
    assert red.stage == "Building" and ("Building", 1) in pack.stages
    assert ("red", "Red", 1) in pack.colours
    assert 'id="notes"' in html and "As of 2026-03-31" in html
    # This month's pack: as of today, no footnote.
    pack = meeting_pack_pdf.build(county_admin, D(2026, 4, 1), today=today)
    assert pack.red == [] and pack.notes == []


# --- 11: the lag figures' API --------------------------------------------------------------


def _api(user, **query):
    client = Client()
    client.force_login(user)
    response = client.get(reverse("api:project-figures-list"), query)
    assert response.status_code == 200
    return response.json()


def test_the_figures_api_counts_the_viewers_projects(county_admin, town_admin):
    rows = seed()
    other = _persona("other-town", "town_admin", OTHER_TOWN)
    county = _api(county_admin)
    assert {c["colour"]: c["count"] for c in county["colours"]} == {
        "red": 2,
        "yellow": 1,
        "green": 1,
        "unknown": 0,
    }
    assert county["as_of"] == rows["today"].isoformat() and county["unknown_year"] is None
    funnel = {r["stage"]: r for r in county["funnel"]}
    assert (
        list(funnel) == [s for s in Stage.values] and sum(r["count"] for r in county["funnel"]) == 4
    )
    causes = {r["cause"]: r for r in county["causes"]}
    assert causes["land"]["late"] == 1 and causes["land"]["late_open"] == 1
    assert causes[""]["late"] >= 1  # the foreign project's untagged milestone
    (department,) = county["departments"]
    assert (department["name"], department["open"], department["overdue"]) == (
        "县发展和改革局",
        1,
        1,
    )
    # The other town's admin: its one project, red, and no problem of the first town.
    theirs = _api(other)
    assert {c["colour"]: c["count"] for c in theirs["colours"]} == {
        "red": 1,
        "yellow": 0,
        "green": 0,
        "unknown": 0,
    }
    assert sum(r["count"] for r in theirs["funnel"]) == 1
    assert theirs["departments"] == [] and causes["land"]["late"] == 1
    assert {r["cause"]: r["late"] for r in theirs["causes"]}["land"] == 0
    # The town admin of the first town: its three.
    assert sum(c["count"] for c in _api(town_admin)["colours"]) == 3


def test_the_figures_api_is_read_only(county_admin):
    client = Client()
    client.force_login(county_admin)
    url = reverse("api:project-figures-list")
    assert client.post(url, {}).status_code == 405
    client.logout()
    assert client.get(url).status_code in (401, 403)
