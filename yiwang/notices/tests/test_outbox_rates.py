# ruff: noqa: F811 (the fixtures imported from outbox_server are arguments here)
"""Several consumers at once. Each robot's rate limit holds: three threads, each with its
own database connection, send to one robot, and no window of the limit ever holds more
calls than it allows — in Redis (the Lua sliding window) when Redis is reachable at
NOTICE_TEST_REDIS_URL or REDIS_URL, and in the database always. Real, short runs: the
limits are made small for the test (5 calls in 2 seconds) instead of faking a clock.

SQLite's in-memory test database refuses a second writer at once ("table is locked")
where a file database waits, and it takes the write lock at BEGIN (IMMEDIATE), so writers
never overlap there anyway: on SQLite the three consumers that write to the database take
turns in one thread, as the cases' concurrency tests replay their races. The Redis
window itself is hammered by three threads on either database. Two sweeps at once claim
each due delivery once; and the tasks run on a real Huey consumer."""

import os
import threading
import time

import pytest
from django.db import connection
from huey.contrib.djhuey import HUEY

from yiwang.core.tests.test_task_queue import TasksEnded, real_queue  # noqa: F401 (a fixture)
from yiwang.notices.models import Delivery, DeliveryAttempt, DeliveryStatus
from yiwang.notices.outbox import ratelimit, send_robot

from .outbox_server import make_delivery, make_robot, outbox_settings, vendor  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)
REDIS_URL = os.environ.get("NOTICE_TEST_REDIS_URL") or os.environ.get("REDIS_URL") or ""


def _redis_reachable() -> bool:
    if not REDIS_URL:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


# The stores the limits are tested in: the database always, Redis when there is one.
STORES = ["database"] + (["redis"] if _redis_reachable() else [])


@pytest.fixture(params=STORES)
def store(request, settings):
    settings.NOTICE_REDIS_URL = REDIS_URL if request.param == "redis" else ""
    return request.param


def _most_in_a_window(times: list[float], seconds: float) -> int:
    times = sorted(times)
    return max(
        (sum(1 for t in times[i:] if t < start + seconds) for i, start in enumerate(times)),
        default=0,
    )


