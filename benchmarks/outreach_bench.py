"""The outreach benchmark groups, run by benchmarks/worker.py after `build` (the county-scale
area tree: 7,849 units, 11,000 grid workers):

  compliance  compliance of the whole county for the current month
              (`yiwang.outreach.selectors.compliance.compliance`) over 196,000 households,
              2,000,000 visits over six months and their scheduled visits, and the API
              request GET /api/v1/compliance/?area=370829, checked against counts of the rows
  today       a grid worker's "today" list (`yiwang.outreach.selectors.visits.today_lines`)
              on the same rows, for several workers
  visitapi    POST /api/v1/visits/ under gunicorn (2 workers) on PostgreSQL, against the bare
              Django view in the same run (the machinery of cases_bench.bench_caseapi); a
              fresh UUID each request, for households of the token user's unit

`fill_outreach()` writes the rows as the county has them: households (unless an earlier
group left some: the ledger of `search` and `tagrollup`), cadres, pairings (about 9,300 key
households with 2,137 cadres, ordinary households with their unit's grid worker), visits
and the scheduled visits they did, one open scheduled visit a household (some overdue).
Generated in Python and written with yiwang.core.bulk.insert_rows (COPY on PostgreSQL, one
prepared INSERT on SQLite), no model instances; a later group fills only what is missing.
"""

from __future__ import annotations

import datetime
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import cases_bench  # noqa: E402 — the shared helpers (timing, gunicorn, the load driver)

COUNTY = "370829"
HOUSEHOLDS = 196_000
VISITS = 2_000_000
MONTHS = 6
DAYS = 182
# The county's proportions (docs: DESIGN.md): 2,137 cadres paired with 9,300 key
# households; party members (here: the unit's grid worker) with 152,000 ordinary ones.
KEY_SHARE = 9_300 / 196_000
CADRES = 2_137
ORDINARY_PAIRED_SHARE = 152_000 / (196_000 - 9_300)
KEY_WEIGHT = 3  # a key household is visited this many times as often as an ordinary one
OVERDUE_SHARE = 0.05  # of the households, this share has its open visit overdue
SKIPPED_SHARE = 0.02  # of the closed scheduled visits, skipped rather than done
BATCH = 50_000
TABLES = (
    "registry_household",
    "registry_ledgertally",
    "outreach_pairing",
    "outreach_visit",
    "outreach_scheduledvisit",
)
TODAY_WORKERS = 20


def _spread(times: list[float]) -> dict:
    return cases_bench._spread(times)


# --- the rows ---------------------------------------------------------------------------


def _local(day: datetime.date, hour: float) -> datetime.datetime:
    """A naive UTC time for `hour` o'clock local time (Asia/Shanghai, UTC+8) of `day`."""
    moment = datetime.datetime.combine(day, datetime.time()) + datetime.timedelta(hours=hour)
    return moment - datetime.timedelta(hours=8)


def _fill_households(target: int, rng: random.Random, now) -> int:
    """Households spread evenly over the open units without any, key ones at KEY_SHARE."""
    from django.db import transaction

    from yiwang.areas.models import Area, Level
    from yiwang.core.bulk import db_value, insert_rows
    from yiwang.registry.models import Household

    units = list(
        Area.objects.open()
        .filter(level=Level.UNIT)
        .exclude(households__isnull=False)
        .order_by("code")
        .values_list("id", "code")
    )
    if not units:
        return 0
    per_unit = max(1, round(target / len(units)))
    given = ["unit", "area_code", "number", "address", "door_number", "category"]
    given += ["created_at", "updated_at"]
    defaults = cases_bench._column_defaults(given, Household)
    fields = [*given, *defaults]
    created = db_value(Household, "created_at", now)
    tail = (created, created, *defaults.values())
    rows, written = [], 0
    for unit_id, code in units:
        for n in range(1, per_unit + 1):
            category = "key" if rng.random() < KEY_SHARE else "ordinary"
            rows.append(
                (unit_id, code, f"{n:03d}", f"{code[-6:-3]}组{n}号", str(n), category, *tail)
            )
        if len(rows) >= BATCH:
            with transaction.atomic():
                insert_rows(Household, fields, rows)
            written += len(rows)
            rows = []
    if rows:
        with transaction.atomic():
            insert_rows(Household, fields, rows)
        written += len(rows)
    return written


