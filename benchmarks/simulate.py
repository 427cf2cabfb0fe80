"""The province simulation (docs/SCALING.md): ten counties of the reference county's shape
on PostgreSQL, run by benchmarks/worker.py after `build` and only when asked
(`run.py --no-sqlite --only simulate`; BENCH_DB names the database).

  1. One county of data on the demo county (370829): households (25 a unit, as the county's
     196,000 over 7,849 units), SIM_MONTHS months of visits (2,000,000 a county a year, key
     households three times as often) each with the scheduled visit it did plus one open a
     household, generated in SQL (generate_series); a year of cases with their timelines
     (the demo's builder, yiwang.demo.cases: about 21,000 a county). Measured: the period
     queries, the roll-up, the visit API (outreach_bench.bench_visitapi).
  2. Nine more counties (370830…370838): the area tree, households, visits, scheduled
     visits, cases and events of the first copied in SQL with their ids shifted and codes
     rewritten (fresh UUIDs, numbers, tracking codes). Measured again, in the same run: the
     same queries, the roll-up of one county and of all ten, the visit API; the size of each
     big table and its indexes a row; and the 30 days' visits query on the app's visits
     (partitioned by month, migration outreach 0005) against a plain copy of them with the
     same indexes (sim_visit_plain).

--sim-counties (2 to 10: the filled county and its copies) and --sim-households (a unit)
make a smaller run: `--sim-counties 2 --sim-households 5 --sim-months 1` is a smoke run. The
monthly partitions of the months the load writes are made first (no row in a DEFAULT).

The visits' and schedule's secondary indexes are dropped during each load and made again
after it (what a bulk load does; on the partitioned visits, their partitioned indexes), and
the visits' key table is filled after it in one statement (_loading); the sizes are
therefore those of freshly built indexes.
"""

from __future__ import annotations

import datetime
import re
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import cases_bench  # noqa: E402
import outreach_bench  # noqa: E402

COUNTY = "370829"
OTHERS = [f"3708{n}" for n in range(30, 39)]
COUNTIES = 1 + len(OTHERS)  # --sim-counties: fewer for a smoke run (2: one copy)
SIM_MONTHS = 12
VISITS_A_YEAR = 2_000_000
HOUSEHOLDS_A_UNIT = 25
KEY_SHARE = 9_300 / 196_000
OFFSET = 10_000_000  # ids of the k-th copied county: the first's + k × OFFSET
RUNS = 9  # timed runs of each heavy query (after one warm-up)
ROLLUP_RUNS = 30
BIG_TABLES = (
    "areas_area",
    "registry_household",
    "outreach_visit",
    "outreach_scheduledvisit",
    "cases_case",
    "cases_caseevent",
    "core_auditentry",
    "outreach_visitkey",
)
INDEXED = ("outreach_visit", "outreach_scheduledvisit")
# SCALING.md's bytes a row (the town-scale demo) for the comparison.
ESTIMATED_BYTES = {"outreach_visit": 715, "cases_case": 940, "cases_caseevent": 220}
ESTIMATED_BYTES["core_auditentry"] = 1193
# The visits' UUID key table (migration outreach 0005), kept by a statement trigger on insert.
KEYS, KEYS_TRIGGER = "outreach_visitkey", "outreach_visit_keys_insert"


def _log(text: str) -> None:
    print(f"  {text}", flush=True)


def _execute(sql: str, params=None) -> tuple[float, int]:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.rowcount
    return time.perf_counter() - started, rows


def _scalar(sql: str, params=None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _columns(table: str) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s"
            " ORDER BY ordinal_position",
            [table],
        )
        return [r[0] for r in cursor.fetchall()]


# --- the indexes during a load -----------------------------------------------------------


