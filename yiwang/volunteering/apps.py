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
        from yiwang.volunteering.views import (
            activities,
            certificates,
            checkin,
            donations,
            hours,
            overview,
            teams,
            volunteers,
            wishes,
        )

        for part in (
            overview,
            activities,
            wishes,
            donations,
            volunteers,
            teams,
            checkin,
            hours,
            certificates,
        ):
            part.register()

        # The hours served, as deeds that points may reward (yiwang.core.deeds).
        from yiwang.core import deeds
        from yiwang.volunteering.selectors import deeds as hours_deeds

        deeds.register(hours_deeds.SOURCE, hours_deeds.volunteer_hours)
        # The cockpit's figures of volunteering.
        from yiwang.volunteering.indicators import register_indicators

        register_indicators()
