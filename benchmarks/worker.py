"""One benchmark group in a fresh process: `python benchmarks/worker.py GROUP --out FILE`.

benchmarks/run.py starts this once per (database, group) with DATABASE_URL naming a
throwaway database, so that each group gets fresh Django settings and a fresh process.

Groups:
  build   migrate, then build the county-scale demo once and time it (the setup of the rest)
  rollup  GET /api/v1/areas/370829/rollup/ as the county admin: 10 warm-up, N timed
  locate  unit_locator() over the 7,849 units, then N seeded random points, per point and in
          bulk, against a naive linear scan with shapely for a few hundred points
  search  resident search as the county admin over >= 1,000,000 residents (the demo ledger
          when no earlier group left them): per kind of text, the list page's work and the
          API request, N seeded texts each
  tagrollup  ledger_rollup of the county (16 towns) and its API request, checked against a
          count of the rows
  sweep   the escalation sweep over 1,000,000 cases of which 1% are overdue
  rates   the three rates of the county over 1,000,000 cases, by town, department, category
          and month, and the API request (benchmarks/cases_bench.py, as the next)
  caseapi POST /api/v1/cases/ under gunicorn (2 workers) against a bare view (PostgreSQL)
  compliance  compliance of the county over 196,000 households and 2,000,000 visits, and
          the API request (benchmarks/outreach_bench.py, as the next two)
  today   a grid worker's today list, several workers
  visitapi  POST /api/v1/visits/ under gunicorn (2 workers) against a bare view (PostgreSQL)
  shopapi  POST /api/v1/points/redemptions/ under gunicorn (2 workers) against the same writes
          by hand, and a household's balance (benchmarks/shop_bench.py; PostgreSQL)
  notices  a year of the demo's announcements: a grid worker's inbox, the receipts of a
          county-wide announcement by area, the fan-out to 11,000 grid workers
          (benchmarks/notices_bench.py)
  passes  verifying a benefit pass's token on the server, on a year of the county's passes
          (benchmarks/passes_bench.py)
  points  a year of points on the ledger (2,000,000 entries): closing a month for the
          county, a household's balance (benchmarks/points_bench.py)
  volunteering  the demo's year of the county's volunteering: the county roll-up, a
          volunteer's hours and star (benchmarks/volunteering_bench.py)
  projects  the battle map of 500 key projects with 20,000 milestones against a plain read
          of the milestones, and the monthly meeting pack (benchmarks/projects_bench.py)
  duty    the 16 towns' rosters over 90 days generated, and who is on duty now for the
          county (benchmarks/duty_bench.py)
  sweeps  the progress of a county-wide door-to-door sweep of 15,000 households by town
          (benchmarks/sweeps_bench.py)
  coops   a cooperative's year's distribution among 5,000 members, run_distribution end
          to end against the engine alone (benchmarks/coops_bench.py)
  simulate  ten counties of the reference county's shape: the period queries, roll-ups and
          visit API at one county's data and at ten, sizes a row, partitioned visits
          (benchmarks/simulate.py; PostgreSQL only, run only when asked)
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")

COUNTY = "370829"
TARGETS = {
    "build": {"seconds": 60.0},
    "rollup": {"p95_ms": 50.0},
    "locate": {"ms_per_point": 0.2},
    "import": {"ratio": 3.0, "peak_mib": 1024.0, "xlsx_seconds": 20.0, "xlsx_peak_mib": 1024.0},
    "search": {"max_p95_ms": 100.0, "api_max_p95_ms": 100.0},
    "tagrollup": {"p95_ms": 100.0, "median_ms": 100.0, "api_p95_ms": 100.0},
    "sweep": {"seconds": 2.0},
    "rates": {"p95_ms": 200.0, "api_p95_ms": 200.0},
    "caseapi": {"p99_ms": 150.0, "errors": 0},
    "compliance": {"p95_ms": 500.0, "api_p95_ms": 500.0},
    "today": {"median_ms": 50.0, "p95_ms": 50.0},
    "visitapi": {"errors": 0},
    "shopapi": {"errors": 0, "balance_p95_ms": 10.0},
    "export": {"ratio": 3.0},
    "notices": {
        "send_max_seconds": 2.0,
        "inbox_p95_ms": 30.0,
        "inbox_page_p95_ms": 30.0,
        "summary_p95_ms": 200.0,
    },
    "passes": {"median_ms": 1.0},
    "points": {"close_seconds": 5.0, "balance_p95_ms": 10.0, "balance_api_p95_ms": 10.0},
    "volunteering": {"rollup_p95_ms": 300.0, "hours_p95_ms": 10.0},
    "projects": {"map_p95_ms": 200.0, "pack_max_seconds": 10.0},
    "duty": {"generate_seconds": 5.0, "now_p95_ms": 50.0},
    "sweeps": {"p95_ms": 200.0},
    "coops": {"run_median_seconds": 1.0},
    "simulate": {},
    "cockpit": {
        "cold_p95_ms": 300.0,
        "warm_p95_ms": 50.0,
        "map_max_p95_ms": 200.0,
        "pdf_max_seconds": 15.0,
    },
}
# Targets a figure must reach, not stay under.
AT_LEAST = {
    "caseapi": {"ratio": 0.5},
    "visitapi": {"ratio": 0.5},
    "shopapi": {"api_to_floor": 0.5},
}


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100), linear between the closest ranks."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _read(path: str, key: str) -> str:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def machine() -> dict:
    import django
    import shapely

    mem_kb = _read("/proc/meminfo", "MemTotal").split()
    return {
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu_model": _read("/proc/cpuinfo", "model name") or platform.processor(),
        "ram_gib": round(int(mem_kb[0]) / 1024 / 1024, 1) if mem_kb else None,
        "python": platform.python_version(),
        "django": django.get_version(),
        "shapely": shapely.__version__,
        "geos": shapely.geos_version_string,
    }


def database() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("select sqlite_version()")
        else:
            cursor.execute("show server_version")
        version = cursor.fetchone()[0]
    return {"engine": connection.vendor, "version": version}


def bench_build(args) -> dict:
    from django.core.management import call_command

    from yiwang.core.audit import audit_source
    from yiwang.core.models import AuditSource
    from yiwang.demo.areas import build_demo

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    migrate_s = time.perf_counter() - started
    started = time.perf_counter()
    with audit_source(AuditSource.COMMAND):
        counts = build_demo("county", seed=args.seed)
    seconds = time.perf_counter() - started
    print(
        f"  county-scale demo built in {seconds:.2f} s: {counts['units']} units, "
        f"{counts['users']} accounts (migrate took {migrate_s:.1f} s)"
    )
    expected = {"towns": 16, "villages": 358, "grids": 937, "units": 7849, "grid_workers": 11000}
    wrong = {k: counts[k] for k, v in expected.items() if counts[k] != v}
    if wrong:
        raise SystemExit(f"the demo has the wrong shape: {wrong}")
    return {
        "title": "County-scale demo build (python manage.py demo --scale county)",
        "figures": {"seconds": round(seconds, 3), "migrate_seconds": round(migrate_s, 3)},
        "counts": counts,
        "runs": 1,
    }


def _rows(payload) -> list:
    if isinstance(payload, dict):
        for key in ("results", "children", "rows"):
            if isinstance(payload.get(key), list):
                return payload[key]
    return payload if isinstance(payload, list) else []


def bench_rollup(args) -> dict:
    from django.db import connection
    from django.test import Client
    from django.urls import Resolver404, resolve

    from yiwang.accounts.models import User

    url = f"/api/v1/areas/{COUNTY}/rollup/"
    try:
        resolve(url)
    except (Resolver404, ImportError) as exc:
        return {"unavailable": f"{url} is not routed yet ({type(exc).__name__})"}
    client = Client()
    client.force_login(User.objects.get(username="county"))

    def get():
        response = client.get(url, HTTP_ACCEPT="application/json")
        if response.status_code != 200:
            raise SystemExit(f"GET {url} answered {response.status_code}")
        return response

    for _ in range(args.warmup):
        get()
    queries = []  # counted with a wrapper: the query log is reset when a request starts
    with connection.execute_wrapper(
        lambda execute, sql, *a: queries.append(sql) or execute(sql, *a)
    ):
        response = get()
    rows = _rows(response.json())
    towns = [r for r in rows if r.get("level") == "town" or len(str(r.get("code", ""))) == 9]
    if len(towns) != 16:
        raise SystemExit(f"GET {url} listed {len(towns)} towns, not 16")
    totals = {k: sum(int(r.get(k, 0)) for r in towns) for k in ("grids", "units", "workers")}
    if totals != {"grids": 937, "units": 7849, "workers": 11000}:
        raise SystemExit(f"GET {url} summed to {totals}")

    times = []
    for _ in range(args.requests):
        started = time.perf_counter()
        get()
        times.append((time.perf_counter() - started) * 1000)
    figures = {
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 95), 2),
        "min_ms": round(min(times), 2),
        "max_ms": round(max(times), 2),
        "requests": args.requests,
        "warmup": args.warmup,
        "queries_per_request": len(queries),
    }
    print(
        f"  {url}: median {figures['median_ms']} ms, p95 {figures['p95_ms']} ms over "
        f"{args.requests} requests ({len(queries)} queries each, 16 towns listed)"
    )
    return {
        "title": "Grids, units and grid workers of every town in one API request",
        "figures": figures,
        "counts": totals,
        "runs": args.requests,
    }


def bench_locate(args) -> dict:
    import numpy as np
    import shapely
    from shapely.geometry import shape

    from yiwang.areas.geometry import unit_locator
    from yiwang.areas.models import Area, Level

    county = shape(Area.objects.get(code=COUNTY).boundary)
    started = time.perf_counter()
    locator = unit_locator()
    load_s = time.perf_counter() - started
    if len(locator.codes) != 7849:
        raise SystemExit(f"the locator holds {len(locator.codes)} units, not 7849")

    rng = np.random.default_rng(args.seed)
    west, south, east, north = county.bounds
    # The county's outline fills about half of its bounds: draw three times the points
    # and keep the first that fall inside it.
    draws = 3 * args.points
    points = np.column_stack([rng.uniform(west, east, draws), rng.uniform(south, north, draws)])
    inside = shapely.contains_xy(county, points[:, 0], points[:, 1])
    points = points[inside][: args.points]
    pairs = [(float(x), float(y)) for x, y in points]
    n = len(pairs)

    # One point at a time, as the API's /areas/locate/ does: several rounds, the median.
    rounds, per_call, found = [], [], None
    for r in range(args.rounds):
        started = time.perf_counter()
        result = [locator.locate(x, y) for x, y in pairs]
        rounds.append((time.perf_counter() - started) * 1000 / n)
        if r == 0:
            found = result
    for x, y in pairs[:2000]:  # the spread of single calls
        started = time.perf_counter()
        locator.locate(x, y)
        per_call.append((time.perf_counter() - started) * 1000)
    missing = sum(1 for code in found if code is None)
    if missing:
        raise SystemExit(f"{missing} points inside the county found no unit")
    unit_codes = set(Area.objects.filter(level=Level.UNIT).values_list("code", flat=True))
    if not set(found) <= unit_codes:
        raise SystemExit("a point located to something that is not a unit")

    bulk = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        many = locator.locate_many(points)
        bulk.append((time.perf_counter() - started) * 1000 / n)
    if many != found:
        raise SystemExit("locate_many disagrees with locate")

    # Baseline: every unit polygon, unprepared, tested in turn (what a loop would do).
    rows = list(Area.objects.filter(level=Level.UNIT).values_list("code", "boundary"))
    polygons = [(code, shape(boundary)) for code, boundary in rows]
    naive_points = pairs[: args.naive_points]
    started = time.perf_counter()
    naive_found = []
    for x, y in naive_points:
        point = shapely.Point(x, y)
        hits = [code for code, polygon in polygons if polygon.contains(point)]
        naive_found.append(min(hits) if hits else None)
    naive_ms = (time.perf_counter() - started) * 1000 / len(naive_points)
    if naive_found != found[: len(naive_points)]:
        raise SystemExit("the naive scan disagrees with the locator")

    per_point = statistics.median(rounds)
    figures = {
        "ms_per_point": round(per_point, 5),
        "us_per_point": round(per_point * 1000, 2),
        "single_call_median_us": round(statistics.median(per_call) * 1000, 2),
        "single_call_p95_us": round(percentile(per_call, 95) * 1000, 2),
        "bulk_ms_per_point": round(statistics.median(bulk), 5),
        "bulk_us_per_point": round(statistics.median(bulk) * 1000, 2),
        "naive_ms_per_point": round(naive_ms, 3),
        "speedup_vs_naive": round(naive_ms / per_point, 1),
        "load_seconds": round(load_s, 3),
        "points": n,
        "rounds": args.rounds,
        "naive_points": len(naive_points),
        "units": len(locator.codes),
    }
    print(
        f"  locate: {figures['us_per_point']} µs/point one by one (median of {args.rounds} "
        f"rounds of {n}), {figures['bulk_us_per_point']} µs/point in bulk; naive scan "
        f"{figures['naive_ms_per_point']} ms/point ({figures['speedup_vs_naive']}× slower); "
        f"locator built in {figures['load_seconds']} s"
    )
    return {
        "title": "Locating random points among the 7,849 unit boundaries",
        "figures": figures,
        "runs": args.rounds,
    }


def bench_import(args) -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from ledger_import import bench_import as run

    return run(args)


# The ledger at county scale, for `search` and `tagrollup`: at least this many residents.
LEDGER_RESIDENTS = 1_000_000
LEDGER_PER_UNIT = 43  # households a unit in the demo ledger: 1,011,648 residents
LEDGER_TABLES = (
    "registry_household",
    "registry_resident",
    "registry_residenttag",
    "registry_ledgertally",
    "registry_resident_name_part",  # the names' suffixes that search reads (migration 0005)
    "registry_resident_name_char",  # the names' characters, one-character search (0006)
)
# Search reads a larger ledger: at least 1,100,000 residents (the demo's 48 households a
# unit give 1.13 million).
SEARCH_RESIDENTS = 1_100_000
SEARCH_PER_UNIT = 48
SEARCH_KINDS = {
    "name": "full names",
    "name_prefix": "2-character name prefixes",
    "initials": "2–3 letter pinyin initials",
    "id_tail": "4-digit ID number tails",
    # Any part of a name. The demo's names are a surname and one or two characters: the
    # given names of two characters (建国) are its 2-character parts after the surname, and
    # its 3-character parts are whole names; on the name parts' key every length is the
    # same range. One character (a 1-character given name, 伟) matches tens of thousands.
    "given_name": "2-character given names",
    "inner_part": "2-character parts after the surname",
    "part3": "3-character parts",
    "one_char": "1-character parts after the surname",
}


def ensure_ledger(args, minimum: int = LEDGER_RESIDENTS, per_unit: int = LEDGER_PER_UNIT) -> dict:
    """At least a million residents: those an earlier group (`import`) left behind, else
    the demo ledger with 43 households a unit (it fills only units without households).

    On PostgreSQL, then VACUUM ANALYZE of the ledger's tables: what autovacuum does within
    minutes of a bulk load (the planner's statistics; the visibility map that index-only
    scans need). The benchmark's server may run with autovacuum off, as this one does.
    """
    from django.db import connection

    from yiwang.core.audit import audit_source
    from yiwang.core.models import AuditSource
    from yiwang.demo.registry import build_demo_ledger
    from yiwang.registry.models import Household, Resident

    info = {"residents_found": Resident.objects.count()}
    if info["residents_found"] < minimum:
        started = time.perf_counter()
        with audit_source(AuditSource.COMMAND):
            built = build_demo_ledger(seed=args.seed, per_unit=per_unit)
        info["demo_ledger_seconds"] = round(time.perf_counter() - started, 1)
        info["demo_ledger"] = built
        print(
            f"  demo ledger: {built['residents']:,} residents in {built['households']:,} "
            f"households in {info['demo_ledger_seconds']} s"
        )
    if connection.vendor == "postgresql":
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SHOW autovacuum")
            info["autovacuum"] = cursor.fetchone()[0]
            for table in LEDGER_TABLES:
                cursor.execute(f"VACUUM ANALYZE {table}")
        info["vacuum_analyze_seconds"] = round(time.perf_counter() - started, 1)
    info["residents"] = Resident.objects.count()
    info["households"] = Household.objects.count()
    if info["residents"] < minimum:
        raise SystemExit(f"the ledger holds {info['residents']:,} residents, not {minimum:,}")
    return info


def _search_texts(args) -> dict[str, list[str]]:
    """Seeded random texts of each kind, drawn from random residents."""
    import random

    from django.db.models import Max, Min

    from yiwang.registry.models import Resident

    rng = random.Random(args.seed)
    low, high = Resident.objects.aggregate(low=Min("pk"), high=Max("pk")).values()
    texts: dict[str, list[str]] = {kind: [] for kind in SEARCH_KINDS}
    wanted = args.queries + args.warmup
    while min(len(found) for found in texts.values()) < wanted:
        drawn = [rng.randint(low, high) for _ in range(wanted)]
        people = Resident.objects.in_bulk(drawn)
        for pk in drawn:
            person = people.get(pk)
            if person is None:
                continue
            initials = person.name_initials
            name = person.name
            start = rng.randint(1, max(1, len(name) - 2))  # a 2-character part not first
            at = rng.randint(0, max(0, len(name) - 3))
            candidates = {
                "name": name,
                "name_prefix": name[:2],
                "initials": initials[: rng.choice((2, 3))] if len(initials) > 2 else initials,
                "id_tail": person.id_number[-4:],
                "given_name": name[1:] if len(name) == 3 else "",
                "inner_part": name[start : start + 2],
                "part3": name[at : at + 3],
                "one_char": name[rng.randint(1, len(name) - 1)] if len(name) > 1 else "",
            }
            least = {"part3": 3, "one_char": 1}
            for kind, text in candidates.items():
                if len(texts[kind]) < wanted and len(text) >= least.get(kind, 2):
                    texts[kind].append(text)
    return texts


def bench_search(args) -> dict:
    """The resident list as the county admin: per kind of text, the page's work (its
    filterset, the count and the first page of 50 with their tags, as
    yiwang.registry.views.resident_list runs it) and the whole API request
    GET /api/v1/residents/?search= (session, scope, count, 50 rows serialized)."""
    from django.core.paginator import Paginator
    from django.db import connection
    from django.test import Client, RequestFactory

    from yiwang.accounts import scope
    from yiwang.accounts.models import User
    from yiwang.registry.views import ledger as views

    ledger = ensure_ledger(args, SEARCH_RESIDENTS, SEARCH_PER_UNIT)
    user = User.objects.get(username="county")
    factory = RequestFactory()
    client = Client()
    client.force_login(user)

    def page(text: str) -> int:
        scope.forget(user)  # the posts are read again, as in a request
        request = factory.get("/ledger/", {"search": text})
        request.user = user
        page = Paginator(views._filterset(request).qs, views.PAGE_SIZE).get_page(1)
        rows = list(page.object_list)
        if not rows:
            raise SystemExit(f"the ledger page found nobody for {text!r}")
        return page.paginator.count

    def api(text: str) -> int:
        response = client.get("/api/v1/residents/", {"search": text})
        if response.status_code != 200:
            raise SystemExit(f"the residents API answered {response.status_code} for {text!r}")
        return response.json()["count"]

    def timed(function, text: str) -> tuple[float, int]:
        started = time.perf_counter()
        result = function(text)
        return (time.perf_counter() - started) * 1000, result

    texts = _search_texts(args)
    queries: list[str] = []
    with connection.execute_wrapper(
        lambda execute, sql, *a: queries.append(sql) or execute(sql, *a)
    ):
        page(texts["name"][0])
    kinds = {}
    for kind, label in SEARCH_KINDS.items():
        warmup, timed_texts = texts[kind][: args.warmup], texts[kind][args.warmup :]
        for text in warmup:
            page(text)
            api(text)
        page_ms, api_ms, matches = [], [], []
        for text in timed_texts:
            ms, count = timed(page, text)
            page_ms.append(ms)
            matches.append(count)
            ms, api_count = timed(api, text)
            api_ms.append(ms)
            if api_count != count:
                raise SystemExit(f"the API found {api_count}, the page {count}, for {text!r}")
        kinds[kind] = {
            "what": label,
            "queries": len(timed_texts),
            "median_ms": round(statistics.median(page_ms), 2),
            "p95_ms": round(percentile(page_ms, 95), 2),
            "max_ms": round(max(page_ms), 2),
            "api_median_ms": round(statistics.median(api_ms), 2),
            "api_p95_ms": round(percentile(api_ms, 95), 2),
            "api_max_ms": round(max(api_ms), 2),
            "matches_median": statistics.median(matches),
            "matches_max": max(matches),
            "examples": timed_texts[:3],
        }
        k = kinds[kind]
        print(
            f"  {label}: page median {k['median_ms']} ms, p95 {k['p95_ms']} ms; API median "
            f"{k['api_median_ms']} ms, p95 {k['api_p95_ms']} ms ({k['queries']} texts, "
            f"{k['matches_median']:g} matches median, {k['matches_max']} max)"
        )
    figures = {
        "max_p95_ms": max(k["p95_ms"] for k in kinds.values()),
        "api_max_p95_ms": max(k["api_p95_ms"] for k in kinds.values()),
        "kinds": kinds,
        "queries_per_page": len(queries),
        "warmup": args.warmup,
    }
    return {
        "title": "Resident search over the whole county (1,100,000 residents), as the county admin",
        "figures": figures,
        "counts": ledger,
        "runs": sum(k["queries"] for k in kinds.values()),
    }


def bench_tagrollup(args) -> dict:
    """Households, key households, residents and every tag's count for each of the 16
    towns: yiwang.registry.selectors.ledger_rollup on the county, and the API request
    GET /api/v1/households/rollup/?area=370829 that returns it."""
    from django.db import connection
    from django.test import Client

    from yiwang.accounts.models import User
    from yiwang.areas.models import Area
    from yiwang.registry.selectors import ledger_rollup, ledger_rollup_from_rows

    ledger = ensure_ledger(args)
    county = Area.objects.get(code=COUNTY)
    queries: list[str] = []
    with connection.execute_wrapper(
        lambda execute, sql, *a: queries.append(sql) or execute(sql, *a)
    ):
        rows = ledger_rollup(county)
    started = time.perf_counter()
    expected = ledger_rollup_from_rows(county)
    baseline_ms = (time.perf_counter() - started) * 1000
    if rows != expected:
        raise SystemExit("the roll-up differs from a count of the rows")
    if len(rows) != 16 or sum(r["residents"] for r in rows) < LEDGER_RESIDENTS * 0.9:
        raise SystemExit(f"the roll-up listed {len(rows)} towns")

    def run() -> float:
        started = time.perf_counter()
        ledger_rollup(county)
        return (time.perf_counter() - started) * 1000

    url = f"/api/v1/households/rollup/?area={COUNTY}"
    client = Client()
    client.force_login(User.objects.get(username="county"))

    def request() -> float:
        started = time.perf_counter()
        response = client.get(url, HTTP_ACCEPT="application/json")
        if response.status_code != 200 or len(response.json()) != 16:
            raise SystemExit(f"GET {url} answered {response.status_code}")
        return (time.perf_counter() - started) * 1000

    for _ in range(args.warmup):
        run()
        request()
    times = [run() for _ in range(args.requests)]
    api_times = [request() for _ in range(args.requests)]
    totals = {
        key: sum(r[key] for r in rows) for key in ("households", "key_households", "residents")
    }
    figures = {
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 95), 2),
        "min_ms": round(min(times), 2),
        "max_ms": round(max(times), 2),
        "api_median_ms": round(statistics.median(api_times), 2),
        "api_p95_ms": round(percentile(api_times, 95), 2),
        "from_rows_ms": round(baseline_ms, 1),
        "runs": args.requests,
        "warmup": args.warmup,
        "queries_per_rollup": len(queries),
    }
    print(
        f"  ledger_rollup(county): median {figures['median_ms']} ms, p95 {figures['p95_ms']} "
        f"ms over {args.requests} runs ({len(queries)} queries); GET {url}: median "
        f"{figures['api_median_ms']} ms, p95 {figures['api_p95_ms']} ms; counted from the "
        f"rows instead: {figures['from_rows_ms']} ms (the same figures)"
    )
    return {
        "title": "Households, residents and tag counts of the 16 towns (1,000,000 residents)",
        "figures": figures,
        "counts": {**ledger, **totals, "towns": len(rows)},
        "runs": args.requests,
    }


def _cases_bench():
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import cases_bench

    return cases_bench


def bench_sweep(args) -> dict:
    return _cases_bench().bench_sweep(args)


def bench_rates(args) -> dict:
    return _cases_bench().bench_rates(args)


def bench_caseapi(args) -> dict:
    return _cases_bench().bench_caseapi(args)


def _outreach_bench():
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import outreach_bench

    return outreach_bench


def bench_compliance(args) -> dict:
    return _outreach_bench().bench_compliance(args)


def bench_today(args) -> dict:
    return _outreach_bench().bench_today(args)


def bench_visitapi(args) -> dict:
    return _outreach_bench().bench_visitapi(args)


def bench_shopapi(args) -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from shop_bench import bench_shopapi as run

    return run(args)


def bench_export(args) -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from export_bench import bench_export as run

    return run(args, ensure_ledger)


def bench_notices(args) -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from notices_bench import bench_notices as run

    return run(args)


def bench_passes(args) -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from passes_bench import bench_passes as run

    return run(args)


def bench_points(args) -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from points_bench import bench_points as run

    return run(args, ensure_ledger)


def bench_volunteering(args) -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from volunteering_bench import bench_volunteering as run

    return run(args, ensure_ledger)


def bench_projects(args) -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from projects_bench import bench_projects as run

    return run(args)


def bench_duty(args) -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from duty_bench import bench_duty as run

    return run(args)


def bench_sweeps(args) -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from sweeps_bench import bench_sweeps as run

    return run(args)


def bench_coops(args) -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from coops_bench import bench_coops as run

    return run(args)


def bench_cockpit(args) -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from cockpit_bench import bench_cockpit as run

    return run(args, ensure_ledger)


def bench_simulate(args) -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from simulate import bench_simulate as run

    return run(args)


GROUPS = {
    "build": bench_build,
    "rollup": bench_rollup,
    "locate": bench_locate,
    "import": bench_import,
    "search": bench_search,
    "tagrollup": bench_tagrollup,
    "sweep": bench_sweep,
    "rates": bench_rates,
    "caseapi": bench_caseapi,
    "compliance": bench_compliance,
    "today": bench_today,
    "visitapi": bench_visitapi,
    "shopapi": bench_shopapi,
    "export": bench_export,
    "notices": bench_notices,
    "passes": bench_passes,
    "points": bench_points,
    "volunteering": bench_volunteering,
    "projects": bench_projects,
    "duty": bench_duty,
    "sweeps": bench_sweeps,
    "coops": bench_coops,
    "cockpit": bench_cockpit,
    "simulate": bench_simulate,
}


def check_targets(group: str, figures: dict) -> dict:
    checked = {
        key: {"target": limit, "measured": figures[key], "met": figures[key] <= limit}
        for key, limit in TARGETS[group].items()
        if key in figures
    }
    for key, floor in AT_LEAST.get(group, {}).items():
        if key in figures:
            measured = figures[key]
            checked[key] = {
                "target": floor,
                "measured": measured,
                "met": measured >= floor,
                "at_least": True,
            }
    return checked


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("group", choices=sorted(GROUPS))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--naive-points", type=int, default=200)
    parser.add_argument("--import-residents", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--xlsx-memory-rows", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--rates-runs", type=int, default=30)
    parser.add_argument("--api-requests", type=int, default=2000)
    parser.add_argument("--api-users", type=int, default=64)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--outreach-households", type=int, default=196_000)
    parser.add_argument("--visits", type=int, default=2_000_000)
    parser.add_argument("--compliance-runs", type=int, default=30)
    parser.add_argument("--sim-months", type=int, default=12)
    parser.add_argument("--sim-counties", type=int, default=10)
    parser.add_argument("--sim-households", type=int, default=25)
    args = parser.parse_args()

    import django

    # WhiteNoise warns that collectstatic has not run; the API does not serve static files.
    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    result = GROUPS[args.group](args)
    result = {
        "name": args.name,
        "group": args.group,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "database": database(),
        **result,
    }
    if "figures" in result:
        result["targets"] = check_targets(args.group, result["figures"])
    else:
        print(f"  {args.name}: not run: {result['unavailable']}")
    tmp = args.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    tmp.replace(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
