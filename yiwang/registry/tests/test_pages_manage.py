"""The pages that keep the ledger by hand: households, residents, their tags and life events,
migrants, likely duplicates and the tag configuration. Each write goes through its service
and is logged; bad input comes back on the form and changes nothing; another village's
rows are not found."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import OTHER_UNIT, UNIT, VILLAGE
from yiwang.core.models import AuditEntry
from yiwang.registry.models import (
    Household,
    LifeEvent,
    Migrant,
    Resident,
    ResidentTag,
    Tag,
)
from yiwang.registry.services import add_resident, create_household, register_migrant

from .conftest import make_id

TODAY = timezone.localdate


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _errors(response, field=None):
    """The form's errors on `field` (None: the errors on top of the form)."""
    form = response.context["form"]
    return form.errors.get(field or "__all__", [])


def _state():
    """Every ledger row that a page could change."""
    return (
        list(Household.objects.order_by("id").values()),
        list(Resident.objects.order_by("id").values()),
        list(ResidentTag.objects.order_by("id").values()),
        list(LifeEvent.objects.order_by("id").values_list("id", flat=True)),
        list(Migrant.objects.order_by("id").values()),
        list(Tag.objects.order_by("id").values()),
        AuditEntry.objects.count(),
    )


@pytest.fixture
def head(household):
    return Resident.objects.get(household=household, relation="head")


@pytest.fixture
def spouse(household):
    return Resident.objects.get(household=household, name="李四")


@pytest.fixture
def migrant(worker, household):
    return register_migrant(
        actor=worker,
        name="钱七",
        origin="济宁市任城区",
        arrived_on="2026-01-05",
        host_household_id=household.pk,
        id_number=make_id("19880808", "017"),
        phone="13912345678",
    )


# --- households -------------------------------------------------------------------------


def test_it_creates_a_household_in_a_unit_of_the_scope(worker):
    client = _client(worker)
    page = client.get(reverse("registry:household-create") + f"?unit={UNIT}")
    assert page.status_code == 200 and UNIT in page.content.decode()

    response = client.post(
        reverse("registry:household-create"),
        {"unit_code": UNIT, "number": "002", "address": "南门街 2 号", "door_number": "2"},
    )

    household = Household.objects.get(number="002")
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:resident-add", args=[household.pk])
    assert (household.area_code, household.address) == (UNIT, "南门街 2 号")
    assert AuditEntry.objects.filter(action="household.create", object_id=household.pk).exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"unit_code": UNIT, "number": "001"}, "number"),  # taken in the unit
        ({"unit_code": OTHER_UNIT, "number": "009"}, "unit_code"),  # another town
        ({"unit_code": VILLAGE, "number": "009"}, "unit_code"),  # not a unit
        ({"unit_code": UNIT, "number": ""}, "number"),
    ],
)
def test_a_household_that_cannot_be_created_is_a_form_error(worker, household, data, field):
    before = _state()

    response = _client(worker).post(reverse("registry:household-create"), data)

    assert response.status_code == 200 and _errors(response, field)
    assert _state() == before


def test_it_corrects_the_address(worker, household):
    client = _client(worker)
    url = reverse("registry:household-edit", args=[household.pk])
    assert "南门街 1 号" in client.get(url).content.decode()

    response = client.post(url, {"address": "南门街 9 号", "door_number": "9"})

    assert response.status_code == 302
    household.refresh_from_db()
    assert (household.address, household.door_number) == ("南门街 9 号", "9")
    entry = AuditEntry.objects.get(action="household.update")
    assert (entry.before["address"], entry.after["address"]) == ("南门街 1 号", "南门街 9 号")


def test_an_address_that_is_too_long_changes_nothing(worker, household):
    before = _state()

    response = _client(worker).post(
        reverse("registry:household-edit", args=[household.pk]), {"address": "路" * 201}
    )

    assert response.status_code == 200 and _errors(response, "address")
    assert _state() == before


def test_the_category_is_set_by_hand_with_a_reason_and_cleared(worker, household):
    client = _client(worker)
    url = reverse("registry:household-category", args=[household.pk])
    assert client.get(url).status_code == 200

    client.post(url, {"category": "key", "reason": "村委会认定"})
    household.refresh_from_db()
    assert (household.category, household.category_reason) == ("key", "村委会认定")

    client.post(url, {"category": "", "reason": ""})
    household.refresh_from_db()
    assert (household.category, household.category_override) == ("ordinary", "")
    assert AuditEntry.objects.filter(action="household.set_category").count() == 2


