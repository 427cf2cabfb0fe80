"""The case benchmark groups, run by benchmarks/worker.py after `build` (the county-scale
area tree and its 12,312 accounts):

  sweep    1,000,000 cases of which 1% are past their due time, then the escalation sweep
           (`yiwang.cases.services.escalate_overdue`), once, and once more with nothing to do
  rates    the three rates of the whole county over 1,000,000 cases, by town, department,
           category and month (`yiwang.cases.selectors.rates.case_rates`), and the API request,
           checked against a count of the cases themselves
  caseapi  POST /api/v1/cases/ under gunicorn (2 workers) on PostgreSQL, against a bare
           Django view returning a small JSON body, served by the same gunicorn in the same
           run (benchmarks/cases_bench_settings.py adds it): throughput of both and their
           ratio, p99 latency, errors; and against the floor, the same rows written by a
           hand-made view with nothing checked (benchmarks/cases_bench_urls.py)

`fill_cases()` writes the million cases: generated in Python, written with
yiwang.core.bulk.insert_rows (COPY on PostgreSQL, one prepared INSERT on SQLite), no model
instances; the case tally follows by its triggers. `sweep` and `rates` share them: a later
group fills only what is missing.
"""

from __future__ import annotations

import datetime
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
COUNTY = "370829"
CASES = 1_000_000
DUE_SHARE = 0.01  # of the million cases, this share is open and past its due time
OPEN_SHARE = 0.03  # open and not yet due
BATCH = 50_000
# The county's departments of the benchmark (and what some categories are sent to).
DEPARTMENTS = (
    ("housing", "县住房和城乡建设局"),
    ("environment", "县生态环境分局"),
    ("transport", "县交通运输局"),
    ("water", "县水务局"),
    ("market", "县市场监督管理局"),
    ("civil_affairs", "县民政局"),
)
TITLES = {
    "safety_hazard": ("村口变压器围栏破损", "民房墙体开裂", "电动车楼道充电"),
    "instability": ("工资拖欠聚集苗头", "土地流转纠纷上访苗头"),
    "dispute": ("邻里宅基地界线纠纷", "赡养老人纠纷", "排水沟堵塞引发邻里矛盾"),
    "sanitation": ("路口垃圾堆放", "沟渠漂浮物", "秸秆乱堆"),
    "facility_damage": ("路灯不亮", "井盖缺失", "健身器材损坏"),
    "illegal_building": ("占用耕地建房", "私搭乱建棚屋"),
    "epidemic": ("发热人员报告", "禽类异常死亡"),
    "patrol_other": ("流浪犬伤人隐患", "广告乱张贴"),
    "consultation": ("咨询医保缴费", "咨询低保申请条件", "咨询养老金领取"),
    "help": ("独居老人家中断水", "求助办理残疾证"),
    "complaint": ("夜间施工噪音", "饭店油烟扰民", "自来水水质浑浊"),
    "suggestion": ("建议增设公交站", "建议村内安装路灯"),
    "praise": ("表扬网格员上门服务",),
}


# --- the million cases ----------------------------------------------------------------


def _datetime_adapter():
    """A function that turns a naive UTC datetime into what the database takes, checked
    against Django's own conversion of the same aware datetime: SQLite takes the UTC text
    that Django writes; COPY into PostgreSQL takes the text with its offset."""
    from django.db import connection

    from yiwang.cases.models import Case
    from yiwang.core.bulk import db_value

    if connection.vendor == "postgresql":

        def adapt(value):
            return None if value is None else f"{value}+00:00"

    else:

        def adapt(value):
            return None if value is None else str(value)

    for sample in (
        datetime.datetime(2026, 3, 1, 4, 5, 6),
        datetime.datetime(2026, 3, 1, 4, 5, 6, 7),
    ):
        expected = db_value(Case, "reported_at", sample.replace(tzinfo=datetime.UTC))
        if connection.vendor == "sqlite" and adapt(sample) != expected:
            raise SystemExit(
                f"the fast datetime conversion gives {adapt(sample)!r}, not {expected!r}"
            )
    return adapt