def _ensure_cadres(wanted: int, today: datetime.date, now) -> list[int]:
    """Ids of `wanted` cadres (cadre posts on villages), made when missing."""
    from yiwang.accounts.models import Post, Role, User
    from yiwang.areas.models import Area, Level

    have = list(
        Post.objects.filter(role=Role.CADRE).order_by("user_id").values_list("user_id", flat=True)
    )
    missing = wanted - len(have)
    if missing > 0:
        villages = list(Area.objects.filter(level=Level.VILLAGE).order_by("code"))
        users = User.objects.bulk_create(
            [
                User(
                    username=f"cadre{len(have) + i:05d}",
                    full_name=f"干部{len(have) + i}",
                    password="!",
                )
                for i in range(missing)
            ]
        )
        Post.objects.bulk_create(
            [
                Post(
                    user=user,
                    role=Role.CADRE,
                    area=villages[i % len(villages)],
                    area_code=villages[i % len(villages)].code,
                    starts_on=today - datetime.timedelta(days=365),
                    created_at=now,
                )
                for i, user in enumerate(users)
            ]
        )
        have += [user.pk for user in users]
    return have[:wanted]


def fill_outreach(args) -> dict:
    """Households (when fewer than asked), cadres, pairings, and `args.visits` visits over
    the last six months with their scheduled visits; only what is missing. Counts."""
    from django.db import connection, transaction
    from django.utils import timezone

    from yiwang.accounts.models import Post, Role
    from yiwang.core.bulk import db_value, insert_rows
    from yiwang.outreach.models import Pairing, Programme, ScheduledVisit, Visit
    from yiwang.outreach.services import tally
    from yiwang.registry.models import Household

    rng = random.Random(args.seed)
    now = timezone.now()
    today = timezone.localdate()
    adapt = cases_bench._datetime_adapter()
    counts: dict[str, object] = {}
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":  # as the case fill does: a larger page cache
            cursor.execute("PRAGMA cache_size = -1048576")

    active = Household.objects.filter(status="active").count()
    if active < args.outreach_households * 0.9:
        started = time.perf_counter()
        counts["households_filled"] = _fill_households(args.outreach_households - active, rng, now)
        counts["households_seconds"] = round(time.perf_counter() - started, 1)
    households = list(
        Household.objects.filter(status="active")
        .order_by("id")
        .values_list("id", "area_code", "category")
    )
    counts["households"] = len(households)
    scale = len(households) / HOUSEHOLDS

    if Pairing.objects.exists():
        counts["pairings_found"] = Pairing.objects.count()
    else:
        started = time.perf_counter()
        cadres = _ensure_cadres(max(1, round(CADRES * scale)), today, now)
        key_programme, _ = Programme.objects.get_or_create(
            code="bench-key",
            defaults={
                "name": "基准：干部联系重点户",
                "sponsor_role": Role.CADRE,
                "subject_kind": "household",
                "household_category": "key",
                "visit_every_days": 14,
            },
        )
        ordinary_programme, _ = Programme.objects.get_or_create(
            code="bench-ordinary",
            defaults={
                "name": "基准：党员联系放心户",
                "sponsor_role": Role.GRID_WORKER,
                "subject_kind": "household",
                "household_category": "ordinary",
                "visit_every_days": 30,
            },
        )
        workers = dict(
            Post.objects.filter(role=Role.GRID_WORKER)
            .order_by("-area_code", "-user_id")  # the first worker of a unit wins
            .values_list("area_code", "user_id")
        )
        fields = ["programme", "sponsor", "household", "area_code", "starts_on"]
        fields += ["created_at", "updated_at"]
        defaults = cases_bench._column_defaults(fields, Pairing)
        created = db_value(Pairing, "created_at", now)
        tail = (created, created, *defaults.values())
        starts = (today - datetime.timedelta(days=DAYS + 30)).isoformat()
        rows, k = [], 0
        for household_id, code, category in households:
            if category == "key":
                rows.append(
                    (key_programme.pk, cadres[k % len(cadres)], household_id, code, starts, *tail)
                )
                k += 1
            elif code in workers and rng.random() < ORDINARY_PAIRED_SHARE:
                rows.append(
                    (ordinary_programme.pk, workers[code], household_id, code, starts, *tail)
                )
        for start in range(0, len(rows), BATCH):
            with transaction.atomic():
                insert_rows(Pairing, [*fields, *defaults], rows[start : start + BATCH])
        counts["pairings"] = len(rows)
        counts["cadres"] = len(cadres)
        counts["pairings_seconds"] = round(time.perf_counter() - started, 1)

    found = Visit.objects.count()
    counts["visits_found"] = found
    if found < args.visits * 0.9:
        started = time.perf_counter()
        counts.update(_fill_visits(args.visits - found, households, rng, now, today, adapt))
        with transaction.atomic():
            tally.rebuild()  # the visits went around record_visit
        counts["visits_seconds"] = round(time.perf_counter() - started, 1)

    # VACUUM ANALYZE, or SQLite's checkpoint: the state some minutes after a bulk load.
    counts["vacuum_seconds"] = cases_bench._vacuum(TABLES)
    counts["visits"] = Visit.objects.count()
    counts["scheduled"] = ScheduledVisit.objects.count()
    counts["pairings_total"] = Pairing.objects.count()
    return counts


