"""What a user may see and change: the subtrees of their current posts."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts.models import AREA_MANAGER_ROLES, POST_GRANTS, SCOPING_ROLES, Post, Role
from yiwang.core.scoping import minimal_prefixes

_CACHE_ATTR = "_yiwang_scope"


def _read_posts(user, lock: bool = False) -> list[tuple[str, str]]:
    today = timezone.localdate()
    posts = Post.objects.current(today).filter(
        Q(area__closed_on__isnull=True) | Q(area__closed_on__gt=today), user_id=user.pk
    )
    if lock:
        posts = posts.select_for_update(of=("self",))
    return list(posts.values_list("role", "area_code"))


def current_posts(user) -> list[tuple[str, str]]:
    """(role, area code) of the user's current posts on open areas; cached on the user
    for the rest of the request."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = _read_posts(user)
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget(user) -> None:
    """Drops the cached posts, after the user's posts changed."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def recheck(actor) -> None:
    """Re-reads the actor's posts inside the caller's transaction and locks them, so that
    a write is checked against the posts as they are now, and they cannot end under it."""
    if actor is not None and getattr(actor, "is_authenticated", False):
        setattr(actor, _CACHE_ATTR, _read_posts(actor, lock=True))


_recheck = recheck  # require_configure's keyword of the same name hides it


def _active_superuser(user) -> bool:
    return bool(getattr(user, "is_superuser", False) and user.is_active)


def scope_codes(user) -> tuple[str, ...] | None:
    """The roots of the subtrees the user sees; None means everything (a superuser)."""
    if _active_superuser(user):
        return None
    return minimal_prefixes(code for role, code in current_posts(user) if role in SCOPING_ROLES)


def in_scope(user, code: str) -> bool:
    codes = scope_codes(user)
    return codes is None or any(code.startswith(root) for root in codes)


def require_in_scope(user, code: str) -> None:
    """Out of scope answers exactly like missing."""
    if not in_scope(user, code):
        raise Http404(_("Not found."))


def roles_over(user, code: str) -> set[str]:
    """The roles the user holds on `code` or on an area above it."""
    return {role for role, root in current_posts(user) if code.startswith(root)}


def can_manage_area(user, code: str) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    return bool(roles_over(user, code) & set(AREA_MANAGER_ROLES))


def require_area_manager(user, code: str) -> None:
    require_in_scope(user, code)
    if not can_manage_area(user, code):
        raise PermissionDenied(_("Your posts do not allow changing this area."))


def grantable_roles(user, code: str) -> set[str]:
    """The roles the user may give (or end) on the area `code`."""
    if getattr(user, "is_superuser", False):
        return set(Role.values)
    grantable: set[str] = set()
    for role in roles_over(user, code):
        grantable.update(POST_GRANTS.get(role, ()))
    return grantable


def can_manage_posts(user) -> bool:
    return getattr(user, "is_superuser", False) or any(
        role in POST_GRANTS for role, _code in current_posts(user)
    )


def can_configure(user) -> bool:
    """The county's settings (the case categories and departments, the ledger's tags, the
    outreach programmes, visit rules, event types and routines) are the county admin's: a
    current county-admin post, or an active platform superuser (an inactive one never
    passes as a superuser)."""
    if _active_superuser(user):
        return True
    return any(role == Role.COUNTY_ADMIN for role, _code in current_posts(user))


def require_configure(user, *, message=None, recheck: bool = False) -> None:
    """PermissionDenied (403) with `message` unless the user may configure the county's
    settings. A page calls it as it is; a service passes recheck=True, so that inside its
    transaction the actor's posts are read again, locked, before they are checked. `None`
    is the operator at the command line, whom a service lets through."""
    if user is None:
        return
    if recheck:
        _recheck(user)
    if not can_configure(user):
        raise PermissionDenied(_("Your posts do not allow this.") if message is None else message)
