"""Monthly partitions of the tables that grow without end, on PostgreSQL.

The audit log, the cases' timeline and the inbox's notifications gain rows with every
write and never lose them. On PostgreSQL each is a table partitioned by RANGE on its time
column, one partition a month (`<table>_p202612`: the month in TIME_ZONE, from its first
midnight to the next month's), plus a DEFAULT partition (`<table>_default`) so that no
insert ever fails for want of a month. A query bounded by time reads only the months it
covers (partition pruning); an old month can later be detached or archived as a whole.

PostgreSQL wants the partition column in the primary key and in every unique constraint of
a partitioned table, and a foreign key pointing at one must name such a key. So the models
keep `id` as their primary key, while in the database the key is (id, <time column>); a
table another table points at gets that table's copy of the time column and a composite
foreign key (see cases' Attachment.event_at). `partition_by_month` refuses a table that
still has a plain foreign key pointing at it, or a unique index without the column.

SQLite keeps plain tables: every function here does nothing there.

The months around now (the month before, for records dated back a few days; this month;
and MONTHS_AHEAD more) are made when a table is converted
and every night by `ensure_months` (yiwang.core.tasks), with the months of any rows that
landed in the DEFAULT partition meanwhile (a bulk import of old records, a consumer
stopped for months): such a month takes its rows over, in one transaction.
"""

from __future__ import annotations

import datetime
import re
import zoneinfo

from django.conf import settings
from django.db import connection as default_connection
from django.db import connections, transaction
from django.utils import timezone

# The months made ahead of the current one.
MONTHS_AHEAD = 3
# At conversion, months older than this many years stay in the DEFAULT partition (a bad
# clock's rows from 1970 would otherwise make 600 partitions).
EARLIEST_YEARS = 10
# The nightly task waits at most this long for its locks, and tries again the next night.
LOCK_TIMEOUT = "5s"


def _zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def month_of(moment: datetime.datetime | datetime.date) -> tuple[int, int]:
    """(year, month) of a time in TIME_ZONE, or of a date."""
    if isinstance(moment, datetime.datetime):
        moment = moment.astimezone(_zone())
    return moment.year, moment.month


def add_months(year: int, month: int, count: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + count
    return index // 12, index % 12 + 1


def month_bounds(year: int, month: int) -> tuple[datetime.datetime, datetime.datetime]:
    """The month's first midnight in TIME_ZONE, and the next month's."""
    zone = _zone()
    next_year, next_month = add_months(year, month, 1)
    return (
        datetime.datetime(year, month, 1, tzinfo=zone),
        datetime.datetime(next_year, next_month, 1, tzinfo=zone),
    )


def partition_name(table: str, year: int, month: int) -> str:
    return f"{table}_p{year:04d}{month:02d}"


def default_name(table: str) -> str:
    return f"{table}_default"


def is_partitioned(table: str, connection=None) -> bool:
    connection = connection or default_connection
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
            "WHERE c.relname = %s AND pg_table_is_visible(c.oid)",
            [table],
        )
        return cursor.fetchone() is not None


def monthly_tables(connection=None) -> list[tuple[str, str]]:
    """(table, column) of every table partitioned by month here: RANGE on one column, with
    a DEFAULT partition named as `partition_by_month` names it. Empty on SQLite."""
    connection = connection or default_connection
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, a.attname FROM pg_partitioned_table p "
            "JOIN pg_class c ON c.oid = p.partrelid "
            "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = p.partattrs[0] "
            "WHERE p.partstrat = 'r' AND p.partnatts = 1 AND pg_table_is_visible(c.oid) "
            "AND EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class d ON d.oid = i.inhrelid "
            "  WHERE i.inhparent = c.oid AND d.relname = c.relname || '_default') "
            "ORDER BY c.relname"
        )
        return [(table, column) for table, column in cursor.fetchall()]


def partitions_of(table: str, connection=None) -> list[str]:
    """The names of the table's partitions, sorted (empty for a plain table)."""
    connection = connection or default_connection
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT d.relname FROM pg_inherits i JOIN pg_class d ON d.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass ORDER BY d.relname",
            [table],
        )
        return [row[0] for row in cursor.fetchall()]


def partitions_read(queryset) -> set[str]:
    """The partitions of its table that a query reads, from PostgreSQL's plan (EXPLAIN):
    the ones the planner could not rule out. A query bounded by time names its months only.
    Empty on SQLite."""
    names = set(partitions_of(queryset.model._meta.db_table, connections[queryset.db]))
    if not names:
        return set()
    return {word for word in re.findall(r"\w+", queryset.explain()) if word in names}


