"""API v1 of programmes, pairings and enterprises: scope for every persona, writes through
the services, coverage, pinned query counts."""

import pytest
from rest_framework.test import APIClient

from conftest import OTHER_UNIT, UNIT, VILLAGE
from yiwang.outreach.models import Enterprise, Pairing, Programme
from yiwang.outreach.services import pairings as services
from yiwang.outreach.services.enterprises import create_enterprise
from yiwang.outreach.tests.test_pairings import make_households, make_worker

pytestmark = pytest.mark.usefixtures("english")  # the tests read the messages

CREDIT_CODE = "91110000600037341L"
OTHER_CREDIT_CODE = "91370830MA3C4KXX48"


def api_as(user):
    api = APIClient()
    api.force_authenticate(type(user).objects.get(pk=user.pk))
    return api


@pytest.fixture
def members(db):
    return Programme.objects.get(code="member_households")


@pytest.fixture
def paired(members, personas):
    """One pairing in the worker's unit, one in the outsider's."""
    here = make_households(UNIT, 1)[0]
    there = make_households(OTHER_UNIT, 1)[0]
    mine = services.assign(
        actor=None, programme_id=members.pk, sponsor_id=personas["worker"].pk, household_id=here.pk
    )
    theirs = services.assign(
        actor=None,
        programme_id=members.pk,
        sponsor_id=personas["outsider"].pk,
        household_id=there.pk,
    )
    return mine, theirs


@pytest.mark.parametrize(
    "persona, visible",
    [
        ("county", {"mine", "theirs"}),
        ("town", {"mine"}),
        ("chief", {"mine"}),
        ("worker", {"mine"}),
        ("outsider", {"theirs"}),
    ],
)
def test_it_lists_the_pairings_in_scope(personas, paired, persona, visible):
    ids = {"mine": paired[0].pk, "theirs": paired[1].pk}
    response = api_as(personas[persona]).get("/api/v1/pairings/")
    assert response.status_code == 200
    assert {r["id"] for r in response.json()["results"]} == {ids[v] for v in visible}
    hidden = set(ids) - visible
    for name in hidden:
        assert api_as(personas[persona]).get(f"/api/v1/pairings/{ids[name]}/").status_code == 404


def test_it_filters_pairings(personas, paired, members):
    api = api_as(personas["county"])
    worker = personas["worker"]
    assert [
        r["id"] for r in api.get(f"/api/v1/pairings/?sponsor={worker.pk}").json()["results"]
    ] == [paired[0].pk]
    assert [r["id"] for r in api.get(f"/api/v1/pairings/?area={OTHER_UNIT}").json()["results"]] == [
        paired[1].pk
    ]
    services.end(actor=None, pairing_id=paired[0].pk, reason="迁出")
    current = api.get(f"/api/v1/pairings/?current=true&programme={members.pk}").json()
    assert [r["id"] for r in current["results"]] == [paired[1].pk]
    ended = api.get("/api/v1/pairings/?current=false").json()
    assert [r["id"] for r in ended["results"]] == [paired[0].pk]


def test_it_lists_pairings_in_a_fixed_number_of_queries(
    personas, members, django_assert_num_queries
):
    households = make_households(UNIT, 5)
    for household in households:
        services.assign(
            actor=None,
            programme_id=members.pk,
            sponsor_id=personas["worker"].pk,
            household_id=household.pk,
        )
    api = api_as(personas["chief"])
    with django_assert_num_queries(3):  # posts, count, page
        response = api.get("/api/v1/pairings/")
    assert response.json()["count"] == 5


@pytest.mark.parametrize(
    "persona, expected", [("county", 201), ("chief", 201), ("worker", 403), ("outsider", 404)]
)
def test_it_assigns_through_the_api(personas, members, persona, expected):
    household = make_households(UNIT, 1)[0]
    response = api_as(personas[persona]).post(
        "/api/v1/pairings/",
        {"programme": members.pk, "sponsor": personas["worker"].pk, "household": household.pk},
        format="json",
    )
    assert response.status_code == expected, response.content
    if expected == 201:
        assert response.json()["area_code"] == UNIT