def test_a_category_set_by_hand_without_a_reason_is_refused(worker, household):
    before = _state()

    response = _client(worker).post(
        reverse("registry:household-category", args=[household.pk]), {"category": "key"}
    )

    assert response.status_code == 200 and _errors(response, "reason")
    assert _state() == before


def test_the_household_card_links_its_pages_and_lists_its_migrants(worker, household, migrant):
    body = _client(worker).get(reverse("registry:household", args=[household.pk])).content
    body = body.decode()

    for name in ("resident-add", "household-edit", "household-category"):
        assert reverse(f"registry:{name}", args=[household.pk]) in body
    assert "钱七" in body and "139****5678" in body and "13912345678" not in body


# --- residents --------------------------------------------------------------------------


def test_it_adds_a_resident_with_tags(worker, household):
    client = _client(worker)
    url = reverse("registry:resident-add", args=[household.pk])
    assert client.get(url).status_code == 200

    response = client.post(
        url,
        {
            "name": "张小明",
            "relation": "child",
            "id_number": make_id("20100606", "015"),
            "phone": "",
            "ethnicity": "汉族",
            "tags": ["left_behind_child"],
            "event": "birth",
            "on": "2010-06-06",
        },
    )

    assert response.status_code == 302
    child = Resident.objects.get(name="张小明")
    assert (child.household, child.sex, child.relation) == (household, "male", "child")
    assert [rt.tag.code for rt in child.tags.all()] == ["left_behind_child"]
    assert child.events.get().kind == "birth"
    assert AuditEntry.objects.filter(action="resident.create", object_id=child.pk).exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"id_number": "370829201006061234"}, "id_number"),  # a wrong check digit
        ({"relation": "head"}, "relation"),  # the household has one
        ({"phone": "12345"}, "phone"),
        ({"on": "2999-01-01"}, "on"),
        ({"tags": ["no-such-tag"]}, "tags"),
    ],
)
def test_a_resident_that_cannot_be_added_is_a_form_error(worker, household, data, field):
    before = _state()
    post = {"name": "张小明", "relation": "child", "event": "move_in", "on": "2026-01-05"}

    response = _client(worker).post(
        reverse("registry:resident-add", args=[household.pk]), {**post, **data}
    )

    assert response.status_code == 200 and _errors(response, field), response.context
    assert _state() == before


def test_the_edit_page_never_shows_the_numbers_in_full(worker, head):
    Resident.objects.filter(pk=head.pk).update(phone="13812345678", phone_tail="5678")

    body = _client(worker).get(reverse("registry:resident-edit", args=[head.pk])).content
    body = body.decode()

    assert head.id_number not in body and "13812345678" not in body
    assert head.masked_id_number in body and "138****5678" in body


def test_it_edits_a_residents_own_fields(worker, spouse):
    Resident.objects.filter(pk=spouse.pk).update(phone="13812345678", phone_tail="5678")

    response = _client(worker).post(
        reverse("registry:resident-edit", args=[spouse.pk]),
        {
            "name": "李四娘",
            "id_number": "",  # kept
            "phone": "",  # kept
            "relation": "spouse",
            "ethnicity": "回族",
            "is_party_member": "on",
        },
    )

    assert response.status_code == 302
    spouse.refresh_from_db()
    assert (spouse.name, spouse.ethnicity, spouse.is_party_member) == ("李四娘", "回族", True)
    assert spouse.phone == "13812345678" and spouse.id_number == make_id("19621105", "022")
    entry = AuditEntry.objects.get(action="resident.update")
    assert (entry.before["name"], entry.after["name"]) == ("李四", "李四娘")


def test_the_phone_is_replaced_or_removed(worker, spouse):
    client = _client(worker)
    url = reverse("registry:resident-edit", args=[spouse.pk])
    post = {"name": "李四", "relation": "spouse"}

    client.post(url, {**post, "phone": "139 1234 5678"})
    assert Resident.objects.get(pk=spouse.pk).phone == "13912345678"
    client.post(url, {**post, "clear_phone": "on"})
    assert Resident.objects.get(pk=spouse.pk).phone == ""


