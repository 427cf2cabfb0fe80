"""Deeds that one module records and another rewards (enter once).

A module that records deeds (volunteering: the hours a volunteer served) registers, from
its AppConfig.ready(), a function that lists a period's deeds under an area; a module that
rewards deeds (points: the proposed entries) reads them by source here, so that neither
imports the other (they sit on the same level of the import order).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Deed:
    """One deed of a resident of the ledger: `key` is unique within its source and never
    reused (a rewarding module rewards a key once); `text` says what was done."""

    key: str
    resident_id: int
    area_code: str
    on: datetime.date
    text: str


# source → function(first day, last day, area code or "") → the deeds of those days.
_SOURCES: dict[str, Callable[[datetime.date, datetime.date, str], Iterable[Deed]]] = {}


def register(source: str, deeds: Callable[[datetime.date, datetime.date, str], Iterable[Deed]]):
    _SOURCES[source] = deeds


def registered(source: str) -> bool:
    return source in _SOURCES


def deeds(source: str, first: datetime.date, last: datetime.date, area_code: str = ""):
    """The deeds of `source` done from `first` to `last` (both included) under
    `area_code`; none when no module records them."""
    found = _SOURCES.get(source)
    return iter(()) if found is None else iter(found(first, last, area_code))
