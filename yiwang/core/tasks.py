"""Background work shared by every module, run by the Huey consumers: imports and exports
on the bulk queue (yiwang/core/queues.py), the periodic clean-ups and the months ahead of the
partitioned tables on the main one."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from yiwang.core import exports, import_files, partitions
from yiwang.core.imports import fail_stale_jobs, run_job
from yiwang.core.queues import bulk_task


@bulk_task()
def run_import(job_id: int) -> None:
    run_job(job_id)


@db_periodic_task(crontab(minute="*/10"))
def fail_stale_imports() -> int:
    return fail_stale_jobs()


@bulk_task()
def run_export(job_id: int) -> None:
    exports.run_export(job_id)


@db_periodic_task(crontab(minute="17"))
def purge_expired_exports() -> int:
    """Hourly: the files of exports older than a week go."""
    return exports.purge_expired()


@db_periodic_task(crontab(minute="23"))
def purge_expired_import_files() -> int:
    """Hourly: the uploaded files and error files of imports older than IMPORT_KEEP_DAYS go."""
    return import_files.purge_expired()


# Huey's crontab reads UTC: 19:41 UTC is 03:41 in Beijing, a quiet hour.
@db_periodic_task(crontab(minute="41", hour="19"))
def make_partitions_ahead() -> list[str]:
    """Nightly: this month's partition and the next three of every table partitioned by
    month, where missing (yiwang.core.partitions). Nothing on SQLite."""
    return partitions.ensure_months()
