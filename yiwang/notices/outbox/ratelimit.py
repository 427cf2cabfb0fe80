"""Each robot's rate limits (WeCom and DingTalk 20 a minute, Feishu 5 a second and 100 a
minute: settings.NOTICE_RATE_LIMITS), held in one store that every consumer shares, so
that they hold however many consumers send at once. A per-worker limit would not.

With NOTICE_REDIS_URL (REDIS_URL by default) the store is a sliding-window log in Redis:
one sorted set of call times per robot and window, checked and written by one Lua script,
which Redis runs atomically, on Redis's own clock. Without Redis it is the database: the
robot's row locked, its attempts in the window counted and the new attempt written in one
transaction. A call is reserved before it is made, so a limit is never exceeded; when it
is reached, the caller is told how long to wait (the delivery waits, it does not fail).
Each window is NOTICE_RATE_MARGIN_MS longer than the vendor's, for the time between the
reservation and the call's arrival.
"""

from __future__ import annotations

import datetime
import functools
import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from yiwang.notices.models.outbox import DeliveryAttempt, Robot

# KEYS: one sorted set per window. ARGV: a unique member, then (limit, window ms) per key.
# Answers 0 when the call is reserved in every window, else the milliseconds to wait.
_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wait = 0
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[2 * i])
  local window = tonumber(ARGV[2 * i + 1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local count = redis.call('ZCARD', key)
  if count >= limit then
    local oldest = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
    local w = tonumber(oldest[2]) + window - now
    if w > wait then wait = w end
  end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[1])
  redis.call('PEXPIRE', key, tonumber(ARGV[2 * i + 1]) + 1000)
end
return 0
"""


def limits(channel: str) -> list[tuple[int, float]]:
    """(calls, seconds) windows of the channel's robots."""
    return [(int(n), float(s)) for n, s in settings.NOTICE_RATE_LIMITS.get(channel, ())]


@functools.cache
def _client(url: str):
    import redis

    client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
    return client, client.register_script(_SCRIPT)


def redis_keys(robot_id: int, channel: str) -> list[str]:
    prefix = settings.NOTICE_REDIS_PREFIX
    return [f"{prefix}:rate:{robot_id}:{n}per{s:g}s" for n, s in limits(channel)]


def _reserve_in_redis(robot: Robot) -> float:
    windows = limits(robot.channel)
    if not windows:
        return 0.0
    _redis, script = _client(settings.NOTICE_REDIS_URL)
    args: list = [uuid.uuid4().hex]
    for n, seconds in windows:
        args += [n, int(seconds * 1000) + settings.NOTICE_RATE_MARGIN_MS]
    wait_ms = int(script(keys=redis_keys(robot.pk, robot.channel), args=args))
    return wait_ms / 1000


def _reserve_in_database(robot: Robot, now: datetime.datetime) -> float:
    """Inside the caller's transaction, with the robot's row locked: the seconds to wait,
    or 0 when the calls in every window leave room (the caller then writes its attempt
    in the same transaction)."""
    wait = 0.0
    for n, seconds in limits(robot.channel):
        window = datetime.timedelta(seconds=seconds, milliseconds=settings.NOTICE_RATE_MARGIN_MS)
        recent = list(
            DeliveryAttempt.objects.filter(robot=robot, started_at__gt=now - window)
            .order_by("-started_at")
            .values_list("started_at", flat=True)[:n]
        )
        if len(recent) >= n:
            wait = max(wait, (recent[-1] + window - now).total_seconds())
    return wait


def reserve(robot: Robot, delivery) -> tuple[DeliveryAttempt | None, float]:
    """Reserves a call of `robot` now, for `delivery`: (its attempt, written, 0) when the
    limits allow it, else (None, the seconds to wait)."""
    if settings.NOTICE_REDIS_URL:
        wait = _reserve_in_redis(robot)
        if wait > 0:
            return None, wait
        return DeliveryAttempt.objects.create(delivery=delivery, robot=robot), 0.0
    with transaction.atomic():
        list(Robot.objects.select_for_update().filter(pk=robot.pk).values_list("pk", flat=True))
        now = timezone.now()
        wait = _reserve_in_database(robot, now)
        if wait > 0:
            return None, wait
        attempt = DeliveryAttempt.objects.create(delivery=delivery, robot=robot, started_at=now)
    return attempt, 0.0
