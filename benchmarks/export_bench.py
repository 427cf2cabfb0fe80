"""The `export` group: the ledger export of >= 1,000,000 residents as a background job
(yiwang.core.exports.run_export, the Huey task's function itself, timed) against the floor
measured in the same run: the same number of rows, of the same columns and content (the
job's first rows, repeated), appended to a workbook in openpyxl's write-only mode alone.
Target: the job at most 3x the floor."""

from __future__ import annotations

import itertools
import os
import tempfile
import time


def bench_export(args, ensure_ledger) -> dict:
    from django.core.files.storage import default_storage
    from openpyxl import Workbook

    from yiwang.accounts.models import User
    from yiwang.core import exports
    from yiwang.core.models import ExportJob
    from yiwang.registry import exporters

    ledger = ensure_ledger(args)
    user = User.objects.get(username="county")
    codes = exports.access.scope_codes(user)
    job = ExportJob.objects.create(
        kind="registry.residents",
        params={"_scope": list(codes), "_area": codes[0]},
        created_by=user,
        area_code=codes[0],
    )
    print(f"  export job {job.pk}: {ledger['residents']:,} residents …", flush=True)
    started = time.perf_counter()
    exports.run_export(job.pk)
    job_seconds = time.perf_counter() - started
    job.refresh_from_db()
    if job.status != ExportJob.Status.DONE:
        raise SystemExit(f"the export job ended {job.status}: {job.error}")
    size = job.size
    default_storage.delete(job.file_name)
    print(f"  job: {job.rows:,} rows, {size / 1e6:.1f} MB in {job_seconds:.1f} s", flush=True)

    # The floor: the job's first 10,000 rows as it wrote them, repeated to the same count
    # (a list of a million rows would take most of a gigabyte), written with openpyxl's
    # write-only mode and nothing else.
    table = exporters.export_residents(user, {})
    sample = [list(row) for row in itertools.islice(table.rows, 10_000)]
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        started = time.perf_counter()
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=table.title)
        sheet.append(list(table.headers))
        for index in range(job.rows):
            sheet.append(sample[index % len(sample)])
        workbook.save(path)
        floor_seconds = time.perf_counter() - started
        floor_size = os.path.getsize(path)
    finally:
        os.unlink(path)
    print(f"  floor: {job.rows:,} rows in {floor_seconds:.1f} s", flush=True)
    return {
        "title": "The ledger export of a million residents as a background job, against "
        "openpyxl's write-only mode alone",
        "ledger": ledger,
        "figures": {
            "job_seconds": round(job_seconds, 1),
            "floor_seconds": round(floor_seconds, 1),
            "ratio": round(job_seconds / floor_seconds, 2),
        },
        "rows": job.rows,
        "job_bytes": size,
        "floor_bytes": floor_size,
    }
