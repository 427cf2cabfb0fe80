"""The points shop's benchmark group, run by benchmarks/worker.py after `build` (the
county-scale area tree: 358 villages, 7,849 units, 11,000 grid workers):

  shopapi  POST /api/v1/points/redemptions/ under gunicorn (2 workers) on PostgreSQL, a
           grid worker's redemption for a household of their unit (token authentication, a
           fresh UUID each), against the floor in the same run: the same writes by hand
           (`redemption_floor`, routed by benchmarks/cases_bench_urls.py): the token looked
           up, then in one transaction the redemption row inserted, the household's account
           debited and the goods' stock taken by conditional UPDATEs, and the audit row
           inserted; no checks, no scope, no serializer. Figures: redemptions a second, the
           floor's, their ratio `api_to_floor` (target ≥ 0.5), the bare view's for scale,
           p99, errors. Also a household's balance, GET /api/v1/points/balances/?household=ID
           in the process (target p95 ≤ 10 ms).

`ensure_shop()` fills what the group needs unless there: for the sampled grid workers'
units, households (when no earlier group left some) with points, and a shop a village
with goods in ample stock.
"""

from __future__ import annotations

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
from django.views.decorators.csrf import csrf_exempt  # noqa: E402

PATH = "/api/v1/points/redemptions/"
FLOOR = "/bench/redemption-floor/"
HOUSEHOLDS_PER_UNIT = 4
EARNED = 90_000  # points a household holds: enough for every redemption of a run
STOCK = 2_000_000_000  # goods never run out during a run
PRICE = 1
BALANCE_RUNS = 200


def ensure_shop(units: list[str]) -> dict:
    """Households of `units` (made when there are none), each with EARNED points, and a
    shop in each of their villages with one goods in stock. Bulk writes, no services:
    the setup, not what is measured."""
    from django.db import transaction

    from yiwang.areas.models import Area
    from yiwang.points.models import Goods, PointsAccount, Shop
    from yiwang.registry.models import Household

    made = {"households": 0, "shops": 0}
    with transaction.atomic():
        have = set(
            Household.objects.filter(area_code__in=units).values_list("area_code", flat=True)
        )
        areas = Area.objects.in_bulk([u for u in units if u not in have], field_name="code")
        rows = [
            Household(unit=area, area_code=code, number=f"积分{i:03d}")
            for code, area in areas.items()
            for i in range(HOUSEHOLDS_PER_UNIT)
        ]
        Household.objects.bulk_create(rows, batch_size=2000)
        made["households"] = len(rows)
        ids = list(
            Household.objects.filter(area_code__in=units, status="active").values_list(
                "id", "area_code"
            )
        )
        existing = set(
            PointsAccount.objects.filter(household_id__in=[i for i, _c in ids]).values_list(
                "household_id", flat=True
            )
        )
        PointsAccount.objects.bulk_create(
            [PointsAccount(household_id=i, area_code=c) for i, c in ids if i not in existing],
            batch_size=2000,
        )
        PointsAccount.objects.filter(household_id__in=[i for i, _c in ids]).update(
            earned=EARNED, spent=0
        )
        villages = sorted({u[:12] for u in units})
        open_shops = set(
            Shop.objects.filter(area_code__in=villages).values_list("area_code", flat=True)
        )
        new_shops = Shop.objects.bulk_create(
            [Shop(area_code=v, name="积分超市") for v in villages if v not in open_shops]
        )
        made["shops"] = len(new_shops)
        shops = {s.area_code: s for s in Shop.objects.filter(area_code__in=villages).order_by("id")}
        have_goods = set(
            Goods.objects.filter(shop__in=shops.values()).values_list("shop_id", flat=True)
        )
        Goods.objects.bulk_create(
            [
                Goods(shop=s, area_code=s.area_code, name="洗衣粉", price=PRICE, stock=STOCK)
                for s in shops.values()
                if s.pk not in have_goods
            ]
        )
        Goods.objects.filter(shop__in=shops.values()).update(stock=STOCK, is_active=True)
        Shop.objects.filter(pk__in=[s.pk for s in shops.values()]).update(is_active=True)
        goods = {
            area: goods_id
            for goods_id, area in Goods.objects.filter(shop__in=shops.values())
            .order_by("id")
            .values_list("id", "area_code")
        }
    households: dict[str, list[int]] = {}
    for household_id, code in ids:
        households.setdefault(code, []).append(household_id)
    return {"made": made, "households": households, "goods": goods}


