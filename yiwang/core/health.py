"""Health for a load balancer or an orchestrator, without a login.

- `/healthz` (liveness): the process answers; nothing else is touched, so a database
  outage never makes every app server look dead and restart in a loop.
- `/readyz` (readiness): can this app server serve now? The database answers a query;
  Redis answers a PING when `REDIS_URL` is set (the queue, the cache and the rate limits
  live there); the replica's lag when `DATABASE_REPLICA_URL` is set (reported: a lagging
  or unreachable replica is skipped, reads go to the primary, so it never makes the app
  server unready); the two task queues' lengths (reported, and too long past
  `READY_MAX_QUEUE`); the file storage is writable. 200 when every check passes, 503
  with the failing checks named otherwise. The answer names no host, password or path.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

READY_MAX_QUEUE = getattr(settings, "READY_MAX_QUEUE", 10_000)
PROBE = "health/readyz-probe.txt"


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        found = check() or {}
        ok = found.pop("ok", True)
    except Exception as exc:  # a check that fails says which and how, never a 500
        ok, found = False, {"error": type(exc).__name__}
    return {"ok": ok, "ms": round((time.perf_counter() - started) * 1000, 1), **found}


def _database() -> dict:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"vendor": connections["default"].vendor}


def _redis() -> dict:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    finally:
        client.close()
    return {}


def _queues() -> dict:
    from huey.contrib.djhuey import HUEY

    from yiwang.core.queues import bulk

    lengths = {"main": HUEY.pending_count(), "bulk": bulk.pending_count()}
    return {"ok": max(lengths.values()) <= READY_MAX_QUEUE, "pending": lengths}


def _replica() -> dict:
    from yiwang.core import replica

    found = replica.health(fresh=True)
    lag = None if found.lag is None else round(found.lag, 1)
    return {"in_use": found.ok, "lag_s": lag, "reason": found.reason}


def _storage() -> dict:
    name = default_storage.save(PROBE, ContentFile(b"ok"))
    default_storage.delete(name)
    return {}


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    checks = {"database": _timed(_database)}
    if "replica" in connections.settings:
        checks["replica"] = _timed(_replica)
    if settings.REDIS_URL:
        checks["redis"] = _timed(_redis)
    checks["queues"] = _timed(_queues)
    checks["storage"] = _timed(_storage)
    ready = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )
