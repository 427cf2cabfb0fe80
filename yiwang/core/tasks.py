"""Background work shared by every module, run by the Huey consumers."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from yiwang.core.imports import fail_stale_jobs, run_job


@db_task()
def run_import(job_id: int) -> None:
    run_job(job_id)


@db_periodic_task(crontab(minute="*/10"))
def fail_stale_imports() -> int:
    return fail_stale_jobs()
