"""The `import` benchmark group: the ledger importer against a raw load of the same rows.

Run by benchmarks/worker.py after `build` (the county-scale area tree, no ledger yet):

1. writes a CSV of N residents (default 1,000,000, about 333,000 households) over the
   county's 7,849 units (benchmarks/ledger_file.py) and imports it as
   `python manage.py import_ledger` does, timing it and taking the process's peak memory;
2. the baseline, in the same run: on SQLite, the same rows inserted with the standard
   library's sqlite3 `executemany` into one plain table (no index, no constraint) in a
   file of its own; on PostgreSQL, the same file loaded with `COPY` into a plain table.
   Both are printed with the ratio;
3. a 100,000-row XLSX (other households, other people) imported the same way;
4. the peak memory of a dry run of a 1,000,000-row XLSX (others again), in a process of
   its own (benchmarks/xlsx_memory.py): ru_maxrss is a process's peak.
"""

from __future__ import annotations

import csv
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ledger_file import HEADER, county_units, write_csv, write_xlsx


def _import(path: Path) -> tuple[float, object]:
    from yiwang.core.audit import audit_source
    from yiwang.core.models import AuditSource
    from yiwang.registry.importers import import_ledger, read_ledger

    started = time.perf_counter()
    with audit_source(AuditSource.IMPORT):
        ledger = read_ledger(path.read_bytes(), path.name)
        report = import_ledger(actor=None, rows=ledger.records(), labels=ledger.labels)
    return time.perf_counter() - started, report


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _sqlite_baseline(path: Path, workdir: Path) -> dict:
    with open(path, newline="", encoding="utf-8") as source:
        reader = csv.reader(source)
        next(reader)
        started = time.perf_counter()
        rows = list(reader)
        parse_s = time.perf_counter() - started
    target = workdir / "baseline.sqlite3"
    target.unlink(missing_ok=True)
    connection = sqlite3.connect(target)
    columns = ", ".join(f"c{i}" for i in range(len(HEADER)))
    connection.execute(f"CREATE TABLE ledger_rows ({columns})")
    marks = ", ".join("?" * len(HEADER))
    started = time.perf_counter()
    with connection:
        connection.executemany(f"INSERT INTO ledger_rows VALUES ({marks})", rows)
    insert_s = time.perf_counter() - started
    connection.close()
    target.unlink()
    return {"seconds": insert_s, "parse_seconds": parse_s, "rows": len(rows)}


def _postgres_baseline(path: Path) -> dict:
    from django.db import connection

    columns = ", ".join(f"c{i} text" for i in range(len(HEADER)))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_ledger_rows")
        cursor.execute(f"CREATE TABLE bench_ledger_rows ({columns})")
        started = time.perf_counter()
        copy_sql = "COPY bench_ledger_rows FROM STDIN WITH (FORMAT csv, HEADER true)"
        with cursor.cursor.copy(copy_sql) as copy, open(path, "rb") as source:
            while chunk := source.read(1 << 20):
                copy.write(chunk)
        seconds = time.perf_counter() - started
        cursor.execute("SELECT count(*) FROM bench_ledger_rows")
        rows = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_ledger_rows")
    return {"seconds": seconds, "rows": rows}


def _floor_rows(path: Path) -> tuple[list[tuple], list[tuple]]:
    """The file's households and residents as the ledger's tables hold them, prepared in
    advance (ids, codes, initials), so that only the writing is timed."""
    from yiwang.areas.models import Area, Level
    from yiwang.registry.importers import RELATIONS
    from yiwang.registry.selectors import initials

    unit_ids = dict(Area.objects.filter(level=Level.UNIT).values_list("code", "id"))
    now = "2026-11-28 00:00:00"
    households: dict[tuple[str, str], tuple] = {}
    residents = []
    with open(path, newline="", encoding="utf-8") as source:
        reader = csv.reader(source)
        next(reader)
        for number, unit, name, id_number, relation, sex, birth, phone, address, *_ in reader:
            key = (unit, number)
            if key not in households:
                households[key] = (len(households) + 1, unit_ids[unit], unit, number, address)
            residents.append(
                (
                    len(residents) + 1,
                    households[key][0],
                    unit,
                    name,
                    initials(name),
                    id_number,
                    id_number[-4:],
                    "male" if sex == "男" else "female",
                    birth,
                    phone,
                    phone[-4:],
                    RELATIONS[relation],
                )
            )
    household_rows = [(*h, "", "ordinary", "", "", "active", now, now) for h in households.values()]
    resident_rows = [(*r, "", False, "living", now, now) for r in residents]
    return household_rows, resident_rows