def _drop_indexes(table: str) -> list[str]:
    """Drops the table's indexes that back no constraint (on a partitioned table, its
    partitioned indexes, which take their partitions' along); returns their definitions,
    made for the whole table again (`ON ONLY` would make the parent's alone, invalid). The
    indexes of constraints stay: the key (id, visited_at) that foreign keys point at, the
    visits' (uuid, visited_at)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x"
            " JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid"
            " WHERE t.relname = %s AND NOT EXISTS"
            " (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
            [table],
        )
        found = cursor.fetchall()
        for name, _definition in found:
            cursor.execute(f'DROP INDEX "{name}"')
    return [definition.replace(" ON ONLY ", " ON ", 1) for _name, definition in found]


def _make_indexes(definitions: list[str]) -> float:
    started = time.perf_counter()
    for definition in definitions:
        _execute(definition)
    return time.perf_counter() - started


def _loading(function):
    """Runs `function` with the visits' and schedule's secondary indexes dropped, and the
    visits' key table set aside: its insert trigger disabled and its primary key dropped
    during the load, then the new visits' keys (ids above the highest before) added in one
    INSERT … SELECT and the key built sorted, which also proves the UUIDs unique. The
    trigger would add each statement's keys by random UUID into an index that outgrows the
    buffers; the visits' indexes are rebuilt the same way."""
    _execute("SET maintenance_work_mem = '1GB'")
    dropped = [d for table in INDEXED for d in _drop_indexes(table)]
    highest = _scalar("SELECT coalesce(max(id), 0) FROM outreach_visit")
    _execute(f"ALTER TABLE outreach_visit DISABLE TRIGGER {KEYS_TRIGGER}")
    _execute(f"ALTER TABLE {KEYS} DROP CONSTRAINT {KEYS}_pkey")
    try:
        started = time.perf_counter()
        counts = function()
        load = time.perf_counter() - started
    finally:
        started = time.perf_counter()
        _execute(
            f"INSERT INTO {KEYS} (uuid, visited_at) SELECT uuid, visited_at FROM outreach_visit"
            " WHERE id > %s",
            [highest],
        )
        _execute(f"ALTER TABLE {KEYS} ADD CONSTRAINT {KEYS}_pkey PRIMARY KEY (uuid)")
        _execute(f"ALTER TABLE outreach_visit ENABLE TRIGGER {KEYS_TRIGGER}")
        keys = time.perf_counter() - started
    index = _make_indexes(dropped)
    return {
        **counts,
        "load_seconds": round(load, 1),
        "keys_seconds": round(keys, 1),
        "index_seconds": round(index, 1),
    }


# --- one county of data -----------------------------------------------------------------


def _ensure_months(months: int, now: datetime.datetime) -> dict:
    """The monthly partitions of every partitioned table (visits, audit, case timeline…)
    from the oldest month the load writes (the visits' `months`, the cases' year) to the
    months ahead, as the nightly task would have made them: no row lands in a DEFAULT."""
    from yiwang.core import partitions

    back = max(months, 12) + 1
    year, month = partitions.month_of(now)
    start = partitions.month_bounds(*partitions.add_months(year, month, -back))[0]
    made = partitions.ensure_months(ahead=back + partitions.MONTHS_AHEAD, now=start)
    return {"partitions_made": len(made)}


def _in_default() -> int:
    return _scalar("SELECT count(*) FROM outreach_visit_default")


