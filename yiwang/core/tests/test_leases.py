"""A consumer killed in the middle of an import or an export: the job runs once more, then
fails. The killed consumer is a job left running with its last sign of life long ago; the
clock (time_machine) moves past the lease."""

import datetime
import time

import pytest
import time_machine
from django.utils import timezone

from conftest import TOWN
from yiwang.core import exports, imports, leases
from yiwang.core.models import ExportJob, ImportJob
from yiwang.core.tasks import recover_silent_jobs

pytestmark = pytest.mark.django_db


@pytest.fixture
def counting_importer():
    runs = []

    @imports.importer("lease-test")
    def count(job, progress):
        runs.append(job.pk)
        return {"created": 1}, []

    try:
        yield runs
    finally:
        imports._IMPORTERS.pop("lease-test", None)


def _import(user, **fields) -> ImportJob:
    return ImportJob.objects.create(
        kind="lease-test", filename="a.csv", data=b"", created_by=user, area_code=TOWN, **fields
    )


def _killed(model, job_id: int):
    """The consumer claims the job and is killed before it ends: the row stays running."""
    return leases.claim(model, job_id)


def test_a_job_whose_consumer_was_killed_runs_once_more_then_fails(town_admin, counting_importer):
    job = _import(town_admin)
    assert _killed(ImportJob, job.pk) == 1
    queued = []

    # Within the lease nothing happens: the consumer may be busy.
    later = timezone.now() + leases.LEASE - datetime.timedelta(seconds=30)
    assert imports.recover_silent_jobs(queued.append, later) == {"requeued": 0, "failed": 0}

    with time_machine.travel(timezone.now() + leases.LEASE + datetime.timedelta(minutes=1)):
        assert imports.recover_silent_jobs(queued.append) == {"requeued": 1, "failed": 0}
        # Once: a second sweep (another consumer) finds it queued and leaves it.
        assert imports.recover_silent_jobs(queued.append) == {"requeued": 0, "failed": 0}
        assert queued == [job.pk]
        job.refresh_from_db()
        assert (job.status, job.attempts, job.heartbeat_at) == ("queued", 1, None)

        # Run again, and killed again.
        assert _killed(ImportJob, job.pk) == 2

    with time_machine.travel(timezone.now() + 2 * leases.LEASE + datetime.timedelta(minutes=2)):
        assert imports.recover_silent_jobs(queued.append) == {"requeued": 0, "failed": 1}
    job.refresh_from_db()
    assert job.status == "failed" and job.finished_at is not None
    assert job.errors == [
        "导入两次中断：运行它的后台进程没有响应。请重新上传同一文件：已导入的数据保留，不会重复。"
    ]
    assert queued == [job.pk] and counting_importer == []


def test_the_job_queued_again_is_run_by_the_next_consumer(town_admin, counting_importer):
    job = _import(town_admin)
    _killed(ImportJob, job.pk)
    with time_machine.travel(timezone.now() + leases.LEASE + datetime.timedelta(minutes=1)):
        assert imports.recover_silent_jobs(imports.run_job)["requeued"] == 1
    job.refresh_from_db()
    assert (job.status, job.attempts, job.result) == ("done", 2, {"created": 1})
    assert counting_importer == [job.pk]


def test_the_end_of_a_run_given_up_does_not_overwrite_the_next(town_admin):
    job = _import(town_admin)
    first = _killed(ImportJob, job.pk)
    ImportJob.objects.filter(pk=job.pk).update(status="queued")  # given up, queued again
    second = leases.claim(ImportJob, job.pk)
    # The first consumer was not dead after all, and ends late.
    assert not leases.this_run(ImportJob, job.pk, first).update(status="failed")
    assert leases.this_run(ImportJob, job.pk, second).update(status="done") == 1
    assert ImportJob.objects.get(pk=job.pk).status == "done"


def test_a_running_job_whose_consumer_is_alive_is_left_alone(town_admin):
    job = _import(town_admin)
    _killed(ImportJob, job.pk)
    soon = timezone.now() + leases.LEASE + datetime.timedelta(minutes=1)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=soon - datetime.timedelta(seconds=30))
    assert imports.recover_silent_jobs(lambda pk: None, soon) == {"requeued": 0, "failed": 0}
    assert ImportJob.objects.get(pk=job.pk).status == "running"


def test_an_export_whose_consumer_was_killed_runs_once_more_then_fails(chief):
    job = ExportJob.objects.create(kind="registry.residents", params={}, created_by=chief)
    _killed(ExportJob, job.pk)
    queued = []
    silent = timezone.now() + leases.LEASE + datetime.timedelta(minutes=1)
    assert exports.recover_silent_jobs(queued.append, silent)["requeued"] == 1
    _killed(ExportJob, job.pk)
    silent += leases.LEASE + datetime.timedelta(minutes=1)
    assert exports.recover_silent_jobs(queued.append, silent)["failed"] == 1
    job.refresh_from_db()
    assert (job.status, job.error) == (
        "failed",
        "导出两次中断：运行它的后台进程没有响应。请重新导出。",
    )
    assert queued == [job.pk]


def test_the_periodic_sweep_recovers_both(town_admin, chief):
    job = _import(town_admin, status="running", attempts=2)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - 2 * leases.LEASE)
    result = recover_silent_jobs.call_local()
    assert result["imports"] == {"requeued": 0, "failed": 1}
    assert result["exports"] == {"requeued": 0, "failed": 0}


@pytest.mark.django_db(transaction=True)
def test_the_sign_of_life_is_renewed_while_the_job_runs(town_admin):
    job = _import(town_admin)
    attempt = leases.claim(ImportJob, job.pk)
    first = ImportJob.objects.get(pk=job.pk).heartbeat_at
    with leases.heartbeat(ImportJob, job.pk, attempt, every=datetime.timedelta(seconds=0.05)):
        deadline = time.monotonic() + 10
        while ImportJob.objects.get(pk=job.pk).heartbeat_at == first:
            assert time.monotonic() < deadline, "no sign of life renewed"
            time.sleep(0.05)
    assert ImportJob.objects.get(pk=job.pk).heartbeat_at > first