def test_it_answers_400_naming_the_field(personas, members):
    household = make_households(UNIT, 1)[0]
    response = api_as(personas["chief"]).post(
        "/api/v1/pairings/",
        {"programme": members.pk, "sponsor": personas["town"].pk, "household": household.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "not a sponsor of this programme" in response.json()["sponsor"][0]


def test_it_ends_and_transfers_through_the_api(personas, paired):
    api = api_as(personas["chief"])
    other = make_worker("worker-2", UNIT)
    response = api.post(
        f"/api/v1/pairings/{paired[0].pk}/transfer/", {"sponsor": other.pk}, format="json"
    )
    assert response.status_code == 201, response.content
    new = response.json()
    assert (new["sponsor"], new["transferred_from"]) == (other.pk, paired[0].pk)
    response = api.post(f"/api/v1/pairings/{new['id']}/end/", {"reason": "户已迁出"}, format="json")
    assert response.status_code == 200
    assert response.json()["is_current"] is False
    # The outsider's pairing is out of the chief's scope.
    response = api.post(f"/api/v1/pairings/{paired[1].pk}/end/", {"reason": "x"}, format="json")
    assert response.status_code == 404


def test_it_auto_assigns_through_the_api(personas, members):
    make_households(UNIT, 3)
    response = api_as(personas["chief"]).post(
        "/api/v1/pairings/auto-assign/", {"programme": members.pk, "area": VILLAGE}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {"unpaired": 3, "paired": 3, "left": 0}
    response = api_as(personas["worker"]).post(
        "/api/v1/pairings/auto-assign/", {"programme": members.pk, "area": UNIT}, format="json"
    )
    assert response.status_code == 403


def test_it_answers_coverage_within_the_scope(personas, paired, members):
    make_households(UNIT, 2, start=10)
    url = f"/api/v1/pairings/coverage/?programme={members.code}&area={VILLAGE}"
    response = api_as(personas["chief"]).get(url)
    assert response.status_code == 200
    data = response.json()
    assert (data["total"]["eligible"], data["total"]["paired"], data["total"]["unpaired"]) == (
        3,
        1,
        2,
    )
    assert data["loads"] == {"min": 1, "avg": 1.0, "max": 1}
    assert api_as(personas["outsider"]).get(url).status_code == 404
    assert (
        api_as(personas["chief"]).get("/api/v1/pairings/coverage/?area=" + VILLAGE).status_code
        == 400
    )


def test_everyone_reads_the_programmes_and_only_the_county_admin_writes(personas):
    for persona in personas.values():
        response = api_as(persona).get("/api/v1/programmes/")
        assert response.status_code == 200
        assert response.json()["count"] == Programme.objects.count()
    body = {
        "code": "api_programme",
        "name": "接口结对",
        "subject_kind": "household",
        "sponsor_role": "grid_worker",
        "visit_every_days": 14,
    }
    assert (
        api_as(personas["town"]).post("/api/v1/programmes/", body, format="json").status_code == 403
    )
    response = api_as(personas["county"]).post("/api/v1/programmes/", body, format="json")
    assert response.status_code == 201, response.content
    response = api_as(personas["county"]).patch(
        "/api/v1/programmes/api_programme/", {"visit_every_days": 0}, format="json"
    )
    assert response.status_code == 400
    assert "visit_every_days" in response.json()
    response = api_as(personas["county"]).patch(
        "/api/v1/programmes/api_programme/", {"sponsor_role": ""}, format="json"
    )
    assert response.status_code == 400
    assert "sponsor_role" in response.json()


# --- enterprises ------------------------------------------------------------------------


@pytest.fixture
def enterprises(tree):
    here = create_enterprise(
        actor=None,
        name="汶上纺织",
        credit_code=CREDIT_CODE,
        area_code=VILLAGE,
        contact_phone="13812345678",
    )
    there = create_enterprise(
        actor=None, name="外镇企业", credit_code=OTHER_CREDIT_CODE, area_code=OTHER_UNIT
    )
    return here, there


@pytest.mark.parametrize(
    "persona, visible",
    [
        ("county", {"here", "there"}),
        ("town", {"here"}),
        ("chief", {"here"}),
        ("worker", set()),
        ("outsider", {"there"}),
    ],
)
def test_it_lists_the_enterprises_in_scope(personas, enterprises, persona, visible):
    ids = {"here": enterprises[0].pk, "there": enterprises[1].pk}
    results = api_as(personas[persona]).get("/api/v1/enterprises/").json()["results"]
    assert {r["id"] for r in results} == {ids[v] for v in visible}
    for name in set(ids) - visible:
        response = api_as(personas[persona]).get(f"/api/v1/enterprises/{ids[name]}/")
        assert response.status_code == 404


def test_it_masks_the_contact_phone(personas, enterprises):
    data = api_as(personas["chief"]).get(f"/api/v1/enterprises/{enterprises[0].pk}/").json()
    assert data["contact_phone"] == "138****5678"


def test_it_writes_enterprises_through_the_api(personas, tree):
    api = api_as(personas["chief"])
    response = api.post(
        "/api/v1/enterprises/",
        {"name": "新企业", "credit_code": "91110000600037341l", "area_code": VILLAGE},
        format="json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["credit_code"] == CREDIT_CODE
    response = api.post(
        "/api/v1/enterprises/",
        {"name": "重复", "credit_code": CREDIT_CODE, "area_code": VILLAGE},
        format="json",
    )
    assert response.status_code == 400
    assert "already registered" in response.json()["credit_code"][0]
    response = api.post(
        "/api/v1/enterprises/",
        {"name": "外镇", "credit_code": OTHER_CREDIT_CODE, "area_code": OTHER_UNIT},
        format="json",
    )
    assert response.status_code == 404
    response = api.patch(f"/api/v1/enterprises/{pk}/", {"industry": "纺织"}, format="json")
    assert response.json()["industry"] == "纺织"
    response = api.post(f"/api/v1/enterprises/{pk}/deactivate/")
    assert response.json()["is_active"] is False
    assert not Enterprise.objects.get(pk=pk).is_active
    assert Pairing.objects.count() == 0