def _fill_visits(total, households, rng, now, today, adapt) -> dict:
    """`total` visits over the last DAYS days, key households KEY_WEIGHT times as often,
    by the unit's grid worker (a key household's by its cadre half the time); each with the
    scheduled visit it did (due within days of it; SKIPPED_SHARE skipped instead), and one
    open scheduled visit a household, due in the coming month or, for OVERDUE_SHARE of
    them, overdue by up to a month."""
    from django.db import transaction

    from yiwang.accounts.models import Post, Role
    from yiwang.core.bulk import db_value, insert_rows
    from yiwang.outreach.models import Pairing, ScheduledVisit, Visit, VisitRule

    rule, _ = VisitRule.objects.get_or_create(
        code="bench-visits",
        defaults={"name": "基准：定期走访", "kind": "periodic", "every_days": 30},
    )
    workers = dict(
        Post.objects.filter(role=Role.GRID_WORKER)
        .order_by("-area_code", "-user_id")
        .values_list("area_code", "user_id")
    )
    fallback = next(iter(workers.values()))
    sponsors = dict(
        Pairing.objects.filter(household__isnull=False, programme__code="bench-key").values_list(
            "household_id", "sponsor_id"
        )
    )
    weight = sum(KEY_WEIGHT if c == "key" else 1 for _h, _c, c in households)
    per_weight = total / weight
    created = db_value(Visit, "created_at", now)
    visit_fields = [
        "uuid",
        "household",
        "visitor",
        "visited_at",
        "area_code",
        "created_at",
        "updated_at",
    ]
    visit_defaults = cases_bench._column_defaults(visit_fields, Visit)
    visit_tail = tuple(visit_defaults.values())
    due_fields = [
        "household",
        "rule",
        "due_on",
        "status",
        "closed_on",
        "skip_reason",
        "area_code",
        "created_at",
        "updated_at",
    ]
    due_defaults = cases_bench._column_defaults(due_fields, ScheduledVisit)
    due_tail = tuple(due_defaults.values())
    first_day = today - datetime.timedelta(days=DAYS)
    counts = {"visits_filled": 0, "scheduled_filled": 0, "overdue_households": 0}
    visits, dues = [], []

    def flush():
        with transaction.atomic():
            insert_rows(Visit, [*visit_fields, *visit_defaults], visits)
            insert_rows(ScheduledVisit, [*due_fields, *due_defaults], dues)
        counts["visits_filled"] += len(visits)
        counts["scheduled_filled"] += len(dues)
        visits.clear()
        dues.clear()

    for household_id, code, category in households:
        share = per_weight * (KEY_WEIGHT if category == "key" else 1)
        n = int(share) + (rng.random() < share - int(share))
        worker = workers.get(code, fallback)
        step = DAYS / max(n, 1)
        last = None
        for j in range(n):
            day = first_day + datetime.timedelta(days=int(step * j + rng.random() * step))
            if day > today:
                day = today
            moment = _local(day, rng.uniform(8, 18))
            if moment > now.replace(tzinfo=None) - datetime.timedelta(minutes=1):
                moment = now.replace(tzinfo=None) - datetime.timedelta(minutes=rng.randint(1, 600))
                day = (moment + datetime.timedelta(hours=8)).date()
            visitor = (
                sponsors[household_id]
                if household_id in sponsors and rng.random() < 0.5
                else worker
            )
            visits.append(
                (
                    uuid.UUID(int=rng.getrandbits(128), version=4).hex,
                    household_id,
                    visitor,
                    adapt(moment),
                    code,
                    created,
                    created,
                    *visit_tail,
                )
            )
            skipped = rng.random() < SKIPPED_SHARE
            due_on = day + datetime.timedelta(days=rng.randint(0, 5))
            dues.append(
                (
                    household_id,
                    rule.pk,
                    due_on.isoformat(),
                    "skipped" if skipped else "done",
                    day.isoformat(),
                    "不在家" if skipped else "",
                    code,
                    created,
                    created,
                    *due_tail,
                )
            )
            last = day
        if rng.random() < OVERDUE_SHARE:
            due_on = today - datetime.timedelta(days=rng.randint(1, 30))
            counts["overdue_households"] += 1
        else:
            base = (last or today) + datetime.timedelta(days=30)
            due_on = max(base, today + datetime.timedelta(days=rng.randint(0, 7)))
        dues.append(
            (
                household_id,
                rule.pk,
                due_on.isoformat(),
                "scheduled",
                None,
                "",
                code,
                created,
                created,
                *due_tail,
            )
        )
        if len(visits) >= BATCH:
            flush()
    flush()
    return counts


