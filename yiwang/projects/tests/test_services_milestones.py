"""The services of a project's plan: milestone types, milestones, their completion and
delays, monthly targets; and the working calendar the county enters."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone, translation

from conftest import TOWN
from yiwang.core.models import AuditEntry
from yiwang.projects import services
from yiwang.projects.models import (
    CalendarDay,
    CalendarYear,
    Milestone,
    MilestoneType,
    MonthlyTarget,
)
from yiwang.projects.tests import factories
from yiwang.projects.tests.service_setup import new_project, other_town_admin
from yiwang.projects.workdays import calendar

D = datetime.date
TODAY = timezone.localdate


def _counts():
    return (
        Milestone.objects.count(),
        MilestoneType.objects.count(),
        MonthlyTarget.objects.count(),
        AuditEntry.objects.filter(action__startswith="projects.").count(),
    )


# --- milestone types ----------------------------------------------------------------------


def test_the_command_post_adds_and_changes_a_type(county_admin):
    kind = services.configure_milestone_type(
        county_admin, code="power", name="供电接入", yellow_from=2, red_from=5, order=9
    )
    services.configure_milestone_type(
        county_admin, pk=kind.pk, code="power", name="供电接入", yellow_from=3, red_from=7
    )
    kind.refresh_from_db()
    assert (kind.yellow_from, kind.red_from) == (3, 7)
    assert AuditEntry.objects.filter(action="projects.milestone_type.create").count() == 1
    assert AuditEntry.objects.filter(action="projects.milestone_type.update").count() == 1


def test_only_the_command_post_configures_types(town_admin):
    before = _counts()
    with pytest.raises(PermissionDenied):
        services.configure_milestone_type(
            town_admin, code="power", name="供电接入", yellow_from=2, red_from=5
        )
    assert _counts() == before


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"yellow_from": 5, "red_from": 5}, "red_from"),
        ({"yellow_from": 0, "red_from": 5}, "yellow_from"),
        ({"code": "供电"}, "code"),
        ({"code": "start"}, "code"),  # the migration's
        ({"name": "开工"}, "name"),
    ],
)
def test_bad_types_are_refused(county_admin, values, field):
    before = _counts()
    arguments = {"code": "power", "name": "供电接入", "yellow_from": 2, "red_from": 5}
    with pytest.raises(ValidationError) as caught:
        services.configure_milestone_type(county_admin, **{**arguments, **values})
    assert field in caught.value.message_dict
    assert _counts() == before


# --- milestones --------------------------------------------------------------------------------


def test_a_milestone_is_added_changed_and_audited_with_the_projects_area(town_admin):
    project = new_project(town_admin)
    owner = factories.make_account("owner")
    milestone = services.add_milestone(
        town_admin,
        project.pk,
        milestone_type=factories.milestone_type(),
        name="主体开工",
        due_on=project.starts_on + datetime.timedelta(days=30),
        owner=owner,
    )
    services.update_milestone(
        town_admin, milestone.pk, due_on=project.starts_on + datetime.timedelta(days=40)
    )
    milestone.refresh_from_db()
    assert milestone.due_on == project.starts_on + datetime.timedelta(days=40)
    assert milestone.owner == owner
    for action in ("projects.milestone.create", "projects.milestone.update"):
        assert AuditEntry.objects.get(action=action).area_code == TOWN


def test_a_milestone_due_before_its_project_starts_is_refused(town_admin):
    project = new_project(town_admin)
    before = _counts()
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.add_milestone(
            town_admin,
            project.pk,
            milestone_type=factories.milestone_type(),
            name="主体开工",
            due_on=project.starts_on - datetime.timedelta(days=1),
        )
    message = caught.value.message_dict["due_on"][0]
    assert message.startswith("A milestone cannot be due before its project starts")
    assert project.starts_on.isoformat() in message
    assert _counts() == before
    milestone = services.add_milestone(
        town_admin,
        project.pk,
        milestone_type=factories.milestone_type(),
        name="主体开工",
        due_on=project.starts_on,
    )
    with pytest.raises(ValidationError):
        services.update_milestone(
            town_admin, milestone.pk, due_on=project.starts_on - datetime.timedelta(days=1)
        )
    milestone.refresh_from_db()
    assert milestone.due_on == project.starts_on


def test_milestones_outside_the_scope_are_not_found(town_admin):
    project = new_project(town_admin)
    milestone = factories.make_milestone(project)
    stranger = other_town_admin()
    with pytest.raises(Http404):
        services.complete_milestone(stranger, milestone.pk, done_on=TODAY())
    with pytest.raises(Http404):
        services.add_milestone(
            stranger,
            project.pk,
            milestone_type=factories.milestone_type(),
            name="x",
            due_on=TODAY(),
        )
    milestone.refresh_from_db()
    assert milestone.done_on is None


def _late_milestone(actor):
    project = new_project(actor, starts_on=D(2025, 1, 2), number="XM-2025")
    return factories.make_milestone(project, due_on=D(2025, 9, 30))


def test_done_late_needs_the_cause_of_its_delay(county_admin):
    milestone = _late_milestone(county_admin)
    before = _counts()
    # Thu 9 October 2025 is 1 working day after Tue 30 September (1–8 October off).
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.complete_milestone(county_admin, milestone.pk, done_on=D(2025, 10, 9))
    assert "delay_cause" in caught.value.message_dict
    assert _counts() == before
    services.complete_milestone(
        county_admin, milestone.pk, done_on=D(2025, 10, 9), delay_cause="land", delay_note="征地"
    )
    milestone.refresh_from_db()
    assert (milestone.done_on, milestone.delay_cause) == (D(2025, 10, 9), "land")
    assert AuditEntry.objects.get(action="projects.milestone.complete").area_code == TOWN


def test_done_during_the_holiday_is_not_late(county_admin):
    milestone = _late_milestone(county_admin)
    services.complete_milestone(county_admin, milestone.pk, done_on=D(2025, 10, 8))
    milestone.refresh_from_db()
    assert milestone.done_on == D(2025, 10, 8) and milestone.delay_cause == ""


def test_done_in_a_year_the_calendar_does_not_know(county_admin):
    milestone = _late_milestone(county_admin)
    # Due in 2001, a year before the package's first (2004) that nobody entered.
    Milestone.objects.filter(pk=milestone.pk).update(due_on=D(2001, 3, 1))
    before = _counts()
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.complete_milestone(
            county_admin, milestone.pk, done_on=D(2025, 10, 9), delay_cause="land"
        )
    assert "are not known yet" in caught.value.message_dict["done_on"][0]
    assert "2001" in caught.value.message_dict["done_on"][0]
    assert _counts() == before


def test_done_in_the_future_is_refused(town_admin):
    project = new_project(town_admin)
    milestone = factories.make_milestone(project)
    with pytest.raises(ValidationError) as caught:
        services.complete_milestone(
            town_admin, milestone.pk, done_on=TODAY() + datetime.timedelta(days=1)
        )
    assert "done_on" in caught.value.message_dict


def test_a_delay_is_tagged(county_admin):
    milestone = _late_milestone(county_admin)
    services.tag_delay(county_admin, milestone.pk, cause="power", note="变压器未到")
    milestone.refresh_from_db()
    assert (milestone.delay_cause, milestone.delay_note) == ("power", "变压器未到")
    with pytest.raises(ValidationError):
        services.tag_delay(county_admin, milestone.pk, cause="weather")
    milestone.refresh_from_db()
    assert milestone.delay_cause == "power"


def test_a_team_member_may_not_change_the_plan(town_admin):
    member = factories.make_account("member")
    project = new_project(town_admin)
    services.set_members(town_admin, project.pk, members=[(member, "", False)])
    milestone = factories.make_milestone(project)
    with pytest.raises(PermissionDenied):
        services.complete_milestone(member, milestone.pk, done_on=TODAY())
    with pytest.raises(PermissionDenied):
        services.set_target(
            member, project.pk, month=TODAY(), investment_planned=1, progress_planned=1
        )


# --- monthly targets --------------------------------------------------------------------------


def test_targets_keep_the_projects_investment_done(town_admin):
    project = new_project(town_admin)
    this_month = TODAY().replace(day=1)
    last_month = (this_month - datetime.timedelta(days=1)).replace(day=1)
    services.set_target(
        town_admin,
        project.pk,
        month=last_month + datetime.timedelta(days=9),  # any day: its month
        investment_planned="500",
        progress_planned=10,
        investment_done="420.50",
        progress_done=8,
    )
    services.set_target(
        town_admin,
        project.pk,
        month=this_month,
        investment_planned="600",
        progress_planned=20,
        investment_done="100",
    )
    project.refresh_from_db()
    assert project.investment_done == Decimal("520.50")
    assert set(project.targets.values_list("month", flat=True)) == {last_month, this_month}
    services.set_target(
        town_admin,
        project.pk,
        month=this_month,
        investment_planned="600",
        progress_planned=20,
        investment_done="0",
    )
    project.refresh_from_db()
    assert project.investment_done == Decimal("420.50")
    assert AuditEntry.objects.filter(action="projects.target.set").count() == 3


def test_bad_targets_are_refused(town_admin):
    project = new_project(town_admin)
    before = _counts()
    with pytest.raises(ValidationError) as caught:
        services.set_target(
            town_admin, project.pk, month="", investment_planned="-5", progress_planned=120
        )
    assert {"month", "investment_planned", "progress_planned"} <= set(caught.value.message_dict)
    assert _counts() == before


# --- the working calendar ------------------------------------------------------------------


def test_the_command_post_enters_a_year(county_admin):
    year = services.enter_year(
        county_admin,
        year=2030,
        source="国办发明电〔2029〕7号",
        holidays=[D(2030, 10, 1), D(2030, 10, 2)],
        workdays=[D(2030, 9, 29)],
    )
    assert set(CalendarDay.objects.values_list("day", "is_workday")) == {
        (D(2030, 10, 1), False),
        (D(2030, 10, 2), False),
        (D(2030, 9, 29), True),
    }
    cal = calendar()
    assert cal.is_workday(D(2030, 9, 29)) and not cal.is_workday(D(2030, 10, 1))
    # Entered again: the year's days replaced.
    services.enter_year(county_admin, year=2030, source="更正", holidays=[], workdays=[])
    assert not CalendarDay.objects.exists()
    assert calendar().is_workday(D(2030, 10, 1))
    assert AuditEntry.objects.filter(action="projects.calendar.enter").count() == 2
    services.remove_year(county_admin, year=2030)
    assert not CalendarYear.objects.filter(pk=year.pk).exists()
    assert AuditEntry.objects.filter(action="projects.calendar.remove").count() == 1


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"holidays": [D(2030, 9, 28)]}, "holidays"),  # a Saturday
        ({"workdays": [D(2030, 9, 30)]}, "workdays"),  # a Monday
        ({"holidays": [D(2031, 1, 1)]}, "holidays"),  # another year
        ({"source": ""}, "source"),
        ({"year": 1999}, "year"),
    ],
)
def test_a_bad_year_is_refused(county_admin, values, field):
    arguments = {"year": 2030, "source": "通知", "holidays": [], "workdays": []}
    with pytest.raises(ValidationError) as caught:
        services.enter_year(county_admin, **{**arguments, **values})
    assert field in caught.value.message_dict
    assert not CalendarYear.objects.filter(year=2030).exists()


def test_only_the_command_post_enters_a_year(town_admin):
    with pytest.raises(PermissionDenied):
        services.enter_year(town_admin, year=2030, source="通知", holidays=[], workdays=[])
    assert not CalendarYear.objects.filter(year=2030).exists()
    with pytest.raises(ValidationError):
        services.remove_year(None, year=2030)


def test_the_projects_investment_done_is_audited(town_admin):
    project = new_project(town_admin)
    services.set_target(
        town_admin,
        project.pk,
        month=TODAY(),
        investment_planned="600",
        progress_planned=20,
        investment_done="100",
    )
    entry = AuditEntry.objects.get(action="projects.project.update", object_id=str(project.pk))
    assert entry.area_code == project.area_code
    assert Decimal(str(entry.after["investment_done"])) == Decimal("100")


def test_the_command_posts_rights_are_read_again_when_it_writes(county_admin):
    from yiwang.accounts.models import Post
    from yiwang.accounts.scope import current_posts

    assert current_posts(county_admin)  # read and kept for the request
    Post.objects.filter(user=county_admin).update(  # ended yesterday, behind the cache
        starts_on=TODAY() - datetime.timedelta(days=9), ends_on=TODAY() - datetime.timedelta(days=1)
    )
    with pytest.raises(PermissionDenied):
        services.configure_milestone_type(
            county_admin, code="power", name="供电接入", yellow_from=2, red_from=5
        )
    assert not MilestoneType.objects.filter(code="power").exists()
