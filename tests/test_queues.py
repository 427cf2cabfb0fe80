"""The deadline sweep and the imports on their own queues: a long import, on every worker
there is, never delays an escalation. Huey on its real storage (SQLite, or Redis when
REDIS_URL is set), with the consumers `bin/run` starts."""

import threading

import pytest
from django.conf import settings
from huey import signals
from huey.contrib.djhuey import HUEY

from conftest import COUNTY
from yiwang.cases.tasks import sweep_cases
from yiwang.core import imports
from yiwang.core.models import ImportJob
from yiwang.core.services import start_import
from yiwang.core.tests.test_task_queue import real_queue  # noqa: F401 (a fixture)


@pytest.fixture
def slow_importer():
    """An importer that runs until the test lets it finish, as a file of a million rows
    keeps a worker for a quarter of an hour."""
    running = threading.Semaphore(0)
    release = threading.Event()

    @imports.importer("slow-test")
    def slow(job, progress):
        running.release()
        release.wait(60)
        return {}, []

    try:
        yield running
    finally:
        release.set()
        imports._IMPORTERS.pop("slow-test", None)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("real_queue")
def test_long_imports_on_every_worker_do_not_delay_the_deadline_sweep(slow_importer, county_admin):
    # More long imports than the consumers have workers, of either queue.
    workers = settings.HUEY["consumer"]["workers"] + settings.HUEY_BULK["consumer"]["workers"]
    for n in range(workers + 1):
        start_import(
            actor=county_admin,
            kind="slow-test",
            filename=f"big-{n}.csv",
            data=b"code\n1\n",
            area_code=COUNTY,
        )
    assert slow_importer.acquire(timeout=20), "no import started"

    # A periodic task keeps no result: its end is seen by Huey's signal.
    swept = threading.Event()

    def on_complete(signal, task, *args):
        if task.name.endswith("sweep_cases"):
            swept.set()

    HUEY.signal(signals.SIGNAL_COMPLETE)(on_complete)
    try:
        sweep_cases()
        assert swept.wait(15), "the sweep waited behind the imports"
    finally:
        HUEY.disconnect_signal(on_complete, signals.SIGNAL_COMPLETE)
    # The imports are still running (or waiting for the bulk worker) all the while.
    assert ImportJob.objects.filter(kind="slow-test", finished_at=None).count() == workers + 1
