"""The battle map's pages for each persona, in Chinese and in English: the projects list
and its filters, a project's page (names, never codes; the lag and colour of its
milestones; a banner, not an error, when the calendar does not know a year), "my
projects" of a special team's member, the departments' problems, the command post's
working calendar and milestone types; 404 outside the scope, 403 where a part does not
allow."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import COUNTY, OTHER_TOWN, TOWN
from yiwang.projects.models import (
    Problem,
    ProgressEntry,
    Stage,
)
from yiwang.projects.tests import factories

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def signed_in(user, language="zh-hans") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def department_staff(username="staff", department_code="dev"):
    """An account with a department-staff post, a member of the department."""
    from yiwang.accounts.services import grant_post

    user = factories.make_account(username, full_name="发改局科员", area_code=COUNTY)
    grant_post(actor=None, user=user, role="department_staff", area_code=COUNTY)
    department = factories.make_department(code=department_code, members=[user])
    return user, department


@pytest.fixture
def rows(personas):
    """A project of the town with a team member, its leader, a milestone late, a
    progress entry and an open problem sent to the development department; a project of
    the other town."""
    factories.enter_years_around_today()
    member = factories.make_account("siteworker", full_name="现场小李")
    leader = factories.make_account("leader", full_name="王副县长", area_code=COUNTY)
    staff, department = department_staff()
    project = factories.make_project(leader=leader, members=[member])
    late = factories.make_milestone(
        project, name="厂房封顶", due_on=TODAY() - datetime.timedelta(days=30)
    )
    ProgressEntry.objects.create(
        project=project, day=TODAY() - datetime.timedelta(days=1), text="钢结构吊装完成三成"
    )
    problem = Problem.objects.create(
        project=project,
        area_code=project.area_code,
        department=department,
        cause="power",
        text="临时用电容量不足",
        raised_on=TODAY(),
        due_on=TODAY() + datetime.timedelta(days=7),
    )
    foreign = factories.make_project(
        number="XM-900", name="外镇新材料项目", area_code=OTHER_TOWN + "001"
    )
    return {
        "project": project,
        "foreign": foreign,
        "member": member,
        "leader": leader,
        "staff": staff,
        "department": department,
        "late": late,
        "problem": problem,
    }


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(
    ("who", "status"),
    # The project lies in the town: the village's chief and its grid worker are below it.
    [("county", 200), ("town", 200), ("chief", 404), ("worker", 404), ("outsider", 404)],
)
def test_each_persona_sees_the_project_of_their_scope(personas, rows, who, status, language):
    client = signed_in(personas[who], language)
    response = client.get(reverse("projects:project", args=[rows["project"].pk]))
    assert response.status_code == status
    if status == 200:
        body = response.content.decode()
        assert rows["project"].name in body and "厂房封顶" in body
        assert "钢结构吊装完成三成" in body and "临时用电容量不足" in body
        assert "王副县长" in body and "县发展和改革局" in body
        assert TOWN not in body  # the town by its name, not its code
        assert ("建设" if language == "zh-hans" else "Building") in body


def test_the_team_the_leader_and_the_department_see_the_project(rows):
    for user in (rows["member"], rows["leader"], rows["staff"]):
        response = signed_in(user).get(reverse("projects:project", args=[rows["project"].pk]))
        assert response.status_code == 200
    foreign = reverse("projects:project", args=[rows["foreign"].pk])
    assert signed_in(rows["member"]).get(foreign).status_code == 404


def test_the_page_shows_the_lag_and_colour_of_a_late_milestone(rows, town_admin):
    body = signed_in(town_admin, "en").get(reverse("projects:project", args=[rows["project"].pk]))
    html = body.content.decode()
    # Thirty calendar days late: more than six working days, red for the start type.
    assert 'data-colour="red"' in html
    assert "working days late" in html
    assert 'id="unknown-year"' not in html


def test_a_year_the_calendar_does_not_know_shows_a_banner_not_an_error(rows, town_admin):
    project = rows["project"]
    factories.make_milestone(
        project,
        name="远期验收",
        due_on=datetime.date(2099, 6, 1),
        done_on=datetime.date(2099, 6, 10),
    )
    response = signed_in(town_admin, "en").get(reverse("projects:project", args=[project.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="unknown-year"' in html and "2099" in html
    assert "远期验收" in html and 'data-colour="red"' in html  # the others keep theirs


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_list_filters_by_town_stage_type_and_batch(rows, county_admin, language):
    client = signed_in(county_admin, language)
    url = reverse("projects:projects")
    body = client.get(url).content.decode()
    assert f'id="project-{rows["project"].pk}"' in body
    assert f'id="project-{rows["foreign"].pk}"' in body
    assert "王副县长" in body
    body = client.get(url, {"town": TOWN}).content.decode()
    assert f'id="project-{rows["foreign"].pk}"' not in body
    assert f'id="project-{rows["project"].pk}"' in body
    body = client.get(url, {"stage": Stage.PLANNING}).content.decode()
    assert f'id="project-{rows["project"].pk}"' not in body
    body = client.get(url, {"kind": "upgrade", "batch": "upgraded"}).content.decode()
    assert f'id="project-{rows["project"].pk}"' in body


def test_the_list_leaves_out_the_projects_of_another_town(rows, town_admin):
    body = signed_in(town_admin).get(reverse("projects:projects")).content.decode()
    assert f'id="project-{rows["project"].pk}"' in body
    assert "外镇新材料项目" not in body


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_my_projects_lists_the_team_members_projects_with_the_button(rows, language):
    client = signed_in(rows["member"], language)
    body = client.get(reverse("projects:mine")).content.decode()
    assert rows["project"].name in body
    assert reverse("projects:progress", args=[rows["project"].pk]) in body
    assert "外镇新材料项目" not in body
    # The leader sees it too; someone in no team sees a friendly empty page.
    assert (
        rows["project"].name
        in signed_in(rows["leader"]).get(reverse("projects:mine")).content.decode()
    )


def test_my_projects_is_empty_for_someone_in_no_team(worker):
    response = signed_in(worker).get(reverse("projects:mine"))
    assert response.status_code == 200
    assert 'id="no-own-projects"' in response.content.decode()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_department_sees_its_problems(rows, language):
    response = signed_in(rows["staff"], language).get(reverse("projects:problems"))
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="problem-{rows["problem"].pk}"' in body and "临时用电容量不足" in body


def test_the_problems_page_is_not_for_a_grid_worker(rows, worker):
    assert signed_in(worker).get(reverse("projects:problems")).status_code == 403


@pytest.mark.parametrize("name", ["projects:calendar", "projects:milestone-types"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_command_post_sees_the_calendar_and_types(county_admin, name, language):
    response = signed_in(county_admin, language).get(reverse(name))
    assert response.status_code == 200
    body = response.content.decode()
    if name == "projects:calendar":
        assert 'id="year-2026"' in body and 'id="year-2025"' in body
    else:
        assert "主体开工" in body or "start" in body


@pytest.mark.parametrize("name", ["projects:calendar", "projects:milestone-types"])
def test_the_calendar_and_types_are_the_command_posts(town_admin, worker, name):
    for user in (town_admin, worker):
        assert signed_in(user).get(reverse(name)).status_code == 403


def test_only_managers_open_the_create_and_edit_forms(rows, town_admin, chief, county_admin):
    assert signed_in(town_admin).get(reverse("projects:project-create")).status_code == 200
    assert signed_in(county_admin).get(reverse("projects:project-create")).status_code == 200
    assert signed_in(chief).get(reverse("projects:project-create")).status_code == 403
    edit = reverse("projects:project-edit", args=[rows["project"].pk])
    assert signed_in(town_admin).get(edit).status_code == 200
    assert signed_in(chief).get(edit).status_code == 404
    assert signed_in(rows["member"]).get(edit).status_code == 403


def test_the_forms_follow_the_users_part(rows, town_admin):
    url = reverse("projects:project", args=[rows["project"].pk])
    manager = signed_in(town_admin).get(url).content.decode()
    assert 'id="stage-form"' in manager and 'id="milestone-form"' in manager
    assert 'id="record-progress"' in manager
    member = signed_in(rows["member"]).get(url).content.decode()
    assert 'id="stage-form"' not in member and 'id="record-progress"' in member
    assert 'id="problem-form"' in member
    assert signed_in(rows["leader"]).get(url).status_code == 200
    staff = signed_in(rows["staff"]).get(url).content.decode()
    assert "resolve-form" in staff and 'id="stage-form"' not in staff


def test_the_progress_form_is_the_teams(rows, chief):
    url = reverse("projects:progress", args=[rows["project"].pk])
    response = signed_in(rows["member"]).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'capture="environment"' in html and 'accept="image/*"' in html
    assert 'name="uuid"' in html and f'max="{TODAY().isoformat()}"' in html
    assert f'value="{TODAY().isoformat()}"' in html  # a date input's own format
    assert signed_in(chief).get(url).status_code == 404
    assert signed_in(rows["staff"]).get(url).status_code == 403  # sees it, does not report
    foreign = reverse("projects:progress", args=[rows["foreign"].pk])
    assert signed_in(rows["member"]).get(foreign).status_code == 404


def _menu(user) -> set[str]:
    """The addresses of the main menu's links on the user's home page."""
    html = signed_in(user).get(reverse("accounts:home")).content.decode()
    return {
        re.search(r'href="([^"]*)"', tag).group(1)
        for tag in re.findall(r"<a [^>]*data-menu-item[^>]*>", html)
    }


def test_the_menu_shows_each_part_its_pages(rows, county_admin, town_admin, worker):
    mine, listed = reverse("projects:mine"), reverse("projects:projects")
    calendar, types = reverse("projects:calendar"), reverse("projects:milestone-types")
    problems = reverse("projects:problems")
    assert {mine, listed, calendar, types, problems} <= _menu(county_admin)
    town = _menu(town_admin)
    assert {mine, listed, problems} <= town and not {calendar, types} & town
    # The grid's roles find a project of theirs in the list; "My projects" is not theirs.
    grid = _menu(worker)
    assert listed in grid and not {mine, calendar, types, problems} & grid
    staff = _menu(rows["staff"])
    assert problems in staff
    # A site worker with no post: their projects, from which the whole list is linked.
    member = _menu(rows["member"])
    assert mine in member and not {calendar, types, problems} & member


def test_the_problems_list_puts_the_open_ones_first(rows):
    from yiwang.projects.models import ProblemStatus

    Problem.objects.create(
        project=rows["project"],
        area_code=rows["project"].area_code,
        department=rows["department"],
        cause="funds",
        text="配套资金已到位",
        raised_on=TODAY() - datetime.timedelta(days=20),
        due_on=TODAY() - datetime.timedelta(days=10),
        status=ProblemStatus.RESOLVED,
        answer="已拨付",
        resolved_on=TODAY() - datetime.timedelta(days=12),
    )
    body = signed_in(rows["staff"]).get(reverse("projects:problems")).content.decode()
    assert body.index("临时用电容量不足") < body.index("配套资金已到位")
    assert "已拨付" in body
