"""Several consumers on one queue: each task runs once, each periodic task once a period.

Three consumers, each with a Huey instance of its own as on three machines, run from
threads beside the test on real storage: Redis (REDIS_TEST_URL, by default db 7 of the
machine's Redis, under a queue name of this run's own) and a SQLite file. Their schedulers
each enqueue the periodic task, as three consumers do every minute; a controlled clock
(time_machine) says which minute it is.
"""

import datetime
import logging
import os
import pathlib
import re
import threading
import time
import uuid

import pytest
import time_machine
from django.utils.module_loading import autodiscover_modules
from huey import RedisHuey, SqliteHuey, crontab, signals
from huey.contrib.djhuey import HUEY

from yiwang.core import periodic
from yiwang.core.logs import QuietPeriodicTasks
from yiwang.core.queues import bulk

REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/7")
ROOT = pathlib.Path(__file__).resolve().parent.parent


def _utc(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=datetime.UTC)


# --- every periodic task of the project goes through the lock ---------------------------


def test_every_periodic_task_of_the_project_runs_once_a_period():
    autodiscover_modules("tasks")  # as `manage.py run_huey` does
    periodic_tasks = [t for q in (HUEY, bulk) for t in q._registry._periodic_tasks]
    names = {t.__name__ for t in periodic_tasks}
    assert {"sweep_cases", "dispatch_outbox", "monthly_reports", "schedule_visits"} <= names
    unguarded = [
        f"{t.__module__}.{t.__name__}" for t in periodic_tasks if t not in periodic.GUARDED
    ]
    assert unguarded == []


def test_no_module_makes_a_periodic_task_but_through_the_lock():
    made_directly = re.compile(r"\bdb_periodic_task\(|\.periodic_task\(")
    found = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "yiwang").rglob("*.py")
        if "tests" not in path.parts
        and path.name != "periodic.py"
        and made_directly.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []


# --- the period ------------------------------------------------------------------------


def test_the_period_is_the_latest_minute_the_schedule_matches():
    every_ten = crontab(minute="*/10")
    now = datetime.datetime(2030, 5, 1, 10, 17, 30)
    assert periodic.period_of(every_ten, now) == datetime.datetime(2030, 5, 1, 10, 10)
    start = datetime.datetime(2030, 5, 1, 10, 10)
    assert periodic.period_length(every_ten, start) == datetime.timedelta(minutes=10)
    # A copy enqueued at 10:10 that waited into 10:11 belongs to 10:10 still.
    assert periodic.period_of(every_ten, start + datetime.timedelta(seconds=70)) == start

    daily = crontab(minute="10", hour="1")
    assert periodic.period_length(daily, datetime.datetime(2030, 5, 1, 1, 10)) == (
        datetime.timedelta(days=1)
    )
    # Outside any schedule of the day before (a monthly task enqueued by hand): no period.
    monthly = crontab(minute="0", hour="22", day="1")
    assert periodic.period_of(monthly, datetime.datetime(2030, 5, 15, 12, 0)) is None


# --- the lock on either storage ----------------------------------------------------------


@pytest.fixture(params=["redis", "sqlite"])
def make_huey(request, tmp_path):
    """A factory of Huey instances on one queue (one per machine), of this run's own."""
    name = f"yiwang-consumers-{uuid.uuid4().hex[:12]}"
    made = []

    def make():
        if request.param == "redis":
            huey = RedisHuey(name, url=REDIS_TEST_URL)
        else:
            huey = SqliteHuey(name, filename=str(tmp_path / "huey.sqlite3"))
        made.append(huey)
        return huey

    yield make
    if made:
        made[0].flush()
        if request.param == "redis":
            conn = made[0].storage.conn
            keys = list(conn.scan_iter(f"{periodic.KEY_PREFIX}.{name}.*"))
            if keys:
                conn.delete(*keys)


def test_the_first_copy_of_a_period_takes_it_and_old_keys_go(make_huey):
    huey = make_huey()
    every_minute = crontab()
    ten = datetime.datetime(2030, 5, 1, 10, 0, 5)
    assert periodic.take_period(huey, "t", every_minute, ten) == ten.replace(second=0)
    # The other copies of 10:00.
    assert periodic.take_period(huey, "t", every_minute, ten) is None
    assert periodic.take_period(huey, "t", every_minute, ten.replace(second=59)) is None
    assert periodic.take_period(huey, "other", every_minute, ten) is not None
    # A copy that failed gives the period back: the next copy of 10:00 runs.
    periodic.release_period(huey, "other", every_minute, ten.replace(second=0))
    assert periodic.take_period(huey, "other", every_minute, ten) is not None
    assert periodic.take_period(huey, "other", every_minute, ten) is None
    assert periodic.take_period(huey, "t", every_minute, ten.replace(minute=1)) is not None

    if isinstance(huey, SqliteHuey):
        # A key is kept a little over its period, then goes when a later copy comes.
        def keys():
            with huey.storage.db() as cursor:
                rows = cursor.execute("select key from kv where key like 'yiwang.periodic:t:%'")
                return sorted(key[-14:-2] for (key,) in rows)

        assert keys() == ["203005011000", "203005011001"]
        assert periodic.take_period(huey, "t", every_minute, ten.replace(minute=5))
        assert keys() == ["203005011005"]
    else:
        key = f"{periodic.KEY_PREFIX}.{huey.name}.t.20300501100000"
        # A minute's period, and a little over (the clocks of several machines).
        assert 60 < huey.storage.conn.ttl(key) <= 180