def _exists(cursor, name: str) -> bool:
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
    return cursor.fetchone()[0]


def _create_month(cursor, quote, table: str, column: str, year: int, month: int) -> bool:
    """Makes the month's partition unless it exists; rows of that month already in the
    DEFAULT partition move into it. True when it was made."""
    name = partition_name(table, year, month)
    if _exists(cursor, name):
        return False
    low, high = month_bounds(year, month)
    default = default_name(table)
    # Making a partition locks the table out anyway; taken first, the lock keeps a row of
    # the month from landing in the default between the look below and the making. Writes
    # wait (reads go on) until the transaction ends, with the month's rows moved.
    cursor.execute(f"LOCK TABLE {quote(table)} IN EXCLUSIVE MODE")
    if _exists(cursor, default):
        cursor.execute(
            f"SELECT 1 FROM {quote(default)} WHERE {quote(column)} >= %s AND {quote(column)} < %s "
            "LIMIT 1",
            [low, high],
        )
        if cursor.fetchone() is not None:
            # The rows leave and come back with the same keys: the foreign keys pointing
            # at the table would act on the leaving (a photo deleted by its CASCADE, an
            # attachment's event set to NULL, a NO ACTION refused), and the table's own
            # triggers (the visits' key table) would see a second insert. Both are set
            # aside for the move, in its transaction, and the keys checked again after.
            pointing = _foreign_keys_to(cursor, table)
            # Deferred checks still pending in the transaction would forbid the ALTERs.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for referring, constraint, _definition in pointing:
                cursor.execute(
                    f"ALTER TABLE {quote(referring)} DROP CONSTRAINT {quote(constraint)}"
                )
            triggers = _user_triggers(cursor, table)
            for trigger in triggers:
                cursor.execute(f"ALTER TABLE {quote(table)} DISABLE TRIGGER {quote(trigger)}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE yiwang_moving (LIKE {quote(table)}) ON COMMIT DROP"
            )
            cursor.execute(
                f"WITH moved AS (DELETE FROM {quote(default)} WHERE {quote(column)} >= %s "
                f"AND {quote(column)} < %s RETURNING *) "
                "INSERT INTO yiwang_moving SELECT * FROM moved",
                [low, high],
            )
            _create_partition(cursor, quote, table, name, low, high)
            cursor.execute(f"INSERT INTO {quote(table)} SELECT * FROM yiwang_moving")
            cursor.execute("DROP TABLE yiwang_moving")
            for trigger in triggers:
                cursor.execute(f"ALTER TABLE {quote(table)} ENABLE TRIGGER {quote(trigger)}")
            for referring, constraint, definition in pointing:
                cursor.execute(
                    f"ALTER TABLE {quote(referring)} ADD CONSTRAINT {quote(constraint)} "
                    f"{definition}"
                )
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            return True
    _create_partition(cursor, quote, table, name, low, high)
    return True


def _foreign_keys_to(cursor, table: str) -> list[tuple[str, str, str]]:
    """(table, name, definition) of each foreign key pointing at `table` (its own, not the
    copies PostgreSQL keeps per partition)."""
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
        "FROM pg_constraint WHERE confrelid = %s::regclass AND contype = 'f' "
        "AND conparentid = 0 ORDER BY conrelid::regclass::text, conname",
        [table],
    )
    return cursor.fetchall()


