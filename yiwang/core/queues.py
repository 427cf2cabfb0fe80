"""The bulk queue: imports and exports run on a Huey instance of their own.

Huey runs the tasks of one queue on its consumer's workers in turn, and a priority only
orders what waits: a worker busy with an import of a million rows for a quarter of an hour
is busy whatever the priority of the deadline sweep behind it. So the long jobs go on a
second queue (settings.HUEY_BULK: the same storage, another name) with a consumer of its
own, `manage.py run_bulk_huey`, and the main queue (`run_huey`: the sweep, the notices,
the nightly jobs) never waits for them. djhuey knows one instance; this builds the second
the same way from its settings.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.db import close_old_connections
from django.utils.module_loading import import_string


def _build():
    config = dict(settings.HUEY_BULK)
    config.pop("consumer", None)
    name = config.pop("name")
    huey_class = import_string(config.pop("huey_class"))
    return huey_class(name, **config)


bulk = _build()


def bulk_task(*args, **kwargs):
    """`db_task` on the bulk queue: the task closes its database connections before and
    after, as djhuey's tasks do."""

    def decorator(fn):
        @wraps(fn)
        def inner(*a, **k):
            if not bulk.immediate:
                close_old_connections()
            try:
                return fn(*a, **k)
            finally:
                if not bulk.immediate:
                    close_old_connections()

        wrapper = bulk.task(*args, **kwargs)(inner)
        wrapper.call_local = fn
        return wrapper

    return decorator