def ensure_outreach(args) -> dict:
    return fill_outreach(args)


# --- compliance ---------------------------------------------------------------------------


def bench_compliance(args) -> dict:
    """Compliance of the county for the current month (the page's default), N runs after a
    warm-up, and the API request; checked against counts of the rows."""
    from django.db import connection
    from django.db.models import Sum
    from django.test import Client
    from django.utils import timezone

    from yiwang.accounts.models import User
    from yiwang.areas.models import Area
    from yiwang.outreach.models import ScheduledVisit, Visit
    from yiwang.outreach.selectors import compliance as selectors
    from yiwang.registry.models import LedgerTally

    filled = ensure_outreach(args)
    county = Area.objects.get(code=COUNTY)
    today = timezone.localdate()
    period = selectors.Period.month_of(today)
    queries: list[tuple] = []
    with connection.execute_wrapper(
        lambda execute, sql, params, *a: queries.append((sql, params)) or execute(sql, params, *a)
    ):
        result = selectors.compliance(county, period, today)
    total = result.total
    expected = {
        "households": LedgerTally.objects.aggregate(n=Sum("households"))["n"],
        "due": ScheduledVisit.objects.filter(
            household__isnull=False, due_on__gte=period.first, due_on__lte=period.last
        ).count(),
        "overdue": ScheduledVisit.objects.filter(
            household__isnull=False, status="scheduled", due_on__lt=today
        ).count(),
        "visited": Visit.objects.filter(
            household__isnull=False, visited_at__gte=period.start, visited_at__lt=period.end
        )
        .values("household_id")
        .distinct()
        .count(),
    }
    measured = {key: getattr(total, key) for key in expected}
    if measured != expected:
        raise SystemExit(f"compliance counted {measured}, the rows {expected}")
    if len(result.rows) != 16:
        raise SystemExit(f"compliance listed {len(result.rows)} towns, not 16")
    plans = _plans(queries)

    def run() -> float:
        return cases_bench._timed(lambda: selectors.compliance(county, period, today))[0]

    for _ in range(args.warmup):
        run()
    times = [run() for _ in range(args.compliance_runs)]

    client = Client()
    client.force_login(User.objects.get(username="county"))
    url = f"/api/v1/compliance/?area={COUNTY}"

    def request() -> float:
        def get():
            response = client.get(url, HTTP_ACCEPT="application/json")
            if response.status_code != 200 or response.json()["total"]["due"] != total.due:
                raise SystemExit(f"GET {url} answered {response.status_code}")

        return cases_bench._timed(get)[0]

    for _ in range(args.warmup):
        request()
    api_times = [request() for _ in range(args.compliance_runs)]

    # A town's workers (by_worker), for information: no target.
    town = Area.objects.filter(parent=county).order_by("code").first()
    worker_times = [
        cases_bench._timed(lambda: selectors.compliance_by_worker(town, period, today))[0]
        for _ in range(max(3, args.compliance_runs // 3))
    ]
    spread, api = _spread(times), _spread(api_times)
    figures = {
        **spread,
        "api_median_ms": api["median_ms"],
        "api_p95_ms": api["p95_ms"],
        "town_by_worker_median_ms": _spread(worker_times)["median_ms"],
        "queries": len(queries),
        "runs": args.compliance_runs,
        "warmup": args.warmup,
        "done_rate": round(float(total.done_rate or 0), 4),
        "coverage": round(float(total.coverage or 0), 4),
    }
    print(
        f"  compliance(county, {period.first:%Y-%m}): median {figures['median_ms']} ms, p95 "
        f"{figures['p95_ms']} ms over {args.compliance_runs} runs ({len(queries)} queries); "
        f"GET {url}: median {api['median_ms']} ms, p95 {api['p95_ms']} ms; a town by worker: "
        f"{figures['town_by_worker_median_ms']} ms"
    )
    print(f"  totals: {total.as_dict()}")
    return {
        "title": "Compliance of the whole county (households, visits, the schedule)",
        "figures": figures,
        "counts": {**filled, "totals": total.as_dict()},
        "plans": plans,
        "runs": args.compliance_runs * 2,
    }


def _plans(queries: list[tuple]) -> list[str]:
    """The database's plan of each aggregate query (what index serves it)."""
    from django.db import connection

    plans = []
    explain = "EXPLAIN QUERY PLAN" if connection.vendor == "sqlite" else "EXPLAIN"
    with connection.cursor() as cursor:
        for sql, params in queries:
            if "GROUP BY" not in sql:
                continue
            try:
                cursor.execute(f"{explain} {sql}", params)
            except Exception as exc:  # noqa: BLE001 — a plan is information only
                plans.append(f"(no plan: {exc})")
                continue
            rows = cursor.fetchall()
            plans.append(" | ".join(str(r[-1]) for r in rows))
    return plans


# --- today ------------------------------------------------------------------------------


def bench_today(args) -> dict:
    """The "today" list (`selectors.visits.today_lines`) of TODAY_WORKERS grid workers spread
    over the county, N runs in turn, each reading the worker's posts again as a request
    does."""
    from django.utils import timezone

    from yiwang.accounts import scope
    from yiwang.accounts.models import Post, Role

    try:
        from yiwang.outreach.selectors import today_lines
    except ImportError as exc:
        return {"unavailable": f"selectors.visits.today_lines is not there yet ({exc})"}

    filled = ensure_outreach(args)
    posts = list(
        Post.objects.filter(role=Role.GRID_WORKER).select_related("user").order_by("area_code")
    )
    users = [p.user for p in posts[:: max(1, len(posts) // TODAY_WORKERS)]][:TODAY_WORKERS]
    today = timezone.localdate()
    lines = []

    def run(user) -> float:
        scope.forget(user)

        def work():
            found, _cut = today_lines(user, today)
            lines.append(len(found))

        return cases_bench._timed(work)[0]

    for i in range(args.warmup):
        run(users[i % len(users)])
    lines.clear()
    times = [run(users[i % len(users)]) for i in range(args.requests)]
    figures = {
        **_spread(times),
        "runs": args.requests,
        "workers": len(users),
        "lines_median": statistics.median(lines),
        "lines_max": max(lines),
    }
    print(
        f"  today_lines: median {figures['median_ms']} ms, p95 {figures['p95_ms']} ms over "
        f"{args.requests} runs of {len(users)} workers ({figures['lines_median']:g} lines "
        f"median, {figures['lines_max']} max)"
    )
    return {
        "title": "A grid worker's today list (due and overdue visits)",
        "figures": figures,
        "counts": filled,
        "runs": args.requests,
    }


# --- visitapi -----------------------------------------------------------------------------


VISIT_FLOOR = "/bench/visit-floor/"  # the writes alone, by hand (cases_bench_urls.py)


def bench_visitapi(args) -> dict:
    """POST /api/v1/visits/ (a grid worker's visit, token authentication, a fresh UUID each)
    under gunicorn with 2 workers, against GET of the bare view from the same gunicorn in
    the same run: bare, visits, bare again (cases_bench's server and driver)."""
    from django.db import connection
    from django.urls import Resolver404, resolve
    from django.utils import timezone

    from yiwang.accounts.models import Post, Role
    from yiwang.accounts.services import issue_token
    from yiwang.outreach.models import Visit
    from yiwang.registry.models import Household

    if connection.vendor != "postgresql":
        return {"unavailable": "PostgreSQL only (the deployment behind gunicorn)"}
    path = "/api/v1/visits/"
    try:
        resolve(path)
    except Resolver404:
        return {"unavailable": f"{path} is not routed yet"}
    filled = ensure_outreach(args)
    found = Visit.objects.count()
    posts = list(
        Post.objects.filter(role=Role.GRID_WORKER)
        .select_related("user")
        .order_by("area_code")[:: max(1, 11000 // args.api_users)][: args.api_users]
    )
    households: dict[str, list[int]] = {}
    for household_id, code in Household.objects.filter(
        area_code__in=[p.area_code for p in posts], status="active"
    ).values_list("id", "area_code"):
        households.setdefault(code, []).append(household_id)
    tokens = [
        (issue_token(user=p.user).key, households[p.area_code])
        for p in posts
        if households.get(p.area_code)
    ]
    if not tokens:
        raise SystemExit("no grid worker has households to visit")
    rng = random.Random(args.seed)
    now = timezone.now()
    connection.close()  # the server's workers are the ones to talk to the database now

    def creates(n: int, offset: int, target: str = path) -> list:
        requests = []
        for i in range(n):
            key, theirs = tokens[(offset + i) % len(tokens)]
            when = now - datetime.timedelta(minutes=rng.randint(5, 600))
            body = {
                "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "household": theirs[(offset + i) % len(theirs)],
                "visited_at": when.isoformat(),
                "outcome": "all_well",
                "notes": f"第{offset + i}次走访：家中一切正常。",
            }
            headers = {
                "Authorization": f"Token {key}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            }
            requests.append(("POST", target, json.dumps(body).encode(), headers))
        return requests

    bare = [("GET", "/bench/bare/", None, {"Accept": "application/json"})]
    logdir = Path(tempfile.mkdtemp(prefix="yiwang-visitapi-"))
    port = cases_bench._free_port()
    server = cases_bench._start_gunicorn(port, logdir)
    warm = args.warmup * 10
    try:
        cases_bench._wait_ready(port, server, logdir)
        drive = cases_bench._drive
        drive(port, bare * warm, args.concurrency)
        warmed = drive(port, creates(warm, 0), args.concurrency)
        runs = {
            "bare_before": cases_bench._load(
                *drive(port, bare * args.api_requests, args.concurrency)
            )
        }
        seconds, latencies, errors = drive(port, creates(args.api_requests, warm), args.concurrency)
        runs["visits"] = cases_bench._load(seconds, latencies, errors)
        # The floor: the same writes by hand (benchmarks/cases_bench_urls.py), in the same run.
        runs["floor"] = cases_bench._load(
            *drive(
                port,
                creates(args.api_requests, warm + args.api_requests, VISIT_FLOOR),
                args.concurrency,
            )
        )
        runs["bare_after"] = cases_bench._load(
            *drive(port, bare * args.api_requests, args.concurrency)
        )
    finally:
        cases_bench._stop(server)
    if errors:
        print(f"  errors: {errors[:3]}")
    created = Visit.objects.count() - found
    expected = 2 * args.api_requests + warm - len(errors) - len(warmed[2]) - runs["floor"]["errors"]
    if created != expected:
        raise SystemExit(f"{created} visits were created, not {expected}")
    bare_per_second = (runs["bare_before"]["per_second"] + runs["bare_after"]["per_second"]) / 2
    visits = runs["visits"]
    figures = {
        "visits_per_second": visits["per_second"],
        "bare_per_second": round(bare_per_second, 1),
        "ratio": round(visits["per_second"] / bare_per_second, 3),
        # What the writes alone reach, by hand, against the bare view and against the API.
        "floor_per_second": runs["floor"]["per_second"],
        "floor_ratio": round(runs["floor"]["per_second"] / bare_per_second, 3),
        "api_to_floor": round(visits["per_second"] / runs["floor"]["per_second"], 3),
        "p99_ms": visits["p99_ms"],
        "p95_ms": visits["p95_ms"],
        "median_ms": visits["median_ms"],
        "errors": visits["errors"] + runs["bare_before"]["errors"] + runs["bare_after"]["errors"],
        "runs": runs,
        "concurrency": args.concurrency,
        "gunicorn": f"--workers {cases_bench.GUNICORN_WORKERS} --threads {cases_bench.GUNICORN_THREADS}",
        "tokens": len(tokens),
    }
    for name, run in runs.items():
        print(
            f"  {name}: {run['requests']} requests in {run['seconds']} s = {run['per_second']}/s; "
            f"median {run['median_ms']} ms, p99 {run['p99_ms']} ms, {run['errors']} errors"
        )
    print(
        f"  visits {figures['visits_per_second']}/s against bare {figures['bare_per_second']}/s: "
        f"ratio {figures['ratio']}"
    )
    for item in logdir.iterdir():
        item.unlink()
    logdir.rmdir()
    return {
        "title": "Recording visits through the API under gunicorn (2 workers) against a bare view",
        "figures": figures,
        "counts": {**filled, "visits_before": found, "created": created},
        "runs": args.api_requests * 3,
    }
