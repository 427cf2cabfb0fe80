"""Search and lists of the ledger: by any part of the name, pinyin initials, ID or phone
tail; the filters (the address among them); likely duplicates; the roll-up of households,
residents and tags."""

import datetime

import pytest
from django.utils import timezone
from stdnum.cn import ric

from conftest import GRID, OTHER_UNIT, UNIT, VILLAGE
from yiwang.areas.models import Area
from yiwang.registry.filters import HouseholdFilterSet, ResidentFilterSet
from yiwang.registry.models import Household, Resident
from yiwang.registry.selectors import (
    duplicate_matches,
    ledger_rollup,
    likely_duplicates,
    search_residents,
)
from yiwang.registry.services import (
    add_resident,
    create_household,
    move_out,
    record_death,
    set_household_category,
    set_tags,
)

from .conftest import make_id

SECOND_UNIT = "370830001001001002"  # the second unit of 第一网格
SECOND_GRID = "370830001001002"
SECOND_GRID_UNIT = "370830001001002001"


def id_ending_in_x(birth="19880808") -> str:
    """A valid ID number whose check character is X."""
    for seq in range(100, 1000):
        number = make_id(birth, str(seq))
        if number.endswith("X"):
            assert ric.is_valid(number)
            return number
    raise AssertionError("no sequence gives X")


@pytest.fixture
def ledger(worker, household, other_household):
    """张三 and 李四 (household 001, 南门街 1 号), 王小明 with a phone and an ID ending in X
    (household 002, 北关路 8 号), and 王五 of the outsider's village."""
    second = create_household(actor=worker, unit_code=UNIT, number="002", address="北关路 8 号")
    add_resident(
        actor=worker,
        household_id=second.pk,
        name="王小明",
        relation="head",
        id_number=id_ending_in_x(),
        phone="13812345678",
    )
    return {"first": household, "second": second}


def names(queryset):
    return sorted(queryset.values_list("name", flat=True))


def search(text, queryset=None):
    return names(search_residents(queryset or Resident.objects.all(), text))


def test_it_finds_by_the_start_of_the_name_surname_first(ledger):
    assert search("张") == ["张三"]
    assert search("王") == ["王五", "王小明"]
    assert search("王小") == ["王小明"]
    assert search("王小明") == ["王小明"]
    assert search(" 王小 ") == ["王小明"]


def test_a_chinese_text_matches_any_part_of_a_name(ledger):
    assert search("小明") == ["王小明"]
    assert search("三") == ["张三"]
    assert search("小") == ["王小明"]
    assert search("王小明明") == []
    assert search("明王") == []


def test_a_name_prefix_is_literal_not_a_pattern(worker, ledger):
    home = create_household(actor=worker, unit_code=UNIT, number="005")
    add_resident(actor=worker, household_id=home.pk, name="张_三", relation="head")
    add_resident(actor=worker, household_id=home.pk, name="张%", relation="spouse")

    assert search("张_") == ["张_三"]
    assert search("张%") == ["张%"]
    assert search("张") == ["张%", "张_三", "张三"]


def test_it_finds_by_pinyin_initials_from_their_start(ledger):
    assert search("zs") == ["张三"]
    assert search("ZS") == ["张三"]
    assert search("ｚｓ") == ["张三"]  # typed with a full-width keyboard
    assert search("wxm") == ["王小明"]
    assert search("w") == ["王五", "王小明"]
    assert search("xm") == []  # initials match from the first character only


def test_initials_ending_in_z_match_from_their_start_too(worker, ledger):
    home = create_household(actor=worker, unit_code=UNIT, number="003")
    add_resident(actor=worker, household_id=home.pk, name="周总", relation="head")
    add_resident(actor=worker, household_id=home.pk, name="赵子昂", relation="child")

    assert search("z") == ["周总", "张三", "赵子昂"]
    assert search("zz") == ["周总", "赵子昂"]
    assert search("zza") == ["赵子昂"]
    assert search("zzz") == []


def test_a_name_written_in_letters_is_found_from_its_start(worker, ledger):
    home = create_household(actor=worker, unit_code=UNIT, number="004")
    add_resident(actor=worker, household_id=home.pk, name="Anna Li", relation="head")

    assert search("Anna Li") == ["Anna Li"]
    assert search("Anna") == ["Anna Li"]
    assert search("Li") == []  # two letters are initials only (al)
    assert search("al") == ["Anna Li"]


def test_it_finds_by_the_last_four_characters_of_an_id_number(ledger):
    zhang = Resident.objects.get(name="张三")

    assert search(zhang.id_number[-4:]) == ["张三"]


def test_it_finds_by_more_or_fewer_last_digits_of_an_id_number(ledger):
    zhang = Resident.objects.get(name="张三")

    assert search(zhang.id_number[-8:]) == ["张三"]
    assert search(zhang.id_number[-3:]) == ["张三"]
    # The last four match, the digits before them do not.
    wrong = ("0" if zhang.id_number[-5] != "0" else "1") + zhang.id_number[-4:]
    assert search(wrong) == []


