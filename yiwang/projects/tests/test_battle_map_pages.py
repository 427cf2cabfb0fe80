"""The battle map's page in Chinese: the projects' table, the Gantt's data, the filters,
the funnel and the bottlenecks with their records, the banner of a year the calendar does
not know; who may open it; the site photos; a fixed number of queries."""

import datetime
import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from conftest import OTHER_TOWN
from yiwang.projects.models import CalendarYear, Milestone
from yiwang.projects.tests import factories
from yiwang.projects.tests.test_battle_map import seed
from yiwang.projects.workdays import calendar

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def _data(response) -> dict:
    found = re.search(
        r'<script id="gantt-data" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    return json.loads(found.group(1))


def test_the_command_post_sees_every_project_in_chinese(county_admin):
    rows = seed()
    response = _client(county_admin).get(reverse("projects:map"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "作战图" in html and "调度会" in html
    for name in ("年产5万吨精密铸件技改项目", "汶上街道物流园项目", "李副县长", "县发展和改革局"):
        assert name in html
    assert f'id="project-{rows["red"].pk}" data-colour="red"' in html
    assert f'id="project-{rows["yellow"].pk}" data-colour="yellow"' in html
    assert 'id="count-red">2<' in html
    data = _data(response)
    red = next(p for p in data["projects"] if p["id"] == rows["red"].pk)
    assert red["colour"] == "red" and red["leader"] == "李副县长"
    assert red["problems"][0]["department"] == "县发展和改革局"
    assert red["red"][0]["lag"] == 8 and red["red"][0]["cause"] == "土地"
    assert red["photo"] == reverse("projects:photo", args=[rows["photo"].pk, "thumbnail"])
    assert data["labels"]["today"] == "今日"
    # The funnel's table and the bottlenecks' tables, server-rendered.
    assert 'id="funnel-table"' in html and 'id="bottlenecks-causes"' in html
    assert 'data-stage="building"' in html


def test_the_filters_and_a_town_admin_sees_the_towns_projects(county_admin, town_admin):
    rows = seed()
    response = _client(county_admin).get(reverse("projects:map"), {"area": OTHER_TOWN})
    assert [p["id"] for p in _data(response)["projects"]] == [rows["foreign"].pk]
    response = _client(county_admin).get(reverse("projects:map"), {"colour": "yellow"})
    assert [p["id"] for p in _data(response)["projects"]] == [rows["yellow"].pk]
    # An unknown value is left out, not an error.
    assert _client(county_admin).get(reverse("projects:map"), {"stage": "x"}).status_code == 200
    response = _client(town_admin).get(reverse("projects:map"))
    ids = {p["id"] for p in _data(response)["projects"]}
    assert ids == {rows["red"].pk, rows["yellow"].pk, rows["green"].pk}
    assert "汶上街道物流园项目" not in response.content.decode()


def test_who_opens_the_battle_map(personas):
    rows = seed()
    codes = {
        who: _client(user).get(reverse("projects:map")).status_code
        for who, user in personas.items()
    }
    assert codes == {"county": 200, "town": 200, "chief": 403, "worker": 403, "outsider": 403}
    # A special team's member without a post, and the department's staff.
    response = _client(rows["member"]).get(reverse("projects:map"))
    assert [p["id"] for p in _data(response)["projects"]] == [rows["yellow"].pk]
    response = _client(rows["staff"]).get(reverse("projects:map"))
    assert [p["id"] for p in _data(response)["projects"]] == [rows["red"].pk]


def test_the_bottlenecks_open_their_records(county_admin):
    rows = seed()
    client = _client(county_admin)
    html = client.get(reverse("projects:map")).content.decode()
    # Land: the red project's milestone (8 days late) and the foreign one's (untagged).
    assert re.search(
        r'data-cause="land"><th scope="row">土地</th><td class="text-end"><a href="([^"]+)">1</a>',
        html,
    )
    records = client.get(reverse("projects:map"), {"late": "land"}).content.decode()
    assert 'id="records"' in records and "主体开工" in records
    records = client.get(
        reverse("projects:map"), {"problems": "overdue", "department": rows["department"].pk}
    ).content.decode()
    assert "土地征收补偿款未拨付到位" in records
    records = client.get(
        reverse("projects:map"), {"problems": "resolved", "department": rows["department"].pk}
    ).content.decode()
    assert "土地征收补偿款未拨付到位" not in records


def test_a_year_the_calendar_does_not_know_is_a_banner(county_admin):
    rows = seed()
    known = calendar()
    year = max(known.years) + 1
    Milestone.objects.filter(pk=rows["late"].pk).update(
        due_on=datetime.date(year, 1, 5), done_on=datetime.date(year, 2, 1)
    )
    assert not CalendarYear.objects.filter(year=year).exists()
    response = _client(county_admin).get(reverse("projects:map"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="battle-map-unknown-year"' in html and str(year) in html


def test_the_site_photo_for_whoever_sees_its_project(county_admin, town_admin, outsider, chief):
    rows = seed()
    pk = rows["photo"].pk
    for variant in ("file", "thumbnail"):
        response = _client(county_admin).get(reverse("projects:photo", args=[pk, variant]))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("image/")
    assert _client(town_admin).get(reverse("projects:photo", args=[pk, "file"])).status_code == 200
    assert (
        _client(rows["staff"]).get(reverse("projects:photo", args=[pk, "file"])).status_code == 200
    )
    for user in (outsider, chief, rows["member"]):
        assert _client(user).get(reverse("projects:photo", args=[pk, "file"])).status_code == 404
    assert _client(county_admin).get(reverse("projects:photo", args=[pk, "raw"])).status_code == 404


def test_the_page_takes_a_fixed_number_of_queries(county_admin, django_assert_max_num_queries):
    rows = seed()
    client = _client(county_admin)
    client.get(reverse("projects:map"))  # the session and the posts warmed
    with django_assert_max_num_queries(40) as first:
        client.get(reverse("projects:map"))
    for n in range(15):
        project = factories.make_project(f"XM-2{n:02}", f"项目{n}", leader=rows["leader"])
        for i in range(4):
            factories.make_milestone(project, f"节点{i}", due_on=rows["today"])
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = client.get(reverse("projects:map"))
    assert len(_data(response)["projects"]) == 19
