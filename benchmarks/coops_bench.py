"""A cooperative's year's distribution at a large village's size (`make bench
BENCH_ARGS="--only coops"`), on the county-scale demo's first village:

- a cooperative (statutory: a 10% reserve, 60% of the distributable surplus by trading)
  with 5,000 members (the village collective and 4,999 others, their shares between 1,000
  and 60,000) and last year's trading of 4,500 of them, written in bulk (the setup, not
  timed); its chair and its accountant with accounts;
- `services.distributions.run_distribution` end to end, as the accountant runs it from the
  page or the API: the access check, the members and the year's trading read, the engine,
  the draft and its 5,000 lines written (a newer draft replacing the older, so each run
  after the first also deletes 5,000 lines), the audit entry, the chair's notice;
  1 warm-up and 7 timed runs, each checked (the lines plus the reserve equal the surplus)
  (target: median ≤ 1 s);
- the pure engine alone (`yiwang.coops.distribution.distribute` on the same 5,000 members,
  no database), 1 warm-up and 7 timed, as the reference figure;
- the chair's approval of the last draft (`approve_distribution`), once.
"""

from __future__ import annotations

import datetime
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

MEMBERS = 5_000
TRADERS = 4_500
RUNS = 7
WARMUP = 1
NAME = "基准党支部领办合作社"
SURPLUS = Decimal("11600000.00")


def _seconds(times: list[float]) -> dict:
    return {
        "median_seconds": round(statistics.median(times), 3),
        "min_seconds": round(min(times), 3),
        "max_seconds": round(max(times), 3),
    }


