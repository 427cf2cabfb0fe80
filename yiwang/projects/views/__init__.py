"""The battle map's pages, one module a topic. `TOPICS` lists the modules whose
`register()` the app calls when Django starts (menus, audit labels, notice kinds)."""

from django.utils.translation import gettext_lazy as _

from yiwang.core import menus

# The battle map's menu section (挂图作战), declared here once for every topic's items.
menus.SECTIONS.setdefault("projects", menus.Section("projects", _("Battle map"), 38))

from yiwang.projects.views import (  # noqa: E402
    actions,
    calendar,
    progress,
    projects,
    registry_core,
)

TOPICS: tuple = (registry_core, projects, actions, progress, calendar)
