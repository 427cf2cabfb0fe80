"""The main menu, built per user from one registry.

Every page a person may open from a menu is an item here: its label, its URL name, the
section it is listed under, its order there, who sees it (a predicate on the user) and
an optional badge (a count). Items marked `tab` are also the tabs of the phone's bottom
bar, in the order of `tab`. Each app registers its items from its AppConfig.ready(), so
that core knows none of the apps above it; base.html shows `for_user(request)`.

A page of a list that a role may open must be in this menu for that role
(tests/test_menus.py enumerates the URL patterns and fails on a page reachable by its
address but missing here).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


def anyone(user) -> bool:
    """Any signed-in user."""
    return bool(getattr(user, "is_authenticated", False))


@dataclass(frozen=True)
class Section:
    key: str
    label: str | Promise
    order: int


# The sections, in the menu's order.
SECTIONS: dict[str, Section] = {
    s.key: s
    for s in (
        Section("work", _("My work"), 10),
        Section("cases", _("Cases"), 20),
        Section("outreach", _("Visits"), 30),
        Section("points", _("Points"), 35),
        Section("volunteering", _("Volunteering"), 37),
        Section("ledger", _("Ledger"), 40),
        Section("areas", _("Areas and people"), 50),
        Section("settings", _("Settings"), 60),
    )
}


@dataclass(frozen=True)
class MenuItem:
    """One link of the menu. `visible(user)` says who sees it; `badge(request)` an
    optional count shown beside it (0 shows nothing); `tab` its place on the phone's
    bottom bar (None: not a tab), `tab_label` its shorter label there."""

    key: str
    label: str | Promise
    url_name: str
    section: str
    order: int = 100
    visible: Callable = anyone
    badge: Callable | None = None
    tab: int | None = None
    tab_label: str | Promise | None = None
    icon: str = ""

    @property
    def url(self) -> str:
        return reverse(self.url_name)


_items: dict[str, MenuItem] = {}


def register(*items: MenuItem) -> None:
    for item in items:
        if item.section not in SECTIONS:
            raise ValueError(f"Unknown menu section {item.section!r} for {item.key!r}")
        _items[item.key] = item


def items() -> list[MenuItem]:
    return sorted(_items.values(), key=lambda i: (SECTIONS[i.section].order, i.order, i.key))


@dataclass
class Entry:
    """A menu item as one user sees it."""

    item: MenuItem
    url: str
    badge: int = 0
    active: bool = False

    @property
    def label(self):
        return self.item.label

    @property
    def tab_label(self):
        return self.item.tab_label or self.item.label


@dataclass
class Group:
    section: Section
    entries: list[Entry] = field(default_factory=list)


@dataclass
class Menu:
    groups: list[Group]
    tabs: list[Entry]

    @property
    def urls(self) -> set[str]:
        return {e.url for g in self.groups for e in g.entries} | {e.url for e in self.tabs}


def for_user(request) -> Menu:
    """The menu of `request.user`: the sections with the items they see, and the tabs."""
    user = request.user
    path = getattr(request, "path", "")
    groups: dict[str, Group] = {}
    tabs: list[Entry] = []
    if not anyone(user):
        return Menu([], [])
    for item in items():
        if not item.visible(user):
            continue
        entry = Entry(item=item, url=item.url)
        entry.active = path == entry.url
        if item.badge is not None:
            entry.badge = int(item.badge(request) or 0)
        groups.setdefault(item.section, Group(SECTIONS[item.section])).entries.append(entry)
        if item.tab is not None:
            tabs.append(entry)
    tabs.sort(key=lambda e: e.item.tab)
    return Menu(list(groups.values()), tabs)
