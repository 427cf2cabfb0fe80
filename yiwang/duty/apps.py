"""Emergency work: duty rosters with their shifts, leaders, swaps and calendar feeds;
incidents on the 1/2/24-hour reporting clock; door-to-door sweeps of a target group;
supplies in stores and their hand-outs."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutyConfig(AppConfig):
    name = "yiwang.duty"
    label = "duty"
    verbose_name = _("Emergency duty")

    def ready(self):
        # Each topic registers its menu items, its audit actions' labels and its kinds of
        # notification (`register()` of each views module), then the cockpit's figures.
        from yiwang.duty import views

        for part in views.TOPICS:
            part.register()
