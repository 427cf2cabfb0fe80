"""Search by one character (王 finds every name that holds it): the table of names'
characters that database triggers keep (registry migration 0006), and the count and the
pages of a scope read from it by position (`ScopedQuerySet.matching`), which must be
exactly what the database finds by reading every row."""

import importlib

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conftest import GRID, OTHER_UNIT, TOWN, UNIT, VILLAGE
from yiwang.accounts.services import create_user, grant_post
from yiwang.registry.filters import ResidentFilterSet
from yiwang.registry.models import Resident
from yiwang.registry.selectors import search_residents
from yiwang.registry.selectors.search import search_q
from yiwang.registry.services import add_resident, create_household, set_tags

from .conftest import trigger_names

CHARS = importlib.import_module("yiwang.registry.migrations.0006_resident_name_chars")
SECOND_UNIT = "370830001001001002"
SECOND_GRID_UNIT = "370830001001002001"
ORDER = ("area_code", "household__number", "id")
NAMES = ["王伟", "王王芳", "张三", "李王", "王", "钱六", "赵王五", "孙王七", "周八", "王九九"]


@pytest.fixture
def spread(county_admin):
    """Households in four units of two towns, numbered against the order of their keys,
    each with residents of whom most hold 王 (one twice)."""
    made = []
    for unit in [UNIT, SECOND_GRID_UNIT, OTHER_UNIT, SECOND_UNIT]:
        for number in ["009", "003", "007", "001"]:
            home = create_household(actor=county_admin, unit_code=unit, number=number)
            relation = "head"
            for name in NAMES[int(number) % 4 :: 2]:
                made.append(
                    add_resident(
                        actor=county_admin, household_id=home.pk, name=name, relation=relation
                    )
                )
                relation = "child"
    return made


def _reference(queryset, text):
    """What the database finds by reading the rows themselves (the suffixes' table)."""
    return queryset.filter(search_q(text))


def _pks(queryset) -> list[int]:
    return [row.pk for row in queryset]


def _assert_same_as_the_rows(base, text="王"):
    found, reference = search_residents(base, text), _reference(base, text)
    total = reference.count()

    with CaptureQueriesContext(connection) as counted:
        assert found.count() == total
    # The count read the characters' table alone.
    assert len(counted) == 1 and "registry_resident_name_char" in counted[0]["sql"]
    assert '"registry_resident"' not in counted[0]["sql"]
    for size in (1, 3, 7, 50):
        for start in range(0, total + size, size):
            assert _pks(found[start : start + size]) == _pks(reference[start : start + size]), (
                size,
                start,
            )
    return total


def _chars_user(*codes):
    user = create_user(actor=None, username="two-posts", password="x" * 12, full_name="两岗位")
    for code in codes:
        grant_post(actor=None, user=user, role="grid_worker", area_code=code)
    return user


def test_every_scope_counts_and_pages_as_its_rows_do(
    spread, county_admin, town_admin, chief, worker, outsider
):
    two_posts = _chars_user(UNIT, OTHER_UNIT)
    totals = {}
    for user in [county_admin, town_admin, chief, worker, outsider, two_posts]:
        base = Resident.objects.visible_to(user).select_related("household").order_by(*ORDER)
        totals[user.username] = _assert_same_as_the_rows(base)

    def holding(*codes):
        return sum("王" in r.name and r.area_code.startswith(codes) for r in spread)

    assert totals == {
        "county": holding(""),
        "town": holding(TOWN),
        "chief": holding(VILLAGE),
        "worker": holding(UNIT),
        "outsider": holding(OTHER_UNIT),
        "two-posts": holding(UNIT, OTHER_UNIT),
    }
    assert 0 < totals["worker"] < totals["two-posts"] < totals["county"]