def bench_shopapi(args) -> dict:
    """POST /api/v1/points/redemptions/ under gunicorn with 2 workers against the floor,
    the same writes by hand, from the same gunicorn in the same run: bare, redemptions,
    floor, bare again (cases_bench's server and driver)."""
    from django.db import connection
    from django.test import Client
    from django.urls import Resolver404, resolve

    from yiwang.accounts.models import Post, Role
    from yiwang.accounts.services import issue_token
    from yiwang.points.models import PointsAccount, Redemption

    if connection.vendor != "postgresql":
        return {"unavailable": "PostgreSQL only (the deployment behind gunicorn)"}
    try:
        resolve(PATH)
    except Resolver404:
        return {"unavailable": f"{PATH} is not routed yet"}
    posts = list(
        Post.objects.filter(role=Role.GRID_WORKER)
        .select_related("user")
        .order_by("area_code")[:: max(1, 11000 // args.api_users)][: args.api_users]
    )
    filled = ensure_shop([p.area_code for p in posts])
    households, goods = filled["households"], filled["goods"]
    tokens = [
        (issue_token(user=p.user).key, households[p.area_code], goods[p.area_code[:12]])
        for p in posts
        if households.get(p.area_code) and p.area_code[:12] in goods
    ]
    if not tokens:
        raise SystemExit("no grid worker has households and a shop")
    found = Redemption.objects.count()

    # A household's balance, in the process (the API's work without the network). One
    # client: making one makes the middleware anew (WhiteNoise lists the static files).
    client = Client(HTTP_ACCEPT="application/json")
    url = "/api/v1/points/balances/"
    balance_ms = []
    for i in range(args.warmup + BALANCE_RUNS):
        key, theirs, _goods_id = tokens[i % len(tokens)]
        started = time.perf_counter()
        response = client.get(url, {"household": theirs[0]}, HTTP_AUTHORIZATION=f"Token {key}")
        took = (time.perf_counter() - started) * 1000
        if response.status_code != 200 or response.json() != {"balance": EARNED, "owed": 0}:
            raise SystemExit(f"balance: {response.status_code} {response.content[:200]!r}")
        if i >= args.warmup:
            balance_ms.append(took)

    rng = random.Random(f"{args.seed}-{found}")  # fresh UUIDs when run again on the same rows
    connection.close()  # the server's workers are the ones to talk to the database now

    def redemptions(n: int, offset: int, target: str = PATH) -> list:
        requests = []
        for i in range(n):
            key, theirs, goods_id = tokens[(offset + i) % len(tokens)]
            body = {
                "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "household": theirs[(offset + i) % len(theirs)],
                "goods": goods_id,
                "quantity": 1,
            }
            headers = {
                "Authorization": f"Token {key}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            }
            requests.append(("POST", target, json.dumps(body).encode(), headers))
        return requests

    bare = [("GET", "/bench/bare/", None, {"Accept": "application/json"})]
    logdir = Path(tempfile.mkdtemp(prefix="yiwang-shopapi-"))
    port = cases_bench._free_port()
    server = cases_bench._start_gunicorn(port, logdir)
    warm = args.warmup * 10
    try:
        cases_bench._wait_ready(port, server, logdir)
        drive = cases_bench._drive
        drive(port, bare * warm, args.concurrency)
        warmed = drive(port, redemptions(warm, 0), args.concurrency)
        warmed_floor = drive(port, redemptions(warm, warm, FLOOR), args.concurrency)
        runs = {
            "bare_before": cases_bench._load(
                *drive(port, bare * args.api_requests, args.concurrency)
            )
        }
        seconds, latencies, errors = drive(
            port, redemptions(args.api_requests, 2 * warm), args.concurrency
        )
        runs["redemptions"] = cases_bench._load(seconds, latencies, errors)
        floor = drive(
            port,
            redemptions(args.api_requests, 2 * warm + args.api_requests, FLOOR),
            args.concurrency,
        )
        runs["floor"] = cases_bench._load(*floor)
        runs["bare_after"] = cases_bench._load(
            *drive(port, bare * args.api_requests, args.concurrency)
        )
    finally:
        cases_bench._stop(server)
    for failed in (errors, floor[2], warmed[2], warmed_floor[2]):
        if failed:
            print(f"  errors: {failed[:3]}")
    created = Redemption.objects.count() - found
    expected = (
        2 * args.api_requests
        + 2 * warm
        - len(errors)
        - len(floor[2])
        - len(warmed[2])
        - len(warmed_floor[2])
    )
    if created != expected:
        raise SystemExit(f"{created} redemptions were made, not {expected}")
    spent = sum(
        PointsAccount.objects.filter(
            household_id__in=[h for t in tokens for h in t[1]]
        ).values_list("spent", flat=True)
    )
    if int(spent) != created * PRICE:
        raise SystemExit(f"{spent} points were debited for {created} redemptions")
    bare_per_second = (runs["bare_before"]["per_second"] + runs["bare_after"]["per_second"]) / 2
    made = runs["redemptions"]
    figures = {
        "redemptions_per_second": made["per_second"],
        "floor_per_second": runs["floor"]["per_second"],
        "api_to_floor": round(made["per_second"] / runs["floor"]["per_second"], 3),
        "bare_per_second": round(bare_per_second, 1),
        "ratio": round(made["per_second"] / bare_per_second, 3),
        "floor_ratio": round(runs["floor"]["per_second"] / bare_per_second, 3),
        "p99_ms": made["p99_ms"],
        "p95_ms": made["p95_ms"],
        "median_ms": made["median_ms"],
        "errors": made["errors"]
        + runs["floor"]["errors"]
        + runs["bare_before"]["errors"]
        + runs["bare_after"]["errors"],
        "balance_median_ms": round(statistics.median(balance_ms), 2),
        "balance_p95_ms": round(cases_bench.percentile(balance_ms, 95), 2),
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
        f"  redemptions {figures['redemptions_per_second']}/s against the floor "
        f"{figures['floor_per_second']}/s: api_to_floor {figures['api_to_floor']}; balance "
        f"p95 {figures['balance_p95_ms']} ms"
    )
    for item in logdir.iterdir():
        item.unlink()
    logdir.rmdir()
    return {
        "title": "Redeeming points through the API under gunicorn (2 workers) against the "
        "same writes by hand",
        "figures": figures,
        "counts": {**filled["made"], "redemptions_before": found, "created": created},
        "runs": args.api_requests * 4,
    }


# --- the floor: the writes of a redemption by hand (routed by cases_bench_urls.py) ---------


@csrf_exempt  # token-authenticated, as the API is
def redemption_floor(request):
    """The writes of a redemption and nothing else: the token looked up; in one
    transaction the redemption row (its points and area from the goods and the household),
    the account's and the stock's conditional UPDATEs, the audit row."""
    from django.db import connection, transaction
    from django.http import JsonResponse
    from django.utils import timezone
    from knox.crypto import hash_token

    key = request.headers.get("Authorization", "").removeprefix("Token ")
    body = json.loads(request.body)
    now = timezone.now()
    quantity = int(body["quantity"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT user_id FROM knox_authtoken WHERE digest = %s", [hash_token(key)])
        row = cursor.fetchone()
        if row is None:
            return JsonResponse({"detail": "no such token"}, status=401)
        user_id = row[0]
        with transaction.atomic():
            cursor.execute(
                "INSERT INTO points_redemption (uuid, household_id, goods_id, quantity, points,"
                " redeemed_by_id, area_code, created_at, updated_at)"
                " SELECT %s, h.id, g.id, %s, g.price * %s, %s, h.area_code, %s, %s"
                " FROM registry_household h, points_goods g WHERE h.id = %s AND g.id = %s"
                " RETURNING id, points, area_code",
                [
                    body["uuid"],
                    quantity,
                    quantity,
                    user_id,
                    now,
                    now,
                    body["household"],
                    body["goods"],
                ],
            )
            redemption_id, points, area_code = cursor.fetchone()
            cursor.execute(
                "UPDATE points_pointsaccount SET spent = spent + %s"
                " WHERE household_id = %s AND earned >= spent + %s",
                [points, body["household"], points],
            )
            paid = cursor.rowcount
            cursor.execute(
                "UPDATE points_goods SET stock = stock - %s WHERE id = %s AND stock >= %s",
                [quantity, body["goods"], quantity],
            )
            if not (paid and cursor.rowcount):
                transaction.set_rollback(True)
                return JsonResponse({"detail": "short"}, status=409)
            cursor.execute(
                "INSERT INTO core_auditentry (at, actor_id, actor_username, source, action,"
                " object_type, object_id, object_repr, area_code)"
                " VALUES (%s, %s, '', 'api', 'points_redemption.create', 'points.redemption',"
                " %s, '', %s)",
                [now, user_id, str(redemption_id), area_code],
            )
    return JsonResponse({"id": redemption_id}, status=201)
