"""The cockpit at county scale (`make bench BENCH_ARGS="--only cockpit"`): on a county of
at least 1,000,000 residents, 1,000,000 cases and 2,000,000 visits (what the import, sweep
and compliance groups leave, else filled here):

- the monthly snapshots of last month (every indicator, every area) and the flows of a
  year ago, each timed once;
- this month's refresh (`snapshots.refresh`, the periodic task: every indicator of every
  area counted once), timed once;
- the county's cockpit data (`figures.cockpit` as the county admin: every indicator this
  month, last month and a year ago, the thirteen months, the towns' values): cold (the
  cache emptied before each run, this month read from the refresh) and warm, and the page
  GET /cockpit/ warm (targets: p95 ≤ 300 ms cold, ≤ 50 ms warm); for comparison, cold and
  counted on the request (no refresh);
- a town's map GeoJSON with values, GET /api/v1/indicators/{key}/map/?area=<town>, for a
  count read from the records, one from a tally and a rate (target p95 ≤ 200 ms);
- the county's monthly PDF report of last month (target ≤ 15 s, each of 3 runs).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import cases_bench  # noqa: E402 — the shared helpers (timing, VACUUM)
import outreach_bench  # noqa: E402

COUNTY = "370829"
MAP_KEYS = ("cases.open", "registry.households", "outreach.coverage")
PDF_RUNS = 3
LIVE_RUNS = 10


def _spread(times: list[float]) -> dict:
    return cases_bench._spread(times)


def bench_cockpit(args, ensure_ledger) -> dict:
    from django.core.cache import cache
    from django.test import Client, override_settings
    from django.utils import timezone

    from yiwang.accounts.models import User
    from yiwang.areas.models import Area
    from yiwang.cockpit import figures, snapshots
    from yiwang.core.reporting import add_months

    counts: dict = {"ledger": ensure_ledger(args)}
    counts["cases"] = cases_bench.ensure_cases(args)
    outreach = outreach_bench.ensure_outreach(args)
    counts["outreach"] = {k: v for k, v in outreach.items() if isinstance(v, int | float | str)}
    county = Area.objects.get(code=COUNTY)
    user = User.objects.get(username="county")
    this = timezone.localdate().replace(day=1)
    last, year = add_months(this, -1), add_months(this, -12)
    figures_out: dict = {}

    started = time.perf_counter()
    counts["snapshot_rows"] = snapshots.take(last, county)
    figures_out["snapshot_seconds"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    snapshots.take(year, county, flows_only=True)
    figures_out["snapshot_flows_seconds"] = round(time.perf_counter() - started, 1)
    print(
        f"  snapshots of {last:%Y-%m}: {counts['snapshot_rows']:,} values in "
        f"{figures_out['snapshot_seconds']} s; the flows of {year:%Y-%m} in "
        f"{figures_out['snapshot_flows_seconds']} s"
    )

    # This month counted once for every area, as the periodic task does: what a cockpit
    # reads while it is fresh.
    started = time.perf_counter()
    counts["refresh_rows"] = snapshots.refresh()[COUNTY]
    figures_out["refresh_seconds"] = round(time.perf_counter() - started, 1)
    print(
        f"  this month's refresh: {counts['refresh_rows']:,} values in "
        f"{figures_out['refresh_seconds']} s"
    )

    def cold():
        cache.clear()
        return figures.cockpit(user, county)

    # For comparison, in the same run: the same cockpit counted on the request (no refresh).
    with override_settings(COCKPIT_REFRESH_MINUTES=0):
        times = [cases_bench._timed(cold)[0] for _ in range(LIVE_RUNS)]
    figures_out.update({f"live_cold_{k}": v for k, v in _spread(times).items()})
    print(
        f"  the county's cockpit counted on the request: median "
        f"{figures_out['live_cold_median_ms']} ms, p95 {figures_out['live_cold_p95_ms']} ms "
        f"over {LIVE_RUNS} runs"
    )

    data = cold()
    counts["indicators"] = len(data.figures)
    counts["towns"] = len(data.children)
    counts["values"] = {f.key: f.value for f in data.figures}
    runs = args.compliance_runs
    times = [cases_bench._timed(cold)[0] for _ in range(runs)]
    figures_out.update({f"cold_{k}": v for k, v in _spread(times).items()})
    for _ in range(args.warmup):
        figures.cockpit(user, county)
    times = [
        cases_bench._timed(lambda: figures.cockpit(user, county))[0] for _ in range(args.requests)
    ]
    figures_out.update({f"warm_{k}": v for k, v in _spread(times).items()})
    print(
        f"  the county's cockpit ({counts['indicators']} indicators, {counts['towns']} towns): "
        f"cold median {figures_out['cold_median_ms']} ms, p95 {figures_out['cold_p95_ms']} ms "
        f"over {runs} runs; warm median {figures_out['warm_median_ms']} ms, p95 "
        f"{figures_out['warm_p95_ms']} ms over {args.requests}"
    )

    client = Client()
    client.force_login(user)

    def page():
        response = client.get("/cockpit/", {"area": COUNTY})
        if response.status_code != 200:
            raise SystemExit(f"GET /cockpit/ answered {response.status_code}")

    for _ in range(args.warmup):
        page()
    times = [cases_bench._timed(page)[0] for _ in range(runs)]
    figures_out.update({f"page_warm_{k}": v for k, v in _spread(times).items()})
    print(
        f"  GET /cockpit/ warm: median {figures_out['page_warm_median_ms']} ms, p95 "
        f"{figures_out['page_warm_p95_ms']} ms"
    )

    town = Area.objects.filter(parent=county).order_by("code").first()
    counts["town"] = {"code": town.code, "villages": town.children.count()}
    worst = 0.0
    for key in MAP_KEYS:
        url = f"/api/v1/indicators/{key}/map/"

        def get(url=url):
            response = client.get(url, {"area": town.code})
            if response.status_code != 200:
                raise SystemExit(f"GET {url} answered {response.status_code}")
            return response

        features = len(get().json()["features"])
        times = [cases_bench._timed(get)[0] for _ in range(runs)]
        spread = _spread(times)
        figures_out[f"map_{key}_p95_ms"] = spread["p95_ms"]
        figures_out[f"map_{key}_median_ms"] = spread["median_ms"]
        worst = max(worst, spread["p95_ms"])
        print(
            f"  {url}?area={town.code} ({features} villages): median {spread['median_ms']} "
            f"ms, p95 {spread['p95_ms']} ms"
        )
    figures_out["map_max_p95_ms"] = worst

    figures_out.update(_bench_pdf(county, last, counts))
    return {"figures": figures_out, "counts": counts}


def _bench_pdf(county, month, counts) -> dict:
    """`reports.generate` of the county's report, the cache emptied first: the figures,
    the late cases, the overdue households, the charts, the QR code and WeasyPrint."""
    from django.core.cache import cache

    from yiwang.cockpit import reports
    from yiwang.cockpit.models import Report

    report, _new = Report.objects.get_or_create(area_code=county.code, month=month)
    seconds = []
    for _ in range(PDF_RUNS):
        cache.clear()
        started = time.perf_counter()
        report = reports.generate(report.pk)
        seconds.append(time.perf_counter() - started)
        if report.status != "ready":
            raise SystemExit(f"the county's report failed: {report.error}")
    counts["pdf"] = {"bytes": report.size, "pages": report.pages}
    print(
        f"  the county's PDF of {month:%Y-%m} ({report.pages} pages, {report.size:,} bytes): "
        + ", ".join(f"{s:.1f} s" for s in seconds)
    )
    return {
        "pdf_max_seconds": round(max(seconds), 2),
        "pdf_median_seconds": round(sorted(seconds)[len(seconds) // 2], 2),
    }
