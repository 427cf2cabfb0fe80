"""The battle map (挂图作战): key projects with their stages, permits, milestones, monthly
targets and daily progress from the site, problems raised to departments, lag in working
days of the Chinese calendar; enterprise support: the finance-counsellor teams and the
enterprises' requests on a working-day clock."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "yiwang.projects"
    label = "projects"
    verbose_name = _("Battle map")

    def ready(self):
        # Each topic registers its menu items, its audit actions' labels and its kinds of
        # notification (`register()` of each views module), then the cockpit's figures.
        from yiwang.projects import views, workdays

        workdays.set_entered_years(workdays.entered_years)

        for part in views.TOPICS:
            part.register()
