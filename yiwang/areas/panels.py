"""What the apps above areas add to an area's page: figures on each child, sections below.

The area page knows the tree; the people on an area (accounts) and the ledger's figures
(registry) come from apps above it. Each registers here from its AppConfig.ready(), and
the page shows what is registered, in the order of registration (INSTALLED_APPS order,
so the lower app first).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest

from yiwang.areas.models import Area


@dataclass(frozen=True)
class ChildFigures:
    """Figures an app counts for each child of an area.

    `add(area, children)` sets its figures on each child row (the dicts of
    `selectors.rollup`), in a fixed number of queries; it is called only when there are
    children. `badges` is the template of one child's badges on the page (with `child` in
    its context), shown whatever the child's level. With `in_rollup` the figures are part of
    `selectors.rollup` itself, so of the API's roll-up too; otherwise the page adds them.
    """

    key: str
    add: Callable[[Area, list[dict]], None]
    badges: str
    in_rollup: bool = False


@dataclass(frozen=True)
class Section:
    """A section of the page below the children: `template`, included with the page's
    context updated by `context(request, area)` (whose keys must not clash)."""

    key: str
    template: str
    context: Callable[[HttpRequest, Area], dict]


_child_figures: dict[str, ChildFigures] = {}
_sections: dict[str, Section] = {}


def register_child_figures(figures: ChildFigures) -> None:
    _child_figures[figures.key] = figures


def register_section(section: Section) -> None:
    _sections[section.key] = section


def child_figures() -> list[ChildFigures]:
    return list(_child_figures.values())


def sections() -> list[Section]:
    return list(_sections.values())
