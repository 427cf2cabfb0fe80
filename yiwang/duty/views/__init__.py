"""Pages of emergency duty, one module a topic. `TOPICS` lists the modules whose
`register()` the app calls when Django starts (menus, audit labels, notice kinds)."""

from django.utils.translation import pgettext_lazy

from yiwang.core import menus

# The duty menu section (应急值守), declared here once for every topic's items.
menus.SECTIONS.setdefault(
    "duty", menus.Section("duty", pgettext_lazy("menu section", "Emergency duty"), 36)
)

from yiwang.duty.views import incidents, rosters, supplies, sweeps  # noqa: E402

TOPICS: tuple = (rosters, incidents, sweeps, supplies)
