"""Reading the duty lists: a village's lists in force, and each list's history with what
every version changed against the one before."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import timezone

from yiwang.points.models import DutyList, ListItem, ListKind
from yiwang.points.services.lists import ITEM_FIELDS


def lists_in_force(village_code: str, on: datetime.date | None = None) -> list[tuple]:
    """(kind, label, the version in force or None) of each of the three lists."""
    on = on or timezone.localdate()
    found = {
        row.kind: row
        for row in DutyList.objects.filter(area_code=village_code)
        .in_force(on)
        .select_related("meeting", "meeting__routine", "adopted_by")
        .prefetch_related(Prefetch("items", queryset=ListItem.objects.select_related("template")))
        .order_by("kind", "version")
    }
    return [(kind, label, found.get(kind)) for kind, label in ListKind.choices]


@dataclass
class Version:
    duty_list: DutyList
    added: list[ListItem] = field(default_factory=list)
    removed: list[ListItem] = field(default_factory=list)
    changed: list[tuple[ListItem, list[str]]] = field(default_factory=list)

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.removed or self.changed)


FIELD_NAMES = {f: ListItem._meta.get_field(f).verbose_name for f in ITEM_FIELDS}


def history(village_code: str, kind: str) -> list[Version]:
    """Every version of the village's list, the newest first, each with the items it
    added, left out and changed against the version before (by article number)."""
    versions = list(
        DutyList.objects.filter(area_code=village_code, kind=kind)
        .select_related("meeting", "meeting__routine", "adopted_by")
        .prefetch_related("items")
        .order_by("version")
    )
    out: list[Version] = []
    before: dict[str, ListItem] = {}
    for duty_list in versions:
        items = {item.article: item for item in duty_list.items.all()}
        version = Version(duty_list)
        for article, item in items.items():
            old = before.get(article)
            if old is None:
                version.added.append(item)
                continue
            fields = [
                str(FIELD_NAMES[f]) for f in ITEM_FIELDS if getattr(old, f) != getattr(item, f)
            ]
            if fields:
                version.changed.append((item, fields))
        version.removed = [item for article, item in before.items() if article not in items]
        out.append(version)
        before = items
    return list(reversed(out))
