"""What keeps the ledger's search and roll-up fast over a million residents: the query
plans of the search on both databases, and the summaries the roll-up reads (the per-unit
tallies and the tag copies), which database triggers keep, whatever writes the rows."""

import datetime
import importlib

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import GRID, OTHER_UNIT, TOWN, UNIT, VILLAGE
from yiwang.areas.models import Area
from yiwang.core.bulk import db_value, insert_rows
from yiwang.registry.importers.bulk import FRESH_RESIDENT_FIELDS as RESIDENT_FIELDS
from yiwang.registry.models import (
    Household,
    HouseholdCategory,
    HouseholdStatus,
    LedgerTally,
    Resident,
    ResidentStatus,
    ResidentTag,
    Tag,
)
from yiwang.registry.selectors import (
    ledger_rollup,
    ledger_rollup_from_rows,
    search_residents,
)
from yiwang.registry.selectors.search import _after_prefix
from yiwang.registry.services import (
    add_resident,
    change_head,
    create_household,
    move_out,
    record_death,
    set_household_category,
    set_tags,
    transfer,
)

from .conftest import make_id, trigger_names

SECOND_UNIT = "370830001001001002"
SECOND_GRID_UNIT = "370830001001002001"
TRIGGERS = importlib.import_module("yiwang.registry.migrations.0004_ledger_tally_triggers")


# --- query plans ------------------------------------------------------------------------


def _plan(queryset) -> str:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # force the planner to show whether it can
            cursor.execute("SET enable_seqscan = off")
    return queryset.explain().lower()


@pytest.fixture
def named(worker):
    home = create_household(actor=worker, unit_code=UNIT, number="001")
    for relation, name in [("head", "王小明"), ("spouse", "李丽"), ("child", "王伟")]:
        add_resident(actor=worker, household_id=home.pk, name=name, relation=relation)
    return home


def _page(text):
    """The list as the resident page and the API run it: scoped, ordered, one page."""
    queryset = (
        Resident.objects.under(TOWN)
        .select_related("household")
        .order_by("area_code", "household__number", "id")
    )
    return search_residents(queryset, text)[:50]


@pytest.mark.parametrize("text", ["小明", "王小明"])
def test_a_name_search_is_served_by_the_key_of_the_name_parts(named, text):
    plan = _plan(search_residents(Resident.objects.all(), text).order_by().values("pk"))

    if connection.vendor == "sqlite":
        # "SEARCH registry_resident_name_part USING PRIMARY KEY (part>? AND part<?)"
        assert "registry_resident_name_part using primary key (part>? and part<?)" in plan
    else:
        assert "registry_resident_name_part_pkey" in plan


def test_a_name_search_is_a_range_on_both_databases(named):
    sql = str(search_residents(Resident.objects.all(), "小明").query).lower()

    assert "like" not in sql and "part >=" in sql and "part <" in sql


@pytest.mark.parametrize("text", ["小明", "王小明"])
def test_the_scoped_ordered_page_looks_names_up_first(named, text):
    plan = _plan(_page(text))

    assert "registry_resident_name_part" in plan
    if connection.vendor == "sqlite":
        # The matches first (a list from the parts' key), then each by its rowid; not a
        # walk along the area code index.
        assert "list subquery" in plan and "integer primary key" in plan
        assert "registry_resident_area_code" not in plan
    else:
        assert "initplan" in plan and "= any" in plan


def _explained(sql: str, params) -> str:
    prefix = "EXPLAIN " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql, params)
        return "\n".join(" ".join(map(str, row)) for row in cursor.fetchall()).lower()