def ensure_departments() -> dict[str, int]:
    from yiwang.cases.models import Department

    ids = {}
    for code, name in DEPARTMENTS:
        department, _created = Department.objects.get_or_create(
            code=code, defaults={"name": name, "area_code": COUNTY}
        )
        ids[code] = department.pk
    return ids


def _column_defaults(fields: list[str], model=None) -> dict[str, object]:
    """The value of every other concrete column of Case (or of `model`): its default (so
    that a column added later, with a default, does not break the fill)."""
    from django.db.models import NOT_PROVIDED

    from yiwang.cases.models import Case
    from yiwang.core.bulk import db_value

    model = model or Case
    defaults = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.name in fields:
            continue
        if field.default is not NOT_PROVIDED:
            value = field.get_default()
        elif field.null:
            value = None
        elif field.blank:
            value = ""
        else:
            raise SystemExit(f"{model.__name__}.{field.name} has no default: the fill must set it")
        defaults[field.name] = db_value(model, field.name, value) if value is not None else None
    return defaults


# The columns fill_cases sets itself.
FIELDS = [
    "number",
    "category",
    "source",
    "title",
    "text",
    "unit",
    "area_code",
    "status",
    "dispatcher_area_code",
    "assignee_level",
    "assignee_area_code",
    "assignee_department",
    "due_at",
    "is_urgent",
    "tracking_code",
    "satisfaction",
    "reported_at",
    "accepted_at",
    "dispatched_at",
    "resolved_at",
    "followed_up_at",
    "closed_at",
    "responded_on_time",
    "resolved_on_time",
    "created_at",
    "updated_at",
]