def test_an_area_within_the_scope_and_the_default_order_page_alike(spread, county_admin):
    base = Resident.objects.visible_to(county_admin)
    for code in [TOWN, VILLAGE, GRID, UNIT, OTHER_UNIT, "370830003"]:
        _assert_same_as_the_rows(base.under(code).order_by(*ORDER))
    _assert_same_as_the_rows(base)  # the model's ordering: area code, household, id
    _assert_same_as_the_rows(Resident.objects.order_by(*ORDER))  # no scope at all


def test_any_other_condition_leaves_the_count_and_pages_to_the_database(spread, county_admin):
    set_tags(actor=county_admin, resident_id=spread[0].pk, tags=["elderly_alone"])
    base = Resident.objects.visible_to(county_admin).order_by(*ORDER)
    for narrowed in [
        search_residents(base, "王").filter(name__startswith="王"),
        search_residents(base.filter(relation="head"), "王"),
        search_residents(base, "王").exclude(household__number="003"),
    ]:
        with CaptureQueriesContext(connection) as counted:
            total = narrowed.count()
        assert '"registry_resident"' in counted[0]["sql"]
        assert total == len(list(narrowed)) > 0
    filters = ResidentFilterSet({"search": "王", "tag": "elderly_alone"}, queryset=base)
    assert _pks(filters.qs) == [spread[0].pk] and filters.qs.count() == 1


def test_the_filters_and_the_api_give_the_same_pages(spread, county_admin):
    base = Resident.objects.visible_to(county_admin).order_by(*ORDER)
    filters = ResidentFilterSet({"search": " 王 ", "under": VILLAGE}, queryset=base)
    reference = _reference(base.under(VILLAGE), "王")
    assert filters.qs.count() == reference.count() > 7
    assert _pks(filters.qs[5:12]) == _pks(reference[5:12])

    client = Client()
    client.force_login(county_admin)
    everyone = _reference(Resident.objects.all(), "王")  # the API's order: the model's
    for offset in (0, 7, 14):
        page = client.get("/api/v1/residents/", {"search": "王", "limit": 7, "offset": offset})
        assert page.status_code == 200
        assert page.json()["count"] == everyone.count()
        assert [r["id"] for r in page.json()["results"]] == _pks(everyone[offset : offset + 7])


def test_letters_digits_and_longer_texts_are_not_one_character_searches(spread):
    for text in ["w", "7", "王伟", ""]:
        found = search_residents(Resident.objects.all(), text)
        with CaptureQueriesContext(connection) as counted:
            found.count()
        assert "registry_resident_name_char" not in counted[0]["sql"], text


# --- the table follows every writer -----------------------------------------------------


def stored_chars() -> set[tuple[str, str, int]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ch, area_code, resident_id FROM {CHARS.TABLE}")
        return set(cursor.fetchall())


def expected_chars() -> set[tuple[str, str, int]]:
    return {
        (ch, code, pk)
        for pk, name, code in Resident.objects.values_list("pk", "name", "area_code")
        for ch in name
    }


def test_the_characters_hold_each_name_once_a_character_with_its_area(spread):
    assert stored_chars() == expected_chars()
    twice = next(r for r in spread if r.name == "王王芳")
    assert sorted(ch for ch, _, pk in stored_chars() if pk == twice.pk) == ["王", "芳"]


@pytest.mark.django_db
def test_the_triggers_that_keep_the_characters_are_in_place():
    """A migration that rebuilds the resident table on SQLite drops its triggers: it must
    create them again (see migration 0006)."""
    expected = CHARS.SQLITE_TRIGGERS if connection.vendor == "sqlite" else CHARS.POSTGRES_TRIGGERS

    assert set(expected) - trigger_names() == set()
    if connection.vendor == "sqlite":
        # Each row reads the offsets of its own name only, 0005's triggers too (made again
        # by 0006): not all fifty.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                " AND name LIKE 'registry_resident_name_%_insert'"
            )
            made = dict(cursor.fetchall())
        assert len(made) == 2 and all(
            "CASE WHEN length(NEW.name) <= 9" in sql for sql in made.values()
        )
