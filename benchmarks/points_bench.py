"""Points at county scale (`make bench BENCH_ARGS="--only points"`): on the county's ledger
(the import's or the demo's, at least 1,000,000 residents), points for 152,000 households
and 11,000 party members over the twelve months before this one, about 2,000,000 entries
(filled unless there), each village with its two lists adopted:

- closing last month for the whole county (`evaluation.close_months`: the standings of
  358 villages from the month's ~170,000 entries), 3 runs, each rolled back after
  (target ≤ 5 s);
- a household's balance: the service and GET /api/v1/points/balances/?household=ID as
  the county admin, 200 seeded households (target p95 ≤ 10 ms).

Verifying a pass is the `passes` group's (benchmarks/passes_bench.py), redemptions under
gunicorn the `shopapi` group's (benchmarks/shop_bench.py).
"""

from __future__ import annotations

import datetime
import random
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import cases_bench  # noqa: E402 — the shared helpers (timing)

COUNTY = "370829"
HOUSEHOLDS = 152_000
PARTY_MEMBERS = 11_000
PARTY_ENTRIES_A_MONTH = 1.5
MONTHS = 12
CLOSE_RUNS = 3
BALANCE_REQUESTS = 200
# The share of entries left awaiting approval or rejected, as a village's ledger has them.
REJECTED_SHARE = 0.03

HOUSEHOLD_ITEMS = (("1", "庭院整洁", "2"), ("2", "参加义务劳动", "1"), ("3", "孝老爱亲", "3"))
PARTY_ITEMS = (("1", "参加主题党日", "2"), ("2", "结对走访联系户", "1"), ("3", "带头志愿服务", "2"))


def _spread(times: list[float]) -> dict:
    return cases_bench._spread(times)


class _RolledBack(Exception):
    pass


def fill_points(args) -> dict:
    """Lists for every village, then a year of entries for 152,000 households and 11,000
    party members spread over the county, and the households' accounts; nothing when the
    entries are there."""
    from django.db import connection, transaction
    from django.db.models import Sum
    from django.utils import timezone

    from yiwang.accounts.models import User
    from yiwang.areas.models import Area
    from yiwang.core.bulk import bulk_writing, insert_rows
    from yiwang.core.reporting import add_months
    from yiwang.points.models import DutyList, Entry, ListItem, ListKind, PointsAccount
    from yiwang.registry.models import Household, Resident

    found = Entry.objects.count()
    if found >= 1_000_000:
        return {"entries_found": found}
    rng = random.Random(args.seed)
    started = time.perf_counter()
    actor = User.objects.get(username="county")
    this = timezone.localdate().replace(day=1)
    first = add_months(this, -MONTHS)
    villages = list(
        Area.objects.filter(level="village", code__startswith=COUNTY).values_list("code", flat=True)
    )
    items: dict[tuple[str, str], list[tuple[int, Decimal]]] = {}
    with transaction.atomic():
        lists = DutyList.objects.bulk_create(
            DutyList(
                area_code=code,
                kind=kind,
                version=1,
                adopted_on=add_months(first, -1),
                adopted_by=actor,
            )
            for code in villages
            for kind in (ListKind.HOUSEHOLD, ListKind.PARTY_MEMBER)
        )
        made = ListItem.objects.bulk_create(
            ListItem(duty_list=listed, article=article, text=text, points=Decimal(points))
            for listed in lists
            for article, text, points in (
                HOUSEHOLD_ITEMS if listed.kind == ListKind.HOUSEHOLD else PARTY_ITEMS
            )
        )
    by_list = {listed.pk: (listed.area_code, listed.kind) for listed in lists}
    for item in ListItem.objects.filter(duty_list__in=lists):
        items.setdefault(by_list[item.duty_list_id], []).append((item.pk, item.points))

    household_rows = list(
        Household.objects.filter(status="active").order_by("id").values_list("id", "area_code")
    )
    step = max(len(household_rows) / HOUSEHOLDS, 1)
    households = [
        household_rows[int(i * step)] for i in range(min(HOUSEHOLDS, len(household_rows)))
    ]
    resident_rows = list(
        Resident.objects.filter(status="living").order_by("id").values_list("id", "area_code")
    )
    step = max(len(resident_rows) / PARTY_MEMBERS, 1)
    members = [resident_rows[int(i * step)] for i in range(PARTY_MEMBERS)]
    Resident.objects.filter(id__in=[pk for pk, _code in members]).update(is_party_member=True)

    postgres = connection.vendor == "postgresql"
    now = timezone.now()
    stamp = now if postgres else now.isoformat()
    fields = (
        "uuid",
        "item",
        "household",
        "resident",
        "month",
        "points",
        "evidence",
        "source",
        "status",
        "area_code",
        "created_at",
        "updated_at",
        "reject_reason",
    )

    def rows(month: datetime.date):
        day = month if postgres else month.isoformat()
        for pk, code in households:
            item, points = rng.choice(items[(code[:12], ListKind.HOUSEHOLD)])
            status = "rejected" if rng.random() < REJECTED_SHARE else "approved"
            key = uuid.uuid4()
            yield (
                key if postgres else key.hex,
                item,
                pk,
                None,
                day,
                str(points),
                "",
                "manual",
                status,
                code,
                stamp,
                stamp,
                "",
            )
        for pk, code in members:
            times = int(PARTY_ENTRIES_A_MONTH) + (rng.random() < PARTY_ENTRIES_A_MONTH % 1)
            for _ in range(times):
                item, points = rng.choice(items[(code[:12], ListKind.PARTY_MEMBER)])
                key = uuid.uuid4()
                yield (
                    key if postgres else key.hex,
                    item,
                    None,
                    pk,
                    day,
                    str(points),
                    "",
                    "manual",
                    "approved",
                    code,
                    stamp,
                    stamp,
                    "",
                )

    with bulk_writing():
        for n in range(MONTHS):
            with transaction.atomic():
                insert_rows(Entry, fields, rows(add_months(first, n)))
    with transaction.atomic():
        earned = (
            Entry.objects.filter(status="approved", household__isnull=False)
            .values("household", "area_code")
            .annotate(total=Sum("points"))
        )
        PointsAccount.objects.bulk_create(
            (
                PointsAccount(
                    household_id=row["household"], area_code=row["area_code"], earned=row["total"]
                )
                for row in earned.iterator(chunk_size=10_000)
            ),
            batch_size=5_000,
        )
    if postgres:
        with connection.cursor() as cursor:
            for table in ("points_entry", "points_pointsaccount", "points_listitem"):
                cursor.execute(f"VACUUM ANALYZE {table}")
    info = {
        "villages": len(villages),
        "list_items": len(made),
        "households": len(households),
        "party_members": len(members),
        "entries": Entry.objects.count(),
        "fill_seconds": round(time.perf_counter() - started, 1),
    }
    print(
        f"  points: {info['entries']:,} entries for {info['households']:,} households and "
        f"{info['party_members']:,} party members in {info['fill_seconds']} s"
    )
    return info


