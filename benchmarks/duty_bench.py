"""Duty rosters at the issue's size (`make bench BENCH_ARGS="--only duty"`), on the
county-scale demo's sixteen towns:

- generating a roster for each of the 16 towns over 90 days (08:00–08:00 shifts, a duty
  leader, an officer and a patrol a shift, four people in each role drawn from the town's
  accounts), `services.rosters.generate`, the 16 timed together (target ≤ 5 s), and the
  slowest one;
- "who is on duty now" for the county admin over the whole county,
  `selectors.rosters.on_duty_now(user, county)`, 30 runs after 3 of warm-up, each with
  the user's posts read again as a request would (target p95 ≤ 50 ms).

The rosters run from 45 days ago to 44 days ahead, so that now falls in their middle;
the bench's rosters of an earlier run are removed first.
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

DAYS = 90
PER_ROLE = 4
NOW_RUNS = 30
WARMUP = 3
NAME = "基准汛期值班"
ROLES = {"officer": 1, "patrol": 1}


def _spread(times: list[float]) -> dict:
    return {
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(cases_bench.percentile(times, 95), 2),
        "min_ms": round(min(times), 2),
        "max_ms": round(max(times), 2),
    }


def _rosters(today: datetime.date) -> list:
    """A roster for each town with its members (none generated yet)."""
    from django.db import transaction

    from yiwang.accounts.models import Post
    from yiwang.areas.models import Area
    from yiwang.core.scoping import subtree_q
    from yiwang.duty.models import Roster
    from yiwang.duty.services import rosters as services

    Roster.objects.filter(name=NAME).delete()
    towns = list(Area.objects.filter(level="town").order_by("code").values_list("code", flat=True))
    made = []
    with transaction.atomic():
        for code in towns:
            roster = services.create_roster(
                actor=None,
                area_code=code,
                name=NAME,
                place="镇防汛值班室",
                starts_on=today - datetime.timedelta(days=DAYS // 2),
                ends_on=today + datetime.timedelta(days=DAYS - DAYS // 2 - 1),
                shift_start=datetime.time(8, 0),
                roles=ROLES,
            )
            people = list(
                Post.objects.current()
                .filter(subtree_q("area_code", code), user__is_active=True)
                .order_by("user_id")
                .values_list("user_id", flat=True)
                .distinct()[: PER_ROLE * 3]
            )
            if len(people) < PER_ROLE * 3:
                raise SystemExit(f"town {code} has only {len(people)} accounts")
            members = [
                {"user": pk, "role": role, "phone": f"1380000{n:04d}"}
                for n, (pk, role) in enumerate(
                    zip(
                        people,
                        ["leader"] * PER_ROLE + ["officer"] * PER_ROLE + ["patrol"] * PER_ROLE,
                        strict=True,
                    )
                )
            ]
            services.set_members(actor=None, roster_id=roster.pk, members=members)
            made.append(roster)
    return made


def bench_duty(args) -> dict:
    from django.db import connection
    from django.utils import timezone

    from yiwang.accounts import scope
    from yiwang.accounts.models import User
    from yiwang.areas.models import Area
    from yiwang.duty.models import Assignment
    from yiwang.duty.selectors.rosters import on_duty_now
    from yiwang.duty.services import rosters as services

    today = timezone.localdate()
    started = time.perf_counter()
    rosters = _rosters(today)
    setup_s = time.perf_counter() - started

    each = []
    started = time.perf_counter()
    for roster in rosters:
        one = time.perf_counter()
        services.generate(actor=None, roster_id=roster.pk)
        each.append(time.perf_counter() - one)
    generate_s = time.perf_counter() - started
    placed = Assignment.objects.filter(shift__roster__in=rosters).count()
    breaks = sum(len(services.rule_breaks(r)) for r in rosters[:2])
    print(
        f"  {len(rosters)} town rosters × {DAYS} days generated in {generate_s:.2f} s "
        f"({placed} places, slowest roster {max(each):.3f} s; rule breaks in two checked: {breaks})"
    )

    county = Area.objects.get(level="county")
    admin = User.objects.get(username="county")
    times, found = [], 0
    for n in range(WARMUP + NOW_RUNS):
        scope.forget(admin)
        one = time.perf_counter()
        rows = on_duty_now(admin, county.code)
        elapsed = (time.perf_counter() - one) * 1000
        if n >= WARMUP:
            times.append(elapsed)
        found = len(rows)
    now = _spread(times)
    print(
        f"  on duty now for the county ({found} people): median {now['median_ms']} ms, "
        f"p95 {now['p95_ms']} ms ({connection.vendor})"
    )
    figures = {
        "generate_seconds": round(generate_s, 3),
        "generate_slowest_roster_seconds": round(max(each), 3),
        "now_median_ms": now["median_ms"],
        "now_p95_ms": now["p95_ms"],
        "now": now,
    }
    return {
        "title": "Duty rosters: 16 towns × 90 days generated; who is on duty now for the county",
        "figures": figures,
        "counts": {
            "rosters": len(rosters),
            "days": DAYS,
            "places": placed,
            "on_duty_now": found,
            "rule_breaks_checked": breaks,
            "setup_seconds": round(setup_s, 3),
        },
        "runs": len(rosters) + NOW_RUNS,
    }
