"""The scope rule as the apps below accounts ask it: accounts registers its rule here.

Who sees and changes what follows from a user's posts, and posts live in accounts, above
core and areas. AccountsConfig.ready() registers `yiwang.accounts.scope` here; core and
areas call these functions, which fail loudly when no rule is registered rather than
letting everyone see everything. The apps above accounts import yiwang.accounts.scope.
"""

from __future__ import annotations

from typing import Protocol

from django.core.exceptions import ImproperlyConfigured


class ScopeRule(Protocol):
    def recheck(self, actor) -> None: ...

    def scope_codes(self, user) -> tuple[str, ...] | None: ...

    def in_scope(self, user, code: str) -> bool: ...

    def require_in_scope(self, user, code: str) -> None: ...

    def can_manage_area(self, user, code: str) -> bool: ...

    def require_area_manager(self, user, code: str) -> None: ...

    def can_manage_posts(self, user) -> bool: ...

    def grantable_roles(self, user, code: str) -> set[str]: ...

    def roles_over(self, user, code: str) -> set[str]: ...


_rule: ScopeRule | None = None


def register(rule: ScopeRule) -> None:
    global _rule
    _rule = rule


def _registered() -> ScopeRule:
    if _rule is None:
        raise ImproperlyConfigured(
            "No scope rule is registered: yiwang.accounts registers it in its "
            "AppConfig.ready(); is it in INSTALLED_APPS?"
        )
    return _rule


def recheck(actor) -> None:
    """Re-reads the actor's posts inside the caller's transaction, locked."""
    _registered().recheck(actor)


def scope_codes(user) -> tuple[str, ...] | None:
    """The roots of the subtrees the user sees; None means everything (a superuser)."""
    return _registered().scope_codes(user)


def in_scope(user, code: str) -> bool:
    return _registered().in_scope(user, code)


def require_in_scope(user, code: str) -> None:
    """Out of scope answers exactly like missing (404)."""
    _registered().require_in_scope(user, code)


def can_manage_area(user, code: str) -> bool:
    return _registered().can_manage_area(user, code)


def require_area_manager(user, code: str) -> None:
    """404 out of scope, 403 when the user's posts do not allow changing the area."""
    _registered().require_area_manager(user, code)


def can_manage_posts(user) -> bool:
    return _registered().can_manage_posts(user)


def grantable_roles(user, code: str) -> set[str]:
    """The roles the user may give (or end) on the area `code`."""
    return _registered().grantable_roles(user, code)


def roles_over(user, code: str) -> set[str]:
    """The roles the user holds on the area `code` or on an area above it."""
    return _registered().roles_over(user, code)


def is_active_superuser(user) -> bool:
    """An active platform superuser: sees and may do everything."""
    return bool(getattr(user, "is_superuser", False) and user.is_active)


def is_authenticated(user) -> bool:
    """A signed-in user (not None, not anonymous)."""
    return bool(user is not None and getattr(user, "is_authenticated", False))
