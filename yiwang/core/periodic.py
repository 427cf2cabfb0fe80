"""Periodic tasks run once a period, whatever the number of consumers.

Every Huey consumer runs a scheduler of its own, so with a consumer on each of three
machines each periodic task is enqueued three times a period. `periodic_task` is used in
place of djhuey's `db_periodic_task` for every periodic task of the project
(tests/test_consumers.py checks it): the first copy of a period runs, and the others of the
same period return at once.

The period of a copy is the latest minute, up to the moment it runs, that the task's
schedule (a crontab or a function of the time, as Huey hands it) matches: a copy that
waited behind a backlog counts for the period it was enqueued in, until the schedule
matches again. The copy takes the period's key once, atomically: SET NX EX in Redis when
the queue is on Redis (the key expires a little after the period ends, after a day at most),
an insert into the kv table of the queue's SQLite file otherwise (the keys whose time is
past removed as each new one is taken). A copy that fails gives its period back, so that
the next copy of the period (another consumer's, or a retry) runs. A task enqueued by hand
outside its schedule (no match in the day before) runs as it is; so does everything in the
tests' immediate mode and `call_local`. The tasks stay idempotent all the same: a lock only spares the work.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from functools import wraps

from huey.contrib.djhuey import HUEY, db_periodic_task
from huey.storage import RedisStorage, SqliteStorage

# In Huey's namespace, with the task as an argument: the consumer's filter of routine
# periodic lines (yiwang/core/logs.py, QuietPeriodicTasks) keeps it out of the console.
logger = logging.getLogger("huey.periodic")

STEP = datetime.timedelta(minutes=1)
# How far back a period is looked for, and how long its key is kept at most.
BOUND = datetime.timedelta(days=1)
# Kept a little past the period's end: a consumer whose clock is a little behind.
MARGIN = datetime.timedelta(minutes=2)
KEY_PREFIX = "yiwang.periodic"

Validate = Callable[[datetime.datetime], bool]

# The task classes made by `periodic_task`, for the test that every periodic task is one.
GUARDED: set[type] = set()


def period_of(validate: Validate, now: datetime.datetime) -> datetime.datetime | None:
    """The latest minute up to `now` that `validate` matches (a day back at most)."""
    moment = now.replace(second=0, microsecond=0)
    for _ in range(int(BOUND / STEP) + 1):
        if validate(moment):
            return moment
        moment -= STEP
    return None


def period_length(validate: Validate, start: datetime.datetime) -> datetime.timedelta:
    """From `start` to the next minute `validate` matches, BOUND at most."""
    moment = start + STEP
    while moment - start < BOUND:
        if validate(moment):
            return moment - start
        moment += STEP
    return BOUND


def _stamp(moment: datetime.datetime) -> str:
    return moment.strftime("%Y%m%d%H%M%S")


def _key(huey, name: str, validate: Validate, start: datetime.datetime) -> str:
    if isinstance(huey.storage, RedisStorage):
        return f"{KEY_PREFIX}.{huey.name}.{name}.{_stamp(start)}"
    # In SQLite the key begins with the time it may go: the clean-up finds the old by order.
    expires = start + period_length(validate, start) + MARGIN
    return f"{KEY_PREFIX}:{name}:{_stamp(expires)}:{_stamp(start)}"


def release_period(huey, name: str, validate: Validate, start: datetime.datetime) -> None:
    """Gives the period back: a copy that failed lets the next copy of the period run."""
    key = _key(huey, name, validate, start)
    if isinstance(huey.storage, RedisStorage):
        huey.storage.conn.delete(key)
    else:
        huey.storage.delete_data(key)


def take_period(huey, name: str, validate: Validate, now: datetime.datetime | None = None):
    """Takes the period that `now` falls in for the task `name`: the period when this is
    its first copy, None when another copy took it already. A copy outside the schedule
    takes nothing and gets `now`."""
    now = now or huey._get_timestamp()
    start = period_of(validate, now)
    if start is None:
        return now
    expires = start + period_length(validate, start) + MARGIN
    storage = huey.storage
    key = _key(huey, name, validate, start)
    if isinstance(storage, RedisStorage):
        seconds = max(int((expires - now).total_seconds()), 1)
        return start if storage.conn.set(key, "1", nx=True, ex=seconds) else None
    prefix = f"{KEY_PREFIX}:{name}:"
    if isinstance(storage, SqliteStorage):
        # The keys of this task whose time is past: their stamps sort before now's.
        with storage.db(commit=True) as cursor:
            cursor.execute(
                "delete from kv where queue = ? and key >= ? and key < ?",
                (storage.name, prefix, prefix + _stamp(now)),
            )
    return start if storage.put_if_empty(key, b"1") else None


def once_per_period(huey, validate: Validate, fn: Callable) -> Callable:
    """`fn` as the body of a periodic task of `huey` made with `context=True`: the first
    copy of a period runs it, the others return None at once."""

    @wraps(fn)
    def inner(*args, task=None, **kwargs):
        if huey.immediate or task is None:
            return fn(*args, **kwargs)
        period = take_period(huey, task.name, validate)
        if period is None:
            logger.info("%s: this period's run was taken by another consumer; skipped.", task)
            return None
        try:
            return fn(*args, **kwargs)
        except Exception:
            release_period(huey, task.name, validate, period)
            raise

    return inner


def periodic_task(validate: Validate, **kwargs):
    """djhuey's `db_periodic_task`, run once a period across every consumer."""

    def decorator(fn):
        wrapper = db_periodic_task(validate, context=True, **kwargs)(
            once_per_period(HUEY, validate, fn)
        )
        wrapper.call_local = fn
        GUARDED.add(wrapper.task_class)
        return wrapper

    return decorator
