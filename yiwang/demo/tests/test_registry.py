"""The demo ledger: households in every unit, one head each, valid ID numbers, tags."""

from django.db.models import Count, Q

from yiwang.areas.models import Area
from yiwang.core.models import AuditEntry
from yiwang.core.validators import clean_id_number, id_number_facts
from yiwang.demo.registry import build_demo_ledger
from yiwang.registry.models import Household, Resident, ResidentTag
from yiwang.registry.selectors import initials


def test_it_fills_every_unit_with_households_of_one_head_each(tree):
    counts = build_demo_ledger(per_unit=5)

    units = Area.objects.filter(level="unit").count()
    assert counts["households"] == Household.objects.count() == 5 * units
    assert counts["residents"] == Resident.objects.count()
    heads = Household.objects.annotate(
        heads=Count("residents", filter=Q(residents__relation="head"))
    ).values_list("heads", flat=True)
    assert set(heads) == {1}
    assert not Resident.objects.exclude(
        area_code__in=Area.objects.filter(level="unit").values("code")
    ).exists()


def test_its_people_have_valid_unique_id_numbers_that_agree_with_sex_and_birth(tree):
    build_demo_ledger(per_unit=5)

    people = list(
        Resident.objects.values_list("id_number", "sex", "birth_date", "name", "name_initials")
    )
    assert len({p[0] for p in people}) == len(people)
    for number, sex, birth, name, letters in people:
        assert clean_id_number(number) == number
        assert id_number_facts(number) == (sex, birth)
        assert letters == initials(name)


def test_key_households_are_those_with_a_key_tag(tree):
    counts = build_demo_ledger(per_unit=25, seed=7)

    tagged = set(
        ResidentTag.objects.filter(tag__makes_key_household=True).values_list(
            "resident__household", flat=True
        )
    )
    assert set(Household.objects.filter(category="key").values_list("id", flat=True)) == tagged
    assert counts["key_households"] == len(tagged)
    assert AuditEntry.objects.get(action="demo.ledger").after == counts


def test_a_second_run_leaves_filled_units_alone(tree):
    build_demo_ledger(per_unit=3)
    before = Resident.objects.count()

    assert build_demo_ledger(per_unit=3)["households"] == 0
    assert Resident.objects.count() == before