def _fill_county(months: int, now: datetime.datetime, per_unit: int) -> dict:
    """Households (`per_unit` a unit), `months` months of visits and their schedule for
    COUNTY, in SQL."""
    from yiwang.outreach.models import VisitRule

    rule, _ = VisitRule.objects.get_or_create(
        code="bench-visits",
        defaults={"name": "基准：定期走访", "kind": "periodic", "every_days": 30},
    )
    counts = {}
    seconds, counts["households"] = _execute(
        "INSERT INTO registry_household (created_at, updated_at, area_code, number, address,"
        " door_number, category, category_override, category_reason, status, unit_id)"
        " SELECT %(now)s, %(now)s, a.code, lpad(n::text, 3, '0'),"
        " substr(a.code, 13, 3) || '组' || n || '号', n::text,"
        " CASE WHEN random() < %(key)s THEN 'key' ELSE 'ordinary' END, '', '', 'active', a.id"
        " FROM areas_area a CROSS JOIN generate_series(1, %(per_unit)s) n"
        " WHERE a.level = 'unit' AND a.code LIKE %(county)s",
        {"now": now, "key": KEY_SHARE, "per_unit": per_unit, "county": COUNTY + "%"},
    )
    counts["households_seconds"] = round(seconds, 1)
    households = counts["households"]
    weight = households * (1 + 2 * KEY_SHARE)  # a key household weighs 3
    per_household = VISITS_A_YEAR * months / 12 / weight
    first = (now - datetime.timedelta(days=round(months * 365 / 12))).date()
    days = (now.date() - first).days

    def load():
        loaded = {}
        # A household's visits spread over the months; the unit's first grid worker visits;
        # from 8 to 18 o'clock local time, never in the future.
        seconds, loaded["visits"] = _execute(
            "INSERT INTO outreach_visit (created_at, updated_at, area_code, uuid, visited_at,"
            " outcome, notes, latitude, longitude, far_from_area, source, household_id,"
            " visitor_id)"
            " SELECT t, t, h.area_code, gen_random_uuid(), t,"
            " CASE WHEN r < 0.9 THEN 'all_well' WHEN r < 0.95 THEN 'not_home'"
            " ELSE 'follow_up' END,"
            " CASE WHEN r < 0.9 THEN '家中一切正常。' WHEN r < 0.95 THEN '家中无人。'"
            " ELSE '反映路灯不亮，已记录，下次回访。' END,"
            " 35.4 + random() / 10, 116.3 + random() / 10, false, 'api', h.id, w.user_id"
            " FROM registry_household h"
            " JOIN (SELECT area_code, min(user_id) AS user_id FROM accounts_post"
            "  WHERE role = 'grid_worker' GROUP BY area_code) w ON w.area_code = h.area_code"
            " CROSS JOIN LATERAL (SELECT floor(%(rate)s"
            "  * CASE WHEN h.category = 'key' THEN 3 ELSE 1 END + random())::int AS n) k"
            " CROSS JOIN LATERAL generate_series(1, k.n) i"
            " CROSS JOIN LATERAL (SELECT least(%(now)s - interval '1 minute',"
            "  ((%(first)s::date + floor((i - 1 + random()) / k.n * %(days)s)::int)::timestamp"
            "   + interval '8 hours' + random() * interval '10 hours')"
            "  AT TIME ZONE 'Asia/Shanghai') AS t, random() AS r) v"
            " WHERE h.area_code LIKE %(county)s",
            {
                "rate": per_household,
                "now": now,
                "first": first,
                "days": days,
                "county": COUNTY + "%",
            },
        )
        loaded["visits_seconds"] = round(seconds, 1)
        # Each visit did a scheduled visit (2% skipped instead), with the visit's time for
        # the composite key (visit_id, visit_at); one open a household, 5% of them overdue.
        seconds, done = _execute(
            "INSERT INTO outreach_scheduledvisit (created_at, updated_at, area_code, due_on,"
            " status, closed_on, skip_reason, household_id, visit_id, visit_at, rule_id)"
            " SELECT visited_at, visited_at, area_code, d + (random() * 5)::int,"
            " CASE WHEN s THEN 'skipped' ELSE 'done' END, d, CASE WHEN s THEN '不在家'"
            " ELSE '' END, household_id, CASE WHEN s THEN NULL ELSE id END,"
            " CASE WHEN s THEN NULL ELSE visited_at END, %(rule)s"
            " FROM (SELECT v.*, (v.visited_at AT TIME ZONE 'Asia/Shanghai')::date AS d,"
            " random() < 0.02 AS s FROM outreach_visit v WHERE area_code LIKE %(county)s) v",
            {"rule": rule.pk, "county": COUNTY + "%"},
        )
        _seconds, still_open = _execute(
            "INSERT INTO outreach_scheduledvisit (created_at, updated_at, area_code, due_on,"
            " status, skip_reason, household_id, rule_id)"
            " SELECT %(now)s, %(now)s, area_code, CASE WHEN random() < 0.05"
            " THEN %(today)s::date - 1 - (random() * 29)::int"
            " ELSE %(today)s::date + (random() * 30)::int END, 'scheduled', '', id, %(rule)s"
            " FROM registry_household WHERE area_code LIKE %(county)s",
            {"now": now, "today": now.date(), "rule": rule.pk, "county": COUNTY + "%"},
        )
        loaded["scheduled"] = done + still_open
        loaded["scheduled_seconds"] = round(seconds + _seconds, 1)
        return loaded

    counts.update(_loading(load))
    return counts


