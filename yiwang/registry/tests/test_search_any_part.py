"""Search by any part of a name (建国 finds 张建国), and the table of every name's suffixes
that database triggers keep in step with every writer: the services, bulk and raw writes,
the importer (registry migration 0005; the demo ledger's in yiwang/demo/tests)."""

import datetime
import importlib

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from conftest import DATA, TOWN, UNIT
from yiwang.core.bulk import db_value, insert_rows
from yiwang.registry.importers import import_ledger, read_ledger
from yiwang.registry.importers.bulk import FRESH_RESIDENT_FIELDS
from yiwang.registry.models import Household, Resident
from yiwang.registry.selectors import search_residents
from yiwang.registry.services import (
    add_resident,
    create_household,
    record_death,
    transfer,
    update_resident,
)

from .conftest import trigger_names

PARTS = importlib.import_module("yiwang.registry.migrations.0005_resident_name_parts")
CHARS = importlib.import_module("yiwang.registry.migrations.0006_resident_name_chars")
SAMPLE = DATA / "ledger-sample.csv"


def _stored_parts() -> set[tuple[str, int]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT part, resident_id FROM {PARTS.TABLE}")
        return set(cursor.fetchall())


def _assert_parts_right():
    """The table holds every suffix of every resident's name, and nothing else; and the
    table of characters each distinct character with the resident's area code."""
    residents = Resident.objects.values_list("pk", "name", "area_code")
    expected = {(name[i:], pk) for pk, name, _ in residents for i in range(len(name))}
    assert _stored_parts() == expected
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ch, area_code, resident_id FROM {CHARS.TABLE}")
        stored_chars = set(cursor.fetchall())
    assert stored_chars == {(ch, code, pk) for pk, name, code in residents for ch in name}


def search(text, queryset=None):
    found = search_residents(queryset or Resident.objects.all(), text)
    return sorted(found.values_list("name", flat=True))


@pytest.fixture
def people(worker, other_household):
    """张建国, 王建华, 欧阳建国 and 李国强 in the worker's unit; 王五 in the outsider's."""
    home = create_household(actor=worker, unit_code=UNIT, number="001", address="南门街 1 号")
    made = {}
    relation = "head"
    for name in ["张建国", "王建华", "欧阳建国", "李国强"]:
        made[name] = add_resident(actor=worker, household_id=home.pk, name=name, relation=relation)
        relation = "child"
    return made


def test_a_given_name_or_any_other_part_finds_the_person(people):
    assert search("建国") == ["张建国", "欧阳建国"]  # the given name
    assert search("建") == ["张建国", "欧阳建国", "王建华"]
    assert search("国") == ["张建国", "李国强", "欧阳建国"]
    assert search("建华") == ["王建华"]
    assert search("国强") == ["李国强"]
    assert search("阳建国") == ["欧阳建国"]  # three characters inside a name
    assert search(" 建 国 ") == []  # the space is part of the text: no name has it
    assert search("华建") == [] and search("建国强") == []


def test_what_was_found_before_is_still_found(people):
    assert search("张建国") == ["张建国"]  # a full name
    assert search("张建") == ["张建国"]  # its start
    assert search("欧阳") == ["欧阳建国"]
    assert search("zjg") == ["张建国"]  # initials
    assert search("wj") == ["王建华"]
    assert search("ｊｇ") == []  # initials only from their start


def test_a_name_in_letters_is_found_by_a_part_of_three_letters_or_more(worker, people):
    home = create_household(actor=worker, unit_code=UNIT, number="002")
    add_resident(actor=worker, household_id=home.pk, name="John Smith", relation="head")

    assert search("Smith") == ["John Smith"]
    assert search("ohn") == ["John Smith"]
    assert search("js") == ["John Smith"]  # two letters are initials only


def test_a_part_is_literal_not_a_pattern(worker, people):
    home = create_household(actor=worker, unit_code=UNIT, number="002")
    add_resident(actor=worker, household_id=home.pk, name="张_国", relation="head")

    assert search("_国") == ["张_国"]
    assert search("%") == []


@pytest.mark.parametrize("text", ["建国", "国", "阳建国", "zjg"])
def test_a_search_by_any_part_is_one_query(people, text, django_assert_num_queries):
    with django_assert_num_queries(1):
        list(search_residents(Resident.objects.select_related("household"), text))


# --- scope ------------------------------------------------------------------------------


def test_a_search_outside_the_scope_shows_nothing_of_it(people, outsider):
    visible = Resident.objects.visible_to(outsider)
    for text in ["建国", "建", "国强", "阳建国", "张建国", "zjg"]:
        assert search(text, visible) == [], text
    assert search("五", visible) == ["王五"]  # their own village's, by a part too

    client = Client()
    client.force_login(outsider)
    page = client.get("/ledger/", {"search": "建国"})
    assert page.status_code == 200
    table = page.content.decode().split('id="resident-table"')[1]
    assert "建国" not in table.replace('value="建国"', "")
    api = client.get("/api/v1/residents/", {"search": "建国"})
    assert api.status_code == 200 and api.json()["count"] == 0


def test_the_county_admin_finds_a_person_by_their_given_name_on_the_ledger_page(
    people, county_admin
):
    client = Client()
    client.force_login(county_admin)

    table = client.get("/ledger/", {"search": "建国"}).content.decode()
    table = table.split('id="resident-table"')[1]
    assert "张建国" in table and "欧阳建国" in table and "王建华" not in table
    assert client.get("/api/v1/residents/", {"search": "建国"}).json()["count"] == 2


# --- the table of parts follows every writer --------------------------------------------


def test_the_parts_follow_every_service(people, worker, county_admin, other_household):
    _assert_parts_right()

    update_resident(actor=worker, resident_id=people["张建国"].pk, name="张建军")
    assert search("建军") == ["张建军"]
    assert search("建国") == ["欧阳建国"]  # the old name's parts are gone
    _assert_parts_right()

    record_death(actor=worker, resident_id=people["王建华"].pk, on=timezone.localdate())
    assert search("建华") == ["王建华"]  # the ledger keeps the dead, as before
    transfer(
        actor=county_admin,
        resident_id=people["李国强"].pk,
        to_household_id=other_household.pk,
        relation="child",
    )
    assert search("国强") == ["李国强"]
    _assert_parts_right()


def test_the_parts_follow_bulk_and_raw_writes(people):
    home = Household.objects.get(area_code=UNIT, number="001")
    Resident.objects.bulk_create(
        [Resident(household=home, area_code=UNIT, name="赵建国", relation="child")]
    )
    created = db_value(Resident, "created_at", timezone.now())
    born = db_value(Resident, "birth_date", datetime.date(1990, 1, 1))
    row = [home.pk, UNIT, "钱建国", "qjg", "", "", "female", born, "", "", "child", "汉族"]
    insert_rows(Resident, FRESH_RESIDENT_FIELDS, [(*row, False, "living", created, created)])
    assert search("建国") == ["张建国", "欧阳建国", "赵建国", "钱建国"]
    _assert_parts_right()

    Resident.objects.filter(name="赵建国").update(name="赵立新")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE registry_resident SET name = %s WHERE name = %s", ["钱立", "钱建国"])
    Resident.objects.filter(name="李国强").update(status="moved_out")  # no rename
    assert search("立") == ["赵立新", "钱立"]
    assert search("建国") == ["张建国", "欧阳建国"]
    _assert_parts_right()

    Resident.objects.filter(name__in=["赵立新", "钱立"]).delete()
    assert search("立") == []
    _assert_parts_right()


def _import(text: str, actor=None):
    ledger = read_ledger(text.encode("utf-8"), "ledger.csv")
    return import_ledger(actor=actor, rows=ledger.records(), labels=ledger.labels, within=TOWN)


def test_the_importer_makes_its_residents_findable_by_given_name(tree):
    text = SAMPLE.read_text(encoding="utf-8")
    _import(text)

    assert "张建国" in search("建国")
    _assert_parts_right()

    renamed = text.replace("张建国,370829195803020113,", "张建军,370829195803020113,")
    assert renamed != text
    report = _import(renamed)

    assert report.counts()["residents"]["updated"] == 1
    assert "张建军" in search("建军") and "张建国" not in search("建国")
    _assert_parts_right()


# --- the triggers -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_triggers_that_keep_the_parts_are_in_place():
    """A migration that rebuilds the resident table on SQLite drops its triggers: it must
    create them again (see migration 0005)."""
    expected = PARTS.SQLITE_TRIGGERS if connection.vendor == "sqlite" else PARTS.POSTGRES_TRIGGERS

    assert set(expected) - trigger_names() == set()


class _Editor:
    """What the migration's functions use of a schema editor."""

    connection = connection

    def execute(self, sql):
        with connection.cursor() as cursor:
            cursor.execute(sql)


def test_the_parts_can_be_made_again_from_the_residents(people, worker):
    with connection.cursor() as cursor:  # as if the triggers had been dropped for a while
        cursor.execute(f"DELETE FROM {PARTS.TABLE}")
        cursor.execute(f"DELETE FROM {CHARS.TABLE}")
    assert search("建国") == [] and search("建") == []

    PARTS.create(None, _Editor())
    CHARS.create(None, _Editor())

    _assert_parts_right()
    assert search("建国") == ["张建国", "欧阳建国"]
    add_resident(
        actor=worker, household_id=people["张建国"].household_id, name="孙建国", relation="child"
    )
    assert search("建国") == ["孙建国", "张建国", "欧阳建国"]
    _assert_parts_right()