def test_a_bad_edit_is_a_form_error_and_changes_nothing(worker, spouse):
    before = _state()

    response = _client(worker).post(
        reverse("registry:resident-edit", args=[spouse.pk]),
        {"name": "李四", "relation": "spouse", "phone": "12345", "id_number": "3708"},
    )

    assert response.status_code == 200
    assert _errors(response, "phone") and _errors(response, "id_number")
    assert _state() == before


def test_it_sets_tags_from_a_date(worker, spouse):
    client = _client(worker)
    url = reverse("registry:resident-tags", args=[spouse.pk])
    assert client.get(url).status_code == 200

    response = client.post(url, {"tags": ["dibao", "disability"], "on": "2026-01-01"})

    assert response.status_code == 302
    tags = ResidentTag.objects.filter(resident=spouse).order_by("tag__code")
    assert [(t.tag.code, t.starts_on) for t in tags] == [
        ("dibao", datetime.date(2026, 1, 1)),
        ("disability", datetime.date(2026, 1, 1)),
    ]
    assert spouse.household.__class__.objects.get(pk=spouse.household_id).category == "key"
    entry = AuditEntry.objects.get(action="resident.set_tags")
    assert entry.after == {"tags": ["dibao", "disability"]}


def test_tags_without_a_date_are_a_form_error(worker, spouse):
    before = _state()

    response = _client(worker).post(
        reverse("registry:resident-tags", args=[spouse.pk]), {"tags": ["dibao"], "on": ""}
    )

    assert response.status_code == 200 and _errors(response, "on")
    assert _state() == before


def test_the_card_offers_the_life_events_of_a_living_resident(worker, spouse):
    body = _client(worker).get(reverse("registry:resident", args=[spouse.pk])).content.decode()

    for name in (
        "resident-edit",
        "resident-tags",
        "resident-make-head",
        "resident-transfer",
        "resident-move-out",
        "resident-death",
    ):
        assert reverse(f"registry:{name}", args=[spouse.pk]) in body