def fill_cases(total: int = CASES, *, seed: int = 2026, now: datetime.datetime | None = None):
    """Writes `total` cases reported over the last 365 days, spread over the county's
    units and the categories, in the order they came in: every 100th (DUE_SHARE) open and
    past its due time by up to three days (the sweep's work), about OPEN_SHARE open and
    due later (beyond the reminders' day), the rest finished — closed, followed up,
    rejected or merged — with their stage times, on-time flags (about 6% answered late, 9%
    resolved late) and satisfaction. No time lies in the future. Returns the counts."""
    from django.db import connection, transaction
    from django.utils import timezone

    from yiwang.areas.models import Area, Level
    from yiwang.cases.models import Case, Category, Status
    from yiwang.core.bulk import insert_rows

    rng = random.Random(seed)
    now = (now or timezone.now()).astimezone(datetime.UTC).replace(tzinfo=None)
    adapt = _datetime_adapter()
    department_ids = list(ensure_departments().values())
    units = list(Area.objects.filter(level=Level.UNIT).order_by("code").values_list("id", "code"))
    categories = [
        {
            **c,
            "accept": datetime.timedelta(minutes=c["accept_minutes"]),
            "dispatch": datetime.timedelta(minutes=c["dispatch_minutes"]),
            "resolve": datetime.timedelta(minutes=c["resolve_minutes"]),
        }
        for c in Category.objects.filter(is_active=True, parent__isnull=True).values(
            "id",
            "code",
            "kind",
            "handling_level",
            "is_urgent",
            "accept_minutes",
            "dispatch_minutes",
            "resolve_minutes",
        )
    ]
    defaults = _column_defaults(FIELDS)
    fields = FIELDS + list(defaults)
    tail = tuple(defaults.values())
    start = now - datetime.timedelta(days=365)
    # Finished cases were reported at least three days ago: answered and dispatched by now.
    finished_span = (now - datetime.timedelta(days=3) - start).total_seconds()
    minute = datetime.timedelta(minutes=1)
    first = Case.objects.count()
    counts = {"cases": 0, "due": 0, "open": 0, "finished": 0}
    satisfactions = ("satisfied", "basically", "dissatisfied", "")
    satisfaction_weights = (72, 18, 5, 5)
    open_stages = (Status.REPORTED, Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS)
    every = round(1 / DUE_SHARE)

    def handler(category, unit_code: str):
        level = category["handling_level"]
        if level == "department" or rng.random() < 0.15:  # some go to a county department
            return "department", "", rng.choice(department_ids)
        code = {"unit": unit_code, "village": unit_code[:12], "town": unit_code[:9]}[level]
        return level, code, None

    def row(i: int) -> tuple:
        unit_id, unit_code = units[rng.randrange(len(units))]
        category = categories[rng.randrange(len(categories))]
        accept, dispatch, resolve = category["accept"], category["dispatch"], category["resolve"]
        village = unit_code[:12]
        level, code, department = "village", village, None
        accepted = dispatched = resolved = followed = closed = due = None
        responded_on_time = resolved_on_time = None
        satisfaction = ""
        fate = "due" if i % every == every // 2 else "open" if rng.random() < OPEN_SHARE else ""
        if not fate:
            fate = "finished"
            reported = start + datetime.timedelta(
                seconds=finished_span * (i + rng.random()) / total
            )
            late = rng.random() < 0.06
            accepted = reported + accept * (1 + rng.random() if late else rng.random())
            responded_on_time = not late
            if rng.random() < 0.03:
                status = rng.choice((Status.REJECTED, Status.MERGED))
            else:
                dispatched = accepted + dispatch * rng.random()
                level, code, department = handler(category, unit_code)
                late = rng.random() < 0.09
                resolved = dispatched + resolve * (1 + rng.random() if late else rng.random())
                resolved_on_time = not late
                satisfaction = rng.choices(satisfactions, satisfaction_weights)[0]
                if satisfaction:
                    followed = resolved + datetime.timedelta(hours=rng.uniform(1, 48))
                    closed = followed + datetime.timedelta(hours=rng.uniform(1, 24))
                    status = Status.CLOSED if rng.random() < 0.9 else Status.FOLLOWED_UP
                else:  # the reporter could not be reached: closed without a follow-up
                    closed = resolved + datetime.timedelta(hours=rng.uniform(72, 96))
                    status = Status.CLOSED
                if status == Status.FOLLOWED_UP:
                    closed = None
                if resolved > now:  # still being handled
                    fate, status = "open", Status.IN_PROGRESS
                    resolved = followed = closed = resolved_on_time = None
                    satisfaction = ""
                    due = now + datetime.timedelta(seconds=rng.uniform(1.5, 10) * 86400)
                elif max(followed or resolved, closed or resolved) > now:  # to follow up
                    fate, status = "open", Status.RESOLVED
                    followed = closed = None
                    satisfaction = ""
                    due = now + datetime.timedelta(seconds=rng.uniform(1.5, 3) * 86400)
        else:
            status = rng.choice(open_stages)
            if fate == "due":
                due = now - datetime.timedelta(seconds=rng.uniform(60, 3 * 86400))
            else:  # beyond the reminders' window (at most a day ahead)
                due = now + datetime.timedelta(seconds=rng.uniform(1.5, 10) * 86400)
            limit = {Status.REPORTED: accept, Status.ACCEPTED: dispatch}.get(status, resolve)
            entered = min(due - limit, now - minute)
            if status == Status.REPORTED:
                reported = entered
            else:
                reported = entered - accept * rng.random() - minute
                accepted = entered
                responded_on_time = True
                if status != Status.ACCEPTED:
                    accepted = reported + (entered - reported) / 2
                    dispatched = entered
                    level, code, department = handler(category, unit_code)
        counts[fate] += 1
        return (
            f"{reported:%Y%m%d}-B{first + i:07d}",
            category["id"],
            "patrol" if category["kind"] == "patrol" else "hotline",
            rng.choice(TITLES.get(category["code"], ("其他事项",))),
            "网格员巡查发现，请尽快处理。",
            unit_id,
            unit_code,
            status,
            village,
            level,
            code,
            department,
            adapt(due),
            category["is_urgent"],
            f"BENCH{first + i:015d}",
            satisfaction,
            adapt(reported),
            adapt(accepted),
            adapt(dispatched),
            adapt(resolved),
            adapt(followed),
            adapt(closed),
            responded_on_time,
            resolved_on_time,
            adapt(reported),
            adapt(closed or followed or resolved or dispatched or accepted or reported),
            *tail,
        )

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":  # as the ledger importer does: a larger page cache
            cursor.execute("PRAGMA cache_size = -1048576")  # 1 GiB
    for batch_start in range(0, total, BATCH):
        rows = [row(i) for i in range(batch_start, min(batch_start + BATCH, total))]
        with transaction.atomic():
            insert_rows(Case, fields, rows)
        counts["cases"] += len(rows)
    return counts


