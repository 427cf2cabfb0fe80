"""Who may do what with points, from the posts a user holds (accounts.scope).

- The county admin (`accounts.scope.can_configure`) keeps the templates of the three
  lists, the proposal rules, the quotas, the award settings, the benefits, the signing
  keys and the 2023 switch.
- A village's lists are adopted by its grid chief or a cadre of the village, or by a
  town or county admin above it.
- Points are recorded by anyone who works in the area: the grid workers, the group
  leaders, the grid chief and the cadres of the village (for villagers who have no phone
  too), and the town and county admins.
- An entry is approved or rejected by the village's grid chief or a cadre, or a town or
  county admin above it, and never by whoever recorded it.
- The review board's members select, write to the minutes and answer objections.
"""

from django.utils import timezone

from yiwang.accounts.models import Role
from yiwang.accounts.scope import roles_over

RECORDERS = {
    Role.COUNTY_ADMIN,
    Role.TOWN_ADMIN,
    Role.GRID_CHIEF,
    Role.CADRE,
    Role.GROUP_LEADER,
    Role.GRID_WORKER,
}
APPROVERS = {Role.COUNTY_ADMIN, Role.TOWN_ADMIN, Role.GRID_CHIEF, Role.CADRE}
LIST_KEEPERS = APPROVERS


def _superuser(user) -> bool:
    return bool(getattr(user, "is_superuser", False) and user.is_active)


def _holds(user, code: str, roles: set) -> bool:
    if user is None or _superuser(user):
        return True
    return bool(roles_over(user, code) & roles)


def can_adopt(user, village_code: str) -> bool:
    return _holds(user, village_code, LIST_KEEPERS)


def can_record(user, code: str) -> bool:
    return _holds(user, code, RECORDERS)


def can_approve(user, code: str) -> bool:
    return _holds(user, code, APPROVERS)


def is_board_member(user, village_code: str, on=None) -> bool:
    """A current member of the village's review board (a superuser or the operator at
    the command line counts as one)."""
    if user is None or _superuser(user):
        return True
    from yiwang.points.models import BoardMember

    on = on or timezone.localdate()
    return (
        BoardMember.objects.filter(area_code=village_code, user=user, starts_on__lte=on)
        .exclude(ends_on__lt=on)
        .exists()
    )
