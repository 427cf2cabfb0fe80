"""Who may do what in volunteering, from the posts a user holds (accounts.scope).

- Volunteers are registered, and wishes recorded on a resident's behalf, by anyone who
  works in the area: grid workers, group leaders, the grid chief and the cadres of the
  village, the town and county admins ("RECORDERS").
- Teams and activities are organised, and hours approved or declined, by the village's
  grid chief or a cadre, or a town or county admin above it ("ORGANISERS"), and by the
  leaders of the activity's team (`is_team_leader`).
- Certificates are issued by a village committee or above ("ISSUERS": 民政部令第67号 lets a
  village committee issue them): the grid chief, cadres, town and county admins.
- Funds and donations are kept by the organisers of the fund's area.
"""

from django.utils import timezone

from yiwang.accounts.models import Role
from yiwang.accounts.scope import current_posts, roles_over

RECORDERS = {
    Role.COUNTY_ADMIN,
    Role.TOWN_ADMIN,
    Role.GRID_CHIEF,
    Role.CADRE,
    Role.GROUP_LEADER,
    Role.GRID_WORKER,
}
ORGANISERS = {Role.COUNTY_ADMIN, Role.TOWN_ADMIN, Role.GRID_CHIEF, Role.CADRE}
ISSUERS = ORGANISERS


def _superuser(user) -> bool:
    return bool(getattr(user, "is_superuser", False) and user.is_active)


def _holds(user, code: str, roles: set) -> bool:
    if user is None or _superuser(user):
        return True
    return bool(roles_over(user, code) & roles)


def holds_anywhere(user, roles) -> bool:
    """Holds one of `roles` in a current post over some area (a superuser always)."""
    if _superuser(user):
        return True
    return any(role in roles for role, _code in current_posts(user))


def works_in_an_area(user) -> bool:
    """Records in volunteering somewhere (a grid worker and up)."""
    return holds_anywhere(user, RECORDERS)


def organises_somewhere(user) -> bool:
    """Organises teams, activities and funds somewhere (a grid chief, a cadre, an admin)."""
    return holds_anywhere(user, ORGANISERS)


def issues_somewhere(user) -> bool:
    """Issues certificates and exports hours over some area (a grid chief, a cadre, a town
    or county admin)."""
    return holds_anywhere(user, ISSUERS)


def can_record(user, code: str) -> bool:
    return _holds(user, code, RECORDERS)


def can_organise(user, code: str) -> bool:
    return _holds(user, code, ORGANISERS)


def can_issue(user, code: str) -> bool:
    return _holds(user, code, ISSUERS)


def is_team_leader(user, team, on=None) -> bool:
    """A current leader of `team` (through the user's own volunteer record, in service:
    an inactive volunteer leads nothing)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    from yiwang.volunteering.models import Membership

    on = on or timezone.localdate()
    return (
        Membership.objects.filter(
            team=team,
            volunteer__user=user,
            volunteer__is_active=True,
            is_leader=True,
            joined_on__lte=on,
        )
        .exclude(left_on__lt=on)
        .exists()
    )


def can_run(user, activity) -> bool:
    """May organise `activity`: show its code, check people in and out for them, approve
    or decline its hours."""
    return can_organise(user, activity.area_code) or is_team_leader(user, activity.team)
