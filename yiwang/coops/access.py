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


def can_keep_alliance(user, town_code: str) -> bool:
    """May create and rename the alliance of the town `town_code`: the county's admins and
    that town's (a grid chief keeps a village's cooperative, not its town's alliance)."""
    if user is None or is_active_superuser(user):
        return True
    if not is_authenticated(user):
        return False
    return bool(roles_over(user, town_code) & KEEPERS)


def keeps_alliances(user) -> bool:
    """Holds a post from which alliances are kept (no query: the posts are cached)."""
    if is_active_superuser(user):
        return True
    if not is_authenticated(user):
        return False
    from yiwang.accounts.scope import current_posts

    return any(role in KEEPERS for role, _code in current_posts(user))


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


def visible_alliances(user):
    """The alliances `user` reads: those of the towns in the scope of their posts, and
    those of the cooperatives they read (a village's chief reads its town's alliance once
    their village's cooperative is in it, and sees that cooperative alone in it). `None` is
    the command line."""
    from yiwang.coops.models import Alliance, Cooperative

    qs = Alliance.objects.all()
    if user is None:
        return qs
    if not is_authenticated(user):
        return qs.none()
    q = cooperative_q(user)
    if q is None:
        return qs
    in_posts = Alliance.objects.visible_to(user).values("pk")
    of_coops = Cooperative.objects.filter(q, alliance__isnull=False).values("alliance_id")
    return qs.filter(Q(pk__in=in_posts) | Q(pk__in=of_coops))


_SEATS_ATTR = "_coop_seats"


def current_seats(user) -> list[tuple[int, str]]:
    """(cooperative id, role) of the user's current board seats; one query, cached on the
    user for the rest of the request."""
    if not is_authenticated(user):
        return []
    cached = getattr(user, _SEATS_ATTR, None)
    if cached is None:
        from yiwang.coops.models import BoardSeat

        cached = list(
            BoardSeat.objects.filter(user=user, left_on__isnull=True).values_list(
                "cooperative_id", "role"
            )
        )
        setattr(user, _SEATS_ATTR, cached)
    return cached


# Posts from which the cooperatives of an area are read (and, for the keepers, kept).
READERS = {Role.COUNTY_ADMIN, Role.TOWN_ADMIN, Role.GRID_CHIEF, Role.CADRE}


def sees_cooperatives(user) -> bool:
    """The menu's rule: a superuser, a post that reads the cooperatives of its area (from
    the cached posts), else, for someone who holds no post at all (a board member without
    one, as the village's accountant often is), a current board seat (one query, cached
    for the request). The grid's own and the departments' roles are not asked about seats,
    so their every page costs no query more; a board member among them finds the
    cooperative on their home (views.distributions.seats_panel)."""
    if is_active_superuser(user):
        return True
    if not is_authenticated(user):
        return False
    from yiwang.accounts.scope import current_posts

    posts = current_posts(user)
    if any(role in READERS for role, _code in posts):
        return True
    return not posts and bool(current_seats(user))


def keeps_somewhere(user) -> bool:
    """Holds a post from which cooperatives are kept (no query: the posts are cached)."""
    if is_active_superuser(user):
        return True
    from yiwang.accounts.scope import current_posts

    return any(role in KEEPERS | {Role.GRID_CHIEF} for role, _code in current_posts(user))


def names_q(user, field: str = "cooperative") -> Q | None:
    """sees_member_names as a condition on many rows at once: the rows whose cooperative
    (reached through `field`) `user` reads the members' names of in full. None: all."""
    if user is None or is_active_superuser(user):
        return None
    if not is_authenticated(user):
        return Q(pk__in=[])
    from yiwang.accounts.scope import current_posts

    posts = current_posts(user)
    keeps = [code for role, code in posts if role in KEEPERS]
    villages = [code for role, code in posts if role == Role.GRID_CHIEF]
    q = Q(**{f"{field}__in": [coop_id for coop_id, _role in current_seats(user)]})
    if keeps:
        q |= any_subtree_q(f"{field}__area_code", keeps)
    if villages:
        q |= Q(**{f"{field}__area_code__in": villages})
    return q


def sees_member_names(user, cooperative) -> bool:
    """Whether `user` reads the members' names of `cooperative` in full: those who keep it
    (its county, town or village) and its current board, who pay the members out. Everyone
    else, and every published page (公示), reads them masked (张*三). Pages and the API
    follow this one rule. At most one query (the seats, cached for the request)."""
    if user is None or is_active_superuser(user):
        return True
    if not is_authenticated(user):
        return False
    if can_keep(user, cooperative.area_code):
        return True
    return any(coop_id == cooperative.pk for coop_id, _role in current_seats(user))
