"""The battle map at the issue's size (`make bench BENCH_ARGS="--only projects"`): 500 key
projects over the county-scale demo's sixteen towns with 20,000 milestones (40 a
project, of the migration's types, over a year and a half around today: most done on
time, about one project in ten red and one in seven yellow, each of those with an open
problem and a site photo), built unless there:

- the battle map of the county's command post, `selectors.battle_map.battle_map(user)`:
  every project with its milestones' due and done days, lag in working days and colour,
  30 runs (target p95 ≤ 200 ms); and a town admin's (the town's share of the projects);
- the floor, in the same run: a plain count of the milestones the map reads, and the
  read of their rows (id, project, type, due, done) alone, as the map must at least do;
- the monthly meeting pack, `meeting_pack_pdf.render(user, this month)`: the red
  projects with their leaders, red milestones, open problems and latest photos as a
  PDF, 3 runs (target ≤ 10 s each).
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

import cases_bench  # noqa: E402 — the shared helpers (percentiles)

PROJECTS = 500
MILESTONES_EACH = 40
MAP_RUNS = 30
PACK_RUNS = 3
WARMUP = 3
RED_SHARE, YELLOW_SHARE = 0.10, 0.15
BATCH = 5000
TABLES = (
    "projects_project",
    "projects_milestone",
    "projects_stagechange",
    "projects_problem",
    "projects_progressentry",
    "projects_progressphoto",
)
KINDS = (("upgrade", 23), ("new_build", 17), ("research", 8), ("foreign", 2))
BATCHES = {
    "upgrade": "upgraded",
    "new_build": "started",
    "research": "accelerated",
    "foreign": "signed",
}


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


def ensure_projects(seed: int) -> dict:
    """500 projects with 20,000 milestones, problems and photos, built unless there."""
    from django.db import connection, transaction
    from django.utils import timezone

    from yiwang.accounts.models import User
    from yiwang.areas.models import Area
    from yiwang.demo.projects import ensure_departments, enter_demo_years, site_photo
    from yiwang.projects.models import (
        STAGE_ORDER,
        Milestone,
        MilestoneType,
        Problem,
        ProgressEntry,
        ProgressPhoto,
        Project,
        Stage,
        StageChange,
    )
    from yiwang.projects.workdays import calendar

    info: dict = {}
    if Project.objects.count() >= PROJECTS:
        return info
    started = time.perf_counter()
    rng = random.Random(seed)
    today = timezone.localdate()
    county = Area.objects.get(level="county")
    towns = list(Area.objects.filter(level="town").order_by("code").values_list("code", flat=True))
    admin = User.objects.get(username="county")
    types = list(MilestoneType.objects.order_by("order", "code"))
    with transaction.atomic():
        enter_demo_years(today)
        cal = calendar()
        departments = list(ensure_departments(county.code).values())
        kinds = [kind for kind, n in KINDS for _ in range(n * PROJECTS // 50)]
        rng.shuffle(kinds)
        projects = []
        for i, kind in enumerate(kinds):
            starts = today - datetime.timedelta(days=rng.randint(300, 420))
            stage = rng.choice((Stage.STARTED, Stage.BUILDING, Stage.BUILDING, Stage.PRODUCING))
            projects.append(
                Project(
                    number=f"BM-{i + 1:04d}",
                    name=f"基准测试重点项目{i + 1}",
                    area_code=towns[i % len(towns)],
                    kind=kind,
                    batch=BATCHES[kind],
                    stage=stage,
                    stage_reached_on=starts + datetime.timedelta(days=30 * STAGE_ORDER[stage]),
                    park="嘉祥经济开发区" if i % 4 == 0 else "",
                    leader=admin,
                    team_name=f"项目专班{i + 1}",
                    starts_on=starts,
                    ends_on=starts + datetime.timedelta(days=720),
                    investment_planned=Decimal(rng.randrange(3000, 60000, 500)),
                )
            )
        Project.objects.bulk_create(projects, batch_size=BATCH)
        StageChange.objects.bulk_create(
            (
                StageChange(
                    project=p,
                    stage=stage,
                    reached_on=p.stage_reached_on
                    - datetime.timedelta(days=30 * (STAGE_ORDER[p.stage] - n)),
                )
                for p in projects
                for n, stage in enumerate(Stage.values[: STAGE_ORDER[p.stage] + 1])
            ),
            batch_size=BATCH,
        )
        milestones, late = [], {}
        red_from = rng.sample(
            range(len(projects)), round(len(projects) * (RED_SHARE + YELLOW_SHARE))
        )
        for k in red_from:
            late[projects[k].pk] = "red" if len(late) < len(projects) * RED_SHARE else "yellow"
        back = {lag: _back(cal, today, lag) for lag in range(1, 30)}
        for project in projects:
            span = (today + datetime.timedelta(days=180) - project.starts_on).days
            for m in range(MILESTONES_EACH):
                kind = types[m * len(types) // MILESTONES_EACH]
                due = project.starts_on + datetime.timedelta(days=1 + span * m // MILESTONES_EACH)
                done = due - datetime.timedelta(days=rng.randint(0, 3)) if due < today else None
                milestones.append(
                    Milestone(
                        project=project,
                        milestone_type=kind,
                        name=f"{kind.name}{m + 1}",
                        due_on=due,
                        done_on=done and max(done, project.starts_on),
                    )
                )
            colour = late.get(project.pk)
            if colour:
                # Its last milestone due before today left open, as late as its colour.
                last = max(
                    (x for x in milestones[-MILESTONES_EACH:] if x.due_on < today),
                    key=lambda x: x.due_on,
                )
                lag = (
                    last.milestone_type.red_from + 3
                    if colour == "red"
                    else last.milestone_type.yellow_from
                )
                last.due_on, last.done_on, last.delay_cause = back[lag], None, "funds"
        Milestone.objects.bulk_create(milestones, batch_size=BATCH)
        problems, entries = [], []
        for project in projects:
            if project.pk in late:
                problems.append(
                    Problem(
                        project=project,
                        cause="funds",
                        department=departments[project.pk % len(departments)],
                        text="项目贷款尚未放款，设备采购资金紧张。",
                        raised_on=today - datetime.timedelta(days=3),
                        due_on=cal.add(today - datetime.timedelta(days=3), 5),
                        area_code=project.area_code,
                    )
                )
                entries.append(
                    ProgressEntry(
                        project=project,
                        day=today - datetime.timedelta(days=1),
                        text="钢结构吊装，完成12榀。",
                        uuid=_uuid(rng),
                    )
                )
        Problem.objects.bulk_create(problems, batch_size=BATCH)
        ProgressEntry.objects.bulk_create(entries, batch_size=BATCH)
        from yiwang.core import photos

        rows, stored = [], []
        photo = site_photo(rng)  # one photo stored for each: the storage, not Pillow, is timed
        for entry in entries:
            row = ProgressPhoto(entry=entry, **photos.row_values(photo))
            photos.store(row, photo, stored)
            rows.append(row)
        ProgressPhoto.objects.bulk_create(rows, batch_size=BATCH)
    info["build_seconds"] = round(time.perf_counter() - started, 1)
    info["late_projects"] = {c: sum(1 for v in late.values() if v == c) for c in ("red", "yellow")}
    print(
        f"  built {len(projects)} projects, {len(milestones):,} milestones, "
        f"{len(problems)} problems, {len(rows)} photos in {info['build_seconds']} s"
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute(f"VACUUM ANALYZE {table}")
    return info


def _back(cal, today, lag):
    day = today - datetime.timedelta(days=1)
    while cal.lag(day, today) < lag:
        day -= datetime.timedelta(days=1)
    return day


def _uuid(rng):
    import uuid

    return uuid.UUID(int=rng.getrandbits(128), version=4)


def bench_projects(args) -> dict:
    import tempfile

    from django.db import connection
    from django.test import override_settings
    from django.utils import timezone

    from yiwang.accounts.models import User
    from yiwang.projects.models import Milestone, Project
    from yiwang.projects.selectors.projects import visible_projects

    # The photos in memory: the bench leaves no files behind.
    storages = {
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages, MEDIA_ROOT=tempfile.gettempdir()):
        counts: dict = {"setup": ensure_projects(args.seed)}
        return _run(counts, connection, timezone, User, Milestone, Project, visible_projects)


def _run(counts, connection, timezone, User, Milestone, Project, visible_projects) -> dict:
    from yiwang.projects.selectors.battle_map import battle_map

    admin = User.objects.get(username="county")
    town_admin = User.objects.filter(username__startswith="ta").order_by("username").first()
    counts.update(projects=Project.objects.count(), milestones=Milestone.objects.count())
    figures: dict = {}

    # The floor: what the map must at least read.
    def count():
        return Milestone.objects.filter(project__in=visible_projects(admin)).count()

    def rows():
        return list(
            Milestone.objects.filter(project__in=visible_projects(admin)).values_list(
                "pk", "project_id", "milestone_type_id", "due_on", "done_on"
            )
        )

    for function in (count, rows):
        function()
    figures["floor_count"] = _spread(_timed(count, MAP_RUNS))
    figures["floor_rows"] = _spread(_timed(rows, MAP_RUNS))

    for _ in range(WARMUP):
        result = battle_map(admin)
    projects = result["projects"]
    listed = sum(len(p["milestones"]) for p in projects)
    if len(projects) != counts["projects"] or listed != counts["milestones"]:
        raise SystemExit(
            f"the battle map listed {len(projects)} projects and {listed} milestones, not "
            f"{counts['projects']} and {counts['milestones']}"
        )
    colours: dict = {}
    for p in projects:
        colours[p["colour"]] = colours.get(p["colour"], 0) + 1
    counts["colours"] = colours
    queries = []
    with connection.execute_wrapper(
        lambda execute, sql, *a: queries.append(sql) or execute(sql, *a)
    ):
        battle_map(admin)
    # First in this plain process, whose heap holds what the build made: a full collection
    # of the garbage collector now and then walks all of it (~120 ms a time here). Then
    # as in a gunicorn worker, whose loaded objects yiwang/wsgi.py freezes (gc.freeze())
    # out of the collector's reach: the figure the target is read on.
    figures["map_plain"] = {**_spread(_timed(lambda: battle_map(admin), MAP_RUNS))}
    import gc

    import yiwang.wsgi  # noqa: F401 — loads the application and freezes, as a worker does

    figures["map"] = {**_spread(_timed(lambda: battle_map(admin), MAP_RUNS)), "runs": MAP_RUNS}
    figures["map"]["queries"] = len(queries)
    figures["map"]["frozen_objects"] = gc.get_freeze_count()
    figures["map_median_ms"] = figures["map"]["median_ms"]
    figures["map_p95_ms"] = figures["map"]["p95_ms"]
    town = battle_map(town_admin)
    figures["town_map"] = {
        **_spread(_timed(lambda: battle_map(town_admin), MAP_RUNS)),
        "projects": len(town["projects"]),
    }
    figures["map_to_floor_rows"] = round(
        figures["map_median_ms"] / max(figures["floor_rows"]["median_ms"], 0.01), 1
    )
    print(
        f"  battle_map(county admin), plain process: median "
        f"{figures['map_plain']['median_ms']} ms, p95 {figures['map_plain']['p95_ms']} ms\n"
        f"  battle_map(county admin), as a worker (gc frozen): median {figures['map_median_ms']} ms, p95 "
        f"{figures['map_p95_ms']} ms ({len(queries)} queries; {colours}); floor: count "
        f"{figures['floor_count']['median_ms']} ms, rows {figures['floor_rows']['median_ms']} "
        f"ms; a town admin's ({len(town['projects'])} projects) p95 "
        f"{figures['town_map']['p95_ms']} ms"
    )

    # The monthly meeting pack.
    from yiwang.projects import meeting_pack_pdf

    month = timezone.localdate().replace(day=1)
    seconds, pages = [], 0
    for _ in range(PACK_RUNS):
        started = time.perf_counter()
        rendered = meeting_pack_pdf.render(admin, month)
        seconds.append(time.perf_counter() - started)
        pages = rendered.pages
    figures["pack"] = {
        "max_seconds": round(max(seconds), 2),
        "median_seconds": round(statistics.median(seconds), 2),
        "pages": pages,
        "bytes": len(rendered.pdf),
        "red_projects": colours.get("red", 0),
    }
    figures["pack_max_seconds"] = figures["pack"]["max_seconds"]
    print(
        f"  meeting pack of {colours.get('red', 0)} red projects: {pages} pages, median "
        f"{figures['pack']['median_seconds']} s, max {figures['pack_max_seconds']} s"
    )
    return {
        "title": "Battle map: 500 projects with 20,000 milestones, and the meeting pack",
        "figures": figures,
        "counts": counts,
        "runs": MAP_RUNS * 4 + PACK_RUNS,
    }
