"""What a page shows for what is stored as a code: an area's name for its code, a duration
in days and hours for its minutes, a yes/no in words. Written once here for every app's
pages and the audit log; the areas app registers how codes become names (core sits below
it), so that core's own pages can name areas too."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import NamedTuple

from django.utils.translation import gettext, ngettext


class AreaName(NamedTuple):
    code: str
    name: str
    level: str  # the level's label, e.g. 村（社区）


_namer: Callable[[set[str]], dict[str, AreaName]] | None = None


def register_area_namer(namer: Callable[[set[str]], dict[str, AreaName]]) -> None:
    """The areas app's look-up of many codes at once (one query), set in its ready()."""
    global _namer
    _namer = namer


def area_names(codes: Iterable[str]) -> dict[str, AreaName]:
    """{code: AreaName} for the codes that name an area, in one query; the others (blank,
    or an area since removed) are left out and shown as their code."""
    wanted = {code for code in codes if code}
    if not wanted or _namer is None:
        return {}
    return _namer(wanted)


def duration(minutes) -> str:
    """Minutes as people say them: "3 天", "1 天 6 小时", "24 小时", "1 小时 30 分钟"; a
    whole number of days shown in days from two days up (a day is said "24 小时")."""
    if minutes is None or minutes == "":
        return "—"
    minutes = int(minutes)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days and (days == 1 and not rest):  # one day reads better as 24 hours
        days, hours = 0, 24
    parts = []
    if days:
        parts.append(ngettext("%(n)d day", "%(n)d days", days) % {"n": days})
    if hours:
        parts.append(ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours})
    if mins or not parts:
        parts.append(ngettext("%(n)d minute", "%(n)d minutes", mins) % {"n": mins})
    return " ".join(parts)


def yes_no(value) -> str:
    if value is None:
        return "—"
    return gettext("Yes") if value else gettext("No")
