"""API v1 for the ledger: households, residents (search, life events, reveal), tags,
migrants, likely duplicates, the roll-up; masking, scope and pinned query counts."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from conftest import OTHER_UNIT, SHARED, UNIT, VILLAGE
from yiwang.accounts.services import create_user
from yiwang.core.models import AuditEntry
from yiwang.registry.models import Household, LifeEvent, Migrant, Resident, Reveal, Tag
from yiwang.registry.services import add_resident, create_household, register_migrant

from .conftest import make_id

SECOND_UNIT = "370830001001001002"


def api_as(user):
    """A client signed in as `user`, read afresh as each request reads its user (no posts
    cached on the instance by the fixtures' services)."""
    api = APIClient()
    api.force_authenticate(type(user).objects.get(pk=user.pk))
    return api


def allow(user, codename):
    user.user_permissions.add(Permission.objects.get(codename=codename))
    # The permission cache lives on the instance: read the user afresh.
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def ledger(worker, household, other_household):
    """The village's household 001 (张三, 李四) with a phone; the outsider's 101 (王五)."""
    zhang = Resident.objects.get(name="张三")
    add_resident(
        actor=worker,
        household_id=household.pk,
        name="张小三",
        relation="child",
        id_number=make_id("19900909", "051"),
        phone="13812345678",
    )
    return {"household": household, "zhang": zhang, "foreign": other_household}


def full_numbers():
    return [n for n in Resident.objects.values_list("id_number", flat=True) if n] + ["13812345678"]


def assert_nothing_unmasked(response):
    body = response.content.decode()
    for number in full_numbers():
        assert number not in body, f"{number} leaked unmasked"


# --- households -------------------------------------------------------------------------


def test_it_lists_households_with_their_members_masked(chief, ledger):
    response = api_as(chief).get("/api/v1/households/")

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert (row["unit_code"], row["number"], row["category"]) == (UNIT, "001", "ordinary")
    assert [m["name"] for m in row["members"]] == ["张三", "李四", "张小三"]
    zhang = ledger["zhang"]
    assert row["members"][0]["id_number"] == zhang.masked_id_number
    assert_nothing_unmasked(response)


def test_it_creates_a_household_in_a_unit_of_the_scope(worker, tree):
    response = api_as(worker).post(
        "/api/v1/households/",
        {"unit_code": UNIT, "number": "009", "address": "南门街 9 号"},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["members"] == [] and response.json()["number"] == "009"
    entry = AuditEntry.objects.get(action="household.create")
    assert entry.source == "api" and entry.actor_username == "worker"


def test_it_refuses_a_household_in_a_unit_out_of_scope_as_not_found(worker, tree):
    response = api_as(worker).post(
        "/api/v1/households/", {"unit_code": OTHER_UNIT, "number": "009"}, format="json"
    )

    assert response.status_code == 404
    assert not Household.objects.filter(number="009").exists()


def test_a_duplicate_household_number_is_a_400_naming_the_field(worker, household):
    response = api_as(worker).post(
        "/api/v1/households/", {"unit_code": UNIT, "number": "001"}, format="json"
    )

    assert response.status_code == 400 and "number" in response.json()


# --- residents --------------------------------------------------------------------------


def test_it_searches_residents_as_the_page_does_and_masks_them(chief, ledger):
    api = api_as(chief)
    zhang = ledger["zhang"]

    def found(text):
        response = api.get("/api/v1/residents/", {"search": text})
        assert response.status_code == 200
        assert_nothing_unmasked(response)
        return [r["name"] for r in response.json()["results"]]

    assert found("zs") == ["张三"]
    assert found("zx") == ["张小三"]
    assert found(zhang.id_number[-4:]) == ["张三"]
    assert found("5678") == ["张小三"]
    assert found("张") == ["张三", "张小三"]
    assert found("小三") == ["张小三"]  # any part of the name
    by_address = api.get("/api/v1/residents/", {"address": "南门街"}).json()["results"]
    assert [r["name"] for r in by_address] == ["张三", "李四", "张小三"]
    row = api.get("/api/v1/residents/", {"search": "5678"}).json()["results"][0]
    assert row["phone"] == "138****5678" and row["id_number"].startswith("3708**********")


def test_the_outsider_sees_no_resident_or_household_of_another_village(outsider, ledger):
    api = api_as(outsider)
    zhang = ledger["zhang"]

    assert [r["name"] for r in api.get("/api/v1/residents/").json()["results"]] == ["王五"]
    assert [h["number"] for h in api.get("/api/v1/households/").json()["results"]] == ["101"]
    for text in ("zs", zhang.id_number[-4:], "5678", "南门街"):
        assert api.get("/api/v1/residents/", {"search": text}).json()["count"] == 0
    assert api.get(f"/api/v1/residents/{zhang.pk}/").status_code == 404
    assert api.get(f"/api/v1/households/{ledger['household'].pk}/").status_code == 404


def test_the_resident_card_shows_history_and_who_looked(chief, ledger):
    zhang = ledger["zhang"]
    chief = allow(chief, "reveal_personal_data")
    api = api_as(chief)
    api.post(
        f"/api/v1/residents/{zhang.pk}/reveal/",
        {"field": "phone", "reason": "核实低保申请"},
        format="json",
    )

    card = api.get(f"/api/v1/residents/{zhang.pk}/").json()

    assert [e["kind"] for e in card["events"]] == ["move_in"]
    assert card["reveals"] == [
        {
            "user": "chief",
            "field": "phone",
            "reason": "核实低保申请",
            "created_at": card["reveals"][0]["created_at"],
        }
    ]


def test_it_adds_a_resident_and_derives_sex_and_birth_date(worker, household):
    response = api_as(worker).post(
        "/api/v1/residents/",
        {
            "household": household.pk,
            "name": "张小妹",
            "relation": "child",
            "id_number": make_id("20100606", "062"),
            "phone": "139 0000 1111",
            "tags": ["left_behind_child"],
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    data = response.json()
    # The sex and year follow from the ID number; the full date would unmask it.
    assert (data["sex"], data["birth_date"], data["phone"]) == (
        "female",
        "2010-**-**",
        "139****1111",
    )
    assert Resident.objects.get(pk=data["id"]).birth_date.isoformat() == "2010-06-06"
    assert [t["code"] for t in data["tags"]] == ["left_behind_child"]
    assert_nothing_unmasked(response)


def test_a_bad_id_number_is_a_400_naming_the_field_and_writes_nothing(worker, household):
    response = api_as(worker).post(
        "/api/v1/residents/",
        {"household": household.pk, "name": "错号", "relation": "child", "id_number": "123"},
        format="json",
    )

    assert response.status_code == 400 and list(response.json()) == ["id_number"]
    assert not Resident.objects.filter(name="错号").exists()


def test_it_adds_no_resident_to_a_household_out_of_scope(worker, other_household):
    response = api_as(worker).post(
        "/api/v1/residents/",
        {"household": other_household.pk, "name": "混入", "relation": "child"},
        format="json",
    )

    assert response.status_code == 404
    assert not Resident.objects.filter(name="混入").exists()


def test_it_sets_tags_and_the_household_becomes_key(worker, ledger):
    zhang = ledger["zhang"]

    response = api_as(worker).post(
        f"/api/v1/residents/{zhang.pk}/tags/", {"tags": ["dibao"]}, format="json"
    )

    assert response.status_code == 200
    assert [t["code"] for t in response.json()["tags"]] == ["dibao"]
    assert Household.objects.get(pk=ledger["household"].pk).category == "key"


def test_a_tag_set_the_day_after_the_server_started_is_listed(worker, ledger):
    """The current tags are the request's day's, not those of the day the API's classes
    were made: a server that has run past midnight lists a tag that starts today."""
    zhang, household = ledger["zhang"], ledger["household"]
    api = api_as(worker)
    # Served today: the residents' and the households' views are made.
    assert api.get(f"/api/v1/residents/{zhang.pk}/").json()["tags"] == []
    assert api.get(f"/api/v1/households/{household.pk}/").status_code == 200
    with time_machine.travel(datetime.timedelta(days=1)):
        set_tags = api.post(
            f"/api/v1/residents/{zhang.pk}/tags/", {"tags": ["dibao"]}, format="json"
        )
        card = api.get(f"/api/v1/residents/{zhang.pk}/").json()
        members = api.get(f"/api/v1/households/{household.pk}/").json()["members"]

    assert [t["code"] for t in set_tags.json()["tags"]] == ["dibao"]
    assert [t["code"] for t in card["tags"]] == ["dibao"]
    assert [[t["code"] for t in m["tags"]] for m in members if m["id"] == zhang.pk] == [["dibao"]]


def test_it_records_moving_out_and_death(worker, ledger):
    api = api_as(worker)
    li = Resident.objects.get(name="李四")
    son = Resident.objects.get(name="张小三")

    moved = api.post(f"/api/v1/residents/{li.pk}/move-out/", {"note": "外嫁"}, format="json")
    died = api.post(f"/api/v1/residents/{son.pk}/death/", {}, format="json")

    assert moved.status_code == 200 and moved.json()["status"] == "moved_out"
    assert died.status_code == 200 and died.json()["status"] == "deceased"
    again = api.post(f"/api/v1/residents/{li.pk}/move-out/", {}, format="json")
    assert again.status_code == 400 and "status" in again.json()


def test_it_transfers_a_resident_to_a_household_of_another_unit(chief, ledger):
    target = create_household(actor=chief, unit_code=SECOND_UNIT, number="001")
    add_resident(actor=chief, household_id=target.pk, name="周八", relation="head")
    son = Resident.objects.get(name="张小三")

    response = api_as(chief).post(
        f"/api/v1/residents/{son.pk}/transfer/",
        {"to_household": target.pk, "relation": "spouse"},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["area_code"] == SECOND_UNIT
    event = LifeEvent.objects.get(resident=son, kind="transfer")
    assert (event.from_area_code, event.area_code) == (UNIT, SECOND_UNIT)


def test_it_transfers_no_one_into_a_household_out_of_scope(worker, ledger):
    son = Resident.objects.get(name="张小三")

    response = api_as(worker).post(
        f"/api/v1/residents/{son.pk}/transfer/",
        {"to_household": ledger["foreign"].pk, "relation": "child"},
        format="json",
    )

    assert response.status_code == 404
    assert Resident.objects.get(pk=son.pk).area_code == UNIT


# --- reveal -----------------------------------------------------------------------------


def test_revealing_needs_the_permission(chief, ledger):
    zhang = ledger["zhang"]

    response = api_as(chief).post(
        f"/api/v1/residents/{zhang.pk}/reveal/",
        {"field": "id_number", "reason": "核实身份信息"},
        format="json",
    )

    assert response.status_code == 403
    assert not Reveal.objects.exists()
    assert not AuditEntry.objects.filter(action="resident.reveal").exists()


def test_revealing_with_the_permission_gives_the_full_value_and_is_audited(chief, ledger):
    zhang = ledger["zhang"]
    chief = allow(chief, "reveal_personal_data")

    response = api_as(chief).post(
        f"/api/v1/residents/{zhang.pk}/reveal/",
        {"field": "id_number", "reason": "核实身份信息"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json() == {"field": "id_number", "value": zhang.id_number}
    reveal = Reveal.objects.get()
    assert (reveal.user, reveal.field, reveal.reason) == (chief, "id_number", "核实身份信息")
    entry = AuditEntry.objects.get(action="resident.reveal")
    assert entry.source == "api" and entry.object_id == str(zhang.pk)
    assert entry.after == {"field": "id_number", "reason": "核实身份信息"}


def test_revealing_a_resident_out_of_scope_is_not_found_even_with_the_permission(outsider, ledger):
    outsider = allow(outsider, "reveal_personal_data")

    response = api_as(outsider).post(
        f"/api/v1/residents/{ledger['zhang'].pk}/reveal/",
        {"field": "id_number", "reason": "核实身份信息"},
        format="json",
    )

    assert response.status_code == 404
    assert not Reveal.objects.exists()


def test_revealing_needs_a_reason(chief, ledger):
    chief = allow(chief, "reveal_personal_data")

    response = api_as(chief).post(
        f"/api/v1/residents/{ledger['zhang'].pk}/reveal/",
        {"field": "phone", "reason": "看"},
        format="json",
    )

    assert response.status_code == 400 and "reason" in response.json()


# --- tags -------------------------------------------------------------------------------


def test_everyone_reads_the_tags(worker, tree):
    response = api_as(worker).get("/api/v1/tags/", {"key": "true"})

    assert [t["code"] for t in response.json()["results"]] == [
        "dibao",
        "wubao",
        "serious_illness",
        "disability",
        "petitioner",
    ]


def test_a_county_admin_adds_a_tag_and_it_is_audited(county_admin):
    response = api_as(county_admin).post(
        "/api/v1/tags/",
        {"code": "veteran", "name": "退役军人", "category": "other"},
        format="json",
    )

    assert response.status_code == 201, response.content
    tag = Tag.objects.get(code="veteran")
    assert (tag.name, tag.makes_key_household, tag.is_active) == ("退役军人", False, True)
    entry = AuditEntry.objects.get(action="tag.create")
    assert entry.actor_username == "county" and entry.area_code == "370830"


@pytest.mark.parametrize("persona", ["town_admin", "chief", "worker"])
def test_no_one_below_the_county_changes_the_tags(persona, request, tree):
    # `tree` asks for the database in the signature, so that the test runs among the
    # database tests, before any transactional test has flushed the default tags.
    api = api_as(request.getfixturevalue(persona))

    created = api.post(
        "/api/v1/tags/", {"code": "veteran", "name": "退役军人", "category": "other"}, format="json"
    )
    changed = api.patch("/api/v1/tags/dibao/", {"name": "改名"}, format="json")

    assert created.status_code == changed.status_code == 403
    assert not Tag.objects.filter(code="veteran").exists()
    assert Tag.objects.get(code="dibao").name == "低保"


def test_a_superuser_changes_the_tags(tree):
    root = create_user(actor=None, username="root", password="Strong-pass-2026")
    root.is_superuser = True
    root.save()

    response = api_as(root).patch("/api/v1/tags/dibao/", {"name": "城乡低保"}, format="json")

    assert response.status_code == 200 and Tag.objects.get(code="dibao").name == "城乡低保"


def test_when_a_tag_stops_making_key_households_their_households_follow(county_admin, ledger):
    worker_api = api_as(county_admin)
    zhang = ledger["zhang"]
    worker_api.post(f"/api/v1/residents/{zhang.pk}/tags/", {"tags": ["elderly_alone"]})
    assert Household.objects.get(pk=ledger["household"].pk).category == "ordinary"

    response = worker_api.patch(
        "/api/v1/tags/elderly_alone/", {"makes_key_household": True}, format="json"
    )

    assert response.status_code == 200 and response.json()["makes_key_household"] is True
    assert Household.objects.get(pk=ledger["household"].pk).category == "key"
    worker_api.patch("/api/v1/tags/elderly_alone/", {"makes_key_household": False}, format="json")
    assert Household.objects.get(pk=ledger["household"].pk).category == "ordinary"
    entry = AuditEntry.objects.filter(action="tag.update").first()
    assert (
        entry.before["makes_key_household"] is True and entry.after["makes_key_household"] is False
    )


def test_a_tag_code_is_added_once(county_admin):
    response = api_as(county_admin).post(
        "/api/v1/tags/", {"code": "dibao", "name": "低保2", "category": "assistance"}, format="json"
    )

    assert response.status_code == 400 and "code" in response.json()


# --- migrants ---------------------------------------------------------------------------


def test_it_registers_a_migrant_with_a_host_household_and_masks_them(worker, household):
    response = api_as(worker).post(
        "/api/v1/migrants/",
        {
            "host_household": household.pk,
            "name": "外来甲",
            "origin": "河南省商丘市",
            "arrived_on": "2026-03-01",
            "id_number": make_id("19950505", "071", "411402"),
            "phone": "13700001234",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    data = response.json()
    assert data["unit_code"] == UNIT and data["phone"] == "137****1234"
    assert "*" in data["id_number"]
    assert Migrant.objects.get().host_household == household
    assert AuditEntry.objects.filter(action="migrant.create", source="api").exists()


def test_a_migrant_needs_a_host_household_or_an_address(worker, tree):
    response = api_as(worker).post(
        "/api/v1/migrants/",
        {"unit_code": UNIT, "name": "外来乙", "origin": "菏泽", "arrived_on": "2026-03-01"},
        format="json",
    )

    assert response.status_code == 400 and "address" in response.json()


def test_the_outsider_sees_no_migrant_of_another_village(worker, outsider, household):
    migrant = register_migrant(
        actor=worker,
        unit_code=UNIT,
        name="外来丙",
        origin="济宁",
        arrived_on="2026-01-02",
        address="x",
    )
    api = api_as(outsider)

    assert api.get("/api/v1/migrants/").json()["count"] == 0
    assert api.get(f"/api/v1/migrants/{migrant.pk}/").status_code == 404
    refused = api.post(
        "/api/v1/migrants/",
        {
            "unit_code": UNIT,
            "name": "外来丁",
            "origin": "济宁",
            "arrived_on": "2026-01-02",
            "address": "x",
        },
        format="json",
    )
    assert refused.status_code == 404 and Migrant.objects.count() == 1


# --- likely duplicates and the roll-up --------------------------------------------------


def test_it_lists_likely_duplicates_with_what_they_may_double(worker, chief, ledger):
    second = create_household(actor=worker, unit_code=UNIT, number="002")
    add_resident(
        actor=worker, household_id=second.pk, name="张三", relation="head", birth_date="1960-03-02"
    )

    response = api_as(chief).get("/api/v1/likely-duplicates/")

    [row] = response.json()["results"]
    assert (row["name"], row["household_number"]) == ("张三", "002")
    assert [(m["id"], m["household_number"]) for m in row["matches"]] == [
        (ledger["zhang"].pk, "001")
    ]
    assert "*" in row["matches"][0]["id_number"]
    assert api_as(chief).get("/api/v1/likely-duplicates/", {"under": OTHER_UNIT}).json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }


def test_the_rollup_of_an_area_of_the_scope(chief, ledger):
    response = api_as(chief).get("/api/v1/households/rollup/", {"area": VILLAGE})

    assert response.status_code == 200
    first = response.json()[0]
    assert (first["households"], first["residents"], first["key_households"]) == (1, 3, 0)


def test_the_rollup_of_an_area_out_of_scope_is_not_found(worker, ledger):
    api = api_as(worker)

    assert api.get("/api/v1/households/rollup/", {"area": VILLAGE}).status_code == 404
    assert api.get("/api/v1/households/rollup/").status_code == 400


# --- query counts -----------------------------------------------------------------------


@pytest.fixture
def crowded(worker, chief):
    """Twenty households of three tagged members each, and twenty likely duplicates."""

    def build():
        for i in range(20):
            home = create_household(actor=chief, unit_code=UNIT, number=f"2{i:02d}")
            add_resident(
                actor=chief,
                household_id=home.pk,
                name=f"户主{i}",
                relation="head",
                phone=f"138000{i:05d}",
                tags=["dibao"],
            )
            add_resident(actor=chief, household_id=home.pk, name="重名", relation="spouse")
            add_resident(
                actor=chief,
                household_id=home.pk,
                name=f"子{i}",
                relation="child",
                tags=["disability"],
            )
            register_migrant(
                actor=chief,
                name=f"外来{i}",
                origin="济宁",
                arrived_on="2026-01-01",
                host_household_id=home.pk,
            )

    # Built once a session, restored for each test (tests/snapshots.py).
    SHARED.build_or_restore("registry-crowded", build)


# Each list costs: the viewer's posts (scope), the count, the page, and one query per
# prefetched relation (never one per row).
@pytest.mark.parametrize(
    ("url", "queries"),
    [
        ("/api/v1/households/?limit=100", 5),  # + members, + their tags
        ("/api/v1/residents/?limit=100", 4),  # + tags
        ("/api/v1/residents/?limit=100&search=hz", 4),
        ("/api/v1/residents/?limit=100&search=0001", 4),
        ("/api/v1/residents/?limit=100&tag=dibao&category=key", 4),
        ("/api/v1/migrants/?limit=100", 3),
        ("/api/v1/tags/?limit=100", 2),  # not scoped: no posts read
        ("/api/v1/likely-duplicates/?limit=100", 4),  # + the matches
        (f"/api/v1/households/rollup/?area={VILLAGE}", 6),  # posts, area, then the roll-up
    ],
)
def test_api_lists_take_a_fixed_number_of_queries(
    chief, crowded, url, queries, django_assert_num_queries
):
    api = api_as(chief)

    with django_assert_num_queries(queries):
        response = api.get(url)

    assert response.status_code == 200
    if "results" in response.json():
        assert response.json()["count"] >= 1