def test_moving_out_is_confirmed_on_its_own_page_then_recorded(worker, spouse):
    client = _client(worker)
    url = reverse("registry:resident-move-out", args=[spouse.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'id="leave-warning"' in page.content.decode()
    assert Resident.objects.get(pk=spouse.pk).status == "living"  # asking changes nothing

    response = client.post(url, {"on": "2026-01-10", "note": "外出务工"})

    assert response.status_code == 302
    assert Resident.objects.get(pk=spouse.pk).status == "moved_out"
    event = LifeEvent.objects.get(resident=spouse, kind="move_out")
    assert (event.on, event.note) == (datetime.date(2026, 1, 10), "外出务工")
    assert AuditEntry.objects.filter(action="resident.move_out").exists()
    assert 'id="leave-form"' not in client.get(url).content.decode()  # not twice


def test_a_death_of_the_head_makes_the_eldest_member_head(worker, head, spouse):
    response = _client(worker).post(
        reverse("registry:resident-death", args=[head.pk]), {"on": "2026-01-10"}
    )

    assert response.status_code == 302
    assert Resident.objects.get(pk=head.pk).status == "deceased"
    assert Resident.objects.get(pk=spouse.pk).relation == "head"
    assert AuditEntry.objects.filter(action="resident.death").exists()


@pytest.mark.parametrize("name", ["registry:resident-move-out", "registry:resident-death"])
def test_a_leave_in_the_future_or_twice_is_a_form_error(worker, spouse, name):
    client = _client(worker)
    url = reverse(name, args=[spouse.pk])
    before = _state()

    future = client.post(url, {"on": (TODAY() + datetime.timedelta(days=1)).isoformat()})

    assert future.status_code == 200 and _errors(future, "on")
    assert _state() == before

    client.post(url, {"on": TODAY().isoformat()})
    before = _state()
    again = client.post(url, {"on": TODAY().isoformat()})
    assert again.status_code == 200 and _errors(again)
    assert _state() == before


def test_the_transfer_page_finds_households_in_the_scope_only(
    worker, spouse, other_household, county_admin
):
    create_household(actor=worker, unit_code=UNIT, number="002", address="北关街 5 号")

    body = (
        _client(worker)
        .get(reverse("registry:resident-transfer", args=[spouse.pk]) + "?q=北关")
        .content.decode()
    )
    assert "北关街 5 号" in body and "number=002" in body

    body = _client(worker).get(reverse("registry:resident-transfer", args=[spouse.pk]) + "?q=王五")
    assert "王五" not in body.content.decode().split('id="household-hits"')[1]


def test_a_transfer_is_reviewed_then_confirmed(worker, spouse):
    target = create_household(actor=worker, unit_code=UNIT, number="002")
    add_resident(actor=worker, household_id=target.pk, name="赵六", relation="head")
    client = _client(worker)
    url = reverse("registry:resident-transfer", args=[spouse.pk])
    post = {"unit_code": UNIT, "number": "002", "relation": "spouse", "on": "2026-01-10"}
    before = _state()

    review = client.post(url, post)

    assert review.status_code == 200 and review.context["review"]
    assert 'name="confirm" value="1"' in review.content.decode()
    assert "赵六" in review.content.decode()
    assert _state() == before  # nothing yet

    response = client.post(url, {**post, "confirm": "1"})

    assert response.status_code == 302
    spouse.refresh_from_db()
    assert (spouse.household_id, spouse.relation) == (target.pk, "spouse")
    assert LifeEvent.objects.get(resident=spouse, kind="transfer").on == datetime.date(2026, 1, 10)
    assert AuditEntry.objects.filter(action="resident.transfer").exists()


@pytest.mark.parametrize(
    ("number", "relation", "field"),
    [
        ("404", "child", "number"),  # no such household
        ("001", "child", "number"),  # their own household
        ("002", "head", "relation"),  # the household already has a head (the service says)
    ],
)
def test_a_transfer_that_cannot_be_done_is_a_form_error(worker, spouse, number, relation, field):
    target = create_household(actor=worker, unit_code=UNIT, number="002")
    add_resident(actor=worker, household_id=target.pk, name="赵六", relation="head")
    before = _state()
    post = {"unit_code": UNIT, "number": number, "relation": relation, "on": "2026-01-10"}

    response = _client(worker).post(
        reverse("registry:resident-transfer", args=[spouse.pk]), {**post, "confirm": "1"}
    )

    assert response.status_code == 200 and _errors(response, field)
    assert _state() == before


def test_no_one_is_transferred_into_another_villages_household(worker, spouse, other_household):
    before = _state()

    response = _client(worker).post(
        reverse("registry:resident-transfer", args=[spouse.pk]),
        {"unit_code": OTHER_UNIT, "number": "101", "relation": "child", "on": "2026-01-10"},
    )

    assert response.status_code == 200 and _errors(response, "number")
    assert _state() == before


def test_a_member_is_made_head(worker, head, spouse):
    client = _client(worker)
    url = reverse("registry:resident-make-head", args=[spouse.pk])
    assert "张三" in client.get(url).content.decode()

    response = client.post(url, {"former_head_relation": "spouse"})

    assert response.status_code == 302
    assert Resident.objects.get(pk=spouse.pk).relation == "head"
    assert Resident.objects.get(pk=head.pk).relation == "spouse"
    entry = AuditEntry.objects.get(action="household.change_head")
    assert entry.after == {"head": spouse.pk}


def test_making_the_head_head_again_is_refused(worker, head):
    before = _state()

    response = _client(worker).post(
        reverse("registry:resident-make-head", args=[head.pk]), {"former_head_relation": "child"}
    )

    assert response.status_code == 200 and _errors(response)
    assert _state() == before


PAGES_OF_A_HOUSEHOLD = [
    ("registry:household-edit", {"address": "x"}),
    ("registry:household-category", {"category": "key", "reason": "xx"}),
    ("registry:resident-add", {"name": "x", "relation": "child", "event": "move_in"}),
]
PAGES_OF_A_RESIDENT = [
    ("registry:resident-edit", {"name": "x", "relation": "spouse"}),
    ("registry:resident-tags", {"tags": ["dibao"], "on": "2026-01-01"}),
    ("registry:resident-move-out", {"on": "2026-01-01"}),
    ("registry:resident-death", {"on": "2026-01-01"}),
    ("registry:resident-make-head", {"former_head_relation": "child"}),
    (
        "registry:resident-transfer",
        {"unit_code": OTHER_UNIT, "number": "101", "relation": "child", "confirm": "1"},
    ),
]


@pytest.mark.parametrize(("name", "data"), PAGES_OF_A_HOUSEHOLD)
def test_another_villages_household_pages_are_not_found(outsider, household, name, data):
    client = _client(outsider)
    url = reverse(name, args=[household.pk])
    before = _state()

    assert client.get(url).status_code == 404
    assert client.post(url, data).status_code == 404
    assert _state() == before


@pytest.mark.parametrize(("name", "data"), PAGES_OF_A_RESIDENT)
def test_another_villages_resident_pages_are_not_found(outsider, spouse, name, data):
    client = _client(outsider)
    url = reverse(name, args=[spouse.pk])
    before = _state()

    assert client.get(url).status_code == 404
    assert client.post(url, data).status_code == 404
    assert _state() == before


# --- migrants ---------------------------------------------------------------------------


def test_the_migrant_list_is_masked_and_scoped(worker, outsider, migrant, other_household):
    register_migrant(
        actor=outsider,
        name="孙八",
        origin="菏泽",
        arrived_on="2026-01-05",
        unit_code=OTHER_UNIT,
        address="外村 1 号",
    )

    body = _client(worker).get(reverse("registry:migrants")).content.decode()

    assert "钱七" in body and "孙八" not in body
    assert migrant.masked_id_number in body and migrant.id_number not in body
    assert "139****5678" in body and "13912345678" not in body
    assert reverse("registry:migrant-left", args=[migrant.pk]) in body


def test_it_registers_a_migrant_with_a_host_household(worker, household):
    client = _client(worker)
    page = client.get(reverse("registry:migrant-create") + f"?household={household.pk}")
    assert page.status_code == 200 and page.context["form"].initial["host_number"] == "001"

    response = client.post(
        reverse("registry:migrant-create"),
        {
            "name": "周九",
            "origin": "河南商丘",
            "unit_code": UNIT,
            "host_number": "001",
            "arrived_on": "2026-02-01",
            "phone": "13712345678",
        },
    )

    assert response.status_code == 302
    migrant = Migrant.objects.get(name="周九")
    assert (migrant.host_household, migrant.area_code) == (household, UNIT)
    assert AuditEntry.objects.filter(action="migrant.create", object_id=migrant.pk).exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"host_number": "", "address": ""}, "address"),  # neither host nor address
        ({"host_number": "404"}, "host_number"),
        ({"unit_code": OTHER_UNIT}, "unit_code"),
        ({"expected_until": "2026-01-01"}, "expected_until"),  # before the arrival
        ({"id_number": "123"}, "id_number"),
    ],
)
def test_a_migrant_that_cannot_be_registered_is_a_form_error(worker, household, data, field):
    before = _state()
    post = {
        "name": "周九",
        "origin": "河南商丘",
        "unit_code": UNIT,
        "host_number": "001",
        "arrived_on": "2026-02-01",
    }

    response = _client(worker).post(reverse("registry:migrant-create"), {**post, **data})

    assert response.status_code == 200 and _errors(response, field)
    assert _state() == before