def _fill_cases() -> dict:
    from yiwang.core.audit import audit_source
    from yiwang.core.models import AuditSource
    from yiwang.demo.cases import build_demo_cases

    started = time.perf_counter()
    with audit_source(AuditSource.COMMAND):
        counts = build_demo_cases()
    return {
        "cases": counts["cases"],
        "events": counts["events"],
        "cases_seconds": round(time.perf_counter() - started, 1),
    }


# --- nine more counties -----------------------------------------------------------------


def _copy(table: str, k: int, code: str, where: str, overrides: dict[str, str]) -> int:
    """Copies the rows of `table` matching `where` (on COUNTY), with `overrides`' SQL
    (`{off}` the id offset, `{code}` the new county's code, `{k}` the copy's number)."""
    columns = _columns(table)
    values = [
        overrides.get(c, c).format(off=k * OFFSET, code=code, k=k, county=COUNTY) for c in columns
    ]
    listed = ", ".join(columns)
    _seconds, rows = _execute(
        f"INSERT INTO {table} ({listed}) SELECT {', '.join(values)} FROM {table} WHERE {where}"
    )
    return rows


def _recode(column: str) -> str:
    return (
        f"CASE WHEN {column} LIKE '{{county}}%' THEN '{{code}}' || substr({column}, 7)"
        f" ELSE {column} END"
    )


def _copy_counties(others: list[str]) -> dict:
    """The other counties: copies of COUNTY's rows with shifted ids and new codes. A copied
    visit keeps its time, so a copied scheduled visit's `visit_at` stays its visit's; the
    copies' UUIDs are new, their keys added after the load (_loading)."""
    in_county = f"area_code LIKE '{COUNTY}%'"
    shifted = "{col} + {off}"

    def shift(*columns: str) -> dict[str, str]:
        return {c: shifted.replace("{col}", c) for c in columns}

    counts = dict.fromkeys(("areas", "households", "visits", "scheduled", "cases", "events"), 0)
    started = time.perf_counter()
    for k, code in enumerate(others, start=1):
        counts["areas"] += _copy(
            "areas_area",
            k,
            code,
            f"code LIKE '{COUNTY}%'",
            {
                **shift("id", "parent_id"),
                "code": "'{code}' || substr(code, 7)",
                "name": "CASE WHEN level = 'county' THEN '模拟{k}县' ELSE name END",
            },
        )
        counts["households"] += _copy(
            "registry_household",
            k,
            code,
            in_county,
            {**shift("id", "unit_id"), "area_code": _recode("area_code")},
        )
    area_seconds = time.perf_counter() - started

    def load():
        loaded = {"visits": 0, "scheduled": 0}
        for k, code in enumerate(others, start=1):
            loaded["visits"] += _copy(
                "outreach_visit",
                k,
                code,
                in_county,
                {
                    **shift("id", "household_id"),
                    "area_code": _recode("area_code"),
                    "uuid": "gen_random_uuid()",
                    "case_id": "NULL",
                },
            )
            loaded["scheduled"] += _copy(
                "outreach_scheduledvisit",
                k,
                code,
                in_county,
                {
                    **shift("id", "household_id", "visit_id"),
                    "area_code": _recode("area_code"),
                    "pairing_id": "NULL",
                    "occurrence_id": "NULL",
                },
            )
        return loaded

    counts.update(_loading(load))
    started = time.perf_counter()
    for k, code in enumerate(others, start=1):
        counts["cases"] += _copy(
            "cases_case",
            k,
            code,
            in_county,
            {
                **shift("id", "household_id", "merged_into_id", "unit_id"),
                "area_code": _recode("area_code"),
                "dispatcher_area_code": _recode("dispatcher_area_code"),
                "assignee_area_code": _recode("assignee_area_code"),
                "number": "number || '-' || {k}",
                "tracking_code": "upper(substr(md5(tracking_code || {k}), 1, length(tracking_code)))",
                "client_uuid": "CASE WHEN client_uuid IS NULL THEN NULL ELSE gen_random_uuid() END",
            },
        )
        counts["events"] += _copy(
            "cases_caseevent",
            k,
            code,
            f"case_id IN (SELECT id FROM cases_case WHERE area_code LIKE '{COUNTY}%')",
            shift("id", "case_id"),
        )
    counts["copy_seconds"] = round(area_seconds + time.perf_counter() - started, 1)
    for table in ("areas_area", "registry_household", "outreach_visit"):
        _execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}")
    for table in ("outreach_scheduledvisit", "cases_case", "cases_caseevent"):
        _execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}")
    return counts


