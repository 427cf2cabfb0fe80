"""Who may do what on the battle map, from the posts a user holds (accounts.scope).

- The county's command post (指挥部) is the county admins: every project, the working
  calendar, the milestone types, the counsellor teams, the meeting pack.
- A town admin manages the projects of the town and of the parks in it ("MANAGERS" over
  the project's area), and the enterprise requests of the town's enterprises.
- The members of a project's special team (专班) and its leader in charge (包保领导) see
  the project and record its daily progress, wherever they hold posts, if any.
- A department's staff see the problems and enterprise requests sent to the department,
  and the projects those problems belong to; they answer and resolve them.
- Anyone else holding a post over a project's area (a town's cadres) sees it.
"""

from django.db.models import Q

from yiwang.accounts.models import Role
from yiwang.accounts.scope import current_posts, roles_over
from yiwang.core import access
from yiwang.core.access import is_active_superuser, is_authenticated
from yiwang.core.scoping import any_subtree_q

COMMAND = {Role.COUNTY_ADMIN}
MANAGERS = {Role.COUNTY_ADMIN, Role.TOWN_ADMIN}


def is_command_post(user) -> bool:
    """A county admin (or a superuser): the county's command post."""
    if is_active_superuser(user):
        return True
    return is_authenticated(user) and any(role in COMMAND for role, _code in current_posts(user))


def manages_somewhere(user) -> bool:
    """Manages projects somewhere: a county or town admin."""
    if is_active_superuser(user):
        return True
    return is_authenticated(user) and any(role in MANAGERS for role, _code in current_posts(user))


def can_manage(user, code: str) -> bool:
    """May create and change the projects and enterprise requests of area `code`."""
    if user is None or is_active_superuser(user):
        return True
    return bool(roles_over(user, code) & MANAGERS)


def department_ids(user) -> frozenset[int]:
    """The departments the user works in (cases' rule: a member with a current
    department-staff post)."""
    from yiwang.cases.models import department_ids as of_user

    return of_user(user)


def in_team(user, project) -> bool:
    """A member of the project's special team, or its leader in charge."""
    if not is_authenticated(user):
        return False
    if project.leader_id == user.pk:
        return True
    return project.members.filter(user=user).exists()


def can_report(user, project) -> bool:
    """May record the project's daily progress and raise its problems."""
    return can_manage(user, project.area_code) or in_team(user, project)


def can_answer(user, problem_or_request) -> bool:
    """May answer and resolve a problem or an enterprise request: its department's staff,
    or a manager of its area."""
    return problem_or_request.department_id in department_ids(user) or can_manage(
        user, problem_or_request.area_code
    )


def project_q(user) -> Q | None:
    """The condition of the projects `user` sees (None: every project): those in the
    scope of their posts, those whose team they are in or that they lead, and those with
    a problem sent to their department."""
    if is_active_superuser(user):
        return None
    if not is_authenticated(user):
        return Q(pk__in=[])
    codes = access.scope_codes(user)
    if codes is None:
        return None
    from yiwang.projects.models import Problem, ProjectMember

    # Subqueries, not joins: a project is listed once however many ways it is seen.
    q = (
        any_subtree_q("area_code", codes)
        | Q(leader=user)
        | Q(pk__in=ProjectMember.objects.filter(user=user).values("project"))
    )
    departments = department_ids(user)
    if departments:
        q |= Q(pk__in=Problem.objects.filter(department__in=departments).values("project"))
    return q


def department_q(user, field: str = "department") -> Q:
    """The rows sent to the user's departments."""
    return Q(**{f"{field}__in": department_ids(user)})
