"""The overview page (volunteering by child area, every figure opening its records) and
the hours records page: what each persona sees, the figures' links, bad input."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from conftest import COUNTY, OTHER_UNIT, TOWN, VILLAGE
from yiwang.accounts.services import create_user
from yiwang.volunteering.tests.test_rollups import county_rows  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


def _page(user):
    client = Client()
    client.force_login(user)
    return client


def _this_month():
    """This month, and the last too when the rows of a day or two ago fall in it."""
    today = timezone.localdate()
    return {"from": f"{today - datetime.timedelta(days=3):%Y-%m}", "to": f"{today:%Y-%m}"}


def test_every_figure_opens_its_records(county_rows, county_admin):  # noqa: F811
    client = _page(county_admin)
    answer = client.get("/volunteering/", {"area": COUNTY, **_this_month()})
    assert answer.status_code == 200
    cells = {key: (value, link) for key, _label, value, link in answer.context["total"]}
    services, link = cells["services"]
    listed = client.get(link)
    assert listed.status_code == 200 and listed.context["count"] == services == 2
    for _value, link in cells.values():
        assert client.get(link).status_code == 200, link
    rows = {r["row"].code: r for r in answer.context["rows"]}
    assert rows[TOWN]["drill_url"] and rows[TOWN]["row"].name
    town = {key: (value, link) for key, _label, value, link in rows[TOWN]["cells"]}
    assert client.get(town["services"][1]).context["count"] == town["services"][0] == 1


def test_each_persona_sees_its_own_scope(county_rows, chief, worker, outsider):  # noqa: F811
    assert _page(chief).get("/volunteering/").context["area"].code == VILLAGE
    assert _page(worker).get("/volunteering/").status_code == 200
    assert _page(outsider).get("/volunteering/", {"area": TOWN}).status_code == 404
    assert _page(chief).get("/volunteering/", {"area": COUNTY}).status_code == 404
    # The outsider's records page lists the hours of the outsider's own village and the
    # outsider's own hours served elsewhere, no one else's.
    listed = list(_page(outsider).get("/volunteering/records/").context["page_obj"])
    assert listed and all(
        r.area_code.startswith(OTHER_UNIT[:12]) or r.volunteer.user == outsider for r in listed
    )
    assert any(not r.area_code.startswith(OTHER_UNIT[:12]) for r in listed)


def test_someone_without_a_post_is_refused(tree):
    nobody = create_user(actor=None, username="nobody", password="x-Pass-2026!")
    assert _page(nobody).get("/volunteering/").status_code == 403
    assert _page(nobody).get("/volunteering/records/").status_code == 403


def test_bad_input_gets_a_message(county_rows, county_admin):  # noqa: F811
    client = _page(county_admin)
    answer = client.get("/volunteering/", {"from": "2026-13"})
    assert answer.status_code == 200 and "from" in answer.context["errors"]
    assert client.get("/volunteering/records/", {"since": "yesterday"}).status_code == 400


def test_the_records_page_reads_a_fixed_number_of_queries(
    county_rows,  # noqa: F811
    county_admin,
    django_assert_max_num_queries,
):
    client = _page(county_admin)
    client.get("/volunteering/records/")
    with django_assert_max_num_queries(14):
        answer = client.get("/volunteering/records/")
    assert answer.status_code == 200 and answer.context["count"] == 5
