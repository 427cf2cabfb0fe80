"""Who may do what with government services, from the posts a user holds
(accounts.scope).

- Every signed-in user reads the catalogue; the county admins keep it.
- Whoever holds a post over an area (county, town, village, grid, unit; a cadre) takes
  help requests there and moves them through their steps: 首问负责, the one asked first
  answers for it.
- A department's staff see the help requests of the items their department decides and
  do the steps of handling them (办理, 送达).
- Anyone else sees nothing of them.
"""

from django.db.models import Q

from yiwang.accounts.models import Role
from yiwang.accounts.scope import current_posts, roles_over
from yiwang.core import access
from yiwang.core.access import is_active_superuser, is_authenticated
from yiwang.core.scoping import any_subtree_q

TAKERS = {
    Role.COUNTY_ADMIN,
    Role.TOWN_ADMIN,
    Role.GRID_CHIEF,
    Role.GROUP_LEADER,
    Role.GRID_WORKER,
    Role.CADRE,
}


def can_keep_catalogue(user) -> bool:
    """May change the catalogue: a county admin (or a superuser)."""
    if is_active_superuser(user):
        return True
    return is_authenticated(user) and any(
        role == Role.COUNTY_ADMIN for role, _code in current_posts(user)
    )


def takes_somewhere(user) -> bool:
    """Holds a post over some area where help requests are taken."""
    if is_active_superuser(user):
        return True
    return is_authenticated(user) and any(role in TAKERS for role, _code in current_posts(user))


def can_take(user, code: str) -> bool:
    """May take a help request for a resident of area `code` and move it through its
    steps. `None` is the operator at the command line."""
    if user is None or is_active_superuser(user):
        return True
    return bool(roles_over(user, code) & TAKERS)


def department_ids(user) -> frozenset[int]:
    """The departments the user works in (cases' rule)."""
    from yiwang.cases.models import department_ids as of_user

    return of_user(user)


def can_handle(user, request) -> bool:
    """May do the deciding department's steps (办理, 送达) of a help request: the staff of
    the item's department, or whoever may take requests in its area."""
    if can_take(user, request.area_code):
        return True
    department = request.item.department_id
    return department is not None and department in department_ids(user)


def help_request_q(user) -> Q | None:
    """The condition of the help requests `user` sees (None: all): those in the scope of
    their posts and those of the items their department decides."""
    if is_active_superuser(user):
        return None
    if not is_authenticated(user):
        return Q(pk__in=[])
    codes = access.scope_codes(user)
    if codes is None:
        return None
    q = any_subtree_q("area_code", codes) if codes else Q(pk__in=[])
    departments = department_ids(user)
    if departments:
        q |= Q(item__department__in=departments)
    return q
