"""The audit log partitioned by month on PostgreSQL (plain on SQLite): an entry lands in its
month's partition, a query by period reads only its months, the months ahead are made once,
and a month made late takes over its rows from the DEFAULT partition. The same behaviour
is asserted on both databases; the partitions themselves only where they exist."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from yiwang.core import partitions
from yiwang.core.filters import AuditEntryFilterSet
from yiwang.core.models import AuditEntry
from yiwang.core.tasks import make_partitions_ahead

pytestmark = pytest.mark.django_db

TABLE = "core_auditentry"
POSTGRESQL = connection.vendor == "postgresql"


def entry(at: datetime.datetime, action: str = "test.partition") -> AuditEntry:
    return AuditEntry.objects.create(
        at=at, source="system", action=action, object_type="test", object_id="1"
    )


def this_month() -> tuple[int, int]:
    return partitions.month_of(timezone.now())


def middle(year: int, month: int) -> datetime.datetime:
    return partitions.month_bounds(year, month)[0] + datetime.timedelta(days=14, hours=3)


def stored_in(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {TABLE} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_the_audit_log_is_partitioned_by_month_on_postgresql_and_plain_on_sqlite():
    if POSTGRESQL:
        assert partitions.is_partitioned(TABLE)
        assert (TABLE, "at") in partitions.monthly_tables()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_get_partkeydef(partrelid) FROM pg_partitioned_table "
                "WHERE partrelid = %s::regclass",
                [TABLE],
            )
            assert cursor.fetchone()[0] == "RANGE (at)"
            # The database's key holds the month's column; the model's is still `id`.
            cursor.execute(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'p'",
                [TABLE],
            )
            assert cursor.fetchone()[0] == "PRIMARY KEY (id, at)"
        year, month = this_month()
        names = set(partitions.partitions_of(TABLE))
        for step in range(partitions.MONTHS_AHEAD + 1):
            assert (
                partitions.partition_name(TABLE, *partitions.add_months(year, month, step)) in names
            )
        assert partitions.default_name(TABLE) in names
    else:
        assert not partitions.is_partitioned(TABLE)
        assert partitions.monthly_tables() == []
        assert partitions.partitions_of(TABLE) == []
        with connection.cursor() as cursor:
            cursor.execute("SELECT type FROM sqlite_master WHERE name = %s", [TABLE])
            assert cursor.fetchone()[0] == "table"
    assert AuditEntry._meta.pk.name == "id"


def test_an_entry_lands_in_its_months_partition_and_keeps_its_id():
    year, month = this_month()
    first = entry(middle(year, month))
    second = entry(middle(year, month))
    assert second.pk > first.pk
    assert AuditEntry.objects.get(pk=first.pk).at == middle(year, month)
    if POSTGRESQL:
        assert stored_in(first.pk) == partitions.partition_name(TABLE, year, month)
        # Far outside the months made: the DEFAULT partition, never a failed insert.
        stray = entry(middle(year + 30, month))
        assert stored_in(stray.pk) == partitions.default_name(TABLE)
    else:
        assert AuditEntry.objects.filter(pk__in=[first.pk, second.pk]).count() == 2


def test_the_audit_log_filtered_by_a_month_reads_only_that_months_partition():
    year, month = this_month()
    before = partitions.add_months(year, month, -1)
    after = partitions.add_months(year, month, 1)
    low, high = partitions.month_bounds(year, month)
    inside = [entry(low), entry(middle(year, month)), entry(high - datetime.timedelta(seconds=1))]
    entry(low - datetime.timedelta(seconds=1))
    entry(high)
    entry(middle(*before))
    entry(middle(*after))
    # The audit page's and the API's filter: from the month's first day to its last.
    last_day = timezone.localdate(high) - datetime.timedelta(days=1)
    filtered = AuditEntryFilterSet(
        {"since": timezone.localdate(low).isoformat(), "until": last_day.isoformat()},
        queryset=AuditEntry.objects.filter(action="test.partition"),
    ).qs
    assert sorted(filtered.values_list("pk", flat=True)) == sorted(e.pk for e in inside)
    if POSTGRESQL:
        assert partitions.partitions_read(filtered) == {
            partitions.partition_name(TABLE, year, month)
        }
        # Without a period, every month is read.
        everything = AuditEntry.objects.filter(action="test.partition")
        assert partitions.partitions_read(everything) == set(partitions.partitions_of(TABLE))
    else:
        assert partitions.partitions_read(filtered) == set()


def test_the_months_ahead_are_made_once():
    year, month = this_month()
    later = partitions.month_bounds(year + 5, month)[0]
    made = partitions.ensure_months(now=later)
    assert partitions.ensure_months(now=later) == []
    if POSTGRESQL:
        expected = {
            partitions.partition_name(table, *partitions.add_months(year + 5, month, step))
            for table, _column in partitions.monthly_tables()
            for step in range(partitions.MONTHS_AHEAD + 1)
        }
        assert expected <= set(made)
        assert partitions.partition_name(TABLE, year + 5, month) in partitions.partitions_of(TABLE)
        # Now: the migration made these months already; the nightly task finds nothing to do.
        assert make_partitions_ahead.call_local() == []
    else:
        assert made == []
        assert make_partitions_ahead.call_local() == []


def test_a_month_made_late_takes_over_its_rows_from_the_default_partition():
    year, month = this_month()
    far = (year + 7, month)
    early = entry(middle(*far))
    late = entry(partitions.month_bounds(*far)[1] - datetime.timedelta(seconds=1))
    # Beyond the year ahead of the run: left in the DEFAULT partition.
    other = entry(middle(*partitions.add_months(*far, 13)))
    if POSTGRESQL:
        assert stored_in(early.pk) == partitions.default_name(TABLE)
    partitions.ensure_months(ahead=0, now=partitions.month_bounds(*far)[0])
    if POSTGRESQL:
        assert stored_in(early.pk) == partitions.partition_name(TABLE, *far)
        assert stored_in(late.pk) == partitions.partition_name(TABLE, *far)
        assert stored_in(other.pk) == partitions.default_name(TABLE)
    moved = AuditEntry.objects.filter(pk__in=[early.pk, late.pk, other.pk]).order_by("pk")
    assert [(e.pk, e.at) for e in moved] == [(e.pk, e.at) for e in (early, late, other)]


def test_the_nightly_task_gives_old_rows_in_the_default_partition_their_months():
    """Rows of months before the conversion's (an import of old records) go to the DEFAULT
    partition; the next run makes their months and moves them, and leaves alone what lies
    beyond its window (a bad clock's year 2000)."""
    year, month = this_month()
    old = (year - 2, month)
    imported = [entry(middle(*old)), entry(middle(*partitions.add_months(*old, 1)))]
    ancient = entry(datetime.datetime(2000, 1, 15, tzinfo=datetime.UTC))
    if POSTGRESQL:
        assert partitions.partition_name(TABLE, *old) not in partitions.partitions_of(TABLE)
        assert {stored_in(e.pk) for e in imported} == {partitions.default_name(TABLE)}
    made = make_partitions_ahead.call_local()
    if POSTGRESQL:
        assert set(made) == {
            partitions.partition_name(TABLE, *old),
            partitions.partition_name(TABLE, *partitions.add_months(*old, 1)),
        }
        assert [stored_in(e.pk) for e in imported] == made
        assert stored_in(ancient.pk) == partitions.default_name(TABLE)
    else:
        assert made == []
    assert make_partitions_ahead.call_local() == []
    assert AuditEntry.objects.filter(pk__in=[e.pk for e in [*imported, ancient]]).count() == 3


def test_month_bounds_are_local_midnights():
    low, high = partitions.month_bounds(2026, 12)
    assert low.isoformat() == "2026-12-01T00:00:00+08:00"
    assert high.isoformat() == "2027-01-01T00:00:00+08:00"
    assert partitions.month_of(datetime.datetime(2026, 11, 30, 16, tzinfo=datetime.UTC)) == (
        2026,
        12,
    )
    assert partitions.add_months(2026, 11, 3) == (2027, 2)
    assert partitions.add_months(2027, 1, -1) == (2026, 12)


def test_a_postgresql_before_15_is_refused_before_any_table_is_touched():
    class Server:
        def __init__(self, version):
            self.pg_version = version

    with pytest.raises(RuntimeError, match="PostgreSQL 15 or later; this server is 14.11"):
        partitions.check_version(Server(140011))
    partitions.check_version(Server(150020))  # this machine's: no refusal