def test_a_migrant_is_marked_as_left(worker, migrant):
    client = _client(worker)
    url = reverse("registry:migrant-left", args=[migrant.pk])
    assert client.get(url).status_code == 200

    response = client.post(url, {"left_on": "2026-03-01"})

    assert response.status_code == 302
    assert Migrant.objects.get(pk=migrant.pk).left_on == datetime.date(2026, 3, 1)
    assert AuditEntry.objects.filter(action="migrant.left").exists()


def test_a_migrant_cannot_be_marked_as_left_before_arriving(worker, migrant):
    before = _state()

    response = _client(worker).post(
        reverse("registry:migrant-left", args=[migrant.pk]), {"left_on": "2025-12-31"}
    )

    assert response.status_code == 200 and _errors(response, "left_on")
    assert _state() == before


def test_another_villages_migrant_is_not_found(outsider, migrant):
    client = _client(outsider)
    url = reverse("registry:migrant-left", args=[migrant.pk])
    before = _state()

    assert client.get(url).status_code == 404
    assert client.post(url, {"left_on": "2026-03-01"}).status_code == 404
    assert _state() == before


# --- likely duplicates ------------------------------------------------------------------


def test_likely_duplicates_are_listed_with_their_matches(worker, outsider, head, other_household):
    double = create_household(actor=worker, unit_code=UNIT, number="002")
    twin = add_resident(
        actor=worker, household_id=double.pk, name="张三", relation="head", birth_date="19600302"
    )
    elsewhere = create_household(actor=outsider, unit_code=OTHER_UNIT, number="102")
    add_resident(actor=outsider, household_id=elsewhere.pk, name="王五", relation="head")
    add_resident(actor=outsider, household_id=other_household.pk, name="王五", relation="child")

    response = _client(worker).get(reverse("registry:duplicates"))

    assert response.status_code == 200
    assert [(r.pk, [m.pk for m in ms]) for r, ms in response.context["rows"]] == [
        (twin.pk, [head.pk])
    ]
    body = response.content.decode()
    assert reverse("registry:resident", args=[twin.pk]) in body
    assert reverse("registry:resident", args=[head.pk]) in body
    assert head.masked_id_number in body and head.id_number not in body
    assert "王五" not in body


