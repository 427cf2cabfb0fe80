"""Who may do what in emergency work, from the posts a user holds (accounts.scope).

- Rosters: the admins of an area keep its rosters and those below it (a county admin
  the county's and every town's, a town admin the town's and its villages', a grid
  chief the village's); whoever sees the area, or is on the roster, reads it. A member
  asks to swap their own shift; the roster's keepers approve.
- A person's calendar feed (ICS) is theirs alone.
- "On duty now" for an area: whoever sees the area.
- Incidents: whoever holds a post over the village reports one; the town's admins
  confirm its receipt and report it on; the county's confirm theirs and close it.
- Sweeps: the admins of an area (county, town, village) start and assign them; the
  worker assigned a household records its visit; whoever sees the area follows them.
- Supplies: a store's keeper and the admins over its area receive and hand out; whoever
  sees the area reads the stock.
"""

from django.db.models import Q

from yiwang.accounts.models import Role
from yiwang.accounts.scope import current_posts, roles_over
from yiwang.core import access
from yiwang.core.access import is_active_superuser, is_authenticated
from yiwang.core.scoping import any_subtree_q

KEEPERS = {Role.COUNTY_ADMIN, Role.TOWN_ADMIN, Role.GRID_CHIEF}
REPORTERS = {
    Role.COUNTY_ADMIN,
    Role.TOWN_ADMIN,
    Role.GRID_CHIEF,
    Role.GROUP_LEADER,
    Role.GRID_WORKER,
    Role.CADRE,
}


def keeps_somewhere(user) -> bool:
    """Keeps rosters, sweeps or stores somewhere: an admin of a county, town or village."""
    if is_active_superuser(user):
        return True
    return is_authenticated(user) and any(role in KEEPERS for role, _code in current_posts(user))


def can_keep(user, code: str) -> bool:
    """May keep the rosters, sweeps and stores of area `code`. `None` is the operator at
    the command line."""
    if user is None or is_active_superuser(user):
        return True
    return bool(roles_over(user, code) & KEEPERS)


def can_report(user, code: str) -> bool:
    """May report an incident in area `code`."""
    if user is None or is_active_superuser(user):
        return True
    return bool(roles_over(user, code) & REPORTERS)


def can_receive_at_town(user, code: str) -> bool:
    """May confirm that the town received an incident of area `code` (its town admins,
    or the county's)."""
    if user is None or is_active_superuser(user):
        return True
    return bool(roles_over(user, code) & {Role.COUNTY_ADMIN, Role.TOWN_ADMIN})


def can_receive_at_county(user) -> bool:
    """May confirm that the county received an incident and close it: a county admin."""
    if user is None or is_active_superuser(user):
        return True
    return is_authenticated(user) and any(
        role == Role.COUNTY_ADMIN for role, _code in current_posts(user)
    )


def scoped_q(user, field: str = "area_code") -> Q | None:
    """Rows in the scope of the user's posts (None: all)."""
    if is_active_superuser(user):
        return None
    if not is_authenticated(user):
        return Q(pk__in=[])
    codes = access.scope_codes(user)
    if codes is None:
        return None
    return any_subtree_q(field, codes) if codes else Q(pk__in=[])


def roster_q(user) -> Q | None:
    """The rosters `user` reads: in scope, or one they are on."""
    q = scoped_q(user)
    if q is None or not is_authenticated(user):
        return q
    from yiwang.duty.models import RosterMember

    return q | Q(pk__in=RosterMember.objects.filter(user=user).values("roster"))


def sweep_household_q(user) -> Q | None:
    """The households of sweeps `user` reads: in scope, or assigned to them."""
    q = scoped_q(user)
    if q is None or not is_authenticated(user):
        return q
    return q | Q(assignee=user)


# --- supplies -----------------------------------------------------------------------------


def store_q(user, prefix: str = "") -> Q | None:
    """The stores `user` reads: in scope, or one they keep (None: all). `prefix` for a
    query over another model ("store__", "to_store__")."""
    q = scoped_q(user, f"{prefix}area_code")
    if q is None or not is_authenticated(user):
        return q
    return q | Q(**{f"{prefix}keeper": user})


def can_handle_store(user, store) -> bool:
    """May receive, hand out and count the goods of `store`: its keeper, or an admin over
    its area. `None` is the operator at the command line."""
    if user is None or is_active_superuser(user):
        return True
    if is_authenticated(user) and store.keeper_id == user.pk:
        return True
    return can_keep(user, store.area_code)
