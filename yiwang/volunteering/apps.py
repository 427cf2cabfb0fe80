"""Volunteering (志愿服务): volunteers and teams, activities for the five target groups,
check-in and service hours, hours certificates, micro-wishes and donations."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteeringConfig(AppConfig):
    name = "yiwang.volunteering"
    label = "volunteering"
    verbose_name = _("Volunteering")

    def ready(self):
        # Each topic registers its menu items, audit action labels and notification kinds.
        from yiwang.volunteering.views import activities

        for part in (activities,):
            part.register()
