"""The ledger import: a realistic file with each kind of bad row, re-imports, transfers, a
killed import, dry runs, exit codes, encodings, Excel, and the error file."""

import csv
import datetime
import io
import subprocess
import sys

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation
from python_calamine import CalamineWorkbook

from conftest import DATA, GRID, OTHER_UNIT, TOWN, UNIT, VILLAGE
from yiwang.core.imports import run_job
from yiwang.core.models import AuditEntry, ImportJob
from yiwang.core.validators import unwrap
from yiwang.registry import importers
from yiwang.registry.importers import import_ledger, read_ledger
from yiwang.registry.models import Household, LifeEvent, Resident, ResidentTag, Tag
from yiwang.registry.services import record_death, set_household_category

from .conftest import make_id

SAMPLE = DATA / "ledger-sample.csv"
HEADER = (
    "户编号,单元网格编码,姓名,公民身份号码,与户主关系,性别,出生日期,联系电话,现住址,人员标签,户类别"
)
UNIT_2 = "370830001001001002"
UNIT_3 = "370830001001002001"
OUTSIDE_UNIT = OTHER_UNIT  # in 汶上街道, the other town

# The rejected rows of the sample and why, in English; the households they belong to go
# back whole.
SAMPLE_ERRORS = {
    10: "Not imported because other rows of household 004 have errors (row 11): fix them, "
    "and import the file again.",
    11: "公民身份号码: The ID number's check digit (the last character) does not match the "
    "other digits: check the number for a typo.",
    12: "公民身份号码: The ID number was stored as a number in Excel and lost its last digits: "
    "format the ID column as text and type the number again.",
    13: "Not imported because other rows of household 005 have errors (row 12): fix them, "
    "and import the file again.",
    20: "Not imported because other rows of household 004 have errors (row 21): fix them, "
    "and import the file again.",
    21: '出生日期: "2016-02-30" is not a real date: check the month and the day.',
    22: "联系电话: A mobile number has 11 digits, this one has 10: check for missing or extra "
    "digits.",
    23: "Not imported because other rows of household 005 have errors (row 22): fix them, "
    "and import the file again.",
    24: "Not imported because other rows of household 006 have errors (row 25): fix them, "
    "and import the file again.",
    # The default tags: the ledger's, and the outreach's residents starting a business.
    25: "人员标签: Unknown tag(s) 贫困户: write the ledger's tags (独居老人、低保、五保、大病、"
    "残疾、信访、留守儿童、困境儿童、外来人员、创业群众), separated by 、.",
    32: "与户主关系: Rows 32、33 of household 003 all say 户主, but a household has one head: "
    "write the others' relation to the head.",
    33: "与户主关系: Rows 32、33 of household 003 all say 户主, but a household has one head: "
    "write the others' relation to the head.",
    34: "与户主关系: Household 004 has no head: write 户主 on its head's row.",
    35: "与户主关系: Household 004 has no head: write 户主 on its head's row.",
    36: "Not imported because other rows of household 005 have errors (row 37): fix them, "
    "and import the file again.",
    37: "姓名: The cell is empty: give the resident's name.",
    38: "性别: 女 does not match the ID number, which says Male: correct the sex or the ID "
    "number, or leave the sex empty.",
    39: "Not imported because other rows of household 006 have errors (row 38): fix them, "
    "and import the file again.",
    40: "单元网格编码: No area has the code 370830001001001009: check it against the area tree.",
}
OUT_OF_SCOPE = (
    "单元网格编码: The unit 370830002002001001 is outside the areas of your posts: remove "
    "these rows, or have someone with a post there import them."
)
NOT_UNDER_TOWN = (
    "单元网格编码: The unit 370830002002001001 is not under 370830001, the area this import "
    "is limited to: remove these rows, or import them there."
)
# The households of the sample that go in, with their residents' names.
SAMPLE_HOUSEHOLDS = {
    (UNIT, "001"): {"张建国", "王秀英", "张伟"},
    (UNIT, "002"): {"李明", "赵丽", "李小宝"},
    (UNIT, "003"): {"孙桂兰", "孙小梅"},
    (UNIT_2, "001"): {"陈建华", "林美华"},
    (UNIT_2, "002"): {"黄志强", "黄小龙"},
    (UNIT_2, "003"): {"马国庆", "马丽娟"},
    (UNIT_3, "001"): {"杨光", "杨红", "杨帆", "杨柳"},
    (UNIT_3, "002"): {"徐明", "宋佳"},
}
SAMPLE_SUMMARY = (
    "households: 8 new, 0 updated, 0 unchanged, 11 rejected; "
    "residents: 20 new, 0 updated, 0 transferred, 0 unchanged, 21 rejected"
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _import(text: str, actor=None, filename="ledger.csv", **options):
    ledger = read_ledger(text.encode("utf-8"), filename)
    return import_ledger(actor=actor, rows=ledger.records(), labels=ledger.labels, **options)


def _command(*args, **options):
    """(exit code, stdout, stderr) of import_ledger."""
    out, err = io.StringIO(), io.StringIO()
    options.setdefault("language", "en")
    try:
        call_command("import_ledger", *map(str, args), stdout=out, stderr=err, **options)
        code = 0
    except SystemExit as exc:
        code = exc.code
    except CommandError as exc:
        code = exc.returncode
        err.write(str(exc))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def write(tmp_path):
    """Writes a ledger file into the test's directory and gives its path."""

    def write(text: str, name: str = "ledger.csv"):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def _ledger():
    """{(unit, number): {names of the living residents}}."""
    households: dict = {}
    for area_code, number, name in Resident.objects.filter(status="living").values_list(
        "household__area_code", "household__number", "name"
    ):
        households.setdefault((area_code, number), set()).add(name)
    return households


def _stamps():
    return (
        sorted(Household.objects.values_list("pk", "updated_at")),
        sorted(Resident.objects.values_list("pk", "updated_at")),
    )


def _counts():
    return (
        Household.objects.count(),
        Resident.objects.count(),
        ResidentTag.objects.count(),
        LifeEvent.objects.count(),
        AuditEntry.objects.count(),
    )


# --- the sample file --------------------------------------------------------------------


def test_it_imports_the_sample_and_rejects_each_bad_household_whole(town_admin):
    ledger = read_ledger(SAMPLE.read_bytes(), SAMPLE.name)

    report = import_ledger(actor=town_admin, rows=ledger.records(), labels=ledger.labels)

    assert {e.row: e.message for e in report.errors} == {
        **SAMPLE_ERRORS,
        41: OUT_OF_SCOPE,
        42: OUT_OF_SCOPE,
    }
    assert report.summary() == SAMPLE_SUMMARY
    assert _ledger() == SAMPLE_HOUSEHOLDS
    head = Resident.objects.get(name="张建国")
    assert (head.relation, head.sex, str(head.birth_date)) == ("head", "male", "1958-03-02")
    assert Resident.objects.get(name="张伟").phone == "15953712345"
    assert Resident.objects.get(name="李明").phone == "0537-7212345"
    no_id = Resident.objects.get(name="孙小梅")
    assert (no_id.id_number, no_id.sex, str(no_id.birth_date)) == ("", "female", "2012-04-04")
    assert set(
        ResidentTag.objects.filter(resident__name="马丽娟").values_list("tag__code", flat=True)
    ) == {"serious_illness", "dibao"}
    categories = {
        (h.area_code, h.number): (h.category, h.category_override, h.category_reason)
        for h in Household.objects.all()
    }
    assert categories[(UNIT, "001")] == ("key", "", "")  # 低保
    assert categories[(UNIT, "002")] == ("ordinary", "", "")  # 留守儿童 alone is not key
    assert categories[(UNIT, "003")] == ("key", "", "")  # 残疾
    assert categories[(UNIT_2, "001")] == ("key", "key", "导入文件指定")  # 重点户 in the file
    assert Household.objects.get(area_code=UNIT, number="001").address == "南门街1号"
    # Registering households that already live here is not a move: no life events.
    assert not LifeEvent.objects.exists()


def test_it_audits_the_import_with_personal_data_masked(tree):
    code, out, _err = _command(SAMPLE, unit_scope=TOWN)

    assert code == 1
    entries = AuditEntry.objects.filter(action="household.create")
    assert entries.count() == 8
    assert {(e.source, e.actor_id) for e in entries} == {("import", None)}
    # One entry a household, its members listed, personal data masked.
    assert sum(len(e.after["members"]) for e in entries) == 20
    household = Household.objects.get(area_code=UNIT, number="001")
    entry = entries.get(object_id=str(household.pk))
    assert (entry.object_type, entry.area_code, entry.after["number"]) == (
        "registry.household",
        UNIT,
        "001",
    )
    head = next(m for m in entry.after["members"] if m["name"] == "张建国")
    assert head["id"] == Resident.objects.get(name="张建国").pk
    assert head["id_number"] == "3708**********0113"
    assert head["phone"] == "138****1234"
    assert head["tags"] == ["dibao"]
    assert head["relation"] == "head"
    assert not AuditEntry.objects.filter(action="resident.create").exists()


def test_it_limits_the_command_to_a_subtree_with_unit_scope(tree):
    code, out, err = _command(SAMPLE, unit_scope=TOWN)

    assert code == 1
    assert out.strip() == SAMPLE_SUMMARY
    assert f"Row 41: {NOT_UNDER_TOWN}" in err
    assert not Household.objects.filter(area_code=OUTSIDE_UNIT).exists()


def test_it_imports_anywhere_in_the_county_without_a_unit_scope(tree):
    code, out, _err = _command(SAMPLE)

    assert code == 1
    assert "households: 9 new" in out
    assert _ledger()[(OUTSIDE_UNIT, "001")] == {"邵华", "邵敏"}


def test_it_rejects_a_unit_code_that_is_not_a_unit(tree):
    report = _import(f"{HEADER}\n001,{GRID},张三,{make_id()},户主,,,,,,\n")

    assert [str(e) for e in report.errors] == [
        f"Row 2: 单元网格编码: {GRID} is a Grid, not a unit (单元网格): give the code of the unit "
        "the household lives in."
    ]
    assert not Household.objects.exists()


# --- importing again --------------------------------------------------------------------


def test_it_changes_nothing_when_the_same_file_is_imported_again(tree):
    _command(SAMPLE, unit_scope=TOWN)
    counts, stamps = _counts(), _stamps()

    code, out, _err = _command(SAMPLE, unit_scope=TOWN)

    assert code == 1
    assert out.strip() == (
        "households: 0 new, 0 updated, 8 unchanged, 11 rejected; "
        "residents: 0 new, 0 updated, 0 transferred, 20 unchanged, 21 rejected"
    )
    assert _counts() == counts
    assert _stamps() == stamps


def test_it_updates_a_changed_resident_and_their_household(tree):
    _command(SAMPLE, unit_scope=TOWN)
    head = Resident.objects.get(name="张建国")
    text = SAMPLE.read_text(encoding="utf-8")
    changed = text.replace(
        "张建国,370829195803020113,户主,男,1958-03-02,13805371234,南门街1号,低保,",
        "张建国,370829195803020113,户主,男,1958-03-02,13905379999,南门街1号,独居老人,",
    )
    assert changed != text

    report = _import(changed, within=TOWN)

    assert report.counts()["households"] == {"new": 0, "updated": 1, "unchanged": 7, "rejected": 11}
    assert report.counts()["residents"]["updated"] == 1
    head.refresh_from_db()
    assert head.phone == "13905379999" and head.phone_tail == "9999"
    assert list(head.tags.current().values_list("tag__code", flat=True)) == ["elderly_alone"]
    assert head.tags.filter(tag__code="dibao", ends_on__isnull=False).exists()  # history kept
    assert Household.objects.get(area_code=UNIT, number="001").category == "ordinary"
    entry = AuditEntry.objects.get(action="resident.update")
    assert (entry.before["phone"], entry.after["phone"]) == ("138****1234", "139****9999")
    assert (entry.before["tags"], entry.after["tags"]) == (["dibao"], ["elderly_alone"])
    household_entry = AuditEntry.objects.get(action="household.update")
    assert (household_entry.before["category"], household_entry.after["category"]) == (
        "key",
        "ordinary",
    )


def test_it_matches_residents_without_an_id_number_by_household_name_and_birth_date(tree):
    text = f"{HEADER}\n001,{UNIT},张三,{make_id()},户主,,,,,,\n001,{UNIT},张小宝,,子女,男,2021-01-02,,,,\n"
    _import(text)

    report = _import(text)
    _import(text.replace("2021-01-02", "2021-01-03"))

    assert report.counts()["residents"]["unchanged"] == 2
    # Another birth date is another person.
    assert sorted(Resident.objects.filter(name="张小宝").values_list("birth_date", flat=True)) == [
        datetime.date(2021, 1, 2),
        datetime.date(2021, 1, 3),
    ]


def test_it_completes_a_resident_whose_id_number_is_added_later(tree):
    _import(
        f"{HEADER}\n001,{UNIT},张三,{make_id()},户主,,,,,,\n001,{UNIT},张小宝,,子女,男,2021-01-02,,,,\n"
    )
    number = make_id("20210102", "013")

    report = _import(
        f"{HEADER}\n001,{UNIT},张三,{make_id()},户主,,,,,,\n001,{UNIT},张小宝,{number},子女,,,,,,\n"
    )

    assert report.counts()["residents"]["updated"] == 1
    assert list(Resident.objects.filter(name="张小宝").values_list("id_number", flat=True)) == [
        number
    ]


def test_it_overrides_the_category_from_the_file_and_reverts_when_it_is_empty(tree, worker):
    text = f"{HEADER}\n001,{UNIT},张三,{make_id()},户主,,,,,,重点户\n"
    _import(text)
    household = Household.objects.get()
    assert (household.category, household.category_reason) == ("key", "导入文件指定")

    _import(text.replace("重点户", ""))
    household.refresh_from_db()
    assert (household.category, household.category_override) == ("ordinary", "")

    set_household_category(
        actor=worker, household_id=household.pk, category="key", reason="新近致贫，待审批低保"
    )
    _import(text.replace("重点户", ""))
    household.refresh_from_db()  # an override set by hand, with its reason, stays
    assert (household.category, household.category_reason) == ("key", "新近致贫，待审批低保")


def test_it_refuses_a_new_head_while_the_ledgers_head_is_missing_from_the_file(household):
    report = _import(f"{HEADER}\n001,{UNIT},王二,{make_id('19900101', '051')},户主,,,,,,\n")

    assert [e.message for e in report.errors] == [
        "与户主关系: The ledger's head of household 001 is 张三 (3708**********011X), who is "
        "not in the file: add their row with their relation to 王二, or change the head on the "
        "household's page first."
    ]
    assert not Resident.objects.filter(name="王二").exists()


def test_it_changes_the_head_of_a_household(household):
    zhang = Resident.objects.get(name="张三")
    li = Resident.objects.get(name="李四")

    report = _import(
        f"{HEADER}\n001,{UNIT},李四,{li.id_number},户主,,,,,,\n001,{UNIT},张三,{zhang.id_number},配偶,,,,,,\n"
    )

    assert report.ok, report.errors
    assert dict(Resident.objects.values_list("name", "relation")) == {
        "张三": "spouse",
        "李四": "head",
    }
    assert LifeEvent.objects.filter(resident=li, kind="head_change").exists()


# --- transfers --------------------------------------------------------------------------


def test_it_transfers_a_resident_to_another_village_and_keeps_both_histories(tree, write):
    zhang, li, wang = (
        make_id("19600302", "011"),
        make_id("19621105", "022"),
        make_id("19750101", "031"),
    )
    _command(
        write(
            f"{HEADER}\n001,{UNIT},张三,{zhang},户主,,,,,,\n001,{UNIT},李四,{li},配偶,,,,,,\n"
            f"101,{OTHER_UNIT},王五,{wang},户主,,,,,,\n"
        )
    )
    spouse = Resident.objects.get(name="李四")

    code, out, _err = _command(
        write(
            f"{HEADER}\n101,{OTHER_UNIT},王五,{wang},户主,,,,,,\n101,{OTHER_UNIT},李四,{li},配偶,,,,,,\n"
        )
    )

    assert code == 0
    assert "1 transferred" in out
    spouse.refresh_from_db()
    assert (spouse.household.area_code, spouse.area_code, spouse.pk) == (
        OTHER_UNIT,
        OTHER_UNIT,
        Resident.objects.get(name="李四").pk,
    )
    event = LifeEvent.objects.get(resident=spouse, kind="transfer")
    assert (event.from_area_code, event.area_code) == (UNIT, OTHER_UNIT)
    assert event.from_household.area_code == UNIT
    entry = AuditEntry.objects.get(action="resident.transfer")
    assert (entry.before["area_code"], entry.after["area_code"], entry.source) == (
        UNIT,
        OTHER_UNIT,
        "import",
    )
    assert _ledger() == {(UNIT, "001"): {"张三"}, (OTHER_UNIT, "101"): {"王五", "李四"}}


def test_it_makes_the_eldest_member_head_when_the_head_moves_away(tree):
    zhang, li = make_id("19600302", "011"), make_id("19621105", "022")
    _import(f"{HEADER}\n001,{UNIT},张三,{zhang},户主,,,,,,\n001,{UNIT},李四,{li},配偶,,,,,,\n")

    report = _import(f"{HEADER}\n101,{OTHER_UNIT},张三,{zhang},户主,,,,,,\n")

    assert report.ok
    assert Resident.objects.get(name="李四").relation == "head"
    assert LifeEvent.objects.filter(resident__name="李四", kind="head_change").exists()
    _import(
        f"{HEADER}\n101,{OTHER_UNIT},张三,{zhang},户主,,,,,,\n102,{OTHER_UNIT},李四,{li},户主,,,,,,\n"
    )
    assert Household.objects.get(area_code=UNIT, number="001").status == "moved_out"


# Households are written in batches as soon as their last row is read; one a batch, a
# household linked by a move to a later one must wait for it and go in with it.
one_household_a_batch = pytest.mark.parametrize("batch_rows", [importers.ledger.BATCH_ROWS, 1])


@one_household_a_batch
def test_it_moves_heads_between_two_households_of_the_same_file(tree, batch_rows, monkeypatch):
    monkeypatch.setattr(importers.ledger, "BATCH_ROWS", batch_rows)
    a, b, c = make_id("19600302", "011"), make_id("19621105", "022"), make_id("19700101", "031")
    _import(
        f"{HEADER}\n001,{UNIT},甲,{a},户主,,,,,,\n001,{UNIT},乙,{b},配偶,,,,,,\n002,{UNIT},丙,{c},户主,,,,,,\n"
    )

    # 甲 leaves 001 to head 002, whose head 丙 moves into 001 as its head; 乙 stays.
    report = _import(
        f"{HEADER}\n001,{UNIT},丙,{c},户主,,,,,,\n001,{UNIT},乙,{b},配偶,,,,,,\n002,{UNIT},甲,{a},户主,,,,,,\n"
    )

    assert report.ok, report.errors
    assert report.counts()["residents"]["transferred"] == 2
    assert _ledger() == {(UNIT, "001"): {"丙", "乙"}, (UNIT, "002"): {"甲"}}
    assert set(Resident.objects.filter(relation="head").values_list("name", flat=True)) == {
        "甲",
        "丙",
    }


@one_household_a_batch
def test_it_keeps_a_head_whose_new_household_is_rejected_and_rejects_the_one_he_leaves(
    tree, batch_rows, monkeypatch
):
    monkeypatch.setattr(importers.ledger, "BATCH_ROWS", batch_rows)
    a, b, d = make_id("19600302", "011"), make_id("19621105", "022"), make_id("19300101", "031")
    _import(
        f"{HEADER}\n001,{UNIT},甲,{a},户主,,,,,,\n001,{UNIT},乙,{b},配偶,,,,,,\n"
        f"003,{UNIT},丁,{d},户主,,,,,,\n"
    )
    record_death(actor=None, resident_id=Resident.objects.get(name="丁").pk)

    # 甲 is to head 002, which also lists 丁, who died: 002 stays out, so 甲 stays head of
    # 001, where the file makes 乙 head.
    report = _import(
        f"{HEADER}\n001,{UNIT},乙,{b},户主,,,,,,\n002,{UNIT},甲,{a},户主,,,,,,\n"
        f"002,{UNIT},丁,{d},父母,,,,,,\n"
    )

    assert [str(e) for e in report.errors] == [
        "Row 2: 与户主关系: The ledger's head of household 001 is 甲 (3708**********011X), who "
        "is not in the file: add their row with their relation to 乙, or change the head on "
        "the household's page first.",
        "Row 3: Not imported because other rows of household 002 have errors (row 4): fix them, "
        "and import the file again.",
        "Row 4: 公民身份号码: The ledger records this person as deceased: check the ID number, "
        "or correct the record on the resident's page first.",
    ]
    assert dict(Resident.objects.filter(status="living").values_list("name", "relation")) == {
        "甲": "head",
        "乙": "spouse",
    }


def test_it_makes_the_eldest_known_member_head_not_one_without_a_birth_date(tree):
    zhang, li = make_id("19600302", "011"), make_id("19621105", "022")
    _import(
        f"{HEADER}\n001,{UNIT},张三,{zhang},户主,,,,,,\n001,{UNIT},小明,,其他,,,,,,\n"
        f"001,{UNIT},李四,{li},配偶,,,,,,\n"
    )

    report = _import(f"{HEADER}\n101,{OTHER_UNIT},张三,{zhang},户主,,,,,,\n")

    assert report.ok, report.errors
    assert dict(
        Resident.objects.filter(household__number="001").values_list("name", "relation")
    ) == {
        "小明": "other",
        "李四": "head",
    }


# Whatever the ledger holds about a person outside the importer's posts.
UNREACHABLE = (
    "公民身份号码: This ID number cannot be used here: if the person moved from another "
    "village, ask that village or the town to record the move."
)


@pytest.mark.parametrize("dry_run", [False, True])
def test_it_does_not_move_or_reveal_a_person_from_outside_the_importers_posts(
    worker, other_household, dry_run
):
    wang = Resident.objects.get(name="王五")
    file = f"{HEADER}\n009,{UNIT},王五,{wang.id_number},户主,,,,,,\n"

    report = _import(file, actor=worker, dry_run=dry_run)
    record_death(actor=None, resident_id=wang.pk)
    after_death = _import(file, actor=worker, dry_run=dry_run)

    assert [e.message for e in report.errors] == [UNREACHABLE]
    assert [e.message for e in after_death.errors] == [UNREACHABLE]
    wang.refresh_from_db()
    assert (wang.household_id, wang.area_code) == (other_household.pk, OTHER_UNIT)
    assert not Household.objects.filter(number="009").exists()


def test_it_moves_a_person_from_outside_the_area_it_is_limited_to_but_inside_the_posts(
    county_admin, other_household
):
    wang = Resident.objects.get(name="王五")

    report = _import(
        f"{HEADER}\n009,{UNIT},王五,{wang.id_number},户主,,,,,,\n",
        actor=county_admin,
        within=TOWN,
    )

    assert report.ok, report.errors
    assert report.counts()["residents"]["transferred"] == 1
    wang.refresh_from_db()
    assert (wang.household.number, wang.area_code) == ("009", UNIT)


def test_it_checks_again_at_commit_where_the_person_lives_now(
    worker, household, other_household, monkeypatch
):
    li = Resident.objects.get(name="李四")
    real = importers.ledger._load

    def moved_away_meanwhile(*args, lock, **kwargs):
        if lock:
            Resident.objects.filter(pk=li.pk).update(
                household=other_household, area_code=OTHER_UNIT, relation="spouse"
            )
        return real(*args, lock=lock, **kwargs)

    monkeypatch.setattr(importers.ledger, "_load", moved_away_meanwhile)

    report = _import(f"{HEADER}\n002,{UNIT},李四,{li.id_number},户主,,,,,,\n", actor=worker)

    assert [e.message for e in report.errors] == [UNREACHABLE]
    li.refresh_from_db()
    assert (li.household_id, li.area_code) == (other_household.pk, OTHER_UNIT)
    assert not Household.objects.filter(number="002").exists()


def test_it_makes_a_moved_out_household_active_again_when_it_gets_living_members(tree):
    zhang, wang = make_id("19600302", "011"), make_id("19900101", "051")
    _import(f"{HEADER}\n001,{UNIT},张三,{zhang},户主,,,,,,\n")
    _import(f"{HEADER}\n101,{OTHER_UNIT},张三,{zhang},户主,,,,,,\n")
    household = Household.objects.get(area_code=UNIT, number="001")
    assert household.status == "moved_out"

    report = _import(f"{HEADER}\n001,{UNIT},王二,{wang},户主,,,,,,\n")

    assert report.ok, report.errors
    household.refresh_from_db()
    assert household.status == "active"
    entry = AuditEntry.objects.get(action="household.update", object_id=str(household.pk))
    assert (entry.before["status"], entry.after["status"]) == ("moved_out", "active")


def test_it_matches_a_row_without_an_id_number_to_the_member_of_that_name(household):
    zhang = Resident.objects.get(name="张三")

    report = _import(
        f"{HEADER}\n001,{UNIT},张三,{zhang.id_number},户主,,,,,,\n001,{UNIT},李四,,配偶,,,,,,\n"
    )
    with_birth = _import(
        f"{HEADER}\n001,{UNIT},张三,{zhang.id_number},户主,,,,,,\n"
        f"001,{UNIT},李四,,配偶,女,1962-11-05,,,,\n"
    )

    assert report.ok and with_birth.ok, (report.errors, with_birth.errors)
    assert report.counts()["residents"]["unchanged"] == 2
    assert with_birth.counts()["residents"]["unchanged"] == 2
    assert Resident.objects.filter(name="李四").count() == 1


def test_it_asks_for_the_id_number_when_several_members_have_the_name(household):
    zhang = Resident.objects.get(name="张三")
    _import(
        f"{HEADER}\n001,{UNIT},张三,{zhang.id_number},户主,,,,,,\n"
        f"001,{UNIT},李四,{Resident.objects.get(name='李四').id_number},配偶,,,,,,\n"
        f"001,{UNIT},李四,,子女,男,2010-05-06,,,,\n"
    )
    counts = _counts()

    report = _import(
        f"{HEADER}\n001,{UNIT},张三,{zhang.id_number},户主,,,,,,\n001,{UNIT},李四,,配偶,,,,,,\n"
    )

    assert [str(e) for e in report.errors] == [
        "Row 2: Not imported because other rows of household 001 have errors (row 3): fix "
        "them, and import the file again.",
        "Row 3: 公民身份号码: Household 001 has several members named 李四: give the ID number "
        "of the one this row is about.",
    ]
    assert _counts() == counts


def test_it_counts_only_active_tags_for_the_category(tree):
    text = f"户编号,单元网格编码,姓名,公民身份号码,与户主关系\n001,{UNIT},张三,{make_id()},户主\n"
    _import(f"{HEADER}\n001,{UNIT},张三,{make_id()},户主,,,,,低保,\n")
    household = Household.objects.get()
    assert household.category == "key"
    Tag.objects.filter(code="dibao").update(is_active=False)

    first = _import(text)
    again = _import(text)

    assert first.counts()["households"]["updated"] == 1
    assert again.counts()["households"]["unchanged"] == 1
    household.refresh_from_db()
    assert household.category == "ordinary"


# --- a killed import --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_id_number_lookups_use_the_unique_index():
    """The unique index holds non-empty numbers only; a lookup that does not say so scans
    every resident on SQLite, which made each batch of a large import slower than the last."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # an empty table: ask whether it can, not whether
            cursor.execute("SET enable_seqscan = off")  # it would
    queryset = Resident.objects.filter(id_number__in=["370829196003020114"]).exclude(id_number="")
    plan = queryset.explain().lower()
    assert "resident_unique_id_number" in plan, plan
    assert "scan registry_resident" not in plan and "seq scan" not in plan, plan


def test_it_leaves_no_half_household_when_killed_and_a_rerun_finishes_the_job(tree, monkeypatch):
    monkeypatch.setattr(importers.ledger, "BATCH_ROWS", 1)  # one household a transaction
    real = importers.bulk.insert_rows
    calls = []

    def crash_on_the_fourth_household(model, fields, rows):
        # The last write of a household's transaction: its audit entry.
        if model is AuditEntry:
            calls.append(model)
            if len(calls) == 4:
                raise RuntimeError("killed")
        real(model, fields, rows)

    monkeypatch.setattr(importers.bulk, "insert_rows", crash_on_the_fourth_household)
    with pytest.raises(RuntimeError):
        _command(SAMPLE, unit_scope=TOWN)

    written = _ledger()
    assert written == {key: SAMPLE_HOUSEHOLDS[key] for key in list(SAMPLE_HOUSEHOLDS)[:3]}
    assert Household.objects.count() == 3  # nor an empty fourth household
    assert AuditEntry.objects.filter(action="household.create").count() == 3

    monkeypatch.setattr(importers.bulk, "insert_rows", real)
    code, out, _err = _command(SAMPLE, unit_scope=TOWN)

    assert code == 1
    assert out.strip() == (
        "households: 5 new, 0 updated, 3 unchanged, 11 rejected; "
        "residents: 12 new, 0 updated, 0 transferred, 8 unchanged, 21 rejected"
    )
    assert _ledger() == SAMPLE_HOUSEHOLDS
    assert Resident.objects.count() == 20
    assert AuditEntry.objects.filter(action="household.create").count() == 8
    assert (
        sum(len(e.after["members"]) for e in AuditEntry.objects.filter(action="household.create"))
        == 20
    )
    assert not LifeEvent.objects.exists()


# --- dry run, exit codes, unreadable files ----------------------------------------------


def test_it_previews_a_dry_run_and_writes_nothing_but_the_error_file(tree, tmp_path):
    errors = tmp_path / "errors.csv"

    code, out, _err = _command(SAMPLE, "--dry-run", unit_scope=TOWN, errors=errors)

    assert code == 1
    assert out.strip() == "Dry run, nothing written. " + SAMPLE_SUMMARY
    assert not Household.objects.exists() and not Resident.objects.exists()
    assert not AuditEntry.objects.filter(source="import").exists()
    assert len(_read_csv(errors)) == 1 + 21


def test_it_previews_updates_in_a_dry_run(tree, write):
    _command(SAMPLE, unit_scope=TOWN)
    text = SAMPLE.read_text(encoding="utf-8").replace("南门街3号", "南门街33号")

    code, out, _err = _command(write(text), "--dry-run", unit_scope=TOWN)

    assert "households: 0 new, 1 updated, 7 unchanged, 11 rejected" in out
    assert Household.objects.get(area_code=UNIT, number="002").address == "南门街3号"


def test_it_exits_0_when_every_row_went_in(tree, write):
    text = f"{HEADER}\n001,{UNIT},张三,{make_id()},户主,男,,13800000000,,低保,\n"

    code, out, err = _command(write(text))

    assert (code, err) == (0, "")
    assert out.strip() == (
        "households: 1 new, 0 updated, 0 unchanged, 0 rejected; "
        "residents: 1 new, 0 updated, 0 transferred, 0 unchanged, 0 rejected"
    )


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.csv", b"", "The file is empty"),
        ("header.csv", HEADER.encode(), "The file names the columns but has no rows"),
        ("ledger.pdf", b"%PDF-1.4", "ledger.pdf is neither a CSV nor an Excel file"),
        ("utf16.csv", HEADER.encode("utf-16"), "The file is neither UTF-8 nor GBK text."),
        ("ledger.xlsx", b"PK\x03\x04 not a workbook", "The file is not a readable Excel workbook."),
    ],
)
def test_it_exits_2_when_the_file_cannot_be_read(tree, tmp_path, name, data, message):
    path = tmp_path / name
    path.write_bytes(data)

    code, out, err = _command(path)

    assert code == 2 and message in err and out == ""
    assert _counts()[:2] == (0, 0)


def test_it_exits_2_and_writes_nothing_when_the_file_breaks_off_far_down(tree, write):
    # Good rows first, then a cell larger than any CSV field may be: found in the first
    # pass over the file, before any household is written.
    good = "".join(
        f"{n:03d},{UNIT},张三{n},{make_id('19600302', f'{n:03d}')},户主,,,,,,\n"
        for n in range(1, 30)
    )
    text = f'{HEADER}\n{good}030,{UNIT},"{"长" * 200_000}",,户主,,,,,,\n'

    code, out, err = _command(write(text))

    assert code == 2 and "The file is not readable CSV text" in err and out == ""
    assert _counts()[:2] == (0, 0)


def test_it_exits_2_with_one_message_for_a_folder(tree, tmp_path):
    code, out, err = _command(tmp_path)

    assert (code, out) == (2, "")
    assert err == f"Cannot read {tmp_path}: Is a directory."


def test_it_exits_2_with_one_message_for_a_file_it_may_not_read(tree, write, monkeypatch):
    path = write(f"{HEADER}\n001,{UNIT},张三,{make_id()},户主,,,,,,\n")

    def denied(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(type(path), "read_bytes", denied)

    code, out, err = _command(path)

    assert (code, out, err) == (2, "", f"Cannot read {path}: Permission denied.")
    assert not Household.objects.exists()


def test_it_reports_missing_required_columns_in_one_message_and_changes_nothing(tree, write):
    text = f"户编号,单元网格编码,姓名,性别\n001,{UNIT},张三,男\n"

    code, _out, err = _command(write(text))

    assert code == 2
    assert err == (
        "The file lacks the required column(s) 公民身份号码、与户主关系, so nothing was imported. "
        "Its first row must name the columns: 户编号、单元网格编码、姓名、公民身份号码、与户主关系 "
        "are required, 性别、出生日期、联系电话、现住址、人员标签、户类别 may be added."
    )
    assert not Household.objects.exists()


def test_it_exits_2_as_a_process_for_an_unreadable_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")

    result = subprocess.run(
        [sys.executable, "manage.py", "import_ledger", str(path), "--language", "en"],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2
    assert "The file is empty" in result.stderr


def test_it_skips_a_title_above_the_header_and_marks_on_headers(tree):
    text = (
        "嘉祥县南门社区第1单元台账,,,,\n"
        "*户编号,*单元网格编码,*姓名,*公民身份号码（18位）,*与户主关系\n"
        f"001,{UNIT},张三,{make_id()},户主\n"
    )

    report = _import(text)

    assert report.ok and report.counts()["residents"]["new"] == 1


def test_it_accepts_english_headers_and_tag_codes(tree):
    text = (
        "household_number,unit_code,name,id_number,relation,tags\n"
        f"001,{UNIT},张三,{make_id()},head,dibao、elderly_alone\n"
        f"001,{UNIT},李四,{make_id('19621105', '022')},spouse,\n"
    )

    report = _import(text)

    assert report.ok
    assert Household.objects.get().category == "key"


# --- encodings and Excel ----------------------------------------------------------------


def test_it_reads_a_gbk_csv_as_excel_in_china_saves_it(town_admin):
    data = SAMPLE.read_text(encoding="utf-8").encode("gbk")
    ledger = read_ledger(data, "台账.csv")

    report = import_ledger(actor=town_admin, rows=ledger.records(), labels=ledger.labels)

    assert report.summary() == SAMPLE_SUMMARY
    assert _ledger() == SAMPLE_HOUSEHOLDS


def _xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for row in sheet.iter_rows(min_row=2):
        cell = row[3]
        if isinstance(cell.value, str):
            cell.number_format = "@"  # the ID column formatted as text
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_it_reads_an_xlsx_and_catches_an_id_number_stored_as_a_number(tree, tmp_path):
    good, damaged = make_id("19600302", "011"), make_id("19621105", "022")
    path = tmp_path / "台账.xlsx"
    path.write_bytes(
        _xlsx(
            [
                HEADER.split(","),
                [
                    "001",
                    UNIT,
                    "张三",
                    good,
                    "户主",
                    "男",
                    None,
                    13805371234,
                    "南门街1号",
                    "低保",
                    None,
                ],
                ["002", UNIT, "李四", int(damaged), "户主", None, None, None, None, None, None],
                [
                    "003",
                    UNIT,
                    "王五",
                    make_id("19700101", "031"),
                    "户主",
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                ],
            ]
        )
    )

    code, out, err = _command(path)

    assert code == 1
    assert "households: 2 new, 0 updated, 0 unchanged, 1 rejected" in out
    assert err.strip() == (
        "Row 3: 公民身份号码: The ID number was stored as a number in Excel and lost its last "
        "digits: format the ID column as text and type the number again."
    )
    head = Resident.objects.get(name="张三")
    assert (head.id_number, head.phone) == (good, "13805371234")


# --- the error file ---------------------------------------------------------------------


def _read_csv(path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))


def test_it_writes_the_error_file_in_csv_with_the_original_cells_row_number_and_reason(
    tree, tmp_path
):
    errors = tmp_path / "errors.csv"

    _command(SAMPLE, unit_scope=TOWN, errors=errors)

    table = _read_csv(errors)
    original = list(csv.reader(io.StringIO(SAMPLE.read_text(encoding="utf-8"))))
    assert table[0] == [*original[0], "行号", "错误原因"]
    expected = {**SAMPLE_ERRORS, 41: NOT_UNDER_TOWN, 42: NOT_UNDER_TOWN}
    assert [int(row[-2]) for row in table[1:]] == sorted(expected)
    for row in table[1:]:
        number = int(row[-2])
        # Codes and numbers as ="…", so that Excel keeps their digits.
        assert [unwrap(c) for c in row[:-2]] == original[number - 1]
        assert row[-1] == expected[number]
    assert table[1][0] == '="004"' and table[1][1] == '="370830001001001001"'
    damaged = next(row for row in table if row[-2] == "12")
    assert damaged[3] == "3.70829E+17"  # the ID number as the file had it


def test_it_writes_the_error_file_in_xlsx_with_id_numbers_as_text(tree, tmp_path):
    errors = tmp_path / "errors.xlsx"

    _command(SAMPLE, unit_scope=TOWN, errors=errors)

    rows = CalamineWorkbook.from_path(str(errors)).get_sheet_by_index(0).to_python()
    assert rows[0][-2:] == ["行号", "错误原因"]
    assert [r[-2] for r in rows[1:]] == [str(n) for n in [*sorted(SAMPLE_ERRORS), 41, 42]]
    assert rows[1][3] == "370829197001010713"  # text, every digit kept
    assert rows[1][-1] == SAMPLE_ERRORS[10]


def test_it_writes_the_reasons_in_chinese_by_default(tree, tmp_path, write):
    errors = tmp_path / "errors.csv"
    path = write(f"{HEADER}\n001,{GRID},张三,{make_id()},户主,,,,,,\n")

    with pytest.raises(SystemExit):
        call_command(
            "import_ledger",
            str(path),
            errors=str(errors),
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )

    assert "是二级网格，不是单元网格" in _read_csv(errors)[1][-1]  # the level, translated


def test_it_refuses_an_error_file_of_another_format(tree, tmp_path):
    code, _out, err = _command(SAMPLE, errors=tmp_path / "errors.txt")

    assert code == 2 and "The error file must end in .csv or .xlsx" in err
    assert not Household.objects.exists()


def test_it_imports_the_fixed_error_file_again(tree, tmp_path, write):
    errors = tmp_path / "errors.csv"
    _command(SAMPLE, unit_scope=TOWN, errors=errors)
    text = errors.read_bytes().decode("utf-8-sig")
    fixed = text.replace(
        '"=""001""","=""370830001001001009""",钱进', '"=""007""","=""370830001001002001""",钱进'
    )
    assert fixed != text
    path = write(fixed, name="fixed.csv")

    code, out, _err = _command(path, unit_scope=TOWN)

    assert code == 1  # the others still need fixing
    assert "households: 1 new" in out
    assert _ledger()[(UNIT_3, "007")] == {"钱进"}


# --- background jobs --------------------------------------------------------------------


def test_it_runs_as_a_background_job_within_the_area_it_was_started_on(chief):
    job = ImportJob.objects.create(
        kind="ledger",
        filename="台账.csv",
        data=SAMPLE.read_bytes(),
        created_by=chief,
        area_code=VILLAGE,
    )

    with translation.override("zh-hans"):
        run_job(job.pk)

    job.refresh_from_db()
    assert job.result["households"] == {"new": 8, "updated": 0, "unchanged": 0, "rejected": 11}
    assert job.result["residents"]["new"] == 20
    assert len(job.errors) == 21
    assert job.errors[0].startswith("第 10 行：")
    assert "370830001001" in job.errors[-1]  # outside the village it was started on
    entries = AuditEntry.objects.filter(action="household.create")
    assert entries.count() == 8
    assert {(e.source, e.actor_id, e.actor_username) for e in entries} == {
        ("import", chief.pk, chief.username)
    }
