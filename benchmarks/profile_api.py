"""A one-off profile of the API's write requests in the process: POST /api/v1/visits/ and
POST /api/v1/cases/ through Django's test client (the whole middleware, token
authentication, DRF), on the database DATABASE_URL names (a built demo: `manage.py demo`,
or a benchmark's database kept with BENCH_KEEP=1). Not a benchmark: it writes rows, and
it tells where a request's time goes, not how many a server answers.

    DATABASE_URL=postgres://... .venv/bin/python benchmarks/profile_api.py [--requests 300]

For each endpoint: the queries of one request, the mean wall time of a request after a
warm-up, and cProfile's top functions by their own time and by cumulative time (or
pyinstrument's tree with --pyinstrument, when it is installed). cProfile counts this
process's CPU time, not the waits for the database, so that a busy machine skews it less."""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import json
import os
import pstats
import random
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="profiled requests each")
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--only", choices=["visits", "cases"], action="append")
    parser.add_argument("--pyinstrument", action="store_true")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from yiwang.accounts.models import Post, Role
    from yiwang.accounts.services import issue_token
    from yiwang.registry.models import Household

    posts = list(
        Post.objects.current(timezone.localdate())
        .filter(role=Role.GRID_WORKER)
        .select_related("user")
        .order_by("area_code")[:200]
    )
    households: dict[str, list[int]] = {}
    for household_id, code in Household.objects.filter(
        area_code__in=[p.area_code for p in posts], status="active"
    ).values_list("id", "area_code"):
        households.setdefault(code, []).append(household_id)
    workers = [p for p in posts if households.get(p.area_code)][:16]
    tokens = [(issue_token(user=p.user).key, p.area_code) for p in workers]
    rng = random.Random(2026)
    now = timezone.now()
    counter = iter(range(10**9))

    def visit_request():
        key, unit = tokens[next(counter) % len(tokens)]
        when = now - datetime.timedelta(minutes=rng.randint(5, 600))
        body = {
            "uuid": str(uuid.uuid4()),
            "household": rng.choice(households[unit]),
            "visited_at": when.isoformat(),
            "outcome": "all_well",
            "notes": "家中一切正常。",
        }
        return "/api/v1/visits/", body, key

    def case_request():
        i = next(counter)
        key, unit = tokens[i % len(tokens)]
        body = {
            "source": "patrol",
            "category": ("sanitation", "facility_damage", "safety_hazard")[i % 3],
            "text": f"巡查发现第{i}号问题：路口垃圾堆放，请尽快处理。",
            "unit_code": unit,
        }
        return "/api/v1/cases/", body, key

    client = Client()

    def send(make):
        path, body, key = make()
        response = client.post(
            path,
            data=json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {key}",
            HTTP_ACCEPT="application/json",
        )
        if response.status_code != 201:
            raise SystemExit(f"{path}: {response.status_code} {response.content[:300]!r}")

    for name, make in (("visits", visit_request), ("cases", case_request)):
        if args.only and name not in args.only:
            continue
        for _ in range(args.warmup):
            send(make)
        with CaptureQueriesContext(connection) as queries:
            send(make)
        print(f"\n== POST /api/v1/{name}/: {len(queries.captured_queries)} queries")
        for query in queries.captured_queries:
            print(f"   {query['time']:>6}s  {query['sql'][:150]}")
        started, cpu = time.perf_counter(), time.process_time()
        for _ in range(args.requests):
            send(make)
        wall = (time.perf_counter() - started) / args.requests * 1000
        cpu = (time.process_time() - cpu) / args.requests * 1000
        print(
            f"   mean {wall:.2f} ms wall, {cpu:.2f} ms CPU of this process a request over "
            f"{args.requests} (no profiler)"
        )
        if args.pyinstrument:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
            for _ in range(args.requests):
                send(make)
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False, show_all=False))
            continue
        profile = cProfile.Profile(time.process_time)  # CPU: the database's waits left out
        profile.enable()
        for _ in range(args.requests):
            send(make)
        profile.disable()
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats(order).print_stats(args.top)
            print(f"   -- by {order}")
            print("\n".join(line for line in out.getvalue().splitlines()[6:] if line.strip()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
