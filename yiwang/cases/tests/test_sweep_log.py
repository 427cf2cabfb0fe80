"""The case sweep runs every minute: the console hears of it only when it did something."""

import datetime
import logging
import zoneinfo

import time_machine
from django.conf import settings
from django.utils import timezone

from yiwang.cases.tasks import sweep_cases

from .conftest import new_case


def _lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "yiwang.cases.tasks"]


def test_the_sweep_says_what_it_did_and_nothing_when_it_did_nothing(caplog, tree):
    caplog.set_level(logging.INFO, logger="yiwang.cases.tasks")
    nine = datetime.datetime.combine(
        timezone.localdate() + datetime.timedelta(days=1),
        datetime.time(9),
        tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE),
    )
    with time_machine.travel(nine, tick=False) as clock:
        new_case()  # 4 hours to accept
        sweep_cases.call_local()
        assert _lines(caplog) == []  # nothing due yet: no line

        clock.move_to(nine + datetime.timedelta(hours=4, minutes=6))
        sweep_cases.call_local()
    assert _lines(caplog) == ["Case sweep: 1 escalated, 0 reminded."]