def _settle() -> dict:
    """The tallies recounted from the rows (the load went around the services), then
    VACUUM ANALYZE: the state some minutes after a bulk load."""
    from django.db import transaction

    from yiwang.core import tallies

    started = time.perf_counter()
    with transaction.atomic():
        for tally in tallies.registered():
            tallies.rebuild(tally)
    rebuilt = time.perf_counter() - started
    vacuum = cases_bench._vacuum(BIG_TABLES + ("outreach_visittally", "registry_ledgertally"))
    return {"tally_seconds": round(rebuilt, 1), "vacuum_seconds": vacuum}


# --- the measures -----------------------------------------------------------------------


def _median_ms(function, runs: int = RUNS) -> dict:
    function()  # warm-up
    times = [cases_bench._timed(function)[0] for _ in range(runs)]
    return {**cases_bench._spread(times), "runs": runs}


def _periods(now: datetime.datetime):
    """The last whole month (compliance reads its tally), and the 30 days before today,
    which is no calendar month: compliance counts that period's visits themselves."""
    from yiwang.core.reporting import Period

    today = now.date()
    last_month = Period.month_of(today.replace(day=1) - datetime.timedelta(days=1))
    days = Period(today - datetime.timedelta(days=30), today - datetime.timedelta(days=1))
    return today, last_month, days


def _visits_query(county, period) -> tuple[str, list]:
    """The SQL and parameters of the compliance's query over a period's visits."""
    from django.db import connection

    from yiwang.outreach.selectors import compliance as selectors

    captured = []

    def wrapper(execute, sql, params, many, context):
        if "outreach_visit" in sql and "visited_at" in sql:
            captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        selectors.compliance(county, period, period.last)
    if not captured:
        raise SystemExit("compliance read no visits for a period that is not a month")
    return captured[0]