def _vacuum(tables: tuple[str, ...]) -> float | None:
    """The state a database is in some minutes after a bulk load, not the instant after
    it. PostgreSQL: VACUUM ANALYZE, what autovacuum does (the planner's statistics, the
    visibility map; this server may run without it). SQLite: the write-ahead log copied
    into the database (a checkpoint, what the next writes' automatic checkpoints do): the
    fill writes with checkpoints held back, and a WAL of hundreds of megabytes makes every
    page read look through its index first."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in tables:
                cursor.execute(f"VACUUM ANALYZE {table}")
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return round(time.perf_counter() - started, 1)


def ensure_cases(args) -> dict:
    """At least `args.cases` cases: those an earlier group left, else filled now."""
    from yiwang.cases.models import Case

    info = {"cases_found": Case.objects.count()}
    if info["cases_found"] < args.cases:
        started = time.perf_counter()
        info["filled"] = fill_cases(args.cases - info["cases_found"], seed=args.seed)
        info["fill_seconds"] = round(time.perf_counter() - started, 1)
        print(
            f"  filled {info['filled']['cases']:,} cases ({info['filled']['due']:,} due) in "
            f"{info['fill_seconds']} s"
        )
    info["vacuum_analyze_seconds"] = _vacuum(("cases_case", "cases_casetally"))
    info["cases"] = Case.objects.count()
    return info


def _timed(function) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return (time.perf_counter() - started) * 1000, result


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100), linear between the closest ranks (as worker.py's)."""
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _spread(times: list[float]) -> dict:
    return {
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 95), 2),
        "min_ms": round(min(times), 2),
        "max_ms": round(max(times), 2),
    }


# --- sweep --------------------------------------------------------------------------------


class _RolledBack(Exception):
    pass


def sweep_floor(now) -> float:
    """The floor of the sweep: the same rows written set-based, in SQL by hand, with none of
    the sweep's decisions — the overdue cases of the open stages (below the top) noted in
    a temporary table, then one UPDATE of them (a new due time, version, level, dispatcher
    and assignee), one INSERT … SELECT each of their timeline rows, their two notices and
    their audit rows. In a transaction that is rolled back: the sweep then finds every
    case as it was. Answers the milliseconds."""
    from django.db import connection, transaction

    from yiwang.cases.models import Case
    from yiwang.core.bulk import db_value

    at = db_value(Case, "due_at", now)
    later = db_value(Case, "due_at", now + datetime.timedelta(hours=4))
    statements = [
        (
            "CREATE TEMPORARY TABLE sweep_floor AS SELECT id, status, area_code, number, title"
            " FROM cases_case WHERE parked = %s AND due_at <= %s AND ("
            " (status IN ('reported', 'accepted', 'resolved') AND dispatcher_area_code <> %s)"
            " OR (status IN ('dispatched', 'in_progress') AND assignee_level <> 'county'))",
            [False, at, COUNTY],
        ),
        (
            "UPDATE cases_case SET due_at = %s, version = version + 1,"
            " escalation_level = escalation_level + 1, extension_until = NULL,"
            " dispatcher_area_code = substr(dispatcher_area_code, 1, 9),"
            " assignee_level = 'town', assignee_area_code = substr(cases_case.area_code, 1, 9),"
            " updated_at = %s FROM sweep_floor WHERE cases_case.id = sweep_floor.id",
            [later, at],
        ),
        (
            "INSERT INTO cases_caseevent (case_id, kind, from_status, to_status, actor_name,"
            " note, at, data) SELECT id, 'escalated', status, '', '', 'Not done in time by "
            'the village; now with the town.\', %s, \'{"from": {}, "to": {}}\' FROM sweep_floor',
            [at],
        ),
        (
            "INSERT INTO notices_notification (kind, object_type, object_id, area_code, level,"
            " to_reporter, text, created_at) SELECT 'case.overdue', 'cases.case', id,"
            " substr(area_code, 1, 12), 'village', %s,"
            " 'Case ' || number || ' was overdue and has gone up to the town: ' || title, %s"
            " FROM sweep_floor UNION ALL SELECT 'case.escalated', 'cases.case', id,"
            " substr(area_code, 1, 9), 'town', %s,"
            " 'Case ' || number || ' was late at the village and is now yours: ' || title, %s"
            " FROM sweep_floor",
            [False, at, False, at],
        ),
        (
            "INSERT INTO core_auditentry (at, actor_username, source, action, object_type,"
            " object_id, object_repr, area_code, before, after) SELECT %s, '', 'task',"
            " 'case.escalate', 'cases.case', CAST(id AS TEXT), number || ' ' || title,"
            " area_code, '{\"version\": 1}', '{\"version\": 2}' FROM sweep_floor",
            [at],
        ),
    ]
    started = time.perf_counter()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
            elapsed = (time.perf_counter() - started) * 1000
            raise _RolledBack
    except _RolledBack:
        pass
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS sweep_floor")
    return elapsed


