"""The cockpit (驾驶舱): one picture of the county from the indicators every module
declares (yiwang.core.indicators), each figure opening its records."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CockpitConfig(AppConfig):
    name = "yiwang.cockpit"
    label = "cockpit"
    verbose_name = _("Cockpit")

    def ready(self):
        from yiwang.cockpit import map_views, report_views
        from yiwang.core import audit, menus

        # The cockpit opens the menu: one picture of the viewer's areas (the big screen is
        # a button on it).
        menus.register(
            menus.MenuItem("cockpit.cockpit", _("Cockpit"), "cockpit:cockpit", "work", 1),
        )
        map_views.register()
        report_views.register()
        audit.register_actions({"cockpit.snapshot": _("Take the cockpit's monthly figures")})
