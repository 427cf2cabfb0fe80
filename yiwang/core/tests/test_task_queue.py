"""Huey on its real storage (SQLite file, or Redis when REDIS_URL is set), with a consumer."""

import threading

import pytest
from django.conf import settings
from huey.contrib.djhuey import HUEY
from huey.signals import SIGNAL_CANCELED, SIGNAL_COMPLETE, SIGNAL_ERROR, SIGNAL_REVOKED

from conftest import COUNTY, DATA
from yiwang.core.models import AuditEntry, ImportJob
from yiwang.core.queues import bulk
from yiwang.core.services import start_import
from yiwang.core.tests.test_logs import consumer_lines


@pytest.fixture
def real_queue():
    """Switches Huey from the tests' immediate mode to its configured storage and runs the
    consumers beside the test as `bin/run` does: the main queue's and the bulk queue's
    (imports and exports), each with the workers its settings give it."""
    started = []
    for queue, config in ((HUEY, settings.HUEY), (bulk, settings.HUEY_BULK)):
        queue.immediate = False
        queue.flush()
        workers = config["consumer"]["workers"]
        consumer = queue.create_consumer(workers=workers, worker_type="thread", periodic=False)
        consumer.start()
        started.append((queue, consumer))
    try:
        yield HUEY
    finally:
        for queue, consumer in started:
            consumer.stop(graceful=True)
            queue.flush()
            queue.immediate = True


class TasksEnded:
    """Counts a queue's tasks that have ended (those whose name ends with `name`, if
    given), as the consumer signals them.

    A test waits on this count instead of reading rows while the consumer writes them. On
    SQLite the test database is in memory and shared between threads, so a write made
    while another thread reads the same table fails at once: "database table is locked"."""

    SIGNALS = (SIGNAL_COMPLETE, SIGNAL_ERROR, SIGNAL_CANCELED, SIGNAL_REVOKED)

    def __init__(self, queue, name: str = ""):
        self.queue, self.name = queue, name
        self.count = 0
        self._changed = threading.Condition()

    def __call__(self, signal, task, *args, **kwargs):
        if task.name.endswith(self.name):
            with self._changed:
                self.count += 1
                self._changed.notify_all()

    def __enter__(self):
        self.queue.signal(*self.SIGNALS)(self)
        return self

    def __exit__(self, *exc):
        self.queue.disconnect_signal(self, *self.SIGNALS)

    def wait(self, count: int = 1, seconds: float = 30) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: self.count >= count, timeout=seconds):
                raise AssertionError(f"{self.count} of {count} tasks ended in {seconds} s")


@pytest.fixture
def bulk_ended(real_queue):
    with TasksEnded(bulk) as ended:
        yield ended


def _wait_until_finished(job_id: int, ended: TasksEnded, tasks: int = 1) -> ImportJob:
    ended.wait(tasks)
    return ImportJob.objects.get(pk=job_id)


@pytest.mark.django_db(transaction=True)
def test_a_queued_import_is_run_by_a_consumer_and_audited_as_an_import(
    real_queue, bulk_ended, county_admin
):
    assert type(real_queue).__name__ == ("RedisHuey" if settings.REDIS_URL else "SqliteHuey")
    # The tree fixture holds this file already: importing it again changes nothing.
    job = start_import(
        actor=county_admin,
        kind="areas",
        filename="divisions-370830.csv",
        data=(DATA / "divisions-370830.csv").read_bytes(),
        area_code=COUNTY,
    )
    assert ImportJob.objects.get(pk=job.pk).status in {"queued", "running", "done"}
    job = _wait_until_finished(job.pk, bulk_ended)

    assert job.status == "done", job.errors
    assert job.result == {"created": 0, "renamed": 0, "unchanged": 388}
    assert AuditEntry.objects.filter(action="import.start", source="system").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_consumers_given_the_same_job_run_it_once(bulk_ended, county_admin):
    from yiwang.core.tasks import run_import

    data = "code,name\n370830001001901,新网格\n".encode()
    job = start_import(
        actor=county_admin, kind="areas", filename="g.csv", data=data, area_code=COUNTY
    )
    run_import(job.pk)  # a second delivery of the same job
    job = _wait_until_finished(job.pk, bulk_ended, tasks=2)  # both deliveries ended

    assert job.status == "done" and job.result["created"] == 1
    assert (
        AuditEntry.objects.filter(action="area.create", object_repr__contains="新网格").count() == 1
    )


def test_the_bulk_consumer_runs_the_imports_and_exports_and_nothing_else(tmp_path):
    lines = consumer_lines(
        tmp_path,
        ["run_bulk_huey", "--workers", "1"],
        lambda lines: sum(line.startswith("+ ") for line in lines) == 2,
    )

    commands = {line[2:] for line in lines if line.startswith("+ ")}
    assert commands == {"yiwang.core.tasks.run_import", "yiwang.core.tasks.run_export"}, lines
    assert any("Periodic tasks are disabled" in line for line in lines), lines
    # The sweep's queue does not hold them.
    assert not {"yiwang.core.tasks.run_import", "yiwang.core.tasks.run_export"} & set(
        HUEY._registry._registry
    )
