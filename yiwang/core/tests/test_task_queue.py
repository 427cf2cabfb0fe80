"""Huey on its real storage (SQLite file, or Redis when REDIS_URL is set), with a consumer."""

import pytest
from django.conf import settings
from huey.contrib.djhuey import HUEY

from conftest import DATA
from yiwang.areas.models import Area
from yiwang.areas.tasks import import_areas_file
from yiwang.core.models import AuditEntry


@pytest.fixture
def real_queue():
    """Switches Huey from the tests' immediate mode to its configured storage and runs a
    consumer with one worker thread beside the test."""
    HUEY.immediate = False
    HUEY.flush()
    consumer = HUEY.create_consumer(workers=1, worker_type="thread", periodic=False)
    consumer.start()
    try:
        yield HUEY
    finally:
        consumer.stop(graceful=True)
        HUEY.flush()
        HUEY.immediate = True


@pytest.mark.django_db(transaction=True)
def test_a_queued_import_is_run_by_a_consumer_and_audited_as_a_task(real_queue):
    assert type(real_queue).__name__ == ("RedisHuey" if settings.REDIS_URL else "SqliteHuey")

    result = import_areas_file((DATA / "divisions-370830.csv").read_bytes(), "divisions.csv")
    report = result.get(blocking=True, timeout=30)

    assert report == {"created": 388, "renamed": 0, "unchanged": 0, "errors": []}
    assert Area.objects.count() == 388
    assert AuditEntry.objects.filter(source="task", action="area.create").count() == 388
