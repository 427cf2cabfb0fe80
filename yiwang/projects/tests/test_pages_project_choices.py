"""The choices of the project's forms: a project changed by a town's admin keeps its
county-level leader and its enterprise of another town (the admin does not see them);
the milestone form shown again after an error keeps its list of owners."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import COUNTY, OTHER_VILLAGE
from yiwang.projects.models import Milestone
from yiwang.projects.tests import factories
from yiwang.projects.tests.test_pages_projects import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(town_admin):
    factories.enter_years_around_today()
    leader = factories.make_account("countyleader", full_name="王副县长", area_code=COUNTY)
    enterprise = factories.make_enterprise(
        name="外镇新材料有限公司", credit_code="91370830MA3C4KYY1M", area=OTHER_VILLAGE
    )
    member = factories.make_account("siteworker", full_name="现场小李")
    return factories.make_project(leader=leader, enterprise=enterprise, members=[member])


def test_the_edit_form_offers_the_leader_and_enterprise_the_admin_does_not_see(project, town_admin):
    url = reverse("projects:project-edit", args=[project.pk])
    client = signed_in(town_admin)
    body = client.get(url).content.decode()
    assert f'<option value="{project.leader.pk}" selected>王副县长</option>' in body
    assert f'<option value="{project.enterprise.pk}" selected>' in body
    # The browser posts the selected options back: the project keeps them.
    response = client.post(
        url,
        {
            "number": project.number,
            "name": "年产8万吨精密铸件技改项目",
            "kind": project.kind,
            "batch": project.batch,
            "enterprise": project.enterprise.pk,
            "leader": project.leader.pk,
            "starts_on": project.starts_on.isoformat(),
            "ends_on": project.ends_on.isoformat(),
            "investment_planned": "15000",
        },
    )
    assert response.status_code == 302
    leader, enterprise = project.leader, project.enterprise
    project.refresh_from_db()
    assert project.name == "年产8万吨精密铸件技改项目"
    assert project.leader == leader and project.enterprise == enterprise


def test_the_milestone_form_keeps_its_owners_after_an_error(project, town_admin):
    member = project.members.get().user
    response = signed_in(town_admin).post(
        reverse("projects:milestone-add", args=[project.pk]),
        {
            "milestone_type": factories.milestone_type().pk,
            "name": "提前节点",
            "due_on": (project.starts_on - datetime.timedelta(days=1)).isoformat(),
            "owner": member.pk,
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert f'<option value="{member.pk}" selected>现场小李</option>' in body
    assert f'<option value="{project.leader.pk}">王副县长</option>' in body
    assert not Milestone.objects.filter(name="提前节点").exists()


def test_a_milestone_is_added_with_its_owner(project, town_admin):
    member = project.members.get().user
    response = signed_in(town_admin).post(
        reverse("projects:milestone-add", args=[project.pk]),
        {
            "milestone_type": factories.milestone_type().pk,
            "name": "设备进场",
            "due_on": timezone.localdate().isoformat(),
            "owner": member.pk,
        },
    )
    assert response.status_code == 302
    assert Milestone.objects.get(name="设备进场").owner == member
