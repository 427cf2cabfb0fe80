"""The kinds of notification, each registered by the module that sends it.

A module registers its kinds from its AppConfig.ready() (`register(Kind(...))`), so that
this app, low in the import order, knows none of the modules above it. The inbox names a
notification by its kind's label and links it to its object through the kind's `link`
(None when the reader may not open it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class Kind:
    """`key`: stored in Notification.kind, prefixed by the module ("case.overdue").
    `object_type`: the label of the model its notifications are about ("cases.case").
    `links(user, ids)`: {object id: (URL, title)} for the objects among `ids` the user may
    open; one query for a page of the inbox."""

    key: str
    label: str | Promise
    module: str
    object_type: str = ""
    links: Callable | None = None


_kinds: dict[str, Kind] = {}


def register(*kinds: Kind) -> None:
    for kind in kinds:
        if len(kind.key) > 32 or "." not in kind.key:
            raise ValueError(f"A kind is 'module.name', at most 32 characters: {kind.key!r}")
        known = _kinds.get(kind.key)
        if known is not None and known.module != kind.module:
            raise ValueError(f"Kind {kind.key!r} is already registered by {known.module}")
        _kinds[kind.key] = kind


def get(key: str) -> Kind | None:
    return _kinds.get(key)


def all_kinds() -> list[Kind]:
    return list(_kinds.values())


def label(key: str) -> str | Promise:
    kind = _kinds.get(key)
    return kind.label if kind else key
