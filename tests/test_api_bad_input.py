"""Bad input that used to be a 500 answers 400 with a message, on every list of the API
and the pages: an area code of other digits than 0-9 (`?under=¹`), ids beyond what a
database holds, an impossible time, a JSON body nested too deeply; and the pagination and
filters the schema describes refuse what it does not allow."""

import json

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from conftest import UNIT
from yiwang.core.parsers import MAX_JSON_DEPTH, json_depth
from yiwang.core.scoping import is_area_code, subtree_q
from yiwang.core.validators import read_id
from yiwang.registry.models import Resident

SUPERSCRIPT_ONE = "\u00b9"  # '¹': str.isdigit() is true of it, int() refuses it


def _schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _lists_with(parameter: str) -> list[str]:
    """Every GET of the API whose query takes `parameter`, without path parameters."""
    found = []
    for path, operations in _schema()["paths"].items():
        get = operations.get("get")
        if "{" in path or get is None:
            continue
        if any(p["name"] == parameter for p in get.get("parameters", [])):
            found.append(path)
    return sorted(found)


@pytest.fixture
def county_api(county_admin):
    api = APIClient()
    api.force_authenticate(county_admin)
    return api


def test_it_reads_only_ascii_digits_as_an_area_code():
    assert is_area_code("370830001")
    assert not is_area_code(SUPERSCRIPT_ONE)
    assert not is_area_code("37083０")  # a full-width zero
    assert not is_area_code("")
    assert not is_area_code("1" * 19)
    # Not a code: a prefix that matches nothing, never read as a number.
    assert subtree_q("area_code", SUPERSCRIPT_ONE) is not None


def test_it_reads_ids_within_what_a_database_holds():
    assert read_id("12") == 12 and read_id(12) == 12
    assert read_id(SUPERSCRIPT_ONE) is None
    assert read_id("1" + "0" * 30) is None
    assert read_id(2**63) is None and read_id(2**63 - 1) == 2**63 - 1
    assert read_id("0") is None and read_id(True) is None


def test_every_api_list_has_an_area_filter_to_check():
    assert len(_lists_with("under")) >= 12


@pytest.mark.parametrize("path", _lists_with("under"))
def test_every_api_list_refuses_an_area_code_of_other_digits(county_api, path):
    response = county_api.get(path, {"under": SUPERSCRIPT_ONE})

    assert response.status_code == 400, response.content
    assert "under" in response.json()
    assert "0-9" in response.json()["under"][0]


PAGES = [
    ("accounts:posts", "under"),
    ("cases:list", "under"),
    ("cases:rate-cases", "under"),
    ("core:audit", "under"),
    ("registry:residents", "under"),
    ("registry:migrants", "under"),
    ("outreach:visits", "under"),
    ("outreach:occurrences", "under"),
    ("outreach:enterprises", "under"),
    ("outreach:pairings", "area"),
    ("outreach:events", "under"),
    ("outreach:meetings", "under"),
]


@pytest.mark.parametrize(("name", "parameter"), PAGES)
def test_every_page_list_refuses_an_area_code_of_other_digits(
    client, county_admin, name, parameter
):
    client.force_login(county_admin)

    response = client.get(reverse(name), {parameter: SUPERSCRIPT_ONE})

    assert response.status_code == 400
    page = response.content.decode()
    assert "区域代码为 1 到 18 位数字 0-9" in page
    assert "Traceback" not in page


@pytest.mark.parametrize("value", ["1e30", "1" + "0" * 30, "-1", SUPERSCRIPT_ONE])
def test_an_id_filter_beyond_a_database_is_refused(county_api, client, county_admin, value):
    api = county_api.get("/api/v1/residents/", {"household": value})
    client.force_login(county_admin)
    page = client.get(reverse("registry:residents"), {"household": value})

    assert api.status_code == 400 and "household" in api.json()
    assert page.status_code == 400


def test_ids_beyond_a_database_in_a_body_are_refused(county_api):
    event = county_api.post(
        "/api/v1/events/",
        {
            "event_type": "x",
            "title": "t",
            "happened_at": "2026-01-01T09:00:00+08:00",
            "area_code": UNIT,
            "attendees": [10**20],
        },
        format="json",
    )
    programme = county_api.post(
        "/api/v1/programmes/",
        {
            "name": "p",
            "subject_kind": "household",
            "visit_every_days": 30,
            "chosen_sponsors": [10**20],
        },
        format="json",
    )

    assert event.status_code == 400 and "attendees" in event.json()
    assert programme.status_code == 400 and "chosen_sponsors" in programme.json()


def test_an_impossible_visit_time_is_refused_with_a_message(county_api):
    response = county_api.post(
        "/api/v1/visits/",
        {
            "uuid": "5a7f6d38-8f5e-4a8e-9a43-0a4a1c1f2b3c",
            "visited_at": "2026-13-45T99:99",
            "outcome": "met",
        },
        format="json",
    )

    assert response.status_code == 400
    assert "visited_at" in response.json()


@pytest.mark.parametrize("path", ["/api/v1/visits/", "/api/v1/areas/", "/api/v1/cases/"])
def test_a_body_nested_too_deeply_is_refused(county_api, path):
    body = "[" * 100_000 + "]" * 100_000

    response = county_api.generic("POST", path, body, content_type="application/json")

    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


def test_the_depth_of_json_counts_brackets_outside_strings_only():
    assert json_depth('{"a": [1, {"b": "[[[["}]}') == 3
    assert json_depth(json.dumps([[[]]])) == 3
    assert json_depth("[" * (MAX_JSON_DEPTH + 1)) > MAX_JSON_DEPTH


@pytest.mark.parametrize(
    "query",
    [
        {"offset": "null"},
        {"offset": "-1"},
        {"limit": "0"},
        {"limit": "x"},
        {"offset": "1" + "0" * 30},
    ],
)
def test_pagination_refuses_what_is_not_a_whole_number_in_range(county_api, query):
    response = county_api.get("/api/v1/areas/", query)

    assert response.status_code == 400
    assert set(query) <= set(response.json())


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/v1/audit/", {"until": ""}),
        ("/api/v1/cases/", {"urgent": "null"}),
        ("/api/v1/areas/", {"name": ""}),
    ],
)
def test_api_filters_refuse_empty_and_non_boolean_values(county_api, path, query):
    response = county_api.get(path, query)

    assert response.status_code == 400
    assert set(query) <= set(response.json())


def test_pages_still_read_empty_filters_as_no_filter(client, county_admin):
    client.force_login(county_admin)

    response = client.get(reverse("core:audit"), {"until": "", "under": "", "action": ""})

    assert response.status_code == 200


def test_a_text_field_refuses_a_number(county_api):
    response = county_api.post(
        "/api/v1/tags/", {"code": "t1", "name": 12, "category": "elderly"}, format="json"
    )

    assert response.status_code == 400 and "name" in response.json()
    assert Resident.objects.count() == 0