def _setup(seed: int):
    """The cooperative, its board with accounts, its members and last year's trading;
    reused when an earlier run left it."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from yiwang.accounts.models import User
    from yiwang.areas.models import Area
    from yiwang.coops.models import Cooperative, Member, ShareChange, Trading
    from yiwang.coops.services import coops

    year = timezone.localdate().year - 1
    coop = Cooperative.objects.filter(name=NAME).first()
    if coop is not None:
        return coop, year
    rng = random.Random(seed)
    village = Area.objects.filter(level="village").order_by("code").first()
    with transaction.atomic():
        coop = coops.create_cooperative(actor=None, area_code=village.code, name=NAME)
        password = make_password("bench-coops-2026")
        for role in ("chair", "accountant"):
            user = User.objects.create(
                username=f"bench-coop-{role}", area_code=village.code, password=password
            )
            coops.appoint(
                actor=None,
                cooperative_id=coop.pk,
                role=role,
                name=f"基准{role}",
                user_id=user.pk,
                on=f"{year}-01-06",
            )
        joined = datetime.date(year, 1, 6)
        members = [
            Member(
                cooperative=coop,
                kind="collective" if n == 0 else "other",
                name=f"{village.name}股份经济合作社" if n == 0 else f"成员{n:05d}",
                joined_on=joined,
                shares=800_000 if n == 0 else rng.randrange(1_000, 60_000),
                area_code=coop.area_code,
            )
            for n in range(MEMBERS)
        ]
        Member.objects.bulk_create(members, batch_size=2000)
        members = list(Member.objects.filter(cooperative=coop).order_by("pk"))
        # The register: each member's shares entered on joining, so that the balance at
        # the year's end (which the distribution pays on) is their holding.
        ShareChange.objects.bulk_create(
            (
                ShareChange(
                    cooperative=coop,
                    member=m,
                    on=joined,
                    delta=m.shares,
                    balance=m.shares,
                    reason="入股",
                )
                for m in members
            ),
            batch_size=2000,
        )
        traders = rng.sample(members[1:], TRADERS)
        Trading.objects.bulk_create(
            (
                Trading(
                    cooperative=coop,
                    member=m,
                    year=year,
                    produce_sold=Decimal(rng.randrange(200_000, 4_000_000)).scaleb(-2),
                    services_bought=Decimal(rng.randrange(0, 300_000)).scaleb(-2),
                    area_code=coop.area_code,
                )
                for m in traders
            ),
            batch_size=2000,
        )
    return coop, year


def bench_coops(args) -> dict:
    from django.db.models import Sum

    from yiwang.accounts.models import User
    from yiwang.coops import distribution as engine
    from yiwang.coops.models import Distribution, DistributionLine, Member, Trading
    from yiwang.coops.services import distributions

    started = time.perf_counter()
    coop, year = _setup(args.seed)
    setup_s = time.perf_counter() - started
    accountant = User.objects.get(username="bench-coop-accountant")
    chair = User.objects.get(username="bench-coop-chair")

    runs, run = [], None
    for n in range(WARMUP + RUNS):
        one = time.perf_counter()
        run = distributions.run_distribution(
            actor=accountant, cooperative_id=coop.pk, year=year, surplus=str(SURPLUS)
        )
        elapsed = time.perf_counter() - one
        if n >= WARMUP:
            runs.append(elapsed)
        paid = DistributionLine.objects.filter(distribution=run).aggregate(n=Sum("total"))["n"]
        lines = DistributionLine.objects.filter(distribution=run).count()
        # A sum of decimals comes back through floating point on SQLite: to the fen.
        paid = Decimal(str(paid)).quantize(Decimal("0.01"))
        if lines != MEMBERS or run.reserve + paid != SURPLUS:
            raise SystemExit(f"run {n}: {lines} lines, {paid} + {run.reserve} != {SURPLUS}")
    drafts = Distribution.objects.filter(cooperative=coop, year=year).count()
    service = _seconds(runs)
    print(
        f"  run_distribution of {MEMBERS} members ({TRADERS} trading): median "
        f"{service['median_seconds']} s, max {service['max_seconds']} s over {RUNS} runs "
        f"({drafts} draft left)"
    )

    # The engine alone, on the same members and trading, read beforehand.
    trading = {}
    for member, produce, services in Trading.objects.filter(
        cooperative=coop, year=year
    ).values_list("member", "produce_sold", "services_bought"):
        trading[member] = produce + services
    members = [
        engine.Member(key=pk, shares=shares, trading=trading.get(pk, Decimal(0)))
        for pk, shares in Member.objects.filter(cooperative=coop)
        .order_by("pk")
        .values_list("pk", "shares")
    ]
    pure = []
    for n in range(WARMUP + RUNS):
        one = time.perf_counter()
        result = engine.distribute(
            surplus=SURPLUS,
            reserve_rate=coop.reserve_rate,
            mode=engine.Mode(coop.mode),
            members=members,
            trading_share=coop.trading_share,
        )
        if n >= WARMUP:
            pure.append(time.perf_counter() - one)
    if result.reserve + sum(line.total for line in result.lines) != SURPLUS:
        raise SystemExit("the engine's lines do not add up")
    alone = _seconds(pure)
    print(f"  the engine alone: median {round(alone['median_seconds'] * 1000, 1)} ms")

    one = time.perf_counter()
    distributions.approve_distribution(actor=chair, distribution_id=run.pk)
    approve_s = time.perf_counter() - one
    print(f"  approved by the chair in {approve_s:.3f} s")

    figures = {
        "run_median_seconds": service["median_seconds"],
        "run_max_seconds": service["max_seconds"],
        "run": service,
        "engine_median_ms": round(alone["median_seconds"] * 1000, 1),
        "engine_max_ms": round(alone["max_seconds"] * 1000, 1),
        "approve_seconds": round(approve_s, 3),
    }
    return {
        "title": (
            f"A cooperative's distribution: {MEMBERS} members, {TRADERS} with trading, "
            "run_distribution end to end against the engine alone"
        ),
        "figures": figures,
        "counts": {
            "members": MEMBERS,
            "trading": TRADERS,
            "lines": MEMBERS,
            "surplus": str(SURPLUS),
            "reserve": str(run.reserve),
            "trading_pool": str(run.trading_pool),
            "shares_pool": str(run.shares_pool),
            "setup_seconds": round(setup_s, 3),
        },
        "runs": RUNS * 2 + 1,
    }
