"""Pages of the cooperatives, one module a topic. `TOPICS` lists the modules whose
`register()` the app calls when Django starts (menus, audit labels, notice kinds)."""

from django.utils.translation import pgettext_lazy

from yiwang.core import menus

# The cooperatives' menu section (合作社), declared here once for every topic's items.
menus.SECTIONS.setdefault(
    "coops", menus.Section("coops", pgettext_lazy("menu section", "Cooperatives"), 39)
)

from yiwang.coops.views import (  # noqa: E402
    alliances,
    coops,
    distributions,
    members,
    registry_core,
)

TOPICS: tuple = (registry_core, coops, alliances, members, distributions)
