"""Quiet hours: routine deliveries wait until they end (settings.NOTICE_QUIET_HOURS,
"21:00-07:00" in the county's time zone); emergencies go at once."""

from __future__ import annotations

import datetime
import functools
import zoneinfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@functools.cache
def _parse(value: str) -> tuple[datetime.time, datetime.time] | None:
    if not value.strip():
        return None
    try:
        start, end = (datetime.time.fromisoformat(part.strip()) for part in value.split("-"))
    except ValueError:
        raise ImproperlyConfigured(
            f"NOTICE_QUIET_HOURS must be like 21:00-07:00 (or empty), not {value!r}"
        ) from None
    return start, end


def hours() -> tuple[datetime.time, datetime.time] | None:
    return _parse(settings.NOTICE_QUIET_HOURS)


def _local(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE))


def is_quiet(moment: datetime.datetime) -> bool:
    span = hours()
    if span is None:
        return False
    start, end = span
    now = _local(moment).time()
    if start <= end:
        return start <= now < end
    return now >= start or now < end


def next_allowed(moment: datetime.datetime) -> datetime.datetime:
    """`moment`, or the end of the quiet hours it falls in."""
    if not is_quiet(moment):
        return moment
    _start, end = hours()
    local = _local(moment)
    release = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if release <= local:
        release = (local + datetime.timedelta(days=1)).replace(
            hour=end.hour, minute=end.minute, second=0, microsecond=0
        )
    return release


def release_time(moment: datetime.datetime, emergency: bool) -> datetime.datetime:
    return moment if emergency else next_allowed(moment)
