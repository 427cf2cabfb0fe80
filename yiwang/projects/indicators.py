"""The battle map's figures in the cockpit's registry (yiwang.core.indicators): the active
key projects, their open milestones past due, the enterprise requests open and those
overdue in their current stage. Each is the count of a list the API gives
(`records_url`), read through the same filterset as the API's list.

A project's colour (red from a milestone's lag in working days, by its type's
thresholds) is counted on the working calendar, not in SQL: the map shows the red
projects; the cockpit counts the milestones past due, which a filter can say."""

from django.db.models import F
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def register_indicators() -> None:
    from yiwang.core import indicators
    from yiwang.projects import access
    from yiwang.projects.filters.plan import MilestoneFilterSet
    from yiwang.projects.filters.projects import ProjectFilterSet
    from yiwang.projects.filters.support import EnterpriseRequestFilterSet
    from yiwang.projects.models import EnterpriseRequest, Milestone, Project
    from yiwang.projects.selectors.projects import visible_projects

    def projects(user):
        return Project.objects.all() if user is None else visible_projects(user)

    def milestones(user):
        # The project's area, under the name the cockpit groups the children by.
        rows = Milestone.objects.all()
        if user is not None:
            rows = rows.filter(project__in=visible_projects(user).values("pk"))
        return rows.annotate(area_code=F("project__area_code"))

    def requests(user):
        """The requests of the user's areas and those sent to their departments."""
        rows = EnterpriseRequest.objects
        if user is None:
            return rows.all()
        return rows.visible_to(user) | rows.filter(access.department_q(user))

    indicators.register(
        indicators.Indicator(
            "projects.projects",
            pgettext_lazy("indicator", "Key projects"),
            _("Active key projects of the battle map in the area (its towns and parks)."),
            _("projects"),
            "projects",
            "projects.Project",
            ProjectFilterSet,
            "api:project-list",
            "projects:projects",
            params={"is_active": "true"},
            base=projects,
            order=80,
        ),
        indicators.Indicator(
            "projects.milestones_late",
            _("Milestones past due"),
            _(
                "Milestones of the area's active key projects not done and past their due "
                "day (the battle map colours them by their lag in working days)."
            ),
            _("milestones"),
            "projects",
            "projects.Milestone",
            MilestoneFilterSet,
            "api:project-milestone-list",
            None,
            params={"late": "true", "active": "true"},
            base=milestones,
            order=81,
        ),
        indicators.Indicator(
            "projects.requests_open",
            _("Enterprise requests open"),
            _("Requests of the area's enterprises not resolved yet."),
            _("requests"),
            "projects",
            "projects.EnterpriseRequest",
            EnterpriseRequestFilterSet,
            "api:enterprise-request-list",
            "projects:support-requests",
            params={"open": "true"},
            base=requests,
            order=82,
            main=False,
        ),
        indicators.Indicator(
            "projects.requests_overdue",
            _("Enterprise requests overdue"),
            _(
                "Requests of the area's enterprises whose current stage (verifying, reply, "
                "resolution) is past its due day in working days."
            ),
            _("requests"),
            "projects",
            "projects.EnterpriseRequest",
            EnterpriseRequestFilterSet,
            "api:enterprise-request-list",
            "projects:support-requests",
            params={"overdue": "true"},
            base=requests,
            order=83,
        ),
    )