def _measure(label: str, now: datetime.datetime) -> dict:
    from django.db import connection

    from yiwang.areas import selectors as areas
    from yiwang.areas.models import Area, Level
    from yiwang.outreach.selectors import compliance as selectors

    county = Area.objects.get(code=COUNTY)
    counties = list(Area.objects.filter(level=Level.COUNTY).order_by("code"))
    today, month, days = _periods(now)
    sql, params = _visits_query(county, days)

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    figures = {
        "compliance_month": _median_ms(lambda: selectors.compliance(county, month, today)),
        "compliance_30_days": _median_ms(lambda: selectors.compliance(county, days, today)),
        "visits_30_days": _median_ms(raw),
        "rollup_county": _median_ms(lambda: areas.rollup(county), ROLLUP_RUNS),
        "rollup_all_counties": _median_ms(
            lambda: [areas.rollup(c) for c in counties], max(3, ROLLUP_RUNS // len(counties))
        ),
    }
    figures["counties"] = len(counties)
    for name, spread in figures.items():
        if isinstance(spread, dict):
            _log(f"[{label}] {name}: median {spread['median_ms']} ms, p95 {spread['p95_ms']} ms")
    return figures


def _sizes() -> dict:
    """Bytes a row of each big table, its heap and its indexes (partitions summed)."""
    sizes = {}
    for table in BIG_TABLES:
        rows = _scalar(f"SELECT count(*) FROM {table}")
        total, heap = (
            _scalar(
                f"SELECT coalesce((SELECT sum({f}(relid)) FROM pg_partition_tree(%s)"
                f" WHERE isleaf), {f}(%s::regclass))",
                [table, table],
            )
            for f in ("pg_total_relation_size", "pg_table_size")
        )
        sizes[table] = {
            "rows": rows,
            "total_bytes": int(total),
            "bytes_a_row": round(total / rows) if rows else None,
            "heap_bytes_a_row": round(heap / rows) if rows else None,
            "index_bytes_a_row": round((total - heap) / rows) if rows else None,
            "estimated_bytes_a_row": ESTIMATED_BYTES.get(table),
        }
        _log(f"{table}: {rows:,} rows, {sizes[table]['bytes_a_row']} bytes a row")
    return sizes


def _index_definitions(table: str) -> list[tuple[str, str]]:
    """(name, definition) of every index of `table`, the constraints' too (a partitioned
    table's own, not its partitions' copies)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x"
            " JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = %s::regclass"
            " ORDER BY i.relname",
            [table],
        )
        return cursor.fetchall()


# "Index Scan using <index> on <table>", "Bitmap Index Scan on <index>", "Seq Scan on <table>"
_SCANS = re.compile(
    r"((?:Parallel )?(?:Bitmap Heap|Bitmap Index|Index Only|Index|Seq) Scan)(?: Backward)?"
    r"(?: using (\S+))? on (\S+)"
)


def _plan_summary(plan: str) -> dict:
    """What a plan reads: its scans (kind, index, relation), the partitions it names."""
    scans = sorted({" ".join(filter(None, m.groups())) for m in _SCANS.finditer(plan)})
    partitions = sorted(set(re.findall(r"\boutreach_visit_(?:p\d{6}|default)\b", plan)))
    return {"scans": scans, "partitions": partitions}


def _partitioned(now: datetime.datetime) -> dict:
    """The compliance's 30 days' query on the app's visits (partitioned by month) against a
    plain copy of them with the same indexes (every index of the partitioned table, its key
    and the (uuid, visited_at) unique one included, built after the copy), in turns."""
    from django.db import connection

    from yiwang.areas.models import Area
    from yiwang.core import partitions

    started = time.perf_counter()
    _execute(
        "CREATE TABLE sim_visit_plain (LIKE outreach_visit INCLUDING DEFAULTS"
        " INCLUDING CONSTRAINTS INCLUDING STORAGE)"
    )
    _execute("INSERT INTO sim_visit_plain SELECT * FROM outreach_visit")
    _execute("SET maintenance_work_mem = '1GB'")
    indexes = _index_definitions("outreach_visit")
    quote = connection.ops.quote_name
    for name, definition in indexes:
        _execute(partitions._index_on(definition, f"sim_plain_{name}", "sim_visit_plain", quote))
    _execute("VACUUM ANALYZE sim_visit_plain")
    copy_seconds = time.perf_counter() - started

    county = Area.objects.get(code=COUNTY)
    _today, _month, days = _periods(now)
    sql, params = _visits_query(county, days)
    variants = {"plain": sql.replace('"outreach_visit"', "sim_visit_plain"), "partitioned": sql}
    if variants["plain"] == sql:
        raise SystemExit(f"cannot point the query at the copy: {sql}")
    times: dict[str, list[float]] = {name: [] for name in variants}
    plans = {}
    with connection.cursor() as cursor:
        for name, text in variants.items():
            cursor.execute("EXPLAIN " + text, params)
            plans[name] = "\n".join(r[0] for r in cursor.fetchall())
            cursor.execute(text, params)  # warm-up
        results = set()
        for _ in range(RUNS):
            for name, text in variants.items():  # in turns: the same load on both
                started = time.perf_counter()
                cursor.execute(text, params)
                rows = cursor.fetchall()
                times[name].append((time.perf_counter() - started) * 1000)
                results.add(tuple(sorted(rows)))
    if len(results) != 1:
        raise SystemExit("the plain copy answered differently")
    figures = {name: cases_bench._spread(t) for name, t in times.items()}
    figures["ratio"] = round(
        statistics.median(times["partitioned"]) / statistics.median(times["plain"]), 3
    )
    figures["partitions"] = len(partitions.partitions_of("outreach_visit"))
    figures["indexes"] = [name for name, _definition in indexes]
    figures["copy_seconds"] = round(copy_seconds, 1)
    figures["plans"] = plans
    figures["read"] = {name: _plan_summary(plan) for name, plan in plans.items()}
    _log(
        f"30 days' visits of a county: plain {figures['plain']['median_ms']} ms, partitioned "
        f"{figures['partitioned']['median_ms']} ms (×{figures['ratio']})"
    )
    for name, read in figures["read"].items():
        _log(f"{name} plan: {'; '.join(read['scans'])} (partitions: {read['partitions']})")
    _execute("DROP TABLE sim_visit_plain")
    return figures


def _visitapi(args, seed: int) -> dict:
    """outreach_bench's visit API run on the rows as they are (nothing filled); `seed`
    differs between runs, so that their UUIDs do."""
    import argparse

    fill = outreach_bench.ensure_outreach
    outreach_bench.ensure_outreach = lambda args: {}
    try:
        result = outreach_bench.bench_visitapi(argparse.Namespace(**{**vars(args), "seed": seed}))
    finally:
        outreach_bench.ensure_outreach = fill
    if "unavailable" in result:
        return result
    f = result["figures"]
    keys = ("visits_per_second", "bare_per_second", "ratio", "p99_ms", "p95_ms", "median_ms")
    return {k: f[k] for k in (*keys, "errors")}


def _audit_rows(target: int) -> dict:
    """Audit rows as the visit API wrote them, copied up to `target` rows: their size a row
    on a table of that size, not on a few thousand rows."""
    columns = [c for c in _columns("core_auditentry") if c != "id"]
    listed = ", ".join(columns)
    sample = _scalar("SELECT count(*) FROM core_auditentry WHERE object_type LIKE 'outreach.%%'")
    if not sample:
        return {"unavailable": "no audit rows of visits to copy"}
    copies = max(1, target // sample)
    _execute(
        f"INSERT INTO core_auditentry ({listed}) SELECT {listed} FROM core_auditentry"
        " CROSS JOIN generate_series(1, %s) WHERE object_type LIKE 'outreach.%%'",
        [copies],
    )
    _execute("VACUUM ANALYZE core_auditentry")
    return {"sample": sample, "copies": copies}


# --- the group ----------------------------------------------------------------------------


def bench_simulate(args) -> dict:
    from django.db import connection
    from django.utils import timezone

    if connection.vendor != "postgresql":
        return {"unavailable": "PostgreSQL only"}
    months = getattr(args, "sim_months", SIM_MONTHS)
    counties = getattr(args, "sim_counties", COUNTIES)
    per_unit = getattr(args, "sim_households", HOUSEHOLDS_A_UNIT)
    if not 2 <= counties <= COUNTIES:
        raise SystemExit(f"--sim-counties: from 2 to {COUNTIES}")
    others = OTHERS[: counties - 1]
    now = timezone.now()
    counts: dict[str, object] = {"months": months, "counties": counties, "per_unit": per_unit}
    figures: dict[str, object] = {"months": months, "counties": counties, "per_unit": per_unit}

    counts["partitions"] = _ensure_months(months, now)
    _log(f"monthly partitions: {counts['partitions']}")
    _log(f"one county: households, {months} months of visits, a year of cases …")
    counts["county"] = {**_fill_county(months, now, per_unit), **_fill_cases(), **_settle()}
    counts["county"]["visits_in_default"] = _in_default()
    _log(f"filled: {counts['county']}")
    one = _measure("1 county", now)
    one["visitapi"] = _visitapi(args, args.seed)

    _log(f"{len(others)} more counties …")
    counts["copies"] = {**_copy_counties(others), **_settle()}
    counts["copies"]["visits_in_default"] = _in_default()
    _log(f"copied: {counts['copies']}")
    ten = _measure(f"{counties} counties", now)
    ten["visitapi"] = _visitapi(args, args.seed + 1)
    figures["one_county"], figures["ten_counties"] = one, ten
    figures["ratios"] = {
        key: round(ten[key]["median_ms"] / one[key]["median_ms"], 2)
        for key in one
        if isinstance(one[key], dict) and "median_ms" in one[key]
    }
    if "visits_per_second" in one["visitapi"]:
        figures["ratios"]["visitapi_rate"] = round(
            ten["visitapi"]["visits_per_second"] / one["visitapi"]["visits_per_second"], 2
        )
        figures["ratios"]["visitapi_p99"] = round(
            ten["visitapi"]["p99_ms"] / one["visitapi"]["p99_ms"], 2
        )
    _log(f"{counties} counties against one (median ratios): {figures['ratios']}")
    figures["partitioned"] = _partitioned(now)
    counts["audit"] = _audit_rows(100_000 * counties)
    figures["sizes"] = _sizes()
    _write_csv(figures)
    return {
        "title": f"{counties} counties of the reference county's shape (docs/SCALING.md)",
        "figures": figures,
        "counts": counts,
        "runs": RUNS,
    }


def _write_csv(figures: dict) -> None:
    """benchmarks/results/simulate-<date>.csv: one figure a line."""
    import csv

    from django.db import connection

    lines = []
    for scope in ("one_county", "ten_counties"):
        for key, value in figures[scope].items():
            if isinstance(value, dict):
                for name, measured in value.items():
                    if isinstance(measured, int | float):
                        lines.append((scope, key, name, measured))
    for key, value in figures["ratios"].items():
        lines.append(("ten_vs_one", key, "median_ratio", value))
    for key, value in figures["partitioned"].items():
        if isinstance(value, dict) and key not in ("plans", "read"):
            for name, measured in value.items():
                lines.append(("visits_30_days", key, name, measured))
        elif isinstance(value, int | float):
            lines.append(("visits_30_days", "partitioned", key, value))
    for table, size in figures["sizes"].items():
        for name, measured in size.items():
            if measured is not None:
                lines.append(("size", table, name, measured))
    version = connection.cursor().connection.info.server_version
    out = HERE / "results" / f"simulate-{datetime.date.today():%Y-%m-%d}.csv"
    with out.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["scope", "figure", "measure", "value"])
        writer.writerow(["machine", "postgresql", "server_version", version])
        writer.writerow(["machine", "months_of_visits", "months", figures["months"]])
        writer.writerow(["machine", "counties", "counties", figures["counties"]])
        writer.writerow(["machine", "households_a_unit", "households", figures["per_unit"]])
        writer.writerows(lines)
    _log(f"wrote {out}")
