"""The battle map's pages, one module a topic. `TOPICS` lists the modules whose
`register()` the app calls when Django starts (menus, audit labels, notice kinds)."""

from django.utils.translation import pgettext_lazy

from yiwang.core import menus

# The battle map's menu section (挂图作战), declared here once for every topic's items.
menus.SECTIONS.setdefault(
    "projects", menus.Section("projects", pgettext_lazy("menu section", "Battle map"), 38)
)

from yiwang.projects.views import (  # noqa: E402
    actions,
    battle_map,
    calendar,
    indicators_registry,
    meeting_pack,
    progress,
    projects,
    registry_core,
    support,
)

TOPICS: tuple = (
    registry_core,
    battle_map,
    meeting_pack,
    projects,
    actions,
    progress,
    calendar,
    support,
    indicators_registry,
)
