"""The projects a user sees (yiwang.projects.access.project_q)."""

from yiwang.projects import access
from yiwang.projects.models import Project


def visible_projects(user):
    """The projects `user` sees: in the scope of their posts, in their special team, led
    by them, or with a problem sent to their department."""
    q = access.project_q(user)
    projects = Project.objects.all()
    return projects if q is None else projects.filter(q)


def departments():
    """The departments a problem or a request may be sent to: the active ones, by area
    and name."""
    from yiwang.cases.models import Department

    return Department.objects.filter(is_active=True).order_by("area_code", "name", "id")
