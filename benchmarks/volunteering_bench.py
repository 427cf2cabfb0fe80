"""Volunteering at county scale (`make bench BENCH_ARGS="--only volunteering"`), on the
demo's year of the county's volunteering (yiwang.demo.volunteering: 8,000 volunteers,
about 2,000 activities and 30,000 services with their hours, a few hundred wishes), built
unless there, on the county's ledger (an earlier group's, else the demo ledger's 25
households a unit):

- the county roll-up, `selectors.rollups.rollup(county, the last twelve months)`: its
  sixteen towns' volunteers, teams, activities, services, hours and wishes, 30 runs
  (target p95 ≤ 300 ms);
- a volunteer's hours and star, for the 100 volunteers with the most hours records, three
  rounds of `selectors.hours.volunteer_hours(volunteer)` (target p95 ≤ 10 ms).
"""

from __future__ import annotations

import datetime
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import cases_bench  # noqa: E402 — the shared helpers (percentiles)

COUNTY = "370829"
ROLLUP_RUNS = 30
VOLUNTEERS = 100
HOURS_ROUNDS = 3
WARMUP = 3
# The demo's own ledger when no earlier group left one: 25 households a unit.
LEDGER_MINIMUM = 500_000
LEDGER_PER_UNIT = 25
TABLES = (
    "volunteering_volunteer",
    "volunteering_team",
    "volunteering_membership",
    "volunteering_activity",
    "volunteering_attendance",
    "volunteering_hoursrecord",
    "volunteering_wish",
)


def _spread(times: list[float]) -> dict:
    return {
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(cases_bench.percentile(times, 95), 2),
        "min_ms": round(min(times), 2),
        "max_ms": round(max(times), 2),
    }


def ensure_volunteering(args, ensure_ledger) -> dict:
    """The demo's volunteering on the county's ledger, built unless there."""
    from django.db import connection

    from yiwang.core.audit import audit_source
    from yiwang.core.models import AuditSource
    from yiwang.demo.volunteering import build_demo_volunteering
    from yiwang.volunteering.models import Volunteer

    info: dict = {"ledger": ensure_ledger(args, LEDGER_MINIMUM, LEDGER_PER_UNIT)}
    if not Volunteer.objects.exists():
        started = time.perf_counter()
        with audit_source(AuditSource.COMMAND):
            info["built"] = build_demo_volunteering(seed=args.seed)
        info["build_seconds"] = round(time.perf_counter() - started, 1)
        print(
            f"  demo volunteering: {info['built']['volunteers']:,} volunteers, "
            f"{info['built']['activities']:,} activities, {info['built']['services']:,} "
            f"services in {info['build_seconds']} s"
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute(f"VACUUM ANALYZE {table}")
    return info


def bench_volunteering(args, ensure_ledger) -> dict:
    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    from yiwang.areas.models import Area
    from yiwang.core.reporting import Period
    from yiwang.volunteering.models import Attendance, HoursRecord, Volunteer, Wish
    from yiwang.volunteering.selectors.rollups import rollup

    counts: dict = {"setup": ensure_volunteering(args, ensure_ledger)}
    county = Area.objects.get(code=COUNTY)
    today = timezone.localdate()
    period = Period(today - datetime.timedelta(days=364), today)
    counts.update(
        volunteers=Volunteer.objects.count(),
        services=Attendance.objects.count(),
        hours_records=HoursRecord.objects.count(),
        wishes=Wish.objects.count(),
    )
    figures: dict = {}

    # The county roll-up of the last twelve months.
    for _ in range(WARMUP):
        result = rollup(county, period)
    queries = []
    with connection.execute_wrapper(
        lambda execute, sql, *a: queries.append(sql) or execute(sql, *a)
    ):
        result = rollup(county, period)
    if len(result.rows) != 16 or result.total.volunteers != counts["volunteers"]:
        raise SystemExit(
            f"the roll-up listed {len(result.rows)} towns and {result.total.volunteers} "
            f"volunteers, not 16 and {counts['volunteers']}"
        )
    times = []
    for _ in range(ROLLUP_RUNS):
        started = time.perf_counter()
        rollup(county, period)
        times.append((time.perf_counter() - started) * 1000)
    figures["rollup"] = {**_spread(times), "runs": ROLLUP_RUNS, "queries": len(queries)}
    figures["rollup_median_ms"] = figures["rollup"]["median_ms"]
    figures["rollup_p95_ms"] = figures["rollup"]["p95_ms"]
    counts["rollup_total"] = result.total.as_data()
    print(
        f"  rollup(county, {period.first}..{period.last}): median {figures['rollup_median_ms']} "
        f"ms, p95 {figures['rollup_p95_ms']} ms ({len(queries)} queries, "
        f"{result.total.services:,} services)"
    )

    # A volunteer's hours and star, for those with the most records.
    busiest = [
        row["volunteer"]
        for row in HoursRecord.objects.order_by()
        .values("volunteer")
        .annotate(n=Count("id"))
        .order_by("-n", "volunteer")[:VOLUNTEERS]
    ]
    volunteers = list(Volunteer.objects.filter(pk__in=busiest))
    from yiwang.volunteering.selectors.hours import volunteer_hours as function

    name = "selectors.hours.volunteer_hours"
    for volunteer in volunteers[:10]:
        function(volunteer)
    times = []
    for _ in range(HOURS_ROUNDS):
        for volunteer in volunteers:
            started = time.perf_counter()
            function(volunteer)
            times.append((time.perf_counter() - started) * 1000)
    figures["hours"] = {
        **_spread(times),
        "volunteers": len(volunteers),
        "runs": len(times),
        "function": name,
        "records_of_the_busiest": HoursRecord.objects.filter(volunteer_id=busiest[0]).count(),
    }
    figures["hours_median_ms"] = figures["hours"]["median_ms"]
    figures["hours_p95_ms"] = figures["hours"]["p95_ms"]
    print(
        f"  a volunteer's hours and star ({name}): median {figures['hours_median_ms']} ms, "
        f"p95 {figures['hours_p95_ms']} ms over {len(times)} runs"
    )
    return {
        "title": "Volunteering: the county roll-up of a year, a volunteer's hours and star",
        "figures": figures,
        "counts": counts,
        "runs": ROLLUP_RUNS + len(times),
    }