def test_it_finds_an_id_number_ending_in_x_in_either_case(ledger):
    number = Resident.objects.get(name="王小明").id_number

    assert search(number[-4:]) == ["王小明"]
    assert search(number[-4:].lower()) == ["王小明"]
    assert search(number[-6:]) == ["王小明"]


def test_it_finds_by_the_last_digits_of_a_phone_number(ledger):
    assert search("5678") == ["王小明"]
    assert search("345678") == ["王小明"]
    assert search("78") == ["王小明"]
    assert search("995678") == []


def test_the_search_box_does_not_look_at_the_address(ledger):
    assert search("南门街") == []
    assert search("北关路 8") == []


def test_the_address_filter_finds_by_part_of_the_address(ledger):
    def by_address(value, **params):
        filterset = ResidentFilterSet({"address": value, **params}, queryset=Resident.objects.all())
        return names(filterset.qs)

    assert by_address("南门街") == ["张三", "李四"]
    assert by_address("北关路 8") == ["王小明"]
    assert by_address("8 号") == ["王小明"]  # anywhere in the address
    assert by_address("８ 号") == ["王小明"]  # typed full-width
    assert by_address("东门") == []
    assert by_address("号", search="王") == ["王小明"]  # with the search
    assert by_address("  ") == ["张三", "李四", "王五", "王小明"]


def test_empty_input_finds_everything(ledger):
    assert search("  ") == ["张三", "李四", "王五", "王小明"]


@pytest.mark.parametrize(
    "text", ["张", "王小", "王小明", "z", "zs", "wxm", "Anna Li", "78", "5678", "12345678"]
)
def test_a_search_is_one_query(ledger, text, django_assert_num_queries):
    with django_assert_num_queries(1):
        list(search_residents(Resident.objects.select_related("household"), text))


def test_the_outsider_finds_nobody_of_another_village(ledger, outsider):
    visible = Resident.objects.visible_to(outsider)
    zhang = Resident.objects.get(name="张三")

    for text in ["张", "张三", "zs", "zsx", zhang.id_number[-4:], "5678", "南门街"]:
        assert search(text, visible) == [], text
    assert search("ww", visible) == ["王五"]
    assert search("王五", visible) == ["王五"]
    addresses = ResidentFilterSet({"address": "南门街"}, queryset=visible).qs
    assert names(addresses) == []


# --- filters ----------------------------------------------------------------------------


def test_the_resident_filters_narrow_by_tag_area_category_and_status(worker, ledger):
    zhang = Resident.objects.get(name="张三")
    li = Resident.objects.get(name="李四")
    set_tags(actor=worker, resident_id=zhang.pk, tags=["dibao"])
    move_out(actor=worker, resident_id=li.pk)

    def filtered(**params):
        return names(ResidentFilterSet(params, queryset=Resident.objects.all()).qs)

    assert filtered(tag="dibao") == ["张三"]
    assert filtered(category="key") == ["张三", "李四"]  # by the household's category
    assert filtered(status="moved_out") == ["李四"]
    assert filtered(under=OTHER_UNIT) == ["王五"]
    assert filtered(under=GRID, search="w") == ["王小明"]
    assert filtered(household=str(ledger["second"].pk)) == ["王小明"]


def test_the_household_filters_narrow_by_number_tag_category_and_status(worker, ledger):
    zhang = Resident.objects.get(name="张三")
    set_tags(actor=worker, resident_id=zhang.pk, tags=["elderly_alone"])

    def numbers(**params):
        households = HouseholdFilterSet(params, queryset=Household.objects.all())
        return sorted(households.qs.values_list("number", flat=True))

    assert numbers(tag="elderly_alone") == ["001"]
    assert numbers(category="ordinary", under=UNIT) == ["001", "002"]
    assert numbers(number="002") == ["002"]
    assert numbers(status="active", under=OTHER_UNIT) == ["101"]


# --- likely duplicates ------------------------------------------------------------------


@pytest.fixture
def doubles(worker, household):
    """张三 again without an ID number but with his birth date, in another household of the
    same unit; two 赵六 with neither ID nor birth date; near misses that are not doubles."""
    h2 = create_household(actor=worker, unit_code=UNIT, number="010")
    add_resident(
        actor=worker, household_id=h2.pk, name="张三", relation="head", birth_date="1960-03-02"
    )
    add_resident(actor=worker, household_id=h2.pk, name="赵六", relation="child")
    add_resident(actor=worker, household_id=h2.pk, name="赵六", relation="other")
    # Same name, another birth date; and same name and birth date in another unit.
    add_resident(
        actor=worker, household_id=h2.pk, name="李四", relation="spouse", birth_date="1962-11-06"
    )
    return h2