def test_a_one_character_search_in_a_scope_reads_the_key_of_the_characters(named):
    """The count, and the page's window of areas, are ranges of the characters' key
    (character, area code, resident); the page reads the residents of its window alone."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")
    found = search_residents(Resident.objects.under(TOWN), "王")
    with CaptureQueriesContext(connection) as queries:
        assert found.count() == 2
    (count,) = queries.captured_queries
    page = _page("王")
    sql, params = page.query.sql_with_params()
    plans = [_explained(count["sql"], ()), _explained(sql, params)]

    for plan in plans:
        if connection.vendor == "sqlite":
            assert "using primary key (ch=? and area_code>? and area_code<?)" in plan
        else:
            assert "registry_resident_name_char_pkey" in plan
    assert "registry_resident " not in plans[0] and '"registry_resident"' not in count["sql"]
    assert sorted(r.name for r in page) == ["王伟", "王小明"]


@pytest.mark.parametrize("text", ["wx", "wxm"])
def test_an_initials_search_is_served_by_the_initials_index(named, text):
    plan = _plan(search_residents(Resident.objects.all(), text).order_by().values("pk"))

    assert "resident_initials_area_idx" in plan


@pytest.mark.parametrize(
    ("text", "index"),
    [
        ("w", "resident_initials_area_idx"),
        ("z", "resident_initials_area_idx"),  # no letter after z: the bound is "{" there
        ("zz", "resident_initials_area_idx"),
    ],
)
def test_a_count_of_a_broad_search_in_a_scope_reads_the_index_alone(named, text, index):
    if connection.vendor == "postgresql":
        # PostgreSQL chooses by its statistics (the benchmark measures what it chooses at
        # a million residents): here it is asked only whether the index can serve it.
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")
    # The rows of the list's count (its ordering dropped, as count() drops it).
    plan = _plan(search_residents(Resident.objects.under(TOWN), text).order_by().values("pk"))

    if connection.vendor == "sqlite":
        assert f"covering index {index}" in plan
    else:  # the tree here is tiny: any index, never a scan of the table
        assert "index" in plan and "seq scan" not in plan


def test_an_id_tail_search_is_served_by_the_tail_indexes(named):
    plan = _plan(_page("5678"))

    assert "id_tail" in plan and "phone_tail" in plan


# --- prefixes ---------------------------------------------------------------------------


def test_the_bound_after_a_prefix_is_its_last_character_raised():
    assert _after_prefix("张") == "弡"
    assert _after_prefix("王小") == "王尐"
    assert _after_prefix("ab") == "ac"
    assert _after_prefix("a\ud7ff") == "a\ue000"  # over the surrogates
    assert _after_prefix("a\U0010ffff") == "b"
    assert _after_prefix("\U0010ffff") is None


def test_a_part_finds_exactly_the_names_that_contain_it(worker):
    home = create_household(actor=worker, unit_code=UNIT, number="001")
    names = ["王", "王小", "王小明", "王尐", "汪", "王\U0001f600", "玉", "A王", "王a", "王A"]
    relation = "head"
    for name in names:
        add_resident(actor=worker, household_id=home.pk, name=name, relation=relation)
        relation = "child"

    for text in ["王", "王小", "小", "王a", "王A", "王\U0001f600", "\U0001f600", "尐"]:
        expected = sorted(n for n in names if text in n)
        found = sorted(
            search_residents(Resident.objects.all(), text).values_list("name", flat=True)
        )
        assert found == expected, text


# --- the roll-up's summaries ------------------------------------------------------------


def _recount() -> dict[str, tuple[int, int, int]]:
    """Active households, key households and living residents of each unit, counted."""
    counts: dict[str, list[int]] = {}
    for code, category, n in (
        Household.objects.filter(status=HouseholdStatus.ACTIVE)
        .values_list("area_code", "category")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        row = counts.setdefault(code, [0, 0, 0])
        row[0] += n
        if category == HouseholdCategory.KEY:
            row[1] += n
    for code, n in (
        Resident.objects.filter(status=ResidentStatus.LIVING)
        .values_list("area_code")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts.setdefault(code, [0, 0, 0])[2] += n
    return {code: tuple(row) for code, row in counts.items()}


def _tallies() -> dict[str, tuple[int, int, int]]:
    return {
        t.area_code: (t.households, t.key_households, t.residents)
        for t in LedgerTally.objects.all()
        if (t.households, t.key_households, t.residents) != (0, 0, 0)
    }


def _wrong_copies() -> list:
    return [
        (rt.pk, rt.area_code, rt.resident_living)
        for rt in ResidentTag.objects.select_related("resident")
        if (rt.area_code, rt.resident_living)
        != (rt.resident.area_code, rt.resident.status == ResidentStatus.LIVING)
    ]


def _assert_summaries_right():
    assert _tallies() == _recount()
    assert _wrong_copies() == []
    for code in (VILLAGE[:6], TOWN, VILLAGE, GRID):
        area = Area.objects.get(code=code)
        assert ledger_rollup(area) == ledger_rollup_from_rows(area), code


@pytest.fixture
def busy_ledger(chief, county_admin):
    """Households and residents through every service that changes a count."""
    a = create_household(actor=chief, unit_code=UNIT, number="1")
    head = add_resident(
        actor=chief,
        household_id=a.pk,
        name="甲",
        relation="head",
        id_number=make_id("19500101", "101"),
        tags=["dibao", "elderly_alone"],
    )
    spouse = add_resident(
        actor=chief, household_id=a.pk, name="乙", relation="spouse", tags=["disability"]
    )
    child = add_resident(actor=chief, household_id=a.pk, name="丙", relation="child")
    b = create_household(actor=chief, unit_code=SECOND_UNIT, number="1")
    b_head = add_resident(actor=chief, household_id=b.pk, name="丁", relation="head")
    c = create_household(actor=chief, unit_code=SECOND_GRID_UNIT, number="1")
    add_resident(actor=chief, household_id=c.pk, name="戊", relation="head", tags=["wubao"])
    return {
        "a": a,
        "b": b,
        "c": c,
        "head": head,
        "spouse": spouse,
        "child": child,
        "b_head": b_head,
    }


def test_the_summaries_follow_every_service(busy_ledger, chief, county_admin):
    ledger = busy_ledger
    _assert_summaries_right()

    set_tags(actor=chief, resident_id=ledger["child"].pk, tags=["left_behind_child", "dibao"])
    _assert_summaries_right()
    move_out(actor=chief, resident_id=ledger["spouse"].pk)  # her tag stays, not counted
    _assert_summaries_right()
    change_head(
        actor=chief,
        household_id=ledger["a"].pk,
        new_head_id=ledger["child"].pk,
        former_head_relation="parent",
    )
    set_household_category(
        actor=chief, household_id=ledger["a"].pk, category="ordinary", reason="已脱贫"
    )
    _assert_summaries_right()
    # Into another town, and back into the ledger after moving out.
    foreign = create_household(actor=county_admin, unit_code=OTHER_UNIT, number="9")
    add_resident(actor=county_admin, household_id=foreign.pk, name="己", relation="head")
    transfer(
        actor=county_admin,
        resident_id=ledger["head"].pk,
        to_household_id=foreign.pk,
        relation="parent",
    )
    _assert_summaries_right()
    transfer(
        actor=county_admin,
        resident_id=ledger["spouse"].pk,
        to_household_id=ledger["b"].pk,
        relation="spouse",
    )
    _assert_summaries_right()
    record_death(actor=chief, resident_id=ledger["b_head"].pk)
    _assert_summaries_right()
    record_death(actor=chief, resident_id=ledger["spouse"].pk)  # the household closes
    assert Household.objects.get(pk=ledger["b"].pk).status == HouseholdStatus.MOVED_OUT
    _assert_summaries_right()


def test_the_summaries_follow_bulk_and_raw_writes(busy_ledger):
    """The importer and the demo write with bulk_create, executemany and update()."""
    unit = Area.objects.get(code=SECOND_UNIT)
    now = timezone.now()
    Household.objects.bulk_create(
        [Household(unit=unit, area_code=unit.code, number=f"b{i}") for i in range(3)]
    )
    homes = list(Household.objects.filter(number__startswith="b").order_by("number"))
    Resident.objects.bulk_create(
        [
            Resident(household=home, area_code=home.area_code, name=f"赵{i}", relation="head")
            for i, home in enumerate(homes)
        ]
    )
    created = db_value(Resident, "created_at", now)
    born = db_value(Resident, "birth_date", datetime.date(1990, 1, 1))
    insert_rows(  # as the demo does
        Resident,
        RESIDENT_FIELDS,
        [
            (
                home.pk,
                home.area_code,
                f"钱{i}",
                "q",
                "",
                "",
                "female",
                born,
                "",
                "",
                "spouse",
                "汉族",
                False,
                "living",
                created,
                created,
            )
            for i, home in enumerate(homes)
        ],
    )
    _assert_summaries_right()

    today = db_value(ResidentTag, "starts_on", timezone.localdate())
    dibao = Tag.objects.get(code="dibao").pk
    people = Resident.objects.filter(household__in=homes)
    insert_rows(
        ResidentTag, ("resident", "tag", "starts_on"), [(r.pk, dibao, today) for r in people]
    )
    Household.objects.filter(pk__in=[h.pk for h in homes[:2]]).update(
        category=HouseholdCategory.KEY
    )
    _assert_summaries_right()

    Resident.objects.filter(household=homes[0]).update(status=ResidentStatus.MOVED_OUT)
    Resident.objects.filter(household=homes[1]).update(area_code=SECOND_GRID_UNIT)
    Household.objects.filter(pk=homes[0].pk).update(status=HouseholdStatus.DISSOLVED)
    _assert_summaries_right()

    ResidentTag.objects.filter(resident__household=homes[2]).delete()
    Resident.objects.filter(household=homes[2]).delete()
    Household.objects.filter(pk=homes[2].pk).delete()
    _assert_summaries_right()


def test_a_tag_saved_from_a_stale_instance_keeps_its_copies(busy_ledger):
    head = busy_ledger["head"]
    tag = ResidentTag(resident=head, tag=Tag.objects.get(code="petitioner"))
    tag.save()
    tag.refresh_from_db()
    assert (tag.area_code, tag.resident_living) == (UNIT, True)

    tag.area_code, tag.resident_living = "", False  # as a careless writer would
    tag.save()
    ResidentTag.objects.filter(pk=tag.pk).update(area_code="999", resident_living=False)

    tag.refresh_from_db()
    assert (tag.area_code, tag.resident_living) == (UNIT, True)
    _assert_summaries_right()


def test_tags_that_start_later_or_ended_are_not_counted(busy_ledger, chief):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    set_tags(actor=chief, resident_id=busy_ledger["b_head"].pk, tags=["petitioner"], on=yesterday)
    set_tags(actor=chief, resident_id=busy_ledger["b_head"].pk, tags=[])
    ResidentTag.objects.create(
        resident=busy_ledger["child"],
        tag=Tag.objects.get(code="wubao"),
        starts_on=timezone.localdate() + datetime.timedelta(days=3),
    )

    town = next(r for r in ledger_rollup(Area.objects.get(code=VILLAGE[:6])) if r["code"] == TOWN)

    assert town["tags"]["petitioner"] == 0 and town["tags"]["wubao"] == 1
    _assert_summaries_right()


@pytest.mark.django_db
def test_the_triggers_that_keep_the_summaries_are_in_place():
    """A migration that rebuilds the household, resident or tag table on SQLite drops
    its triggers: it must create them again (see migration 0004)."""
    if connection.vendor == "sqlite":
        expected = set(TRIGGERS.SQLITE_TRIGGERS)
    else:
        expected = {name for name, _table in TRIGGERS.POSTGRES_TRIGGERS}

    assert expected - trigger_names() == set()


class _Editor:
    """What the migration's functions use of a schema editor."""

    connection = connection

    def execute(self, sql):
        with connection.cursor() as cursor:
            cursor.execute(sql)


def test_the_triggers_can_be_created_again_and_recount(busy_ledger, chief):
    LedgerTally.objects.update(residents=0)  # as if they had been dropped for a while

    TRIGGERS.create(None, _Editor())

    _assert_summaries_right()
    set_tags(actor=chief, resident_id=busy_ledger["child"].pk, tags=["dibao"])
    _assert_summaries_right()