def _user_triggers(cursor, table: str) -> list[str]:
    """The enabled triggers written for `table` (not those PostgreSQL makes for keys)."""
    cursor.execute(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal "
        "AND tgenabled <> 'D' AND tgparentid = 0 ORDER BY tgname",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


def _create_partition(cursor, quote, table, name, low, high) -> None:
    cursor.execute(
        f"CREATE TABLE {quote(name)} PARTITION OF {quote(table)} FOR VALUES FROM (%s) TO (%s)",
        [low, high],
    )


def ensure_months(ahead: int = MONTHS_AHEAD, now=None, connection=None) -> list[str]:
    """Makes last month's partition, this month's and the next `ahead` months' of every monthly
    partitioned table, where missing, and the partitions of the months that have rows in
    the DEFAULT partition (from EARLIEST_YEARS back to a year ahead: rows imported or
    written while no task ran), which take those rows over. Idempotent, and safe to run
    from two consumers at once (each table's turn takes a self-conflicting lock first).
    Returns the partitions made. Does nothing on SQLite."""
    connection = connection or default_connection
    if connection.vendor != "postgresql":
        return []
    quote = connection.ops.quote_name
    year, month = month_of(now or timezone.now())
    wanted = {add_months(year, month, step) for step in range(-1, ahead + 1)}
    window = ((year - EARLIEST_YEARS, month), add_months(year, month, 12))
    made = []
    for table, column in monthly_tables(connection):
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            # Self-conflicting, and it lets reads and writes go on: two runs take turns.
            cursor.execute(f"LOCK TABLE {quote(table)} IN SHARE UPDATE EXCLUSIVE MODE")
            stray = {m for m in _months_in_default(cursor, quote, table, column) if window[0] <= m}
            for y, m in sorted(wanted | {m for m in stray if m <= window[1]}):
                if _create_month(cursor, quote, table, column, y, m):
                    made.append(partition_name(table, y, m))
    return made


def _months_in_default(cursor, quote, table: str, column: str) -> set[tuple[int, int]]:
    default = default_name(table)
    if not _exists(cursor, default):
        return set()
    cursor.execute(
        f"SELECT DISTINCT date_trunc('month', {quote(column)} AT TIME ZONE %s) "  # noqa: S608
        f"FROM {quote(default)}",
        [settings.TIME_ZONE],
    )
    return {(row[0].year, row[0].month) for row in cursor.fetchall() if row[0] is not None}


# The conversion, in a migration ------------------------------------------------------------


def _shape(cursor, table: str) -> dict:
    """What a rebuild of `table` must make again: its indexes (but the primary key's), its
    foreign keys, the state of its id sequence; and the foreign keys that point at it."""
    cursor.execute(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid), i.indisunique "
        "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary ORDER BY c.relname",
        [table],
    )
    indexes = cursor.fetchall()
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f' AND conparentid = 0 ORDER BY conname",
        [table],
    )
    foreign_keys = cursor.fetchall()
    cursor.execute(
        "SELECT conname, conrelid::regclass::text FROM pg_constraint "
        "WHERE confrelid = %s::regclass AND contype = 'f' AND conparentid = 0 ORDER BY conname",
        [table],
    )
    incoming = cursor.fetchall()
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    sequence = cursor.fetchone()[0]
    cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608 — from the catalogue
    last_value, is_called = cursor.fetchone()
    return {
        "indexes": indexes,
        "foreign_keys": foreign_keys,
        "incoming": incoming,
        "sequence": (last_value, is_called),
    }


def _rebuild(schema_editor, table: str, column: str | None) -> None:
    """Makes `table` again with the same columns, checks, defaults, identity, indexes and
    foreign keys, and its rows: partitioned by month on `column` (primary key (id,
    column)), or plain again when `column` is None (primary key (id)). Writes wait for the
    whole of it; reads go on until the swap at the end, which takes a moment."""
    quote = schema_editor.quote_name
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {quote(table)} IN EXCLUSIVE MODE")
        shape = _shape(cursor, table)
        if shape["incoming"]:
            names = ", ".join(f"{name} ({source})" for name, source in shape["incoming"])
            raise RuntimeError(
                f"{table} cannot be rebuilt while these foreign keys point at it: {names}. "
                "Drop them first and make them again after (composite, on a partitioned table)."
            )
        if column is not None:
            unique = [name for name, _definition, is_unique in shape["indexes"] if is_unique]
            if unique:
                raise RuntimeError(
                    f"{table} has unique indexes without {column}, which a partitioned table "
                    f"cannot keep: {', '.join(unique)}."
                )
        new = f"{table}__new"
        partitioning = f" PARTITION BY RANGE ({quote(column)})" if column else ""
        cursor.execute(
            f"CREATE TABLE {quote(new)} (LIKE {quote(table)} INCLUDING DEFAULTS "
            "INCLUDING CONSTRAINTS INCLUDING IDENTITY INCLUDING STORAGE INCLUDING COMMENTS)"
            f"{partitioning}"
        )
        if column is not None:
            _month_partitions(cursor, quote, table, new, column)
        cursor.execute(f"INSERT INTO {quote(new)} SELECT * FROM {quote(table)}")  # noqa: S608
        # The key, the indexes and the foreign keys are built on the new table while the old
        # one still answers reads, under names of their own; then the swap, at once.
        key = f"id, {quote(column)}" if column else "id"
        cursor.execute(
            f"ALTER TABLE {quote(new)} ADD CONSTRAINT {quote(new + '_pkey')} PRIMARY KEY ({key})"
        )
        for name, definition, _unique in shape["indexes"]:
            cursor.execute(_index_on(definition, name + "__new", new, quote))
        for name, definition in shape["foreign_keys"]:
            cursor.execute(f"ALTER TABLE {quote(new)} ADD CONSTRAINT {quote(name)} {definition}")
        cursor.execute(f"DROP TABLE {quote(table)}")
        cursor.execute(f"ALTER TABLE {quote(new)} RENAME TO {quote(table)}")
        cursor.execute(
            f"ALTER TABLE {quote(table)} RENAME CONSTRAINT {quote(new + '_pkey')} "
            f"TO {quote(table + '_pkey')}"
        )
        for name, _definition, _unique in shape["indexes"]:
            cursor.execute(f"ALTER INDEX {quote(name + '__new')} RENAME TO {quote(name)}")
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cursor.fetchone()[0]
        cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {quote(table + '_id_seq')}")
        last_value, is_called = shape["sequence"]
        cursor.execute("SELECT setval(%s, %s, %s)", [f"{table}_id_seq", last_value, is_called])


