"""Rows the services' tests share: a project created through the service, the personas
the battle map adds to the shared ones (a town admin of another town, a member of a
special team without a post, a department's staff)."""

import datetime
from decimal import Decimal

from django.utils import timezone

from conftest import COUNTY, OTHER_TOWN, PASSWORD, TOWN
from yiwang.projects import services
from yiwang.projects.tests import factories


def other_town_admin():
    from yiwang.accounts.services import create_user, grant_post

    user = create_user(actor=None, username="other_town", password=PASSWORD, full_name="他镇管理员")
    grant_post(actor=None, user=user, role="town_admin", area_code=OTHER_TOWN)
    return user


def department_staff(username="clerk", code="dev", name="县发展和改革局"):
    """A member of a department with a current department-staff post, and the department."""
    from yiwang.accounts.services import create_user, grant_post

    user = create_user(actor=None, username=username, password=PASSWORD, full_name=username)
    grant_post(actor=None, user=user, role="department_staff", area_code=COUNTY)
    department = factories.make_department(code=code, name=name, members=[user])
    return user, department


def new_project(actor=None, *, number="XM-101", starts_on=None, area_code=TOWN, **more):
    """A project created by the service (today's years entered when the package does not
    know them)."""
    factories.enter_years_around_today()
    today = timezone.localdate()
    starts_on = starts_on or today - datetime.timedelta(days=60)
    values = {
        "area_code": area_code,
        "number": number,
        "name": "年产10万套汽车零部件新建项目",
        "kind": "new_build",
        "batch": "started",
        "starts_on": starts_on,
        "ends_on": starts_on + datetime.timedelta(days=400),
        "investment_planned": Decimal("8000"),
        "stage": "building",
        "stage_reached_on": starts_on,
    }
    values.update(more)
    return services.create_project(actor, **values)
