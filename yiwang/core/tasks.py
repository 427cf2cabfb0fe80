"""Background work shared by every module, run by the Huey consumers."""

from huey.contrib.djhuey import db_task

from yiwang.core.imports import run_job


@db_task()
def run_import(job_id: int) -> None:
    run_job(job_id)
