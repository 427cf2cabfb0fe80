"""The area tree: county → town → village → grid → unit, on official division codes."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AreasConfig(AppConfig):
    name = "yiwang.areas"
    label = "areas"
    verbose_name = _("Areas")

    def ready(self):
        # Registers the "areas" importer for background import jobs.
        from yiwang.areas import importers  # noqa: F401
        from yiwang.core import menus

        menus.register(menus.MenuItem("areas.tree", _("Area tree"), "areas:home", "areas", 10))
