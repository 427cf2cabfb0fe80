"""A county-wide door-to-door sweep at the issue's size (`make bench BENCH_ARGS="--only
sweeps"`): 15,000 target households over the county-scale demo's 7,849 units (a resident
of each carrying the bench's own tag), built unless there; the sweep started over them
by the county admin (`start_sweep`, timed once), two thirds of them visited (results
written in bulk), then:

- the progress of the county by town, `selectors.sweeps.sweep_progress(county admin,
  sweep)`: one GROUP BY on the unit-code prefix and the result, 30 runs (target p95 ≤
  200 ms), and a town's by village;
- the first page of the households not reached yet (`unreached`), 30 runs;
- the floor: a plain count of the sweep's households, in the same run.
"""

from __future__ import annotations

import datetime
import random
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import cases_bench  # noqa: E402 — the shared helpers (percentiles)

HOUSEHOLDS = 15_000
RUNS = 30
WARMUP = 3
BATCH = 5000
TAG = "bench_sweep"
SWEEP_NAME = "基准：全县敲门行动"
VISITED_SHARE = 2 / 3


def _spread(times: list[float]) -> dict:
    return {
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(cases_bench.percentile(times, 95), 2),
        "min_ms": round(min(times), 2),
        "max_ms": round(max(times), 2),
    }


def _timed(function, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return times


def ensure_households(seed: int) -> dict:
    """15,000 households, one in about every other unit, each with a resident carrying
    the bench's tag; built unless there."""
    from django.db import transaction
    from django.utils import timezone

    from yiwang.areas.models import Area
    from yiwang.registry.models import Household, Resident, ResidentTag, Tag

    tag, _ = Tag.objects.get_or_create(
        code=TAG, defaults={"name": "基准敲门对象", "category": "elderly", "order": 99}
    )
    have = ResidentTag.objects.filter(tag=tag).count()
    if have >= HOUSEHOLDS:
        return {"households": have, "built_seconds": 0}
    started = time.perf_counter()
    rng = random.Random(seed)
    units = list(Area.objects.filter(level="unit").values_list("pk", "code"))
    today = timezone.localdate()
    with transaction.atomic():
        for start in range(0, HOUSEHOLDS, BATCH):
            homes = []
            for i in range(start, min(start + BATCH, HOUSEHOLDS)):
                unit_pk, code = rng.choice(units)
                homes.append(
                    Household(
                        unit_id=unit_pk,
                        area_code=code,
                        number=f"SW{i:05d}",
                        address=f"敲门路 {i} 号",
                    )
                )
            Household.objects.bulk_create(homes)
            people = Resident.objects.bulk_create(
                Resident(household=h, area_code=h.area_code, name="王大娘", relation="head")
                for h in homes
            )
            ResidentTag.objects.bulk_create(
                ResidentTag(resident=p, tag=tag, starts_on=today - datetime.timedelta(days=30))
                for p in people
            )
    return {
        "households": HOUSEHOLDS,
        "built_seconds": round(time.perf_counter() - started, 2),
    }


def bench_sweeps(args) -> dict:
    from django.db import connection
    from django.utils import timezone

    from yiwang.accounts.models import User
    from yiwang.duty.models import Sweep, SweepHousehold
    from yiwang.duty.selectors.sweeps import progress_total, sweep_progress, unreached
    from yiwang.duty.services.sweeps import start_sweep
    from yiwang.registry.models import Tag

    counts: dict = {"setup": ensure_households(args.seed)}
    admin = User.objects.get(username="county")
    county = admin.posts.get().area_code
    figures: dict = {}
    sweep = Sweep.objects.filter(name=SWEEP_NAME).first()
    if sweep is None:
        today = timezone.localdate()
        started = time.perf_counter()
        sweep = start_sweep(
            actor=admin,
            area_code=county,
            tag_id=Tag.objects.get(code=TAG).pk,
            name=SWEEP_NAME,
            starts_on=today,
            ends_on=today + datetime.timedelta(days=3),
        )
        figures["start_seconds"] = round(time.perf_counter() - started, 3)
        # Two thirds visited: mostly safe, some not at home, a few needing help or moved.
        ids = list(SweepHousehold.objects.filter(sweep=sweep).values_list("pk", flat=True))
        rng = random.Random(args.seed)
        rng.shuffle(ids)
        visited = ids[: int(len(ids) * VISITED_SHARE)]
        now = timezone.now()
        shares = (("safe", 0.8), ("not_home", 0.12), ("needs_help", 0.05), ("moved", 0.03))
        for result, share in shares:
            n = int(len(ids) * VISITED_SHARE * share)
            take, visited = visited[:n], visited[n:]
            for start in range(0, len(take), BATCH):
                SweepHousehold.objects.filter(pk__in=take[start : start + BATCH]).update(
                    result=result, visited_at=now
                )
    rows_n = SweepHousehold.objects.filter(sweep=sweep).count()
    counts["sweep_households"] = rows_n
    if rows_n < HOUSEHOLDS:
        raise SystemExit(f"the sweep holds {rows_n} households, not {HOUSEHOLDS}")

    def floor():
        return SweepHousehold.objects.filter(sweep=sweep).count()

    def progress():
        return sweep_progress(admin, sweep)

    rows = progress()
    total = progress_total(rows, county)
    if total.total != rows_n or len(rows) != 16:
        raise SystemExit(f"the progress counts {total.total} in {len(rows)} towns")
    counts["reached"], counts["unreached"] = total.reached, total.unreached
    town = rows[0].code

    def town_progress():
        return sweep_progress(admin, sweep, town)

    def left_page():
        return list(unreached(admin, sweep)[:50])

    for function in (floor, progress, town_progress, left_page):
        for _ in range(WARMUP):
            function()
    queries = []
    with connection.execute_wrapper(
        lambda execute, sql, *a: queries.append(sql) or execute(sql, *a)
    ):
        progress()
    figures["floor_count"] = _spread(_timed(floor, RUNS))
    figures["progress"] = {**_spread(_timed(progress, RUNS)), "runs": RUNS, "queries": len(queries)}
    figures["median_ms"] = figures["progress"]["median_ms"]
    figures["p95_ms"] = figures["progress"]["p95_ms"]
    figures["town_progress"] = _spread(_timed(town_progress, RUNS))
    figures["unreached_page"] = _spread(_timed(left_page, RUNS))
    print(
        f"  sweep_progress(county admin) over {rows_n} households: median "
        f"{figures['median_ms']} ms, p95 {figures['p95_ms']} ms ({len(queries)} queries); "
        f"a town: median {figures['town_progress']['median_ms']} ms; unreached page: median "
        f"{figures['unreached_page']['median_ms']} ms; floor count: median "
        f"{figures['floor_count']['median_ms']} ms"
    )
    return {
        "title": "A county-wide door-to-door sweep's progress by town (15,000 households)",
        "figures": figures,
        "counts": counts,
        "runs": RUNS,
    }
