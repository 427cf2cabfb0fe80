"""The cockpit (驾驶舱): one picture of the county from the indicators every module
declares (yiwang.core.indicators), each figure opening its records."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CockpitConfig(AppConfig):
    name = "yiwang.cockpit"
    label = "cockpit"
    verbose_name = _("Cockpit")

    def ready(self):
        from yiwang.cockpit import report_views

        report_views.register()
