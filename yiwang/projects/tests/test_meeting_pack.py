"""The monthly meeting pack (调度会) as a PDF: its text through pdftotext names the red
project, its leader, its problem and the department; a town admin's pack has the town's
projects only; who may make it; a month that is not one."""

import shutil
import subprocess

import pytest
from django.test import Client
from django.urls import reverse

from yiwang.projects.models import ProgressEntry
from yiwang.projects.tests.test_battle_map import seed

pytestmark = pytest.mark.django_db

needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def _text(pdf: bytes) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return done.stdout.decode()


@needs_pdftotext
def test_the_pack_names_the_red_projects_leaders_and_problems(county_admin):
    rows = seed()
    month = f"{rows['today']:%Y-%m}"
    response = _client(county_admin).get(reverse("projects:meeting-pack"), {"month": month})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    text = _text(pdf)
    compact = "".join(text.split())
    assert "重点项目调度会材料" in compact
    assert f"{rows['today'].year}年{rows['today'].month}月" in compact
    # The red projects: ours and the other town's.
    assert "年产5万吨精密铸件技改项目" in compact and "汶上街道物流园项目" in compact
    assert "李副县长" in compact
    assert "主体开工" in compact and "土地" in compact
    assert "土地征收补偿款未拨付到位" in compact and "县发展和改革局" in compact
    # Not red: not listed.
    assert "智能装备产业园项目" not in compact and "新材料研发中心" not in compact
    # The cover's counts: 2 red, 1 yellow, 1 green, 4 in all.
    assert "红色2" in compact and "黄色1" in compact and "绿色1" in compact
    # The site photo is embedded.
    assert b"/Subtype /Image" in pdf or b"/Subtype/Image" in pdf


@needs_pdftotext
def test_a_town_admin_gets_the_towns_projects(town_admin):
    seed()
    response = _client(town_admin).get(reverse("projects:meeting-pack"))
    assert response.status_code == 200
    compact = "".join(_text(response.content).split())
    assert "年产5万吨精密铸件技改项目" in compact
    assert "汶上街道物流园项目" not in compact


def test_who_makes_the_pack_and_a_month_that_is_not_one(personas):
    seed()
    for who in ("chief", "worker", "outsider"):
        response = _client(personas[who]).get(reverse("projects:meeting-pack"))
        assert response.status_code == 403, who
    client = _client(personas["county"])
    for month in ("2026-13", "march", "2999-01"):
        response = client.get(reverse("projects:meeting-pack"), {"month": month})
        assert response.status_code == 400, month
        assert "月" in response.content.decode()


def test_the_packs_content_takes_a_fixed_number_of_queries(
    county_admin, django_assert_max_num_queries
):
    from yiwang.projects import meeting_pack_pdf
    from yiwang.projects.tests import factories
    from yiwang.projects.tests.test_battle_map import due_for_lag, site_photo

    rows = seed()
    month = rows["today"].replace(day=1)
    user = type(county_admin).objects.get(pk=county_admin.pk)
    with django_assert_max_num_queries(12) as few:
        pack = meeting_pack_pdf.build(user, month, today=rows["today"])
    assert [p.number for p in pack.red] == ["XM-001", "XM-004"]
    assert pack.red[0].photo.startswith("data:image/jpeg;base64,")
    for n in range(10):
        project = factories.make_project(f"XM-3{n:02}", f"红色项目{n}")
        factories.make_milestone(project, due_on=due_for_lag(rows["today"], 7))
        entry = ProgressEntry.objects.create(project=project, day=rows["today"], text="施工")
        site_photo(entry)
    user = type(county_admin).objects.get(pk=county_admin.pk)
    with django_assert_max_num_queries(len(few.captured_queries)):
        pack = meeting_pack_pdf.build(user, month, today=rows["today"])
    assert len(pack.red) == 12 and sum(bool(p.photo) for p in pack.red) == 11