# --- three consumers at once -------------------------------------------------------------


def _every_minute_task(huey, runs: list):
    every_minute = crontab()

    def tick():
        runs.append(huey)

    tick.__module__ = __name__
    return huey.periodic_task(every_minute, context=True)(
        periodic.once_per_period(huey, every_minute, tick)
    )


class Consumers:
    """Three consumers, each of its own Huey instance, started in threads; counts the
    tasks they finished."""

    def __init__(self, hueys):
        self.hueys = hueys
        self.finished = 0
        self._lock = threading.Lock()
        for huey in hueys:
            huey.signal(signals.SIGNAL_COMPLETE)(self._complete)
        self.consumers = [
            huey.create_consumer(workers=2, worker_type="thread", periodic=False, max_delay=0.2)
            for huey in hueys
        ]
        # Each consumer's scheduler, called at the minute the test says rather than on
        # the consumer's own 60 seconds.
        self.schedulers = [consumer._create_scheduler() for consumer in self.consumers]

    def _complete(self, signal, task, *args):
        with self._lock:
            self.finished += 1

    def __enter__(self):
        for consumer in self.consumers:
            consumer.start()
        return self

    def __exit__(self, *exc):
        for consumer in self.consumers:
            consumer.stop(graceful=True)

    def wait_for(self, count: int, seconds: float = 30):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.finished >= count:
                time.sleep(0.2)  # anything more would have finished by now
                return self.finished
            time.sleep(0.02)
        raise AssertionError(f"{self.finished} of {count} tasks finished in {seconds} s")


class Lines(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def skipped_lines():
    """The lines of the copies skipped (Huey's loggers do not reach pytest's handler)."""
    lines, logger = Lines(), logging.getLogger("huey.periodic")
    logger.addHandler(lines)
    try:
        yield lines.records
    finally:
        logger.removeHandler(lines)


def test_three_consumers_run_a_periodic_task_once_a_minute(make_huey, skipped_lines):
    runs: list = []
    hueys = [make_huey() for _ in range(3)]
    for huey in hueys:
        _every_minute_task(huey, runs)

    with Consumers(hueys) as consumers:
        for minute in range(3):
            with time_machine.travel(_utc(2030, 5, 1, 10, minute, 5), tick=True):
                # Each consumer's scheduler enqueues the task at its turn of the minute.
                for scheduler in consumers.schedulers:
                    scheduler.enqueue_periodic_tasks(None)
                consumers.wait_for(3 * (minute + 1))
            assert len(runs) == minute + 1

    # Two copies skipped a minute, each said at INFO, in the line the console leaves out.
    skipped = skipped_lines
    assert len(skipped) == 6 and all(r.levelno == logging.INFO for r in skipped)
    assert "skipped" in skipped[0].getMessage()
    assert not QuietPeriodicTasks().filter(skipped[0])


def test_a_copy_delayed_into_the_next_minute_still_counts_for_its_period(make_huey):
    runs: list = []
    hueys = [make_huey() for _ in range(3)]
    every_five = crontab(minute="*/5")
    for huey in hueys:

        def tick(huey=huey):
            runs.append(huey)

        tick.__name__ = "tick_five"
        tick.__module__ = __name__
        huey.periodic_task(every_five, context=True)(
            periodic.once_per_period(huey, every_five, tick)
        )

    with Consumers(hueys) as consumers:
        with time_machine.travel(_utc(2030, 5, 1, 10, 5, 50), tick=True):
            consumers.schedulers[0].enqueue_periodic_tasks(None)
            consumers.wait_for(1)
        # The two others' copies of 10:05 ran late, behind a backlog.
        with time_machine.travel(_utc(2030, 5, 1, 10, 7, 10), tick=True):
            for huey in hueys[1:]:
                huey.enqueue(huey._registry._periodic_tasks[0]())
            consumers.wait_for(3)
        assert len(runs) == 1
        with time_machine.travel(_utc(2030, 5, 1, 10, 10, 1), tick=True):
            hueys[2].enqueue(hueys[2]._registry._periodic_tasks[0]())
            consumers.wait_for(4)
        assert len(runs) == 2


def test_three_consumers_run_an_ordinary_task_enqueued_fifty_times_fifty_times(make_huey):
    done: list = []
    hueys = [make_huey() for _ in range(3)]
    tasks = []
    for index, huey in enumerate(hueys):

        def work(n, index=index):
            done.append((n, index))

        work.__module__ = __name__
        tasks.append(huey.task()(work))

    with Consumers(hueys) as consumers:
        for n in range(50):
            tasks[n % 3](n)
        consumers.wait_for(50)

    assert sorted(n for n, _ in done) == list(range(50))  # each once
    assert len(done) == 50