def bench_sweep(args) -> dict:
    """The escalation sweep over a million cases of which 1% are overdue: one call of
    `escalate_overdue(now)`, as the periodic task runs it, then a second one (nothing left
    to do: what every later minute costs)."""
    from django.db.models import Q
    from django.utils import timezone

    try:
        from yiwang.cases.services import escalate_overdue
    except ImportError as exc:
        return {"unavailable": f"yiwang.cases.services.escalate_overdue: {exc}"}
    from yiwang.cases.models import Case, CaseEvent, Status
    from yiwang.notices.models import Notification

    cases = ensure_cases(args)
    now = timezone.now()
    # What the sweep escalates: overdue stages not parked, below the top (the county).
    waiting_dispatcher = Q(status__in=[Status.REPORTED, Status.ACCEPTED, Status.RESOLVED]) & ~Q(
        dispatcher_area_code=COUNTY
    )
    waiting_handler = Q(status__in=[Status.DISPATCHED, Status.IN_PROGRESS]) & ~Q(
        assignee_level="county"
    )
    due = (
        Case.objects.filter(parked=False, due_at__lte=now)
        .filter(waiting_dispatcher | waiting_handler)
        .count()
    )
    events_before = CaseEvent.objects.count()
    notices_before = Notification.objects.count()
    floor_ms = sweep_floor(now)
    if CaseEvent.objects.count() != events_before:
        raise SystemExit("the floor's rows were not rolled back")
    seconds_ms, done = _timed(lambda: escalate_overdue(now=now))
    again_ms, again = _timed(lambda: escalate_overdue(now=now))
    escalated = done["escalated"]
    if escalated != due or again["escalated"] != 0:
        raise SystemExit(
            f"the sweep escalated {escalated} of {due} overdue cases, then {again['escalated']}"
        )
    events = CaseEvent.objects.count() - events_before
    notices = Notification.objects.count() - notices_before
    figures = {
        "seconds": round(seconds_ms / 1000, 3),
        "escalated": escalated,
        "reminded": done["reminded"],
        "ms_per_escalation": round(seconds_ms / max(escalated, 1), 3),
        "second_run_seconds": round(again_ms / 1000, 3),
        # The same rows written set-based by hand, nothing decided (sweep_floor).
        "floor_seconds": round(floor_ms / 1000, 3),
        "ratio_to_floor": round(seconds_ms / floor_ms, 2),
        "events_written": events,
        "notices_written": notices,
    }
    print(
        f"  escalate_overdue: {escalated:,} of {cases['cases']:,} cases escalated in "
        f"{figures['seconds']} s ({figures['ms_per_escalation']} ms each; {events:,} timeline "
        f"entries, {notices:,} notices); again at once: {figures['second_run_seconds']} s; "
        f"the floor: {figures['floor_seconds']} s"
    )
    return {
        "title": "Escalation sweep over 1,000,000 cases of which 1% are overdue",
        "figures": figures,
        "counts": {**cases, "due": due},
        "runs": 1,
    }