_INDEX = re.compile(r"^CREATE (UNIQUE )?INDEX \S+ ON (?:ONLY )?\S+ (USING .*)$", re.DOTALL)


def _index_on(definition: str, name: str, table: str, quote) -> str:
    """An index's definition (pg_get_indexdef) made again under `name` on `table`."""
    match = _INDEX.match(definition)
    if match is None:
        raise RuntimeError(f"Unexpected index definition: {definition}")
    unique, rest = match.groups()
    return f"CREATE {unique or ''}INDEX {quote(name)} ON {quote(table)} {rest}"


def _month_partitions(cursor, quote, table: str, new: str, column: str) -> None:
    """The months the rows span (from EARLIEST_YEARS back at most) through MONTHS_AHEAD
    from now, and the DEFAULT partition."""
    cursor.execute(f"SELECT min({quote(column)}), max({quote(column)}) FROM {quote(table)}")  # noqa: S608
    oldest, newest = cursor.fetchone()
    now = timezone.now()
    year, month = month_of(now)
    last = add_months(year, month, MONTHS_AHEAD)
    first = add_months(year, month, -1)
    if oldest is not None:
        earliest = (year - EARLIEST_YEARS, month)
        first = max(earliest, min(first, month_of(oldest)))
        # Rows dated further ahead than a year (a bad clock) stay in the DEFAULT partition.
        last = min(max(last, month_of(newest)), add_months(year, month, 12))
    y, m = first
    while (y, m) <= last:
        low, high = month_bounds(y, m)
        cursor.execute(
            f"CREATE TABLE {quote(partition_name(table, y, m))} PARTITION OF {quote(new)} "
            "FOR VALUES FROM (%s) TO (%s)",
            [low, high],
        )
        y, m = add_months(y, m, 1)
    cursor.execute(f"CREATE TABLE {quote(default_name(table))} PARTITION OF {quote(new)} DEFAULT")


def partition_by_month(schema_editor, table: str, column: str) -> None:
    """Converts a plain table into one partitioned by month on `column` (a migration's
    forward step). Nothing on SQLite, nor when the table is partitioned already."""
    if schema_editor.connection.vendor != "postgresql" or is_partitioned(
        table, schema_editor.connection
    ):
        return
    check_version(schema_editor.connection)
    _rebuild(schema_editor, table, column)


# A row moved to another month's partition by an UPDATE of its time must move what points at
# it along (ON UPDATE CASCADE): PostgreSQL does so from 15 on; before, the move was a DELETE
# and an INSERT, and a CASCADE on delete removed the photos of a re-dated visit.
MINIMUM_VERSION = 150000


def check_version(connection) -> None:
    """Refuses a PostgreSQL older than 15 before any table is touched."""
    if connection.pg_version < MINIMUM_VERSION:
        raise RuntimeError(
            f"Yiwang's monthly partitions need PostgreSQL 15 or later; this server is "
            f"{connection.pg_version // 10000}.{connection.pg_version % 10000}. Upgrade it "
            "before migrating (docs/DEPLOYMENT.md)."
        )


def unpartition(schema_editor, table: str) -> None:
    """Makes a partitioned table plain again, rows and all (a migration's backward step)."""
    if schema_editor.connection.vendor != "postgresql" or not is_partitioned(
        table, schema_editor.connection
    ):
        return
    _rebuild(schema_editor, table, None)
