"""Rows the battle map's tests share. The working calendar of the years around today is
entered (weekends only, labelled as a test's) when the `chinese-calendar` package does not
know them, so that tests dated relative to now run in any year; tests of the holidays
themselves use the years the package knows (2025, 2026) with their dates fixed."""

import datetime
from decimal import Decimal

from django.utils import timezone

from conftest import COUNTY, PASSWORD, TOWN, VILLAGE
from yiwang.projects.models import (
    Batch,
    CalendarYear,
    Milestone,
    MilestoneType,
    Project,
    ProjectKind,
    ProjectMember,
    Stage,
)
from yiwang.projects.workdays import package_years

KNOWN_YEARS = (2025, 2026)  # fully known to the package pinned: the holiday tests' years


def enter_years_around_today() -> None:
    """Years from last year to next year that the package does not know, entered as
    weekends only (the arrangement of a year not yet published is not guessed: a test's
    label says what it is)."""
    known = package_years()
    this_year = timezone.localdate().year
    for year in range(this_year - 1, this_year + 2):
        if year not in known:
            CalendarYear.objects.get_or_create(year=year, defaults={"source": "测试：仅按周末"})


def make_department(code="dev", name="县发展和改革局", area_code=COUNTY, members=()):
    from yiwang.cases.models import Department

    department, _created = Department.objects.get_or_create(
        code=code, defaults={"name": name, "area_code": area_code}
    )
    if members:
        department.members.add(*members)
    return department


def make_account(username, full_name=None, area_code=TOWN):
    """An account without a post (a member of a special team, bank staff)."""
    from yiwang.accounts.services import create_user

    return create_user(
        actor=None,
        username=username,
        password=PASSWORD,
        full_name=full_name or username,
        area_code=area_code,
    )


def make_enterprise(name="鲁南机械有限公司", credit_code="91370830MA3C4KXX48", area=VILLAGE):
    from yiwang.outreach.models import Enterprise

    found = Enterprise.objects.filter(credit_code=credit_code).first()
    if found:
        return found
    from yiwang.outreach.services.enterprises import create_enterprise

    return create_enterprise(actor=None, name=name, credit_code=credit_code, area_code=area)


def milestone_type(code="start") -> MilestoneType:
    """One of the types the migration adds (start: yellow from 1, red from 6)."""
    return MilestoneType.objects.get(code=code)


def make_project(
    number="XM-001",
    name="年产5万吨精密铸件技改项目",
    area_code=TOWN,
    starts_on=None,
    ends_on=None,
    kind=ProjectKind.UPGRADE,
    batch=Batch.UPGRADED,
    stage=Stage.BUILDING,
    leader=None,
    members=(),
    enterprise=None,
    investment_planned=Decimal("12000"),
) -> Project:
    """A project written directly (a reading test's row); the services' tests create
    theirs through the services."""
    today = timezone.localdate()
    starts_on = starts_on or today - datetime.timedelta(days=120)
    project = Project.objects.create(
        number=number,
        name=name,
        area_code=area_code,
        kind=kind,
        batch=batch,
        stage=stage,
        stage_reached_on=starts_on,
        starts_on=starts_on,
        ends_on=ends_on or starts_on + datetime.timedelta(days=540),
        investment_planned=investment_planned,
        leader=leader,
        enterprise=enterprise,
    )
    for user in members:
        ProjectMember.objects.create(project=project, user=user, duty="现场负责人")
    return project


def make_milestone(project, name="主体开工", due_on=None, done_on=None, code="start", **more):
    return Milestone.objects.create(
        project=project,
        milestone_type=milestone_type(code),
        name=name,
        due_on=due_on or timezone.localdate(),
        done_on=done_on,
        **more,
    )
