"""API v1 for areas: detail by code, children, subtree, roll-up, locate, create, errors."""

import pytest
from rest_framework.test import APIClient

from conftest import COUNTY, GRID, OTHER_TOWN, OTHER_VILLAGE, PASSWORD, TOWN, UNIT, VILLAGE
from yiwang.areas.models import Area
from yiwang.areas.services import set_boundary
from yiwang.core.models import AuditEntry

from .test_services import box


@pytest.fixture
def api():
    return APIClient()


def as_user(api, user):
    response = api.post(
        "/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return api


def test_it_issues_a_token_for_good_credentials_only(api, chief):
    bad = api.post("/api/v1/auth/token/", {"username": "chief", "password": "wrong"}, format="json")
    assert bad.status_code == 400 and "non_field_errors" in bad.json()

    as_user(api, chief)
    assert api.get(f"/api/v1/areas/{VILLAGE}/").status_code == 200


def test_it_requires_authentication(api, tree):
    assert api.get("/api/v1/areas/").status_code == 401


def test_it_shows_an_area_by_code_with_its_boundary(api, chief):
    set_boundary(actor=None, code=GRID, boundary=box(0, 0, 1, 1))
    as_user(api, chief)

    data = api.get(f"/api/v1/areas/{GRID}/").json()

    assert data["code"] == GRID and data["level"] == "grid" and data["parent_code"] == VILLAGE
    assert data["boundary"] == box(0, 0, 1, 1)


def test_an_area_of_another_town_is_not_found_by_code_exactly_like_a_missing_one(api, chief):
    as_user(api, chief)

    foreign = api.get(f"/api/v1/areas/{OTHER_VILLAGE}/")
    missing = api.get("/api/v1/areas/370830099999/")

    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()


def test_the_list_holds_only_the_scope(api, chief):
    as_user(api, chief)

    codes = [a["code"] for a in api.get("/api/v1/areas/?limit=500").json()["results"]]

    assert codes[0] == VILLAGE and all(c.startswith(VILLAGE) for c in codes)
    assert len(codes) == 7  # the village, two grids, four units


def test_children_and_subtree(api, town_admin):
    as_user(api, town_admin)

    children = api.get(f"/api/v1/areas/{VILLAGE}/children/").json()["results"]
    units = api.get(f"/api/v1/areas/{TOWN}/subtree/?level=unit").json()

    assert [c["code"] for c in children] == [GRID, VILLAGE + "002"]
    assert units["count"] == 4 and {u["level"] for u in units["results"]} == {"unit"}


def test_the_rollup_counts_grids_units_and_workers_per_child(api, county_admin, worker, outsider):
    as_user(api, county_admin)

    rows = {r["code"]: r for r in api.get(f"/api/v1/areas/{COUNTY}/rollup/").json()}

    assert len(rows) == 15
    assert (rows[TOWN]["grids"], rows[TOWN]["units"], rows[TOWN]["workers"]) == (2, 4, 1)
    assert (rows[OTHER_TOWN]["grids"], rows[OTHER_TOWN]["units"], rows[OTHER_TOWN]["workers"]) == (
        1,
        2,
        1,
    )


def test_locate_answers_the_unit_in_scope_and_404_outside(api, chief, outsider):
    set_boundary(actor=None, code=UNIT, boundary=box(116.0, 35.0, 116.1, 35.1))
    as_user(api, chief)

    assert api.get("/api/v1/areas/locate/?lng=116.05&lat=35.05").json()["code"] == UNIT
    assert api.get("/api/v1/areas/locate/?lng=10&lat=10").status_code == 404
    bad = api.get("/api/v1/areas/locate/?lng=east&lat=35")
    assert bad.status_code == 400 and "lng" in bad.json()

    other = APIClient()
    as_user(other, outsider)
    assert other.get("/api/v1/areas/locate/?lng=116.05&lat=35.05").status_code == 404


def test_it_creates_a_unit_and_audits_it_as_an_api_write(api, chief):
    as_user(api, chief)

    response = api.post("/api/v1/areas/", {"parent_code": GRID, "name": "新单元"}, format="json")

    assert response.status_code == 201, response.content
    code = response.json()["code"]
    assert Area.objects.get(code=code).level == "unit"
    entry = AuditEntry.objects.get(action="area.create", area_code=code)
    assert entry.source == "api" and entry.actor == chief


def test_bad_input_gets_the_field_and_reason_in_json_and_changes_nothing(api, county_admin):
    as_user(api, county_admin)
    count = Area.objects.count()

    unit_under_town = api.post(
        "/api/v1/areas/", {"parent_code": TOWN, "name": "x", "level": "unit"}, format="json"
    )
    crossing = api.post(
        "/api/v1/areas/",
        {
            "parent_code": VILLAGE,
            "name": "x",
            "boundary": {
                "type": "Polygon",
                "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]],
            },
        },
        format="json",
    )
    no_name = api.post("/api/v1/areas/", {"parent_code": VILLAGE}, format="json")

    assert unit_under_town.status_code == 400 and list(unit_under_town.json()) == ["parent"]
    assert unit_under_town.json()["parent"] == ["单元网格只能建在二级网格之下。"]
    assert crossing.status_code == 400 and list(crossing.json()) == ["boundary"]
    assert no_name.status_code == 400 and "name" in no_name.json()
    assert Area.objects.count() == count


def test_a_write_to_another_towns_area_is_not_found(api, chief):
    as_user(api, chief)

    response = api.post(
        "/api/v1/areas/", {"parent_code": OTHER_VILLAGE, "name": "x"}, format="json"
    )
    patch = api.patch(f"/api/v1/areas/{OTHER_VILLAGE}/", {"name": "x"}, format="json")

    assert response.status_code == 404 and patch.status_code == 404
    assert not Area.objects.filter(name="x").exists()


def test_a_rename_through_the_api(api, chief):
    as_user(api, chief)

    response = api.patch(f"/api/v1/areas/{GRID}/", {"name": "东片网格"}, format="json")

    assert response.status_code == 200 and Area.objects.get(code=GRID).name == "东片网格"


def test_the_schema_and_docs_are_served(api, county_admin):
    api.force_login(county_admin)  # only for signed-in users (tests/test_api_schema.py)
    schema = api.get("/api/v1/schema/")
    docs = api.get("/api/v1/docs/")

    assert schema.status_code == 200 and b"/api/v1/areas/{code}/rollup/" in schema.content
    assert docs.status_code == 200