# --- rates --------------------------------------------------------------------------------


def bench_rates(args) -> dict:
    """The three rates of the whole county over a million cases: `case_rates(county,
    group_by, period)` by town, department, category and month, and the API request, each
    a number of times after a warm-up; checked against a count of the cases themselves
    (the baseline: what the rates cost without the tally)."""
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from yiwang.accounts.models import User
    from yiwang.areas.models import Area
    from yiwang.cases.models import Case, CaseTally
    from yiwang.cases.selectors import rates

    cases = ensure_cases(args)
    county = Area.objects.get(code=COUNTY)
    first = Case.objects.order_by("reported_at").values_list("reported_at", flat=True).first()
    period = rates.parse_period(f"{timezone.localtime(first):%Y-%m}", "")
    total = Case.objects.count()
    groups = {}
    baseline = {}
    for group_by in rates.GROUP_BY:
        queries: list[str] = []
        with connection.execute_wrapper(
            lambda execute, sql, *a, queries=queries: queries.append(sql) or execute(sql, *a)
        ):
            result = rates.case_rates(county, group_by, period)
        if result.total.cases != total:
            raise SystemExit(f"the rates by {group_by} counted {result.total.cases} of {total}")
        # The check, and the baseline: the same figures counted from the cases. On SQLite the
        # month of each case is a Python function a row: by month, it is left out there.
        if group_by != "month" or connection.vendor == "postgresql":
            ms, counted = _timed(lambda g=group_by: rates.rates_from_cases(county, g, period))
            if [(r.key, r.figures) for r in counted.rows] != [
                (r.key, r.figures) for r in result.rows
            ] or counted.total != result.total:
                raise SystemExit(f"the tally and the cases disagree by {group_by}")
            baseline[group_by] = round(ms, 1)
        for _ in range(args.warmup):
            rates.case_rates(county, group_by, period)
        times = [
            _timed(lambda g=group_by: rates.case_rates(county, g, period))[0]
            for _ in range(args.rates_runs)
        ]
        groups[group_by] = {
            **_spread(times),
            "rows": len(result.rows),
            "queries": len(queries),
            "from_cases_ms": baseline.get(group_by),
        }
        g = groups[group_by]
        print(
            f"  case_rates(county, {group_by!r}): median {g['median_ms']} ms, p95 "
            f"{g['p95_ms']} ms over {args.rates_runs} runs ({g['rows']} rows, {g['queries']} "
            f"queries); counted from the cases: {g['from_cases_ms']} ms"
        )

    client = Client()
    client.force_login(User.objects.get(username="county"))
    query = {"area": COUNTY, "from": f"{period.first:%Y-%m}", "to": f"{period.last:%Y-%m}"}
    api = {}
    for group_by in rates.GROUP_BY:

        def request(g=group_by):
            response = client.get("/api/v1/cases/rates/", {**query, "group_by": g})
            if response.status_code != 200 or response.json()["total"]["cases"] != total:
                raise SystemExit(f"GET /api/v1/cases/rates/ answered {response.status_code}")

        for _ in range(args.warmup):
            request()
        api[group_by] = _spread([_timed(request)[0] for _ in range(args.rates_runs)])
        print(
            f"  GET /api/v1/cases/rates/?group_by={group_by}: median "
            f"{api[group_by]['median_ms']} ms, p95 {api[group_by]['p95_ms']} ms"
        )
    result = rates.case_rates(county, "area", period)
    figures = {
        "p95_ms": max(g["p95_ms"] for g in groups.values()),
        "median_ms": max(g["median_ms"] for g in groups.values()),
        "api_p95_ms": max(a["p95_ms"] for a in api.values()),
        "api_median_ms": max(a["median_ms"] for a in api.values()),
        "by": groups,
        "api": api,
        "runs_each": args.rates_runs,
        "warmup": args.warmup,
        "response_rate": round(float(result.total.response_rate), 4),
        "on_time_rate": round(float(result.total.on_time_rate), 4),
        "satisfaction_rate": round(float(result.total.satisfaction_rate), 4),
    }
    return {
        "title": "The three rates of the whole county over 1,000,000 cases",
        "figures": figures,
        "counts": {
            **cases,
            "period": [f"{period.first:%Y-%m}", f"{period.last:%Y-%m}"],
            "tally_rows": CaseTally.objects.count(),
        },
        "runs": args.rates_runs * len(groups) * 2,
    }


