"""One benchmark group in a fresh process: `python benchmarks/worker.py GROUP --out FILE`.

benchmarks/run.py starts this once per (database, group) with DATABASE_URL naming a
throwaway database, so that each group gets fresh Django settings and a fresh process.

Groups:
  build   migrate, then build the county-scale demo once and time it (the setup of the rest)
  rollup  GET /api/v1/areas/370829/rollup/ as the county admin: 10 warm-up, N timed
  locate  unit_locator() over the 7,849 units, then N seeded random points, per point and in
          bulk, against a naive linear scan with shapely for a few hundred points
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

    from yiwang.areas.demo import build_demo
    from yiwang.core.audit import audit_source
    from yiwang.core.models import AuditSource

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
    points = np.column_stack(
        [rng.uniform(west, east, args.points), rng.uniform(south, north, args.points)]
    )
    inside = shapely.contains_xy(county, points[:, 0], points[:, 1])
    points = points[inside]  # the county is a rectangle: this keeps all of them
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


GROUPS = {"build": bench_build, "rollup": bench_rollup, "locate": bench_locate}


def check_targets(group: str, figures: dict) -> dict:
    return {
        key: {"target": limit, "measured": figures[key], "met": figures[key] <= limit}
        for key, limit in TARGETS[group].items()
        if key in figures
    }


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
