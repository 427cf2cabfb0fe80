"""The benefit passes' benchmark group, run by benchmarks/worker.py after `build` (the
county-scale area tree):

  verify  services.passes.verify_token of a pass's token, as POST /api/v1/passes/verify/
          and the verifiers' uses call it: parse, the Ed25519 signature (the public key
          cached in the process), the validity, the one indexed query for revocation; on
          a year of the county's passes (HOUSEHOLDS households × 12 months, 1 % revoked),
          2,000 tokens drawn at random (target median ≤ 1 ms)

The passes are written once by bulk_create (each token signed as issue_passes signs it),
unless an earlier run left them.
"""

from __future__ import annotations

import datetime
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import cases_bench  # noqa: E402 — the shared helpers (timing, VACUUM)

HOUSEHOLDS = 10_000
MONTHS = 12
TOKENS = 2_000
BATCH = 2_000


def ensure_passes(args) -> dict:
    from django.db import connection

    from yiwang.areas.models import Area
    from yiwang.core.masking import mask_name
    from yiwang.core.reporting import add_months, month_end
    from yiwang.points.models import AwardKind, Benefit, Pass
    from yiwang.points.services import keys
    from yiwang.points.services.passes import claims_of
    from yiwang.registry.models import Household

    if Pass.objects.count() >= HOUSEHOLDS * MONTHS:
        return {"passes": Pass.objects.count(), "built": False}
    benefit, _created = Benefit.objects.get_or_create(
        code="bench-bus",
        defaults={"name": "县城公交", "operator": "县公交公司", "award": AwardKind.RED_FLAG_GRID},
    )
    units = list(Area.objects.filter(level="unit").order_by("code")[: HOUSEHOLDS // 25])
    households = [
        Household(unit=unit, area_code=unit.code, number=f"P{i:06d}")
        for i in range(HOUSEHOLDS)
        for unit in [units[i % len(units)]]
    ]
    Household.objects.bulk_create(households, batch_size=BATCH)
    households = list(
        Household.objects.filter(number__startswith="P").values_list("pk", "area_code")
    )
    key = keys.current_key()
    this_month = datetime.date.today().replace(day=1)
    started = time.perf_counter()
    rows = []
    for months_back in range(MONTHS):
        first = add_months(this_month, -months_back)
        for pk, unit in households:
            row = Pass(
                pass_id=uuid.uuid4(),
                benefit=benefit,
                grid_code=unit[:-3],
                household_id=pk,
                holder_masked=mask_name("张三丰"),
                valid_from=first,
                valid_to=month_end(first),
                key=key,
                area_code=unit,
            )
            row.token = keys.sign(claims_of(row), key)
            rows.append(row)
            if len(rows) >= BATCH:
                Pass.objects.bulk_create(rows)
                rows = []
    Pass.objects.bulk_create(rows)
    signed = time.perf_counter() - started
    revoked = list(Pass.objects.order_by("?").values_list("pk", flat=True)[: len(households) // 8])
    Pass.objects.filter(pk__in=revoked).update(revoked_at=datetime.datetime.now(datetime.UTC))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE points_pass")
    return {
        "passes": Pass.objects.count(),
        "built": True,
        "sign_and_write_seconds": round(signed, 1),
    }


def bench_passes(args) -> dict:
    from yiwang.points.models import Pass
    from yiwang.points.services.passes import verify_token

    filled = ensure_passes(args)
    rng = random.Random(args.seed)
    today = datetime.date.today()
    ids = list(Pass.objects.filter(valid_to__gte=today).values_list("pk", flat=True))
    chosen = rng.sample(ids, min(TOKENS, len(ids)))
    tokens = list(Pass.objects.filter(pk__in=chosen).values_list("token", flat=True))
    for token in tokens[:50]:  # warm: the key cached, the connection open
        verify_token(token)
    times, answers = [], {}
    for token in tokens:
        started = time.perf_counter()
        result = verify_token(token)
        times.append((time.perf_counter() - started) * 1000)
        answers[result.code] = answers.get(result.code, 0) + 1
    figures = {
        "median_ms": round(statistics.median(times), 3),
        "p95_ms": round(cases_bench.percentile(times, 95), 3),
        "p99_ms": round(cases_bench.percentile(times, 99), 3),
        "mean_ms": round(statistics.mean(times), 3),
        "max_ms": round(max(times), 3),
    }
    return {
        "title": "Benefit passes: verifying a pass's token on the server",
        "figures": figures,
        "counts": {**filled, "tokens": len(tokens), "answers": answers},
        "runs": len(tokens),
    }