def test_it_flags_residents_without_an_id_number_who_share_name_birth_date_and_unit(doubles, chief):
    h3 = create_household(actor=chief, unit_code=SECOND_UNIT, number="001")
    add_resident(
        actor=chief, household_id=h3.pk, name="张三", relation="head", birth_date="1960-03-02"
    )

    flagged = list(likely_duplicates(Resident.objects.all()))

    assert sorted((r.name, r.area_code) for r in flagged) == [
        ("张三", UNIT),
        ("赵六", UNIT),
        ("赵六", UNIT),
    ]
    assert all(r.id_number == "" for r in flagged)
    # Nothing was merged: both 张三 are still there.
    assert Resident.objects.filter(name="张三", area_code=UNIT).count() == 2


def test_the_matches_of_a_likely_duplicate_are_the_residents_it_may_double(
    doubles, django_assert_num_queries
):
    flagged = list(likely_duplicates(Resident.objects.all()))
    zhang = next(r for r in flagged if r.name == "张三")

    with django_assert_num_queries(1):
        matches = duplicate_matches(flagged)

    assert [m.id_number != "" for m in matches[zhang.pk]] == [True]
    assert all(len(matches[r.pk]) == 1 for r in flagged)


def test_likely_duplicates_stay_in_the_scope(doubles, outsider):
    assert list(likely_duplicates(Resident.objects.visible_to(outsider))) == []


# --- roll-up ----------------------------------------------------------------------------


@pytest.fixture
def village_ledger(chief):
    """第一网格: two households (one key); 第二网格: one household and one closed; plus
    a moved-out and a deceased resident whose tags must not count."""
    a = create_household(actor=chief, unit_code=UNIT, number="1")
    add_resident(
        actor=chief,
        household_id=a.pk,
        name="甲",
        relation="head",
        id_number=make_id("19500101", "101"),
        tags=["dibao", "elderly_alone"],
    )
    add_resident(actor=chief, household_id=a.pk, name="乙", relation="spouse", tags=["disability"])
    b = create_household(actor=chief, unit_code=SECOND_UNIT, number="1")
    add_resident(actor=chief, household_id=b.pk, name="丙", relation="head")
    gone = add_resident(
        actor=chief, household_id=b.pk, name="丁", relation="child", tags=["left_behind_child"]
    )
    move_out(actor=chief, resident_id=gone.pk)
    c = create_household(actor=chief, unit_code=SECOND_GRID_UNIT, number="1")
    add_resident(actor=chief, household_id=c.pk, name="戊", relation="head", tags=["elderly_alone"])
    add_resident(actor=chief, household_id=c.pk, name="己", relation="spouse", tags=["dibao"])
    set_household_category(actor=chief, household_id=c.pk, category="ordinary", reason="已脱贫")
    d = create_household(actor=chief, unit_code=SECOND_GRID_UNIT, number="2")
    last = add_resident(actor=chief, household_id=d.pk, name="庚", relation="head", tags=["dibao"])
    record_death(actor=chief, resident_id=last.pk)  # the household closes with him
    # A tag that ended yesterday does not count either.
    ended = add_resident(
        actor=chief,
        household_id=a.pk,
        name="辛",
        relation="child",
        tags=["petitioner"],
        on=timezone.localdate() - datetime.timedelta(days=10),
    )
    set_tags(
        actor=chief,
        resident_id=ended.pk,
        tags=[],
        on=timezone.localdate() - datetime.timedelta(days=1),
    )


def test_the_rollup_counts_households_residents_and_tags_of_each_child_exactly(
    village_ledger, django_assert_num_queries
):
    village = Area.objects.get(code=VILLAGE)

    with django_assert_num_queries(4):  # children, active tags, tallies, current tags
        rows = ledger_rollup(village)

    by_code = {row["code"]: row for row in rows}
    assert sorted(by_code) == [GRID, SECOND_GRID]
    first, second = by_code[GRID], by_code[SECOND_GRID]
    assert (first["households"], first["key_households"], first["residents"]) == (2, 1, 4)
    assert (second["households"], second["key_households"], second["residents"]) == (1, 0, 2)
    assert {k: v for k, v in first["tags"].items() if v} == {
        "dibao": 1,
        "elderly_alone": 1,
        "disability": 1,
    }
    assert {k: v for k, v in second["tags"].items() if v} == {"elderly_alone": 1, "dibao": 1}
    assert first["tags"]["petitioner"] == 0 and set(first["tags"]) == set(second["tags"])


def test_the_rollup_of_a_county_is_the_sum_of_its_towns(village_ledger):
    county = Area.objects.get(code=VILLAGE[:6])
    town = next(row for row in ledger_rollup(county) if row["code"] == VILLAGE[:9])

    assert (town["households"], town["key_households"], town["residents"]) == (3, 1, 6)
    assert town["tags"]["dibao"] == 2


def test_the_rollup_of_a_unit_is_empty(village_ledger):
    assert ledger_rollup(Area.objects.get(code=UNIT)) == []
