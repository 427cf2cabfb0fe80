"""Names for codes on the pages (yiwang.core.display and its template tags): areas by name
with their level, in one query for a whole list; durations in days and hours; yes/no
filters whose empty choice is a word."""

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from conftest import GRID, UNIT, VILLAGE
from yiwang.cases.tests.conftest import new_case
from yiwang.core.display import duration

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "minutes, shown",
    [
        (1440, "24 小时"),
        (4320, "3 天"),
        (2880, "2 天"),
        (90, "1 小时 30 分钟"),
        (30, "30 分钟"),
        (1500, "1 天 1 小时"),
        (0, "0 分钟"),
        (None, "—"),
    ],
)
def test_a_duration_reads_in_days_and_hours(minutes, shown):
    with translation.override("zh-hans"):
        assert duration(minutes) == shown


def _render(source: str, **context) -> str:
    with translation.override("zh-hans"):
        return Template("{% load display %}" + source).render(Context(context))


def test_a_list_names_its_areas_in_one_query(tree):
    rows = [{"area_code": UNIT}, {"area_code": GRID}, {"area_code": VILLAGE}, {"area_code": ""}]
    source = (
        '{% area_names rows "area_code" as names %}'
        "{% for row in rows %}[{% area names row.area_code %}]{% endfor %}"
    )
    with CaptureQueriesContext(connection) as queries:
        html = _render(source, rows=rows)
    assert len(queries) == 1
    assert (
        '<span class="area-name">第1单元</span> <span class="small text-muted">单元网格</span>'
        in html
    )
    assert '<span class="area-name">第一网格</span>' in html
    assert f'<span class="code small text-muted d-none d-md-inline">{GRID}</span>' in html
    assert "[—]" in html


def test_a_code_that_names_no_area_shows_as_it_is(tree):
    html = _render("{% area None code %}|{{ code|area_name }}", code="999999")
    assert html == '<span class="code">999999</span>|999999'


def test_the_case_page_names_who_handles_it_and_where(client, chief, county_admin):
    case = new_case(unit=UNIT, stage="in_progress")
    client.force_login(county_admin)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    handled = page.split("承办方")[1].split("</dd>")[0]
    assert '<span class="area-name">' in handled
    assert case.assignee_area_code in handled  # small and secondary
    where = page.split(">地点</dt>")[1].split("</dd>")[0]
    assert '<span class="area-name">第1单元</span>' in where


def test_category_limits_read_in_hours_and_days(client, county_admin):
    client.force_login(county_admin)
    page = client.get(reverse("cases:categories")).content.decode()
    assert "1440 分钟" not in page and "分钟</td>" not in page.replace("30 分钟</td>", "")
    assert "小时</td>" in page


def test_a_yes_no_filter_offers_all_not_unknown(client, county_admin):
    client.force_login(county_admin)
    page = client.get(reverse("cases:list")).content.decode()
    overdue = page.split('name="overdue"')[1].split("</select>")[0]
    assert '<option value="unknown" selected>全部</option>' in overdue
    assert "未知" not in overdue
    assert "---------" not in page
    # What a client sends is read as before.
    assert client.get(reverse("cases:list"), {"overdue": "true"}).status_code == 200
