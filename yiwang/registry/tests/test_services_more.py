"""The services behind the ledger's management pages: correcting a household's address and
a resident's own fields, and a migrant leaving."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone, translation

from conftest import UNIT
from yiwang.core.models import AuditEntry
from yiwang.registry.models import Household, Migrant, Resident
from yiwang.registry.services import (
    add_resident,
    migrant_left,
    register_migrant,
    update_household,
    update_resident,
)
from yiwang.registry.services.lookups import id_number_out_of_reach

from .conftest import make_id


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def head(household):
    return Resident.objects.get(household=household, relation="head")


@pytest.fixture
def migrant(worker, household):
    return register_migrant(
        actor=worker,
        name="钱七",
        origin="济宁市任城区",
        arrived_on="2026-01-05",
        host_household_id=household.pk,
        phone="13912345678",
    )


# --- update_household -------------------------------------------------------------------


def test_it_corrects_the_address_and_logs_before_and_after(worker, household):
    update_household(
        actor=worker, household_id=household.pk, address="南门街　２号", door_number="2"
    )

    household.refresh_from_db()
    assert (household.address, household.door_number) == ("南门街 2号", "2")
    entry = AuditEntry.objects.get(action="household.update")
    assert entry.before["address"] == "南门街 1 号" and entry.after["address"] == "南门街 2号"
    assert entry.actor == worker and entry.area_code == UNIT


def test_a_household_edit_that_changes_nothing_writes_nothing(worker, household):
    update_household(actor=worker, household_id=household.pk, address="南门街 1 号")

    assert not AuditEntry.objects.filter(action="household.update").exists()


def test_a_household_edit_leaves_a_value_given_as_none_alone(worker, household):
    update_household(actor=worker, household_id=household.pk, door_number="3")

    household.refresh_from_db()
    assert (household.address, household.door_number) == ("南门街 1 号", "3")


def test_it_refuses_an_address_that_is_too_long(worker, household):
    with pytest.raises(ValidationError) as exc:
        update_household(actor=worker, household_id=household.pk, address="路" * 201)

    assert set(exc.value.message_dict) == {"address"}
    assert Household.objects.get(pk=household.pk).address == "南门街 1 号"


def test_another_village_cannot_edit_the_household(outsider, household):
    with pytest.raises(Http404):
        update_household(actor=outsider, household_id=household.pk, address="x")

    assert Household.objects.get(pk=household.pk).address == "南门街 1 号"


# --- update_resident --------------------------------------------------------------------


def test_it_corrects_a_residents_own_fields_and_logs_them_masked(worker, head):
    update_resident(
        actor=worker,
        resident_id=head.pk,
        name="张 三丰",
        phone="138 1234 5678",
        ethnicity="回族",
        is_party_member=True,
    )

    head.refresh_from_db()
    assert (head.name, head.name_initials) == ("张 三丰", "zsf")
    assert (head.phone, head.phone_tail) == ("13812345678", "5678")
    assert head.ethnicity == "回族" and head.is_party_member
    entry = AuditEntry.objects.get(action="resident.update")
    assert entry.before["name"] == "张三" and entry.after["name"] == "张 三丰"
    assert entry.after["phone"] == "138****5678" and "13812345678" not in str(entry.after)
    assert entry.after["id_number"] == head.masked_id_number


def test_values_given_as_none_stay_and_nothing_changed_writes_nothing(worker, head):
    before = Resident.objects.filter(pk=head.pk).values().get()

    update_resident(actor=worker, resident_id=head.pk, name="张三", ethnicity=None)

    assert Resident.objects.filter(pk=head.pk).values().get() == before
    assert not AuditEntry.objects.filter(action="resident.update").exists()


def test_an_empty_phone_clears_it(worker, head):
    update_resident(actor=worker, resident_id=head.pk, phone="13812345678")
    update_resident(actor=worker, resident_id=head.pk, phone="")

    head.refresh_from_db()
    assert (head.phone, head.phone_tail) == ("", "")


def test_a_new_id_number_brings_its_sex_and_birth_date(worker, household):
    child = add_resident(
        actor=worker,
        household_id=household.pk,
        name="张小",
        relation="child",
        sex="男",
        birth_date="1990-01-01",
    )
    number = make_id("19921224", "024")  # an even 17th digit: female

    update_resident(actor=worker, resident_id=child.pk, id_number=number)

    child.refresh_from_db()
    assert (child.id_number, child.id_tail) == (number, number[-4:])
    assert (child.sex, child.birth_date) == ("female", datetime.date(1992, 12, 24))


def test_without_an_id_number_sex_and_birth_date_are_kept_or_set(worker, household):
    child = add_resident(
        actor=worker, household_id=household.pk, name="张小", relation="child", sex="男"
    )

    update_resident(actor=worker, resident_id=child.pk, birth_date="2001年2月3日")

    child.refresh_from_db()
    assert (child.sex, child.birth_date) == ("male", datetime.date(2001, 2, 3))


def test_it_refuses_an_id_number_that_another_resident_has(worker, household, other_household):
    spouse = Resident.objects.get(name="李四")
    head = Resident.objects.get(name="张三").id_number
    elsewhere = Resident.objects.get(name="王五").id_number

    with translation.override("en"):
        with pytest.raises(ValidationError) as mine:
            update_resident(actor=worker, resident_id=spouse.pk, id_number=head)
        with pytest.raises(ValidationError) as other_town:
            update_resident(actor=worker, resident_id=spouse.pk, id_number=elsewhere)
        neutral = id_number_out_of_reach()

    # A resident within the worker's posts is named, with the transfer to record; one of
    # another town is not even said to be in the ledger.
    assert "transfer" in mine.value.message_dict["id_number"][0]
    assert other_town.value.message_dict["id_number"] == [neutral]
    assert Resident.objects.get(pk=spouse.pk).id_number not in {head, elsewhere}


def test_it_reports_every_bad_field_and_changes_nothing(worker, head):
    before = Resident.objects.filter(pk=head.pk).values().get()

    with pytest.raises(ValidationError) as exc:
        update_resident(
            actor=worker,
            resident_id=head.pk,
            name="  ",
            phone="12345",
            sex="女",  # the ID number says male
            ethnicity="族" * 21,
        )

    assert set(exc.value.message_dict) == {"name", "phone", "sex", "ethnicity"}
    assert Resident.objects.filter(pk=head.pk).values().get() == before
    assert not AuditEntry.objects.filter(action="resident.update").exists()


def test_the_head_changes_only_through_change_head(worker, head):
    spouse = Resident.objects.get(name="李四")

    for resident, relation in ((head, "child"), (spouse, "head")):
        with pytest.raises(ValidationError) as exc:
            update_resident(actor=worker, resident_id=resident.pk, relation=relation)
        assert "make head of household" in exc.value.message_dict["relation"][0]

    update_resident(actor=worker, resident_id=spouse.pk, relation="sibling")
    assert Resident.objects.get(pk=spouse.pk).relation == "sibling"


def test_another_village_cannot_edit_the_resident(outsider, head):
    with pytest.raises(Http404):
        update_resident(actor=outsider, resident_id=head.pk, name="冒名")

    assert Resident.objects.get(pk=head.pk).name == "张三"


# --- migrant_left -----------------------------------------------------------------------


def test_a_migrant_leaves_and_stays_in_the_register(worker, migrant):
    migrant_left(actor=worker, migrant_id=migrant.pk, on="2026-02-01")

    migrant.refresh_from_db()
    assert migrant.left_on == datetime.date(2026, 2, 1)
    entry = AuditEntry.objects.get(action="migrant.left")
    assert entry.before["left_on"] is None and entry.after["left_on"] == "2026-02-01"
    assert entry.after["phone"] == "139****5678"


def test_a_migrant_leaves_today_by_default_and_only_once(worker, migrant):
    migrant_left(actor=worker, migrant_id=migrant.pk)

    with pytest.raises(ValidationError) as exc:
        migrant_left(actor=worker, migrant_id=migrant.pk, on="2026-03-01")

    assert "already recorded as left" in exc.value.message_dict["left_on"][0]
    assert Migrant.objects.get(pk=migrant.pk).left_on == timezone.localdate()
    assert AuditEntry.objects.filter(action="migrant.left").count() == 1


@pytest.mark.parametrize("on", ["2026-01-04", "2026-13-01"])
def test_a_migrant_cannot_leave_before_arriving_or_on_no_date(worker, migrant, on):
    with pytest.raises(ValidationError) as exc:
        migrant_left(actor=worker, migrant_id=migrant.pk, on=on)

    assert set(exc.value.message_dict) == {"left_on"}
    assert Migrant.objects.get(pk=migrant.pk).left_on is None


def test_another_village_cannot_mark_the_migrant_as_left(outsider, migrant):
    with pytest.raises(Http404):
        migrant_left(actor=outsider, migrant_id=migrant.pk)

    assert Migrant.objects.get(pk=migrant.pk).left_on is None
