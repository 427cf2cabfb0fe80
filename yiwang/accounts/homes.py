"""The home page each person lands on after logging in, assembled from panels.

What a home shows depends on the person's kind of work (`kind`): the grid worker's is
their day, the grid chief's their village, a town's or the county's admin a summary of
their area (to be replaced by the cockpit). The figures come from apps above accounts
(cases, outreach, the ledger): each registers its panels here from its
AppConfig.ready(), naming the kinds of home it belongs on, and the home shows them in
their order. A panel's `context(request)` returns the panel's context, or None to leave
the panel out (nothing to show).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from yiwang.accounts import scope
from yiwang.accounts.models import Role

WORKER, CHIEF, TOWN, COUNTY = "worker", "chief", "town", "county"
KINDS = (WORKER, CHIEF, TOWN, COUNTY)
TITLES = {
    WORKER: _("My day"),
    CHIEF: _("My village"),
    TOWN: _("My town"),
    COUNTY: _("The county"),
}
# The widest post decides: a county admin who is also a grid worker gets the county's home.
_KIND_BY_ROLE = (
    (Role.COUNTY_ADMIN, COUNTY),
    (Role.TOWN_ADMIN, TOWN),
    (Role.GRID_CHIEF, CHIEF),
    (Role.CADRE, CHIEF),
    (Role.GROUP_LEADER, CHIEF),
)


def kind(user) -> str:
    """Which home the user gets (one of KINDS)."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return COUNTY
    roles = {role for role, _code in scope.current_posts(user)}
    for role, home in _KIND_BY_ROLE:
        if role in roles:
            return home
    return WORKER


def area_code(user) -> str:
    """The area the user's home is about: the root of their scope ("" when they see the
    whole tree, or when their posts cover several subtrees, the first)."""
    codes = scope.scope_codes(user)
    return codes[0] if codes else ""


@dataclass(frozen=True)
class Panel:
    """A panel of the homes in `kinds`: `template` included with `context(request)`."""

    key: str
    kinds: tuple[str, ...]
    template: str
    context: Callable[[HttpRequest], dict | None]
    order: int = 100


_panels: dict[str, Panel] = {}


def register(panel: Panel) -> None:
    unknown = set(panel.kinds) - set(KINDS)
    if unknown:
        raise ValueError(f"Unknown kinds of home {sorted(unknown)} for panel {panel.key!r}")
    _panels[panel.key] = panel


def panels_for(home: str) -> list[Panel]:
    return sorted((p for p in _panels.values() if home in p.kinds), key=lambda p: (p.order, p.key))


def render_panels(request: HttpRequest, home: str) -> list[tuple[Panel, dict]]:
    """(panel, its context) of the panels that have something to show."""
    shown = []
    for panel in panels_for(home):
        context = panel.context(request)
        if context is not None:
            shown.append((panel, context))
    return shown
