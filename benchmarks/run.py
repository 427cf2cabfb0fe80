"""The benchmarks (`make bench`): on SQLite, and on PostgreSQL when a server answers.

For each database, a throwaway database is made (a temporary SQLite file; a fresh
`yiwang_bench` database on the PostgreSQL server, dropped at the end), and each group runs
in its own process (benchmarks/worker.py) with DATABASE_URL naming it:

  build   migrate, build the county-scale demo once (target ≤ 60 s on SQLite)
  rollup  units, grids and workers of every town in one API request (target p95 ≤ 50 ms)
  locate  10,000 random points among the 7,849 unit boundaries (target ≤ 0.2 ms a point);
          on SQLite only, since the locator works in memory whatever the database
  import  the ledger importer on a CSV of 1,000,000 residents against, in the same run, a
          raw executemany (SQLite) or COPY (PostgreSQL) of the same rows into one plain
          table and into the ledger's own tables; the same file again; a 100,000-row XLSX
          (targets: ≤ 3× the plain table, peak memory ≤ 1 GiB, XLSX ≤ 20 s); the peak memory of
          a 1,000,000-row XLSX dry run (≤ 1 GiB)
  search  resident search over >= 1,100,000 residents (the demo ledger, 48 households a
          unit, unless an earlier group left them): full names, 2-character name prefixes,
          2-3 letter initials, 4-digit ID tails, and any part of a name (2-character given
          names, 2-character parts after the surname, 3-character parts, single characters
          after the surname), 100 seeded texts each, as
          the county admin; the list page's work and the API request (target p95 ≤ 100 ms
          for every kind)
  tagrollup  households, residents and tag counts of the 16 towns: ledger_rollup of the
          county and its API request (target median and p95 ≤ 100 ms)
  sweep   1,000,000 cases of which 1% are overdue, then the escalation sweep (target ≤ 2 s)
  rates   the three rates of the county over those cases by town, department, category and
          month, and the API request (target p95 ≤ 200 ms over 30 runs each)
  caseapi POST /api/v1/cases/ under gunicorn (2 workers) against a bare Django view in the
          same run (targets: throughput ratio ≥ 0.5, p99 ≤ 150 ms, no errors); PostgreSQL
          only, the deployment gunicorn serves
  compliance  compliance of the county (due/done, overdue, coverage, pairings by town) over
          196,000 households and 2,000,000 visits over six months with their scheduled
          visits, and the API request (target p95 ≤ 500 ms over 30 runs each)
  today   a grid worker's today list, 20 workers in turn (target median and p95 ≤ 50 ms)
  shopapi  POST /api/v1/points/redemptions/ under gunicorn (2 workers) against the floor: the
          same writes by hand, in the same run (target: api_to_floor ≥ 0.5, no errors); a
          household's balance, GET /api/v1/points/balances/ (target p95 ≤ 10 ms); PostgreSQL
          only
  visitapi  POST /api/v1/visits/ under gunicorn (2 workers) against the bare view in the
          same run, and against the floor: the same writes by hand (targets: ratio ≥ 0.5,
          no errors; p99 reported); PostgreSQL only
  export  the ledger export of >= 1,000,000 residents (the search group's ledger) as a
          background job, the task's function timed, against openpyxl's write-only mode
          alone writing as many rows of the same columns in the same run (target ≤ 3×)
  notices  on a year of the demo's announcements (6,000, about 300,000 receipts): the inbox
          of the grid worker with the most receipts, given a year of notifications too
          (selectors.page + count + unread_count, and GET notices:inbox when it is routed;
          target p95 ≤ 30 ms over 100 runs each); receipts.summary of a county-wide
          announcement at the county and at a town (target p95 ≤ 200 ms over 30 runs each);
          the fan-out of an announcement to the county's 11,000 grid workers, written by
          create_announcement as the county admin, send_announcement timed (target ≤ 2 s,
          each of 10 runs)

  volunteering  on the demo's year of the county's volunteering (8,000 volunteers, 2,000
          activities, 30,000 services; built unless there, on the ledger of an earlier
          group or the demo's): the county roll-up of the last twelve months (target p95
          ≤ 300 ms over 30 runs); a volunteer's hours and star for the 100 volunteers with
          the most records (target p95 ≤ 10 ms)

  projects  500 key projects with 20,000 milestones (built unless there): the battle map of
          the county's command post, `selectors.battle_map.battle_map` (target p95 ≤ 200
          ms over 30 runs) against the plain count and read of the milestones in the same
          run; the monthly meeting pack PDF of the red projects (target ≤ 10 s each)

  duty      the county-scale demo's 16 towns: a roster each over 90 days generated (target
          ≤ 5 s for the 16); who is on duty now for the county (target p95 ≤ 50 ms, 30 runs)
  sweeps  a county-wide door-to-door sweep of 15,000 target households (built unless there):
          its progress by town, `selectors.sweeps.sweep_progress` (target p95 ≤ 200 ms over
          30 runs), a town's by village, the first page of the households not reached
  coops   a cooperative of 5,000 members with last year's trading: the year's distribution
          run through services.distributions.run_distribution end to end, as the
          accountant (target median ≤ 1 s over 7 runs), and the pure engine alone

  cockpit  on a county of 1,000,000 residents, 1,000,000 cases and 2,000,000 visits
          (filled unless earlier groups left them): the monthly snapshots; the county's
          cockpit data cold and warm (targets p95 ≤ 300 ms and ≤ 50 ms); a town's map
          GeoJSON with values (p95 ≤ 200 ms); the county's monthly PDF (≤ 15 s)

  simulate  the province simulation of docs/SCALING.md, only when asked (`--only simulate
          --no-sqlite`, about 25 minutes): ten counties of the reference county's shape with
          households, --sim-months months of visits and a year of cases; the period queries,
          the roll-ups and the visit API at one county's data and at ten, the sizes a row,
          the app's visits (partitioned by month) against a plain copy with the same
          indexes (benchmarks/simulate.py; PostgreSQL only; also writes
          benchmarks/results/simulate-<date>.csv). --sim-counties 2 --sim-households 5
          --sim-months 1 --api-requests 200 is a smoke run of a few minutes

The PostgreSQL server is the one given by --postgres URL, else BENCH_POSTGRES_URL, else
DATABASE_URL when it names PostgreSQL (what `make bench TEST_DATABASE_URL=...` passes),
else postgres://postgres@127.0.0.1:5432. Only the database `yiwang_bench` on it is touched
(or the one BENCH_DB names, so that two runs on one server keep apart).

Results: benchmarks/results/<group>-<database>.json, and a summary printed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
BENCH_DB = os.environ.get("BENCH_DB", "yiwang_bench")
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432"
# Groups after the build, which they need; and the databases each one runs on.
GROUPS = {
    "build": ("sqlite", "postgresql"),
    "rollup": ("sqlite", "postgresql"),
    "locate": ("sqlite",),
    # Before the groups that read the ledger: it leaves 1.1 million residents behind.
    "import": ("sqlite", "postgresql"),
    # Read the ledger of >= 1,000,000 residents: the import's, else the demo ledger's.
    "search": ("sqlite", "postgresql"),
    "tagrollup": ("sqlite", "postgresql"),
    # The ledger export of >= 1,000,000 residents as a background job.
    "export": ("sqlite", "postgresql"),
    # Fill a million cases (sweep, then rates reads them); the API's cases go on top.
    "sweep": ("sqlite", "postgresql"),
    "rates": ("sqlite", "postgresql"),
    "caseapi": ("postgresql",),
    # Fill households (unless the ledger is there), pairings, 2,000,000 visits and their
    # schedule (compliance); today and visitapi read them.
    "compliance": ("sqlite", "postgresql"),
    "today": ("sqlite", "postgresql"),
    "visitapi": ("postgresql",),
    # Households with points (made for the sampled units unless there), a shop a village.
    "shopapi": ("postgresql",),
    # A year of the demo's announcements (built here unless there), then the fan-out's.
    "notices": ("sqlite", "postgresql"),
    # A year of the county's benefit passes (built here unless there), then verifying them.
    "passes": ("sqlite", "postgresql"),
    # A year of points (2,000,000 entries, filled unless there) on the ledger: closing a
    # month for the county, a household's balance.
    "points": ("sqlite", "postgresql"),
    # The demo's volunteering (built here unless there): the roll-up, a volunteer's hours.
    "volunteering": ("sqlite", "postgresql"),
    # 500 key projects with 20,000 milestones (built here unless there): the battle map.
    "projects": ("sqlite", "postgresql"),
    # Rosters of the 16 towns over 90 days generated; who is on duty now for the county.
    "duty": ("sqlite", "postgresql"),
    # A county-wide sweep of 15,000 target households (built here unless there).
    "sweeps": ("sqlite", "postgresql"),
    # A cooperative of 5,000 members (built here unless there): its year's distribution.
    "coops": ("sqlite", "postgresql"),
    # A million residents, a million cases, 2,000,000 visits (filled unless there).
    "cockpit": ("sqlite", "postgresql"),
    # Ten counties of data (tens of millions of rows): only when asked by --only.
    "simulate": ("postgresql",),
}
ON_REQUEST = {"simulate"}


def _with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


def postgres_server(args) -> str | None:
    if args.no_postgres:
        return None
    if args.postgres:
        return args.postgres
    if os.environ.get("BENCH_POSTGRES_URL"):
        return os.environ["BENCH_POSTGRES_URL"]
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url
    return DEFAULT_POSTGRES


def _admin(server: str):
    import psycopg

    return psycopg.connect(_with_db(server, "postgres"), autocommit=True, connect_timeout=5)


def create_postgres(server: str) -> str:
    from psycopg import sql

    with _admin(server) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(BENCH_DB))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(BENCH_DB)))
    return _with_db(server, BENCH_DB)


def drop_postgres(server: str) -> None:
    from psycopg import sql

    with _admin(server) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(BENCH_DB))
        )


def run_group(group: str, label: str, url: str, workdir: Path, args) -> dict | None:
    name = f"{group}-{label}"
    out = RESULTS / f"{name}.json"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "yiwang.settings",
        "HUEY_SQLITE": str(workdir / "huey.sqlite3"),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        sys.executable,
        str(HERE / "worker.py"),
        group,
        "--out",
        str(out),
        "--name",
        name,
        "--requests",
        str(args.requests),
        "--points",
        str(args.points),
        "--naive-points",
        str(args.naive_points),
        "--rounds",
        str(args.rounds),
        "--import-residents",
        str(args.import_residents),
        "--xlsx-rows",
        str(args.xlsx_rows),
        "--xlsx-memory-rows",
        str(args.xlsx_memory_rows),
        "--queries",
        str(args.queries),
        "--cases",
        str(args.cases),
        "--rates-runs",
        str(args.rates_runs),
        "--api-requests",
        str(args.api_requests),
        "--concurrency",
        str(args.concurrency),
        "--outreach-households",
        str(args.outreach_households),
        "--visits",
        str(args.visits),
        "--compliance-runs",
        str(args.compliance_runs),
        "--sim-months",
        str(args.sim_months),
        "--sim-counties",
        str(args.sim_counties),
        "--sim-households",
        str(args.sim_households),
    ]
    print(f"[{label}] {group} …", flush=True)
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=ROOT, env=env)
    if completed.returncode != 0:
        print(f"[{label}] {group} FAILED (exit {completed.returncode})", flush=True)
        return {"name": name, "error": f"exit {completed.returncode}"}
    print(f"[{label}] {group} done in {time.perf_counter() - started:.1f} s", flush=True)
    return json.loads(out.read_text())


def run_database(label: str, url: str, workdir: Path, groups: list[str], args) -> list[dict]:
    results = []
    build = run_group("build", label, url, workdir, args)
    results.append(build)
    if "error" in build:
        return results
    for group in groups:
        if group != "build" and label in GROUPS[group]:
            results.append(run_group(group, label, url, workdir, args))
    return results


def summary(results: list[dict]) -> bool:
    """Prints one line per figure against its target; True when every target was met."""
    ok = True
    print("\n== summary")
    for result in results:
        name = result["name"]
        if "error" in result:
            print(f"  {name:22} FAILED ({result['error']})")
            ok = False
            continue
        if "unavailable" in result:
            print(f"  {name:22} not run: {result['unavailable']}")
            continue
        db = result["database"]
        figures = result["figures"]
        shown = {
            "build": f"{figures.get('seconds')} s",
            "rollup": f"median {figures.get('median_ms')} ms, p95 {figures.get('p95_ms')} ms",
            "cockpit": (
                f"cold p95 {figures.get('cold_p95_ms')} ms, warm p95 {figures.get('warm_p95_ms')} "
                f"ms, town map p95 ≤ {figures.get('map_max_p95_ms')} ms, PDF max "
                f"{figures.get('pdf_max_seconds')} s"
            ),
            "locate": (
                f"{figures.get('us_per_point')} µs/point, bulk {figures.get('bulk_us_per_point')} "
                f"µs/point, naive {figures.get('naive_ms_per_point')} ms/point "
                f"(×{figures.get('speedup_vs_naive')})"
            ),
            "import": "; ".join(
                part
                for part in (
                    "residents" in figures
                    and (
                        f"{figures['residents']} residents in {figures['seconds']} s, baseline "
                        f"{figures['baseline_seconds']} s (×{figures['ratio']}), schema floor "
                        f"{figures['schema_floor_seconds']} s, peak {figures['peak_mib']} MiB"
                    ),
                    "xlsx_rows" in figures
                    and f"XLSX {figures['xlsx_rows']} rows in {figures['xlsx_seconds']} s",
                    "xlsx_memory_rows" in figures
                    and (
                        f"XLSX {figures['xlsx_memory_rows']} rows dry run: peak "
                        f"{figures['xlsx_peak_mib']} MiB"
                    ),
                )
                if part
            ),
            "search": "max p95 {} ms (API {} ms); median/p95 {}".format(
                figures.get("max_p95_ms"),
                figures.get("api_max_p95_ms"),
                ", ".join(
                    f"{kind} {k['median_ms']}/{k['p95_ms']}"
                    for kind, k in figures.get("kinds", {}).items()
                ),
            ),
            "tagrollup": (
                f"median {figures.get('median_ms')} ms, p95 {figures.get('p95_ms')} ms; API "
                f"median {figures.get('api_median_ms')} ms, p95 {figures.get('api_p95_ms')} ms "
                f"(from the rows: {figures.get('from_rows_ms')} ms)"
            ),
            "sweep": (
                f"{figures.get('escalated')} escalated in {figures.get('seconds')} s; again "
                f"{figures.get('second_run_seconds')} s"
            ),
            "rates": (
                f"worst grouping median {figures.get('median_ms')} ms, p95 "
                f"{figures.get('p95_ms')} ms; API p95 {figures.get('api_p95_ms')} ms"
            ),
            "caseapi": (
                f"{figures.get('cases_per_second')} cases/s vs bare "
                f"{figures.get('bare_per_second')}/s (×{figures.get('ratio')}), p99 "
                f"{figures.get('p99_ms')} ms, {figures.get('errors')} errors"
            ),
            "compliance": (
                f"median {figures.get('median_ms')} ms, p95 {figures.get('p95_ms')} ms; API "
                f"median {figures.get('api_median_ms')} ms, p95 {figures.get('api_p95_ms')} ms"
            ),
            "today": f"median {figures.get('median_ms')} ms, p95 {figures.get('p95_ms')} ms",
            "visitapi": (
                f"{figures.get('visits_per_second')} visits/s vs bare "
                f"{figures.get('bare_per_second')}/s (×{figures.get('ratio')}; the writes "
                f"alone by hand ×{figures.get('floor_ratio')}), p99 "
                f"{figures.get('p99_ms')} ms, {figures.get('errors')} errors"
            ),
            "shopapi": (
                f"{figures.get('redemptions_per_second')} redemptions/s vs the floor "
                f"{figures.get('floor_per_second')}/s (×{figures.get('api_to_floor')}; bare "
                f"{figures.get('bare_per_second')}/s), p99 {figures.get('p99_ms')} ms, "
                f"{figures.get('errors')} errors; balance p95 {figures.get('balance_p95_ms')} ms"
            ),
            "export": (
                f"job {figures.get('job_seconds')} s, write-only floor "
                f"{figures.get('floor_seconds')} s (×{figures.get('ratio')})"
            ),
            "notices": (
                f"inbox median {figures.get('inbox_median_ms')} ms, p95 "
                f"{figures.get('inbox_p95_ms')} ms; page "
                + (
                    f"median {figures['inbox_page_median_ms']} ms, p95 "
                    f"{figures['inbox_page_p95_ms']} ms"
                    if "inbox_page_median_ms" in figures
                    else "not routed yet"
                )
                + f"; summary p95 county {figures.get('summary_county_p95_ms')} ms, town "
                f"{figures.get('summary_town_p95_ms')} ms; fan-out to 11,000 median "
                f"{figures.get('send_median_seconds')} s, max {figures.get('send_max_seconds')} s"
            ),
            "points": (
                f"closing a month for the county max {figures.get('close_seconds')} s "
                f"(median {figures.get('close_median_seconds')} s); balance p95 "
                f"{figures.get('balance_p95_ms')} ms, API p95 {figures.get('balance_api_p95_ms')} ms"
            ),
            "simulate": (
                "ten counties against one (median ratios): "
                + ", ".join(f"{k} ×{v}" for k, v in figures.get("ratios", {}).items())
                + f"; 30 days' visits partitioned/plain ×"
                f"{figures.get('partitioned', {}).get('ratio')}"
            ),
            "volunteering": (
                f"roll-up median {figures.get('rollup_median_ms')} ms, p95 "
                f"{figures.get('rollup_p95_ms')} ms; a volunteer's hours median "
                f"{figures.get('hours_median_ms')} ms, p95 {figures.get('hours_p95_ms')} ms"
            ),
            "projects": (
                f"battle map median {figures.get('map_median_ms')} ms, p95 "
                f"{figures.get('map_p95_ms')} ms (milestones read alone "
                f"{figures.get('floor_rows', {}).get('median_ms')} ms, counted "
                f"{figures.get('floor_count', {}).get('median_ms')} ms); meeting pack max "
                f"{figures.get('pack_max_seconds')} s"
            ),
            "duty": (
                f"16 towns × 90 days generated in {figures.get('generate_seconds')} s; on duty "
                f"now median {figures.get('now_median_ms')} ms, p95 {figures.get('now_p95_ms')} ms"
            ),
            "sweeps": (
                f"progress median {figures.get('median_ms')} ms, p95 {figures.get('p95_ms')} "
                f"ms (a town {figures.get('town_progress', {}).get('median_ms')} ms, counted "
                f"alone {figures.get('floor_count', {}).get('median_ms')} ms)"
            ),
            "coops": (
                f"distribution of 5,000 members median {figures.get('run_median_seconds')} s, "
                f"max {figures.get('run_max_seconds')} s (the engine alone "
                f"{figures.get('engine_median_ms')} ms); approved in "
                f"{figures.get('approve_seconds')} s"
            ),
            "passes": (
                f"verify median {figures.get('median_ms')} ms, p95 {figures.get('p95_ms')} ms, "
                f"p99 {figures.get('p99_ms')} ms"
            ),
        }[result["group"]]
        verdicts = []
        for key, target in result.get("targets", {}).items():
            sign = "≥" if target.get("at_least") else "≤"
            verdicts.append(
                f"{key} {sign} {target['target']}: {'met' if target['met'] else 'MISSED'}"
            )
            ok = ok and target["met"]
        print(f"  {name:22} {shown}  [{'; '.join(verdicts)}]  ({db['engine']} {db['version']})")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description="Runs Yiwang's benchmarks.")
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server to bench on")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument(
        "--only", action="append", choices=sorted(GROUPS), help="groups to run (repeatable)"
    )
    parser.add_argument("--requests", type=int, default=100, help="timed API requests")
    parser.add_argument("--points", type=int, default=10_000, help="points to locate")
    parser.add_argument("--naive-points", type=int, default=200, help="points for the baseline")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the locate timing")
    parser.add_argument(
        "--import-residents", type=int, default=1_000_000, help="residents in the import file"
    )
    parser.add_argument("--xlsx-rows", type=int, default=100_000, help="rows of the XLSX import")
    parser.add_argument(
        "--xlsx-memory-rows",
        type=int,
        default=1_000_000,
        help="rows of the XLSX whose dry run's peak memory is taken (0: none)",
    )
    parser.add_argument("--queries", type=int, default=100, help="timed search texts of each kind")
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases for sweep and rates")
    parser.add_argument("--rates-runs", type=int, default=30, help="timed runs of each rate")
    parser.add_argument(
        "--api-requests", type=int, default=2000, help="case POSTs (and bare GETs) of caseapi"
    )
    parser.add_argument(
        "--concurrency", type=int, default=4, help="caseapi's client threads (gunicorn has 2×2)"
    )
    parser.add_argument(
        "--outreach-households",
        type=int,
        default=196_000,
        help="households of compliance (unless an earlier group left more)",
    )
    parser.add_argument("--visits", type=int, default=2_000_000, help="visits of compliance")
    parser.add_argument(
        "--compliance-runs", type=int, default=30, help="timed runs of compliance and its API"
    )
    parser.add_argument(
        "--sim-months", type=int, default=12, help="months of visits of simulate (a year: 12)"
    )
    parser.add_argument(
        "--sim-counties",
        type=int,
        default=10,
        help="counties of simulate (the filled one and its copies; 2 for a smoke run)",
    )
    parser.add_argument(
        "--sim-households", type=int, default=25, help="households a unit of simulate"
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed, too")
    args = parser.parse_args()
    groups = args.only or [group for group in GROUPS if group not in ON_REQUEST]
    RESULTS.mkdir(exist_ok=True)

    results: list[dict] = []
    failed = False
    if not args.no_sqlite:
        workdir = Path(tempfile.mkdtemp(prefix="yiwang-bench-"))
        try:
            url = f"sqlite:///{workdir / 'bench.sqlite3'}"
            results += run_database("sqlite", url, workdir, groups, args)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    server = postgres_server(args)
    if server is None:
        print("PostgreSQL: skipped (--no-postgres).")
    else:
        parts = urlsplit(server)
        shown = f"{parts.hostname}:{parts.port or 5432}"  # never the password
        try:
            url = create_postgres(server)
        except Exception as exc:  # noqa: BLE001 — any reason not to reach it is a skip
            print(f"PostgreSQL: skipped, could not create {BENCH_DB} on {shown}: {exc}".strip())
            if args.postgres or os.environ.get("BENCH_POSTGRES_URL"):
                failed = True  # asked for explicitly: not reaching it is a failure
        else:
            workdir = Path(tempfile.mkdtemp(prefix="yiwang-bench-"))
            try:
                results += run_database("postgresql", url, workdir, groups, args)
            finally:
                # BENCH_KEEP=1 leaves the database for a look at what was measured.
                if not os.environ.get("BENCH_KEEP"):
                    drop_postgres(server)
                shutil.rmtree(workdir, ignore_errors=True)

    met = summary(results)
    failed = failed or any("error" in r for r in results)
    if failed:
        return 1
    return 1 if args.strict and not met else 0


if __name__ == "__main__":
    sys.exit(main())
