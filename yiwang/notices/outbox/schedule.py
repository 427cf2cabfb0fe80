"""How the outbox queues its sending: the Huey tasks of yiwang/notices/tasks.py, which
register here when they are loaded (Django loads every app's tasks module at start), so
that the sending code does not import the tasks that import it."""

from __future__ import annotations

import datetime
from collections.abc import Callable

_tasks: dict[str, Callable] = {}


def register(*, robot: Callable, sms: Callable) -> None:
    _tasks["robot"], _tasks["sms"] = robot, sms


def _task(name: str) -> Callable:
    if name not in _tasks:
        raise RuntimeError("yiwang.notices.tasks is not loaded: the notices app loads it")
    return _tasks[name]


def robot(robot_id: int, at: datetime.datetime | None = None) -> None:
    """Sends the robot's due deliveries now, or at `at`."""
    task = _task("robot")
    task.schedule((robot_id,), eta=at) if at else task(robot_id)


def sms(delivery_id: int, at: datetime.datetime | None = None) -> None:
    """Sends the SMS delivery now, or at `at`."""
    task = _task("sms")
    task.schedule((delivery_id,), eta=at) if at else task(delivery_id)
