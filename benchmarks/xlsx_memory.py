"""The peak memory of reading a ledger XLSX, in a process of its own (ru_maxrss is a
process's peak, so each figure needs a fresh one).

`python benchmarks/xlsx_memory.py FILE.xlsx` reads the file as the import does — its
header, then both passes over the rows — and prints the peak as JSON; `--dry-run` runs
the whole import as a preview (needs the units in the database DATABASE_URL names);
`--reader memory|stream` forces python-calamine's in-memory sheet or openpyxl's stream
(by default the reader is chosen by the sheet's size, as in production). The `import`
benchmark group runs it with `--dry-run` on a 1,000,000-row workbook.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", type=Path)
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--reader", choices=("auto", "memory", "stream"), default="auto")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    import django

    django.setup()
    from yiwang.core import tables
    from yiwang.registry.importers import import_ledger, read_ledger

    if args.reader == "memory":
        tables.IN_MEMORY_SHEET_ROWS = 10**9
    elif args.reader == "stream":
        tables.IN_MEMORY_SHEET_ROWS = 0
    data = args.path.read_bytes()
    before = _peak_mib()
    started = time.perf_counter()
    ledger = read_ledger(data, args.path.name)
    if args.dry_run:
        report = import_ledger(
            actor=None, rows=ledger.records(), labels=ledger.labels, dry_run=True
        )
        rows = sum(report.residents.values())
        errors = len(report.errors)
    else:
        rows = errors = 0
        for _pass in range(2):
            rows = sum(1 for _row in ledger.records())
    print(
        json.dumps(
            {
                "rows": rows,
                "errors": errors,
                "reader": args.reader,
                "seconds": round(time.perf_counter() - started, 2),
                "peak_mib": round(_peak_mib(), 0),
                "peak_mib_before": round(before, 0),
            }
        )
    )


if __name__ == "__main__":
    main()
