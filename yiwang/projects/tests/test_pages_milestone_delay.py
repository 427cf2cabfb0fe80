"""The cause of an open milestone's delay, tagged on the project's page and through the API;
a year the county entered in the working calendar removed by the command post."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from yiwang.core.models import AuditEntry
from yiwang.projects.models import CalendarYear, Milestone
from yiwang.projects.tests import factories
from yiwang.projects.tests.test_api_projects import api
from yiwang.projects.tests.test_pages_projects import signed_in

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def late(town_admin):
    """An open milestone of the town's project, due a month ago."""
    factories.enter_years_around_today()
    project = factories.make_project()
    return factories.make_milestone(
        project, name="厂房封顶", due_on=TODAY() - datetime.timedelta(days=30)
    )


def delay_url(milestone):
    return reverse("projects:milestone-delay", args=[milestone.project_id, milestone.pk])


def test_the_page_offers_the_delay_form_for_a_late_open_milestone_only(late, town_admin):
    on_time = factories.make_milestone(
        late.project, name="竣工验收", due_on=TODAY() + datetime.timedelta(days=60)
    )
    body = (
        signed_in(town_admin)
        .get(reverse("projects:project", args=[late.project_id]))
        .content.decode()
    )
    assert f'action="{delay_url(late)}"' in body
    assert f'action="{delay_url(on_time)}"' not in body


def test_a_manager_tags_the_cause_of_an_open_milestones_delay(late, town_admin):
    client = signed_in(town_admin)
    response = client.post(delay_url(late), {"delay_cause": "power", "delay_note": "变压器未到"})
    assert response.status_code == 302
    late.refresh_from_db()
    assert (late.delay_cause, late.delay_note, late.done_on) == ("power", "变压器未到", None)
    assert AuditEntry.objects.filter(action="projects.milestone.tag_delay").count() == 1


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_delay_without_its_cause_is_refused(late, town_admin, language):
    response = signed_in(town_admin, language).post(delay_url(late), {"delay_note": "说明"})
    assert response.status_code == 400
    body = response.content.decode()
    assert f'id="delay{late.pk}_delay_cause"' in body and "说明" in body
    late.refresh_from_db()
    assert late.delay_cause == ""


def test_a_member_may_not_tag_a_delay(late):
    member = factories.make_account("siteworker")
    late.project.members.create(user=member, duty="现场")
    assert signed_in(member).post(delay_url(late), {"delay_cause": "power"}).status_code == 403
    late.refresh_from_db()
    assert late.delay_cause == ""


def test_the_api_tags_a_delay(late, town_admin):
    url = reverse("api:project-milestone-delay", args=[late.pk])
    response = api(town_admin).post(url, {"cause": "funds", "note": "资金未到位"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["delay_cause"] == "funds"
    with translation.override("en"):
        response = api(town_admin).post(url, {"cause": "weather"}, format="json")
    assert response.status_code == 400
    assert Milestone.objects.get(pk=late.pk).delay_cause == "funds"


# --- the working calendar: a year the county entered, removed ---------------------------------


def test_the_command_post_removes_a_year_it_entered(county_admin):
    CalendarYear.objects.create(year=2031, source="国办发明电〔2030〕7号")
    client = signed_in(county_admin)
    body = client.get(reverse("projects:calendar")).content.decode()
    assert 'name="year" value="2031"' in body and "data-confirm=" in body
    response = client.post(reverse("projects:calendar-remove"), {"year": "2031"})
    assert response.status_code == 302
    assert not CalendarYear.objects.filter(year=2031).exists()
    assert AuditEntry.objects.filter(action="projects.calendar.remove").count() == 1


def test_a_year_not_entered_is_not_removed(county_admin):
    response = signed_in(county_admin, "en").post(
        reverse("projects:calendar-remove"), {"year": "2031"}, follow=True
    )
    assert "has not entered 2031" in response.content.decode()


def test_only_the_command_post_removes_a_year(town_admin):
    CalendarYear.objects.create(year=2031, source="x")
    response = signed_in(town_admin).post(reverse("projects:calendar-remove"), {"year": "2031"})
    assert response.status_code == 403
    assert CalendarYear.objects.filter(year=2031).exists()