HOUSEHOLD_COLUMNS = (
    "id, unit_id, area_code, number, address, door_number, category, category_override, "
    "category_reason, status, created_at, updated_at"
)
RESIDENT_COLUMNS = (
    "id, household_id, area_code, name, name_initials, id_number, id_tail, sex, birth_date, "
    "phone, phone_tail, relation, ethnicity, is_party_member, status, created_at, updated_at"
)


def _floor(path: Path, workdir: Path) -> float:
    """The same rows loaded raw into copies of the ledger's own two tables, with all their
    indexes and constraints: the cost of the schema alone, with no checking, no audit and
    no Python per row. On SQLite with the page cache the importer uses."""
    from django.db import connection

    households, residents = _floor_rows(path)
    if connection.vendor == "sqlite":
        source = sqlite3.connect(connection.settings_dict["NAME"])
        ddl = source.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name IN "
            "('registry_household', 'registry_resident') AND type IN ('table', 'index') "
            "AND sql IS NOT NULL "
            "ORDER BY type = 'index', name"
        ).fetchall()
        source.close()
        target = workdir / "floor.sqlite3"
        db = sqlite3.connect(target)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA cache_size = -262144")
        for (statement,) in ddl:
            db.execute(statement)
        started = time.perf_counter()
        with db:
            marks = ", ".join("?" * len(households[0]))
            db.executemany(
                f"INSERT INTO registry_household ({HOUSEHOLD_COLUMNS}) VALUES ({marks})", households
            )
            marks = ", ".join("?" * len(residents[0]))
            db.executemany(
                f"INSERT INTO registry_resident ({RESIDENT_COLUMNS}) VALUES ({marks})", residents
            )
        seconds = time.perf_counter() - started
        db.close()
        target.unlink()
        return seconds
    with connection.cursor() as cursor:
        for table in ("household", "resident"):
            cursor.execute(f"DROP TABLE IF EXISTS floor_{table}")
            cursor.execute(f"CREATE TABLE floor_{table} (LIKE registry_{table} INCLUDING ALL)")
        started = time.perf_counter()
        with connection.cursor() as inner, inner.cursor.connection.transaction():
            for table, columns, rows in (
                ("household", HOUSEHOLD_COLUMNS, households),
                ("resident", RESIDENT_COLUMNS, residents),
            ):
                with inner.cursor.copy(f"COPY floor_{table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        seconds = time.perf_counter() - started
        for table in ("resident", "household"):
            cursor.execute(f"DROP TABLE floor_{table}")
    return seconds


def _csv_figures(args, units, workdir: Path) -> dict:
    from django.db import connection

    csv_path = workdir / "ledger.csv"
    started = time.perf_counter()
    written = write_csv(csv_path, units, args.import_residents)
    print(
        f"  wrote {written} rows ({csv_path.stat().st_size / 2**20:.0f} MiB) in "
        f"{time.perf_counter() - started:.1f} s"
    )
    before = _peak_mib()
    seconds, report = _import(csv_path)
    peak = _peak_mib()
    counts = report.counts()
    if report.errors or counts["residents"]["new"] != written:
        raise SystemExit(f"the import rejected rows: {report.summary()} {report.errors[:3]}")
    print(f"  import of {written} residents: {seconds:.1f} s, peak memory {peak:.0f} MiB")

    if connection.vendor == "sqlite":
        baseline = _sqlite_baseline(csv_path, workdir)
        baseline_name = "sqlite3 executemany into one plain table"
    else:
        baseline = _postgres_baseline(csv_path)
        baseline_name = "COPY into one plain table"
    ratio = seconds / baseline["seconds"]
    print(f"  baseline ({baseline_name}): {baseline['seconds']:.2f} s; ratio {ratio:.1f}×")
    floor_s = _floor(csv_path, workdir)
    print(
        f"  the same rows raw into the ledger's own two tables (their indexes, no checks): "
        f"{floor_s:.2f} s, {floor_s / baseline['seconds']:.1f}× the baseline; the import is "
        f"{seconds / floor_s:.1f}× that"
    )
    again_s, again = _import(csv_path)
    unchanged = again.counts()["residents"]["unchanged"]
    print(f"  the same file again: {again_s:.1f} s, {unchanged} residents unchanged")
    return {
        "residents": written,
        "households": counts["households"]["new"],
        "seconds": round(seconds, 2),
        "us_per_row": round(seconds / written * 1e6, 1),
        "peak_mib": round(peak, 0),
        "peak_mib_before_import": round(before, 0),
        "baseline": baseline_name,
        "baseline_seconds": round(baseline["seconds"], 2),
        "baseline_parse_seconds": round(baseline.get("parse_seconds", 0), 2) or None,
        "ratio": round(ratio, 2),
        "schema_floor_seconds": round(floor_s, 2),
        "schema_floor_ratio": round(floor_s / baseline["seconds"], 2),
        "ratio_to_schema_floor": round(seconds / floor_s, 2),
        "reimport_seconds": round(again_s, 2),
        "reimport_unchanged": unchanged,
    }


def _xlsx_figures(args, units, workdir: Path) -> dict:
    xlsx_path = workdir / "ledger.xlsx"
    write_xlsx(xlsx_path, units, args.xlsx_rows, seed=7, regions=("370881",), numbers_from=900)
    xlsx_s, xlsx = _import(xlsx_path)
    if xlsx.errors or xlsx.counts()["residents"]["new"] != args.xlsx_rows:
        raise SystemExit(f"the XLSX import rejected rows: {xlsx.summary()} {xlsx.errors[:3]}")
    print(f"  import of a {args.xlsx_rows}-row XLSX: {xlsx_s:.1f} s")
    return {"xlsx_rows": args.xlsx_rows, "xlsx_seconds": round(xlsx_s, 2)}


def _xlsx_memory_figures(args, units, workdir: Path) -> dict:
    path = workdir / "ledger-memory.xlsx"
    write_xlsx(path, units, args.xlsx_memory_rows, seed=11, regions=("370882",), numbers_from=1900)
    script = Path(__file__).resolve().parent / "xlsx_memory.py"
    done = subprocess.run(
        [sys.executable, str(script), str(path), "--dry-run"],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:  # say why, rather than a bare exit status
        raise SystemExit(f"the XLSX memory run failed:\n{done.stderr[-3000:]}")
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"  dry run of a {args.xlsx_memory_rows}-row XLSX in a process of its own: "
        f"{measured['seconds']:.1f} s, peak memory {measured['peak_mib']:.0f} MiB"
    )
    return {
        "xlsx_memory_rows": args.xlsx_memory_rows,
        "xlsx_dry_run_seconds": measured["seconds"],
        "xlsx_peak_mib": measured["peak_mib"],
    }


def bench_import(args) -> dict:
    """`--import-residents 0`, `--xlsx-rows 0` or `--xlsx-memory-rows 0` leaves that part
    out."""
    from yiwang.registry.models import Household, Resident

    workdir = Path(tempfile.mkdtemp(prefix="yiwang-import-"))
    units = county_units()
    figures = {}
    if args.import_residents:
        figures.update(_csv_figures(args, units, workdir))
    if args.xlsx_rows:
        figures.update(_xlsx_figures(args, units, workdir))
    if getattr(args, "xlsx_memory_rows", 0):
        figures.update(_xlsx_memory_figures(args, units, workdir))
    for path in workdir.iterdir():
        path.unlink()
    workdir.rmdir()
    return {
        "title": "Ledger import from CSV against a raw load of the same rows, and from XLSX",
        "figures": figures,
        "counts": {
            "residents": Resident.objects.count(),
            "households": Household.objects.count(),
        },
        "runs": 1,
    }
