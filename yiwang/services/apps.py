"""Help with government services: the catalogue of items (跨省通办, 异地代收代办, 多地联办,
就近办) with their one-time checklists, and the help requests (帮办代办) villages take for
residents, through their steps on a working-day clock, tracked by the resident by code."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "yiwang.services"
    label = "services"
    verbose_name = _("Government services")

    def ready(self):
        # Each topic registers its menu items, its audit actions' labels and its kinds of
        # notification (`register()` of each views module), then the cockpit's figures.
        from yiwang.services import views

        for part in views.TOPICS:
            part.register()
