"""Background work shared by every module, run by the Huey consumers: imports and exports
on the bulk queue (yiwang/core/queues.py), the periodic clean-ups and the months ahead of the
partitioned tables on the main one."""

from huey import crontab

from yiwang.core import exports, import_files, imports, partitions
from yiwang.core.imports import run_job
from yiwang.core.periodic import periodic_task
from yiwang.core.queues import bulk_task


@bulk_task()
def run_import(job_id: int) -> None:
    run_job(job_id)


@bulk_task()
def run_export(job_id: int) -> None:
    exports.run_export(job_id)


@periodic_task(crontab(minute="17"))
def purge_expired_exports() -> int:
    """Hourly: the files of exports older than a week go."""
    return exports.purge_expired()


@periodic_task(crontab(minute="23"))
def purge_expired_import_files() -> int:
    """Hourly: the uploaded files and error files of imports older than IMPORT_KEEP_DAYS go."""
    return import_files.purge_expired()


@periodic_task(crontab(minute="*/5"))
def recover_silent_jobs() -> dict:
    """The imports and exports whose consumer went silent (killed, restarted) run once
    more, then fail (yiwang/core/leases.py)."""
    return {
        "imports": imports.recover_silent_jobs(run_import),
        "exports": exports.recover_silent_jobs(run_export),
    }


# Huey's crontab reads UTC: 19:41 UTC is 03:41 in Beijing, a quiet hour.
@periodic_task(crontab(minute="41", hour="19"))
def make_partitions_ahead() -> list[str]:
    """Nightly: this month's partition and the next three of every table partitioned by
    month, where missing (yiwang.core.partitions). Nothing on SQLite."""
    return partitions.ensure_months()
