"""API v1 of the battle map: a project's milestones with their lag and colour (null with a
message for a year the calendar does not know), the idempotent daily progress (201, then
200), 404 outside the scope, 400 with a message for a second entry of the same day; the
milestones, permits and writes through the services."""

import datetime
import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from PIL import Image
from rest_framework.test import APIClient

from conftest import TOWN
from yiwang.core.models import AuditEntry
from yiwang.projects import services
from yiwang.projects.models import Milestone, Permit, ProgressEntry, Project
from yiwang.projects.tests import factories
from yiwang.projects.tests.service_setup import new_project, other_town_admin

D = datetime.date
TODAY = timezone.localdate

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _photo():
    out = io.BytesIO()
    Image.new("RGB", (30, 20), "orange").save(out, format="JPEG")
    return SimpleUploadedFile("site.jpg", out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def project_2025(town_admin):
    """A project of 2025 with a milestone due on Tue 30 September 2025, done on Fri 10
    October (Oct 9, 10: 2 working days late, yellow for the type "start"), and an open
    one due Fri 26 September 2025."""
    project = new_project(town_admin, number="XM-2025", starts_on=D(2025, 1, 2))
    done = factories.make_milestone(project, name="主体开工", due_on=D(2025, 9, 30))
    services.complete_milestone(None, done.pk, done_on=D(2025, 10, 10), delay_cause="permits")
    factories.make_milestone(project, name="设备进场", due_on=D(2025, 9, 26))
    return project


def test_the_detail_has_each_milestones_lag_and_colour(town_admin, project_2025):
    answer = api(town_admin).get(f"/api/v1/projects/{project_2025.pk}/")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    by_name = {m["name"]: m for m in body["milestones"]}
    done = by_name["主体开工"]
    assert (done["due"], done["done"]) == ("2025-09-30", "2025-10-10")
    assert (done["lag_working_days"], done["colour"]) == (2, "yellow")
    assert done["type_name"] == "开工" and done["unknown_year"] is None
    assert done["delay_cause"] == "permits"
    # Open since Fri 26 September 2025 and due long ago: red, whatever today is.
    open_one = by_name["设备进场"]
    assert open_one["done"] is None and open_one["colour"] == "red"
    assert open_one["lag_working_days"] > 7
    assert body["unknown_year"] is None
    assert body["stage"] == "building" and body["stage_changes"][0]["stage"] == "building"


def test_a_year_the_calendar_does_not_know_is_null_with_a_message(town_admin, project_2025):
    # Due in 2001, before the package's first year (2004), which nobody entered.
    early = Milestone.objects.get(project=project_2025, name="设备进场")
    Milestone.objects.filter(pk=early.pk).update(due_on=D(2001, 3, 1))
    with translation.override("en"):
        answer = api(town_admin).get(
            f"/api/v1/projects/{project_2025.pk}/", HTTP_ACCEPT_LANGUAGE="en"
        )
    assert answer.status_code == 200
    body = answer.json()
    by_name = {m["name"]: m for m in body["milestones"]}
    assert by_name["设备进场"]["lag_working_days"] is None
    assert by_name["设备进场"]["colour"] is None
    assert "2001" in by_name["设备进场"]["unknown_year"]
    assert "2001" in body["unknown_year"]
    assert by_name["主体开工"]["lag_working_days"] == 2
    listed = api(town_admin).get(f"/api/v1/project-milestones/?project={project_2025.pk}")
    assert listed.status_code == 200
    assert {m["name"]: m["colour"] for m in listed.json()["results"]} == {
        "主体开工": "yellow",
        "设备进场": None,
    }


def test_outside_the_scope_a_project_is_not_found(town_admin, project_2025):
    stranger = api(other_town_admin())
    assert stranger.get(f"/api/v1/projects/{project_2025.pk}/").status_code == 404
    assert stranger.get("/api/v1/projects/").json()["results"] == []
    answer = stranger.patch(f"/api/v1/projects/{project_2025.pk}/", {"name": "改名"}, format="json")
    assert answer.status_code == 404
    answer = stranger.post(
        "/api/v1/project-progress/",
        {"project": project_2025.pk, "day": TODAY().isoformat(), "text": "x"},
        format="json",
    )
    assert answer.status_code == 404
    assert (
        stranger.get(f"/api/v1/project-milestones/?project={project_2025.pk}").json()["results"]
        == []
    )
    assert not ProgressEntry.objects.exists()


def test_the_list_filters(town_admin, project_2025):
    new_project(town_admin, number="XM-002", kind="research", batch="signed")
    client = api(town_admin)

    def names(query):
        return [p["number"] for p in client.get(f"/api/v1/projects/{query}").json()["results"]]

    assert names("") == ["XM-002", "XM-2025"]
    assert names("?kind=research") == ["XM-002"]
    assert names("?batch=started") == ["XM-2025"]
    assert names(f"?under={TOWN}") == ["XM-002", "XM-2025"]
    assert names("?stage=planning") == []
    assert client.get("/api/v1/projects/?stage=nothing").status_code == 400


# --- the daily progress -------------------------------------------------------------------


def test_progress_is_idempotent_on_its_uuid(town_admin):
    member = factories.make_account("member")
    project = new_project(town_admin)
    services.set_members(town_admin, project.pk, members=[(member, "现场负责人", True)])
    client = api(member)
    key = str(uuid.uuid4())
    values = {"project": project.pk, "day": TODAY().isoformat(), "text": "钢结构吊装", "uuid": key}
    first = client.post("/api/v1/project-progress/", values, format="json")
    assert first.status_code == 201, first.content
    again = client.post("/api/v1/project-progress/", values, format="json")
    assert again.status_code == 200
    assert again.json() == first.json()
    assert ProgressEntry.objects.count() == 1
    assert AuditEntry.objects.filter(action="projects.progress.record").count() == 1


def test_a_second_entry_the_same_day_is_400_with_a_message(town_admin):
    project = new_project(town_admin)
    client = api(town_admin)
    values = {"project": project.pk, "day": TODAY().isoformat(), "text": "基础浇筑"}
    assert client.post("/api/v1/project-progress/", values, format="json").status_code == 201
    with translation.override("en"):
        answer = client.post(
            "/api/v1/project-progress/",
            {**values, "uuid": str(uuid.uuid4())},
            format="json",
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert answer.status_code == 400
    assert "already recorded for that day" in answer.json()["day"][0]
    assert ProgressEntry.objects.count() == 1


def test_progress_with_photos_in_multipart(town_admin):
    project = new_project(town_admin)
    client = api(town_admin)
    answer = client.post(
        "/api/v1/project-progress/",
        {
            "project": str(project.pk),
            "day": TODAY().isoformat(),
            "text": "屋面施工",
            "uuid": str(uuid.uuid4()),
            "photos": [_photo(), _photo()],
        },
        format="multipart",
    )
    assert answer.status_code == 201, answer.content
    photos = answer.json()["photos"]
    assert len(photos) == 2 and photos[0]["content_type"] == "image/jpeg"
    image = client.get(photos[0]["thumbnail"])
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert api(other_town_admin()).get(photos[0]["image"]).status_code == 404
    bad = client.post(
        "/api/v1/project-progress/",
        {
            "project": str(project.pk),
            "day": (TODAY() - datetime.timedelta(days=1)).isoformat(),
            "text": "x",
            "photos": [SimpleUploadedFile("a.jpg", b"not an image", "image/jpeg")],
        },
        format="multipart",
    )
    assert bad.status_code == 400 and bad.json()["photos"]
    assert ProgressEntry.objects.count() == 1


# --- writes --------------------------------------------------------------------------------


def test_a_project_is_created_and_patched(town_admin):
    factories.enter_years_around_today()
    client = api(town_admin)
    start = TODAY() - datetime.timedelta(days=10)
    answer = client.post(
        "/api/v1/projects/",
        {
            "area_code": TOWN,
            "number": "XM-900",
            "name": "光伏组件技改",
            "kind": "upgrade",
            "batch": "upgraded",
            "starts_on": start.isoformat(),
            "ends_on": (start + datetime.timedelta(days=300)).isoformat(),
            "investment_planned": 3200,
        },
        format="json",
    )
    assert answer.status_code == 201, answer.content
    pk = answer.json()["id"]
    assert answer.json()["milestones"] == []
    patched = client.patch(
        f"/api/v1/projects/{pk}/", {"investment_planned": "3500.5"}, format="json"
    )
    assert patched.status_code == 200 and patched.json()["investment_planned"] == "3500.50"
    refused = client.patch(
        f"/api/v1/projects/{pk}/",
        {"ends_on": (start - datetime.timedelta(days=1)).isoformat()},
        format="json",
    )
    assert refused.status_code == 400 and refused.json()["ends_on"]
    forward = client.post(
        f"/api/v1/projects/{pk}/stage/",
        {"stage": "building", "reached_on": TODAY().isoformat()},
        format="json",
    )
    assert forward.status_code == 200 and forward.json()["stage"] == "building"
    back = client.post(
        f"/api/v1/projects/{pk}/stage/",
        {"stage": "signed", "reached_on": TODAY().isoformat()},
        format="json",
    )
    assert back.status_code == 400 and back.json()["reason"]
    assert Project.objects.get(pk=pk).stage == "building"


def test_a_team_member_may_not_patch_the_project(town_admin):
    member = factories.make_account("member")
    project = new_project(town_admin)
    services.set_members(town_admin, project.pk, members=[(member, "", False)])
    client = api(member)
    assert client.get(f"/api/v1/projects/{project.pk}/").status_code == 200
    assert (
        client.patch(f"/api/v1/projects/{project.pk}/", {"name": "x"}, format="json").status_code
        == 403
    )


def test_milestones_are_added_and_completed(town_admin):
    project = new_project(town_admin)
    client = api(town_admin)
    kind = factories.milestone_type()
    early = client.post(
        "/api/v1/project-milestones/",
        {
            "project": project.pk,
            "milestone_type": kind.pk,
            "name": "开工",
            "due_on": (project.starts_on - datetime.timedelta(days=1)).isoformat(),
        },
        format="json",
    )
    assert early.status_code == 400 and early.json()["due_on"]
    made = client.post(
        "/api/v1/project-milestones/",
        {
            "project": project.pk,
            "milestone_type": kind.pk,
            "name": "开工",
            "due_on": TODAY().isoformat(),
        },
        format="json",
    )
    assert made.status_code == 201, made.content
    assert made.json()["lag_working_days"] == 0 and made.json()["colour"] == "green"
    done = client.post(
        f"/api/v1/project-milestones/{made.json()['id']}/complete/",
        {"done_on": TODAY().isoformat()},
        format="json",
    )
    assert done.status_code == 200 and done.json()["done"] == TODAY().isoformat()


def test_permits_are_set_by_kind(town_admin):
    project = new_project(town_admin)
    client = api(town_admin)
    values = {"project": project.pk, "kind": "energy", "state": "applying"}
    assert client.post("/api/v1/project-permits/", values, format="json").status_code == 201
    again = client.post("/api/v1/project-permits/", {**values, "state": "approved"}, format="json")
    assert again.status_code == 200 and again.json()["state"] == "approved"
    pk = again.json()["id"]
    patched = client.patch(
        f"/api/v1/project-permits/{pk}/", {"number": "节能审查123"}, format="json"
    )
    assert patched.status_code == 200 and patched.json()["state"] == "approved"
    assert Permit.objects.get(pk=pk).number == "节能审查123"
    listed = client.get(f"/api/v1/project-permits/?project={project.pk}").json()["results"]
    assert [p["kind"] for p in listed] == ["energy"]
    assert api(other_town_admin()).get(f"/api/v1/project-permits/{pk}/").status_code == 404


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_queries_do_not_grow_with_the_rows(town_admin, project_2025):
    client = api(town_admin)
    detail = f"/api/v1/projects/{project_2025.pk}/"
    milestones = f"/api/v1/project-milestones/?project={project_2025.pk}"
    counts = (_queries(client, detail), _queries(client, milestones))
    owner = factories.make_account("owner")
    for day in range(1, 6):
        factories.make_milestone(
            project_2025, name=f"节点{day}", due_on=D(2025, 11, day), owner=owner
        )
    services.set_permit(None, project_2025.pk, kind="energy", state="applying")
    assert (_queries(client, detail), _queries(client, milestones)) == counts
    listed = _queries(client, "/api/v1/projects/")
    for number in range(3):
        new_project(town_admin, number=f"XM-3{number}", leader=owner)
    assert _queries(client, "/api/v1/projects/") == listed
