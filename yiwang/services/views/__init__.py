"""Pages of government services, one module a topic. `TOPICS` lists the modules whose
`register()` the app calls when Django starts (menus, audit labels, notice kinds)."""

from django.utils.translation import pgettext_lazy

from yiwang.core import menus

# The services' menu section (便民服务), declared here once for every topic's items.
menus.SECTIONS.setdefault(
    "services", menus.Section("services", pgettext_lazy("menu section", "Services"), 34)
)

from yiwang.services.views import registry_core  # noqa: E402

TOPICS: tuple = (registry_core,)
