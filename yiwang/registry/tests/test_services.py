"""Households and residents: creation, tags and categories, life events, reveal, scope."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import translation

from conftest import GRID, OTHER_UNIT, UNIT
from yiwang.core.models import AuditEntry
from yiwang.registry.models import Household, LifeEvent, Resident, Reveal
from yiwang.registry.services import (
    add_resident,
    change_head,
    create_household,
    move_out,
    record_death,
    reveal,
    set_household_category,
    set_tags,
    transfer,
)

from .conftest import make_id


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_it_derives_sex_and_birth_date_from_the_id_number(household):
    head = Resident.objects.get(household=household, relation="head")

    assert (head.sex, head.birth_date) == ("male", datetime.date(1960, 3, 2))
    assert head.name_initials == "zs" and head.id_tail == head.id_number[-4:]
    assert Resident.objects.get(name="李四").sex == "female"


def test_it_rejects_a_sex_or_birth_date_that_contradicts_the_id_number(worker, household):
    with pytest.raises(ValidationError) as exc:
        add_resident(
            actor=worker,
            household_id=household.pk,
            name="赵六",
            relation="child",
            id_number=make_id("20050505", "013"),
            sex="女",
            birth_date="2005-05-06",
        )

    assert set(exc.value.message_dict) == {"sex", "birth_date"}
    assert not Resident.objects.filter(name="赵六").exists()


def test_a_household_has_exactly_one_head(worker, household):
    with pytest.raises(ValidationError) as exc:
        add_resident(actor=worker, household_id=household.pk, name="第二户主", relation="head")
    assert "already has a head" in exc.value.message_dict["relation"][0]

    empty = create_household(actor=worker, unit_code=UNIT, number="002")
    with pytest.raises(ValidationError) as exc:
        add_resident(actor=worker, household_id=empty.pk, name="孩子", relation="child")
    assert "first member must be its head" in exc.value.message_dict["relation"][0]


def test_an_id_number_is_one_person(worker, household):
    number = Resident.objects.get(name="张三").id_number
    other = create_household(actor=worker, unit_code=UNIT, number="003")

    with pytest.raises(ValidationError) as exc:
        add_resident(
            actor=worker, household_id=other.pk, name="张三", relation="head", id_number=number
        )

    assert "transfer them instead" in exc.value.message_dict["id_number"][0]


def test_a_key_tag_makes_a_key_household_and_ending_it_reverts(worker, household):
    head = Resident.objects.get(name="张三")
    set_tags(actor=worker, resident_id=head.pk, tags=["elderly_alone"])
    assert Household.objects.get(pk=household.pk).category == "ordinary"

    set_tags(actor=worker, resident_id=head.pk, tags=["elderly_alone", "dibao"])
    assert Household.objects.get(pk=household.pk).category == "key"

    set_tags(actor=worker, resident_id=head.pk, tags=[])
    assert Household.objects.get(pk=household.pk).category == "ordinary"
    assert head.tags.count() == 2 and not head.tags.current().exists()  # history stays


def test_a_category_set_by_hand_needs_a_reason_and_wins(worker, household):
    with pytest.raises(ValidationError):
        set_household_category(actor=worker, household_id=household.pk, category="key")

    set_household_category(
        actor=worker, household_id=household.pk, category="key", reason="新近致贫，待审批低保"
    )
    assert Household.objects.get(pk=household.pk).category == "key"
    set_household_category(actor=worker, household_id=household.pk, category="")
    assert Household.objects.get(pk=household.pk).category == "ordinary"


def test_when_the_head_dies_the_eldest_member_becomes_head(worker, household):
    head = Resident.objects.get(name="张三")

    record_death(actor=worker, resident_id=head.pk, on=datetime.date(2026, 1, 5))

    assert Resident.objects.get(name="李四").relation == "head"
    assert Resident.objects.get(pk=head.pk).status == "deceased"
    kinds = set(
        LifeEvent.objects.filter(resident__household=household).values_list("kind", flat=True)
    )
    assert {"move_in", "death", "head_change"} <= kinds


def test_a_household_whose_last_member_leaves_is_closed(worker):
    home = create_household(actor=worker, unit_code=UNIT, number="009")
    alone = add_resident(actor=worker, household_id=home.pk, name="孤身", relation="head")

    move_out(actor=worker, resident_id=alone.pk)

    assert Household.objects.get(pk=home.pk).status == "moved_out"


def test_a_transfer_to_another_village_is_kept_in_both_histories(
    worker, outsider, county_admin, household, other_household
):
    spouse = Resident.objects.get(name="李四")
    with pytest.raises(Http404):  # the receiving village alone cannot pull someone in
        transfer(
            actor=outsider,
            resident_id=spouse.pk,
            to_household_id=other_household.pk,
            relation="spouse",
        )

    transfer(
        actor=county_admin,
        resident_id=spouse.pk,
        to_household_id=other_household.pk,
        relation="spouse",
    )

    spouse.refresh_from_db()
    assert spouse.household == other_household and spouse.area_code == OTHER_UNIT
    event = LifeEvent.objects.get(resident=spouse, kind="transfer")
    assert (event.from_area_code, event.area_code) == (UNIT, OTHER_UNIT)
    assert LifeEvent.objects.visible_to(worker).filter(from_area_code=UNIT).exists() is False
    assert LifeEvent.objects.visible_to(outsider).filter(pk=event.pk).exists()
    assert AuditEntry.objects.filter(action="resident.transfer", area_code=OTHER_UNIT).exists()


def test_change_of_head(worker, household):
    spouse = Resident.objects.get(name="李四")

    change_head(
        actor=worker,
        household_id=household.pk,
        new_head_id=spouse.pk,
        former_head_relation="spouse",
    )

    assert Resident.objects.get(name="李四").relation == "head"
    assert Resident.objects.get(name="张三").relation == "spouse"


def test_another_villages_household_is_not_found(outsider, household):
    with pytest.raises(Http404):
        add_resident(actor=outsider, household_id=household.pk, name="x", relation="child")
    with pytest.raises(Http404):
        create_household(actor=outsider, unit_code=UNIT, number="777")

    assert not Resident.objects.filter(name="x").exists()


def test_households_belong_to_units_only(chief):
    with pytest.raises(ValidationError) as exc:
        create_household(actor=chief, unit_code=GRID, number="1")

    assert "unit" in exc.value.message_dict


def test_revealing_needs_the_permission_and_a_reason_and_is_recorded(chief, household):
    head = Resident.objects.get(name="张三")
    with pytest.raises(PermissionDenied):
        reveal(actor=chief, resident_id=head.pk, field="id_number", reason="核实低保申请")

    chief.user_permissions.add(Permission.objects.get(codename="reveal_personal_data"))
    chief = type(chief).objects.get(pk=chief.pk)
    with pytest.raises(ValidationError):
        reveal(actor=chief, resident_id=head.pk, field="id_number", reason="")

    assert (
        reveal(actor=chief, resident_id=head.pk, field="id_number", reason="核实低保申请")
        == head.id_number
    )
    assert Reveal.objects.get(resident=head).user == chief
    assert AuditEntry.objects.get(action="resident.reveal").after == {
        "field": "id_number",
        "reason": "核实低保申请",
    }


def test_personal_data_is_masked_in_the_audit_log(household):
    entry = AuditEntry.objects.filter(action="resident.create").first()

    assert "*" in entry.after["id_number"] and len(entry.after["id_number"]) == 18


def test_an_outsider_cannot_reveal_another_villages_resident(outsider, household):
    outsider.user_permissions.add(Permission.objects.get(codename="reveal_personal_data"))
    outsider = type(outsider).objects.get(pk=outsider.pk)

    with pytest.raises(Http404):
        reveal(
            actor=outsider,
            resident_id=Resident.objects.get(name="张三").pk,
            field="phone",
            reason="想看看号码",
        )


def test_a_deceased_resident_cannot_be_transferred(county_admin, household, other_household):
    head = Resident.objects.get(name="张三")
    record_death(actor=county_admin, resident_id=head.pk)

    with pytest.raises(ValidationError) as exc:
        transfer(
            actor=county_admin,
            resident_id=head.pk,
            to_household_id=other_household.pk,
            relation="child",
        )

    assert "deceased" in exc.value.message_dict["status"][0]
    assert Resident.objects.get(pk=head.pk).status == "deceased"


def test_no_one_is_transferred_into_a_household_that_moved_out(county_admin, worker, household):
    empty = create_household(actor=worker, unit_code=UNIT, number="050")
    alone = add_resident(actor=worker, household_id=empty.pk, name="孤身", relation="head")
    move_out(actor=worker, resident_id=alone.pk)

    with pytest.raises(ValidationError):
        transfer(
            actor=county_admin,
            resident_id=Resident.objects.get(name="李四").pk,
            to_household_id=empty.pk,
            relation="head",
        )


def test_the_eldest_known_member_succeeds_not_one_without_a_birth_date(worker, household):
    add_resident(actor=worker, household_id=household.pk, name="无生日孙", relation="grandchild")
    head = Resident.objects.get(name="张三")

    move_out(actor=worker, resident_id=head.pk)

    assert Resident.objects.get(name="李四").relation == "head"
    assert Resident.objects.get(name="无生日孙").relation == "grandchild"


def test_switching_off_a_key_tag_recategorises_its_households(county_admin, worker, household):
    from yiwang.registry.models import Tag
    from yiwang.registry.services import save_tag

    set_tags(actor=worker, resident_id=Resident.objects.get(name="张三").pk, tags=["dibao"])
    assert Household.objects.get(pk=household.pk).category == "key"
    dibao = Tag.objects.get(code="dibao")

    save_tag(
        actor=county_admin,
        code="dibao",
        name=dibao.name,
        category=dibao.category,
        makes_key_household=True,
        is_active=False,
    )

    assert Household.objects.get(pk=household.pk).category == "ordinary"


def test_only_an_active_superuser_or_a_county_admin_configures_the_tags(tree, chief):
    """accounts.scope.require_configure: the tag service used to let an inactive superuser
    through (and the tag pages too); now a superuser passes only while active."""
    from yiwang.accounts.models import User
    from yiwang.registry.services import save_tag

    inactive = User.objects.create_user("root", password="x", is_superuser=True, is_active=False)
    active = User.objects.create_user("root2", password="x", is_superuser=True)
    tag = {"code": "veteran", "name": "退役军人", "category": "other"}
    for refused in (inactive, chief):
        with pytest.raises(PermissionDenied):
            save_tag(actor=refused, **tag)
    saved = save_tag(actor=active, **tag)
    entry = AuditEntry.objects.get(action="tag.create", object_id=str(saved.pk))
    assert entry.area_code == ""  # a superuser's settings are filed under no county