# --- caseapi ------------------------------------------------------------------------------

GUNICORN_WORKERS = 2
GUNICORN_THREADS = 2  # as docs/ARCHITECTURE.md deploys it: --threads 2
FLOOR = "/bench/floor/"  # the writes alone, by hand (benchmarks/cases_bench_urls.py)
CASE_CATEGORIES = ("sanitation", "facility_damage", "safety_hazard", "dispute", "patrol_other")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_gunicorn(port: int, logdir: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cases_bench_settings",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "0",
        "LOG_LEVEL": "WARNING",
    }
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "yiwang.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(GUNICORN_WORKERS),
        "--threads",
        str(GUNICORN_THREADS),
        "--chdir",
        str(ROOT),
        "--pythonpath",
        str(HERE),
        "--error-logfile",
        str(logdir / "gunicorn.log"),
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env)


def _wait_ready(port: int, server: subprocess.Popen, logdir: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn stopped: {(logdir / 'gunicorn.log').read_text()[-2000:]}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/bench/bare/")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer within 60 s")


def _stop(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()


def _drive(port: int, requests: list[tuple[str, str, bytes | None, dict]], concurrency: int):
    """Sends the requests from `concurrency` threads, each on a kept-alive connection, as
    fast as answers come. Answers (seconds, latencies in ms, errors, bodies of the first
    errors)."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    shares = [requests[i::concurrency] for i in range(concurrency)]

    def run(share):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, failed = [], []
        for method, path, body, headers in share:
            started = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                payload = response.read()
                if response.status >= 300:
                    failed.append(f"{response.status} {payload[:200]!r}")
            except (OSError, http.client.HTTPException) as exc:
                failed.append(repr(exc))
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine.append((time.perf_counter() - started) * 1000)
        connection.close()
        with lock:
            latencies.extend(mine)
            errors.extend(failed)

    threads = [threading.Thread(target=run, args=(share,)) for share in shares]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies, errors


def _load(seconds: float, latencies: list[float], errors: list[str]) -> dict:
    return {
        "requests": len(latencies),
        "seconds": round(seconds, 3),
        "per_second": round(len(latencies) / seconds, 1),
        "median_ms": round(statistics.median(latencies), 2),
        "p95_ms": round(percentile(latencies, 95), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "max_ms": round(max(latencies), 2),
        "errors": len(errors),
    }


def bench_caseapi(args) -> dict:
    """POST /api/v1/cases/ (grid workers' patrol reports, token authentication) under
    gunicorn with 2 workers, against GET of a bare Django view returning a small JSON body
    from the same gunicorn, in the same run: bare, cases, bare again."""
    from django.db import connection

    from yiwang.accounts.models import Post, Role
    from yiwang.accounts.services import issue_token
    from yiwang.cases.models import Case

    if connection.vendor != "postgresql":
        return {"unavailable": "PostgreSQL only (the deployment behind gunicorn)"}
    found = Case.objects.count()
    workers = list(
        Post.objects.filter(role=Role.GRID_WORKER)
        .select_related("user")
        .order_by("area_code")[:: max(1, 11000 // args.api_users)][: args.api_users]
    )
    tokens = [(issue_token(user=post.user).key, post.area_code) for post in workers]
    connection.close()  # the server's workers are the ones to talk to the database now

    def creates(n: int, offset: int, path: str = "/api/v1/cases/") -> list:
        requests = []
        for i in range(n):
            key, unit = tokens[(offset + i) % len(tokens)]
            body = {
                "source": "patrol",
                "category": CASE_CATEGORIES[(offset + i) % len(CASE_CATEGORIES)],
                "text": f"巡查发现第{offset + i}号问题：路口垃圾堆放，请尽快处理。",
                "unit_code": unit,
            }
            headers = {
                "Authorization": f"Token {key}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            }
            requests.append(("POST", path, json.dumps(body).encode(), headers))
        return requests

    bare = [("GET", "/bench/bare/", None, {"Accept": "application/json"})]
    logdir = Path(tempfile.mkdtemp(prefix="yiwang-caseapi-"))
    port = _free_port()
    server = _start_gunicorn(port, logdir)
    try:
        _wait_ready(port, server, logdir)
        warm = args.warmup * 10
        _drive(port, bare * warm, args.concurrency)
        _drive(port, creates(warm, 0), args.concurrency)
        _drive(port, creates(warm, 0, FLOOR), args.concurrency)
        runs = {
            "bare_before": _load(*_drive(port, bare * args.api_requests, args.concurrency)),
            "floor": _load(
                *_drive(port, creates(args.api_requests, warm, FLOOR), args.concurrency)
            ),
        }
        seconds, latencies, errors = _drive(
            port, creates(args.api_requests, warm), args.concurrency
        )
        runs["cases"] = _load(seconds, latencies, errors)
        runs["bare_after"] = _load(*_drive(port, bare * args.api_requests, args.concurrency))
    finally:
        _stop(server)
    if errors:
        print(f"  errors: {errors[:3]}")
    created = Case.objects.count() - found
    floor_errors = runs["floor"]["errors"]
    expected = (args.api_requests + args.warmup * 10) * 2 - floor_errors
    if created != expected - len(errors):
        raise SystemExit(f"{created} cases were created, not {expected - len(errors)}")
    bare_per_second = (runs["bare_before"]["per_second"] + runs["bare_after"]["per_second"]) / 2
    cases = runs["cases"]
    figures = {
        "cases_per_second": cases["per_second"],
        "bare_per_second": round(bare_per_second, 1),
        "ratio": round(cases["per_second"] / bare_per_second, 3),
        # The floor: the same rows written by hand, nothing checked (cases_bench_urls.py).
        "floor_per_second": runs["floor"]["per_second"],
        "floor_ratio": round(runs["floor"]["per_second"] / bare_per_second, 3),
        "ratio_to_floor": round(cases["per_second"] / runs["floor"]["per_second"], 3),
        "p99_ms": cases["p99_ms"],
        "p95_ms": cases["p95_ms"],
        "median_ms": cases["median_ms"],
        "errors": cases["errors"] + runs["bare_before"]["errors"] + runs["bare_after"]["errors"],
        "runs": runs,
        "concurrency": args.concurrency,
        "gunicorn": f"--workers {GUNICORN_WORKERS} --threads {GUNICORN_THREADS}",
        "tokens": len(tokens),
    }
    for name, run in runs.items():
        print(
            f"  {name}: {run['requests']} requests in {run['seconds']} s = {run['per_second']}/s; "
            f"median {run['median_ms']} ms, p99 {run['p99_ms']} ms, {run['errors']} errors"
        )
    print(
        f"  cases {figures['cases_per_second']}/s against bare {figures['bare_per_second']}/s: "
        f"ratio {figures['ratio']}; the floor {figures['floor_per_second']}/s "
        f"(ratio {figures['floor_ratio']}), cases at {figures['ratio_to_floor']} of it"
    )
    for path in logdir.iterdir():
        path.unlink()
    logdir.rmdir()
    return {
        "title": "Creating cases through the API under gunicorn (2 workers) against a bare view",
        "figures": figures,
        "counts": {"cases_before": found, "created": created},
        "runs": args.api_requests * 3,
    }
