"""Volunteering (志愿服务): volunteers and teams, activities for the five target groups,
check-in and service hours, hours certificates, micro-wishes and donations."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteeringConfig(AppConfig):
    name = "yiwang.volunteering"
    label = "volunteering"
    verbose_name = _("Volunteering")

    def ready(self):
        # Each topic registers its menu items, its audit actions' labels and its kinds of
        # notification.
        from yiwang.volunteering.views import certificates, hours

        for part in (hours, certificates):
            part.register()
