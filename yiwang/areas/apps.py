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
        from yiwang.areas.selectors import names_of_codes
        from yiwang.core import display

        # Pages of every app, core's audit log among them, name areas for their codes.
        display.register_area_namer(names_of_codes)
        from yiwang.core import audit

        audit.register_actions(
            {
                "area.create": _("Add an area"),
                "area.rename": _("Rename an area"),
                "area.update": _("Edit an area"),
                "area.close": _("Close an area"),
                "area.set_boundary": _("Draw an area's boundary"),
            }
        )
        from yiwang.core import menus

        menus.register(menus.MenuItem("areas.tree", _("Area tree"), "areas:home", "areas", 10))