def bench_points(args, ensure_ledger) -> dict:
    from django.db import transaction
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from yiwang.accounts.models import User
    from yiwang.core.reporting import add_months
    from yiwang.points.models import Entry, PointsAccount
    from yiwang.points.services import accounts, evaluation

    counts: dict = {"ledger": ensure_ledger(args), "points": fill_points(args)}
    this = timezone.localdate().replace(day=1)
    last = add_months(this, -1)
    counts["entries_last_month"] = Entry.objects.filter(month=last).count()
    figures: dict = {}

    # Closing last month for the whole county, rolled back after each run.
    times = []
    for _ in range(CLOSE_RUNS):
        try:
            with transaction.atomic():
                started = time.perf_counter()
                closed = evaluation.close_months(last, COUNTY)
                times.append(time.perf_counter() - started)
                raise _RolledBack
        except _RolledBack:
            pass
    counts["villages_closed"] = closed["closed"]
    counts["villages_pending"] = closed["pending"]
    figures["close_seconds"] = round(max(times), 2)
    figures["close_median_seconds"] = round(sorted(times)[len(times) // 2], 2)
    print(
        f"  closing {last:%Y-%m} for the county ({counts['entries_last_month']:,} entries): "
        f"{', '.join(f'{t:.2f}' for t in times)} s"
    )

    # A household's balance.
    rng = random.Random(args.seed)
    ids = list(PointsAccount.objects.values_list("household_id", flat=True)[:50_000])
    sample = rng.sample(ids, min(BALANCE_REQUESTS, len(ids)))
    service = []
    for pk in sample:
        started = time.perf_counter()
        accounts.balance(pk)
        service.append((time.perf_counter() - started) * 1000)
    client = Client()
    client.force_login(User.objects.get(username="county"))
    url = reverse("api:points-balance-list")
    for pk in sample[:10]:
        client.get(url, {"household": pk})
    api = []
    for pk in sample:
        started = time.perf_counter()
        response = client.get(url, {"household": pk})
        api.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content[:200]
    figures["balance"] = _spread(service)
    figures["balance_p95_ms"] = figures["balance"]["p95_ms"]
    figures["balance_api"] = _spread(api)
    figures["balance_api_p95_ms"] = figures["balance_api"]["p95_ms"]
    print(
        f"  balance: service p95 {figures['balance_p95_ms']} ms, "
        f"API p95 {figures['balance_api_p95_ms']} ms"
    )

    return {"counts": counts, "figures": figures}
