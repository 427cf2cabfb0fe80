"""The services of a project itself: creating and changing it, its special team, its
stages and permits; who may, and bad input refused with nothing changed."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone, translation

from conftest import OTHER_TOWN, TOWN, VILLAGE
from yiwang.core.models import AuditEntry
from yiwang.projects import services
from yiwang.projects.models import Permit, Project, ProjectMember, StageChange
from yiwang.projects.tests import factories
from yiwang.projects.tests.service_setup import new_project, other_town_admin

TODAY = timezone.localdate


def _counts():
    return (
        Project.objects.count(),
        StageChange.objects.count(),
        ProjectMember.objects.count(),
        Permit.objects.count(),
        AuditEntry.objects.filter(action__startswith="projects.").count(),
    )


def test_a_town_admin_creates_a_project_of_the_town(town_admin):
    project = new_project(town_admin)
    assert project.area_code == TOWN and project.created_by == town_admin
    change = StageChange.objects.get(project=project)
    assert (change.stage, change.reached_on) == ("building", project.starts_on)
    entry = AuditEntry.objects.get(action="projects.project.create")
    assert entry.object_id == str(project.pk) and entry.area_code == TOWN
    assert entry.after["number"] == "XM-101"


def test_the_stage_is_reached_today_unless_given(county_admin):
    project = new_project(county_admin, stage="planning", stage_reached_on=None)
    assert project.stage_reached_on == TODAY()


def test_a_town_admin_of_another_town_may_not_create_here(tree):
    stranger = other_town_admin()
    before = _counts()
    with pytest.raises(Http404):
        new_project(stranger)
    assert _counts() == before
    assert new_project(stranger, area_code=OTHER_TOWN).area_code == OTHER_TOWN


def test_a_grid_chief_may_not_create_a_project(chief):
    before = _counts()
    # In the chief's village: not a manager of it.
    with pytest.raises(PermissionDenied):
        new_project(chief, area_code=VILLAGE)
    # The town above it is outside the chief's scope.
    with pytest.raises(Http404):
        new_project(chief)
    assert _counts() == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_on": datetime.date(2020, 1, 1)}, "ends_on"),
        ({"kind": "factory"}, "kind"),
        ({"batch": ""}, "batch"),
        ({"name": " "}, "name"),
        ({"investment_planned": "-1"}, "investment_planned"),
        ({"investment_planned": "1.234"}, "investment_planned"),
        ({"area_code": "999999"}, "area_code"),
        ({"stage": "finished"}, "stage"),
        # Worked out when the test runs, not at import.
        (lambda: {"stage_reached_on": TODAY() + datetime.timedelta(days=3)}, "stage_reached_on"),
        ({"ends_on": "2026-02-30"}, "ends_on"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(county_admin, changes, field):
    changes = changes() if callable(changes) else changes
    before = _counts()
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        new_project(county_admin, **changes)
    assert field in caught.value.message_dict
    assert all(caught.value.message_dict[field])
    assert _counts() == before


def test_a_number_is_one_projects(county_admin):
    new_project(county_admin)
    before = _counts()
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        new_project(county_admin)
    assert "number" in caught.value.message_dict
    assert _counts() == before


# --- changing ---------------------------------------------------------------------------


def test_only_the_changed_fields_are_saved_and_audited(town_admin):
    project = new_project(town_admin)
    services.update_project(
        town_admin, project.pk, name=project.name, investment_planned=Decimal("9000.50")
    )
    project.refresh_from_db()
    assert project.investment_planned == Decimal("9000.50")
    entry = AuditEntry.objects.get(action="projects.project.update")
    assert entry.before["investment_planned"] == "8000.00"
    assert entry.after["investment_planned"] == "9000.50"
    # The same values again: nothing written.
    services.update_project(town_admin, project.pk, investment_planned="9000.50")
    assert AuditEntry.objects.filter(action="projects.project.update").count() == 1


def test_outside_the_scope_a_project_is_not_found(town_admin):
    project = new_project(town_admin)
    stranger = other_town_admin()
    with pytest.raises(Http404):
        services.update_project(stranger, project.pk, name="别的名字")
    with pytest.raises(Http404):
        services.update_project(town_admin, 10**12, name="别的名字")
    project.refresh_from_db()
    assert project.name != "别的名字"


def test_a_team_member_sees_the_project_but_may_not_edit_it(town_admin):
    member = factories.make_account("member")
    project = new_project(town_admin)
    services.set_members(town_admin, project.pk, members=[(member, "现场负责人", True)])
    with pytest.raises(PermissionDenied):
        services.update_project(member, project.pk, name="别的名字")
    with pytest.raises(PermissionDenied):
        services.change_stage(member, project.pk, stage="producing", reached_on=TODAY())


def test_a_field_not_editable_here_is_refused(town_admin):
    project = new_project(town_admin)
    with pytest.raises(ValidationError) as caught:
        services.update_project(town_admin, project.pk, stage="producing")
    assert "stage" in caught.value.message_dict


def test_the_start_cannot_move_past_a_milestone(town_admin):
    project = new_project(town_admin)
    kind = factories.milestone_type()
    services.add_milestone(
        town_admin, project.pk, milestone_type=kind, name="开工", due_on=project.starts_on
    )
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.update_project(
            town_admin, project.pk, starts_on=project.starts_on + datetime.timedelta(days=1)
        )
    assert "开工" in caught.value.message_dict["starts_on"][0]


def test_the_special_team_is_replaced(town_admin):
    project = new_project(town_admin)
    a, b = factories.make_account("a"), factories.make_account("b")
    services.set_members(town_admin, project.pk, members=[(a, "组长", True), (b, "", False)])
    services.set_members(town_admin, project.pk, members=[(b, "联络员", False)])
    assert list(project.members.values_list("user_id", "duty", "is_head")) == [
        (b.pk, "联络员", False)
    ]
    entries = AuditEntry.objects.filter(action="projects.project.members")
    assert entries.count() == 2
    # The same team again: nothing to audit.
    services.set_members(town_admin, project.pk, members=[(b, "联络员", False)])
    assert entries.count() == 2


# --- stages -------------------------------------------------------------------------------


def test_a_stage_moves_forward_with_its_day(town_admin):
    project = new_project(town_admin)
    change = services.change_stage(town_admin, project.pk, stage="producing", reached_on=TODAY())
    project.refresh_from_db()
    assert (project.stage, project.stage_reached_on) == ("producing", TODAY())
    assert change.project == project
    assert AuditEntry.objects.filter(action="projects.project.stage").count() == 1


def test_a_stage_moved_backwards_needs_a_reason(town_admin):
    project = new_project(town_admin)
    before = _counts()
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.change_stage(town_admin, project.pk, stage="signed", reached_on=TODAY())
    assert "reason" in caught.value.message_dict["reason"][0]
    assert _counts() == before
    project.refresh_from_db()
    assert project.stage == "building"
    services.change_stage(
        town_admin, project.pk, stage="signed", reached_on=TODAY(), reason="土地手续退回重报"
    )
    project.refresh_from_db()
    assert project.stage == "signed"
    assert StageChange.objects.filter(project=project).last().reason == "土地手续退回重报"


@pytest.mark.parametrize(
    ("stage", "day", "field"),
    [
        ("producing", 1, "reached_on"),  # in the future
        ("producing", -1000, "reached_on"),  # before the last stage's day
        ("building", 0, "stage"),  # already there
        ("done", 0, "stage"),
    ],
)
def test_bad_stages_are_refused(town_admin, stage, day, field):
    project = new_project(town_admin)
    before = _counts()
    with pytest.raises(ValidationError) as caught:
        services.change_stage(
            town_admin,
            project.pk,
            stage=stage,
            reached_on=TODAY() + datetime.timedelta(days=day),
        )
    assert field in caught.value.message_dict
    assert _counts() == before


# --- permits ------------------------------------------------------------------------------


def test_a_permit_is_set_by_kind_and_changed(town_admin):
    project = new_project(town_admin)
    services.set_permit(town_admin, project.pk, kind="land", state="applying")
    permit = services.set_permit(
        town_admin,
        project.pk,
        kind="land",
        state="approved",
        state_on=TODAY(),
        number="鲁(2026)义务不动产权第001号",
    )
    assert Permit.objects.filter(project=project).count() == 1
    assert (permit.state, permit.state_on) == ("approved", TODAY())
    entries = AuditEntry.objects.filter(action="projects.permit.set")
    assert entries.count() == 2 and {e.area_code for e in entries} == {TOWN}
    services.set_permit(
        town_admin,
        project.pk,
        kind="land",
        state="approved",
        state_on=TODAY(),
        number="鲁(2026)义务不动产权第001号",
    )
    assert entries.count() == 2


def test_a_bad_permit_is_refused(town_admin):
    project = new_project(town_admin)
    before = _counts()
    with pytest.raises(ValidationError) as caught:
        services.set_permit(town_admin, project.pk, kind="visa", state="granted")
    assert {"kind", "state"} <= set(caught.value.message_dict)
    assert _counts() == before
