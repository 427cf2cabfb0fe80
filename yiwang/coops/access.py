"""Who may do what with the cooperatives, from the posts a user holds (accounts.scope).

- County and town admins keep the cooperatives in their scope: create them, their
  charter, board, members, contributions and trading.
- A village's grid chief keeps their village's cooperative the same way.
- The cooperative's accountant (a current board seat "accountant" with the user's
  account) runs the year's distribution; its chair (a current "chair" seat) approves it
  on the board's behalf.
- Reads: the cooperatives in the scope of the user's posts, and those on whose board
  they sit now.
"""

from django.db.models import Q

from yiwang.accounts.models import Role
from yiwang.accounts.scope import roles_over
from yiwang.core import access
from yiwang.core.access import is_active_superuser, is_authenticated
from yiwang.core.scoping import any_subtree_q

KEEPERS = {Role.COUNTY_ADMIN, Role.TOWN_ADMIN}


def can_keep(user, village_code: str) -> bool:
    """May create and keep the cooperative of `village_code`. `None` is the command line."""
    if user is None or is_active_superuser(user):
        return True
    if not is_authenticated(user):
        return False
    roles = roles_over(user, village_code)
    if roles & KEEPERS:
        return True
    # The grid chief of the village itself (a chief of a grid below it does not keep it).
    from yiwang.accounts.scope import current_posts

    return any(
        role == Role.GRID_CHIEF and code == village_code for role, code in current_posts(user)
    )


def _holds_seat(user, cooperative, role: str) -> bool:
    if not is_authenticated(user):
        return False
    return cooperative.board.filter(role=role, user=user, left_on__isnull=True).exists()


def can_run_distribution(user, cooperative) -> bool:
    """The cooperative's current accountant (or the command line, a superuser)."""
    if user is None or is_active_superuser(user):
        return True
    return _holds_seat(user, cooperative, "accountant")


def can_approve_distribution(user, cooperative) -> bool:
    """The cooperative's current chair, on the board's behalf."""
    if user is None or is_active_superuser(user):
        return True
    return _holds_seat(user, cooperative, "chair")


def cooperative_q(user) -> Q | None:
    """The condition of the cooperatives `user` reads (None: all)."""
    if is_active_superuser(user):
        return None
    if not is_authenticated(user):
        return Q(pk__in=[])
    codes = access.scope_codes(user)
    if codes is None:
        return None
    q = any_subtree_q("area_code", codes) if codes else Q(pk__in=[])
    return q | Q(board__user=user, board__left_on__isnull=True)


def visible_cooperatives(user):
    from yiwang.coops.models import Cooperative

    q = cooperative_q(user)
    qs = Cooperative.objects.all()
    return qs if q is None else qs.filter(q).distinct()