def test_the_duplicate_list_takes_a_fixed_number_of_queries(
    worker, head, django_assert_max_num_queries
):
    for n in range(5):
        home = create_household(actor=worker, unit_code=UNIT, number=f"1{n}")
        add_resident(
            actor=worker, household_id=home.pk, name="张三", relation="head", birth_date="19600302"
        )
    client = _client(worker)
    client.get(reverse("registry:duplicates"))  # the session and the posts, once

    with django_assert_max_num_queries(9):  # 8, and the unread case notices on the menu
        response = client.get(reverse("registry:duplicates"))
    assert len(response.context["rows"]) == 5


# --- the tag configuration --------------------------------------------------------------


def test_a_county_admin_lists_creates_and_edits_tags(county_admin):
    client = _client(county_admin)
    listing = client.get(reverse("registry:tags"))
    assert listing.status_code == 200 and "dibao" in listing.content.decode()

    created = client.post(
        reverse("registry:tag-create"),
        {"code": "veteran", "name": "退役军人", "category": "other", "is_active": "on"},
    )
    assert created.status_code == 302
    tag = Tag.objects.get(code="veteran")
    assert (tag.name, tag.makes_key_household, tag.is_active) == ("退役军人", False, True)

    url = reverse("registry:tag-edit", args=["veteran"])
    assert client.get(url).status_code == 200
    edited = client.post(
        url,
        {"code": "ignored", "name": "退役军人", "category": "other", "makes_key_household": "on"},
    )
    assert edited.status_code == 302, edited.context["form"].errors
    tag.refresh_from_db()
    assert (tag.code, tag.makes_key_household, tag.is_active) == ("veteran", True, False)
    assert [e.action for e in AuditEntry.objects.filter(object_type="registry.tag")] == [
        "tag.update",
        "tag.create",
    ]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"code": "dibao", "name": "新低保"}, "code"),  # the code exists
        ({"code": "new-one", "name": "低保"}, "name"),  # another tag's name
        ({"code": "坏", "name": "坏"}, "code"),
    ],
)
def test_a_tag_that_cannot_be_saved_is_a_form_error(county_admin, data, field):
    before = _state()

    response = _client(county_admin).post(
        reverse("registry:tag-create"), {"category": "other", **data}
    )

    assert response.status_code == 200 and _errors(response, field)
    assert _state() == before


@pytest.mark.parametrize("persona", ["town_admin", "chief", "worker"])
def test_only_a_county_admin_reaches_the_tag_configuration(persona, request):
    client = _client(request.getfixturevalue(persona))
    before = _state()

    assert client.get(reverse("registry:tags")).status_code == 403
    assert client.get(reverse("registry:tag-create")).status_code == 403
    assert client.get(reverse("registry:tag-edit", args=["dibao"])).status_code == 403
    assert (
        client.post(
            reverse("registry:tag-create"), {"code": "spy", "name": "x", "category": "other"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("registry:tag-edit", args=["dibao"]),
            {"name": "低保", "category": "assistance"},
        ).status_code
        == 403
    )
    assert _state() == before


def test_the_ledger_links_the_new_pages(county_admin, worker):
    admin = _client(county_admin).get(reverse("registry:residents")).content.decode()
    staff = _client(worker).get(reverse("registry:residents")).content.decode()

    for name in ("household-create", "migrants", "duplicates"):
        assert reverse(f"registry:{name}") in staff
    assert reverse("registry:tags") in admin and reverse("registry:tags") not in staff