def _consumers(step, seconds: float | None, count: int = 3, threads: bool | None = None):
    """Runs `count` consumers, each calling `step()` until `seconds` have passed (once, for
    None): in threads, each with its own connection (on SQLite, taking turns unless
    `threads`)."""
    deadline = time.monotonic() + (seconds or 0)
    if threads is None:
        threads = connection.vendor != "sqlite"
    if not threads:
        while True:
            for _ in range(count):
                step()
            if time.monotonic() >= deadline:
                return
    errors = []

    def run():
        try:
            while True:
                step()
                if time.monotonic() >= deadline:
                    break
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(repr(exc))
        finally:
            connection.close()

    started = [threading.Thread(target=run) for _ in range(count)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join(60)
    assert errors == []


def test_three_consumers_never_exceed_the_limit(tree, vendor, settings, store):
    settings.NOTICE_RATE_LIMITS = {"wecom": [(5, 2)]}
    robot = make_robot(vendor, "wecom")
    delivery = make_delivery(robot)
    granted: list[float] = []
    lock = threading.Lock()

    def consumer():
        if store == "redis":  # the window alone: no database write, real threads
            attempt, wait = object(), ratelimit._reserve_in_redis(robot)
            attempt = attempt if wait == 0 else None
        else:
            attempt, wait = ratelimit.reserve(robot, delivery)
        if attempt is None:
            assert wait > 0
            time.sleep(min(wait, 0.05))
            return
        with lock:
            granted.append(time.time())

    _consumers(consumer, 4.5, threads=True if store == "redis" else None)

    assert _most_in_a_window(granted, 2.0) == 5
    # The limit lets calls through as the window slides: 5 at once, then 5 every 2.2 s
    # (the window and its margin).
    assert len(granted) >= 10
    if store == "database":
        assert DeliveryAttempt.objects.filter(robot=robot).count() == len(granted)


def test_three_consumers_sending_to_one_robot_keep_its_limit(tree, vendor, settings, store):
    settings.NOTICE_RATE_LIMITS = {"wecom": [(5, 2)]}
    # The time from a reservation to the server, with three busy threads on a busy machine.
    settings.NOTICE_RATE_MARGIN_MS = 400
    robot = make_robot(vendor, "wecom")

    def consumer():
        make_delivery(robot, title=f"通知 {time.monotonic():.3f}")
        send_robot(robot.pk)
        time.sleep(0.02)

    _consumers(consumer, 5)

    arrivals = [r.arrived for r in vendor.of("wecom")]
    assert vendor.problems == []
    assert _most_in_a_window(arrivals, 2.0) <= 5
    assert len(arrivals) >= 10
    # What had to wait is queued, not failed; once the window has passed it goes.
    assert not Delivery.objects.filter(status=DeliveryStatus.FAILED).exists()
    time.sleep(2.3)
    Delivery.objects.filter(status=DeliveryStatus.QUEUED).update(not_before=time_now())
    send_robot(robot.pk)
    assert set(Delivery.objects.values_list("status", flat=True)) <= {
        DeliveryStatus.SENT,
        DeliveryStatus.DIGESTED,
    }


def test_feishu_robots_keep_five_a_second(tree, vendor, settings, store):
    settings.NOTICE_RATE_MARGIN_MS = 400
    robot = make_robot(vendor, "feishu")

    def consumer():
        make_delivery(robot)
        send_robot(robot.pk)

    _consumers(consumer, 3)

    arrivals = [r.arrived for r in vendor.of("feishu")]
    assert vendor.problems == []
    assert _most_in_a_window(arrivals, 1.0) <= 5
    assert len(arrivals) >= 8


def test_a_robot_at_its_limit_makes_the_delivery_wait(tree, vendor, settings, store):
    settings.NOTICE_RATE_LIMITS = {"dingtalk": [(1, 30)]}
    robot = make_robot(vendor, "dingtalk")
    make_delivery(robot)
    assert send_robot(robot.pk) == {"sent": 1, "digested": 0}
    waiting = make_delivery(robot)
    started = time.time()
    assert send_robot(robot.pk) == {"waiting": 1}
    waiting.refresh_from_db()
    assert waiting.status == DeliveryStatus.QUEUED and waiting.attempts == 0
    assert 28 <= waiting.not_before.timestamp() - started <= 31
    assert len(vendor.of("dingtalk")) == 1


def time_now():
    from django.utils import timezone

    return timezone.now()


def test_two_sweeps_at_once_claim_each_delivery_once(tree, vendor):
    from yiwang.notices.outbox import claim_due

    robots = [make_robot(vendor, "wecom"), make_robot(vendor, "dingtalk")]
    for n in range(60):
        make_delivery(robots[n % 2], title=f"通知 {n}")
    claims: list[dict] = []
    barrier = threading.Barrier(2, timeout=20)

    def sweep():
        if connection.vendor != "sqlite":
            barrier.wait()
        claims.append(claim_due())

    _consumers(sweep, None, count=2)
    claimed = [
        set(Delivery.objects.filter(claim=token).values_list("pk", flat=True))
        for claim in claims
        for token in set(claim["robots"].values())
    ]
    assert sum(len(c) for c in claimed) == 60
    assert len(set().union(*claimed)) == 60
    assert not Delivery.objects.filter(status=DeliveryStatus.QUEUED).exists()


@pytest.mark.usefixtures("real_queue")
def test_the_tasks_run_on_a_real_consumer(tree, vendor):
    """Huey on its configured storage with a consumer, as `bin/run` starts it: an
    announcement queued to its groups is sent by the consumer's task."""
    from yiwang.accounts.models import User
    from yiwang.notices.models import Announcement
    from yiwang.notices.outbox import queue_to_groups

    robot = make_robot(vendor, "feishu")
    sender = User.objects.create(username="sender")
    announcement = Announcement.objects.create(
        area_code="370830",
        title="消防演练",
        body="周五下午演练。",
        sender=sender,
        audience_areas=[robot.area_code],
    )
    # Waits for the sending task to end, without reading the deliveries meanwhile.
    with TasksEnded(HUEY, "send_robot_deliveries") as sent:
        queue_to_groups(announcement)  # no transaction open: the task is queued at once
        sent.wait(seconds=20)
    assert Delivery.objects.get().status == DeliveryStatus.SENT
    [record] = vendor.of("feishu")
    assert record.problems == [] and "消防演练" in record.text
