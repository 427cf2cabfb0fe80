"""Who a notification to an area or a department reaches.

An area's notifications reach the holders of a current post there whose role sees the
area's records (accounts.SCOPING_ROLES). A department's reach its staff: the cases module,
which owns the departments, registers the function that says which departments a user
belongs to (`register_departments`), so that this app does not import it.
"""

from __future__ import annotations

from collections.abc import Callable

_department_finders: list[Callable] = []
_forgetters: list[Callable] = []


def register_departments(finder: Callable, forget: Callable | None = None) -> None:
    """`finder(user)` answers the ids of the departments whose notifications the user reads;
    `forget(user)` drops what it cached on the user for the request."""
    if finder not in _department_finders:
        _department_finders.append(finder)
    if forget is not None and forget not in _forgetters:
        _forgetters.append(forget)


def forget(user) -> None:
    for forgetter in _forgetters:
        forgetter(user)


def area_codes(user) -> list[str]:
    from yiwang.accounts import scope
    from yiwang.accounts.models import SCOPING_ROLES

    return sorted({code for role, code in scope.current_posts(user) if role in SCOPING_ROLES})


def department_ids(user) -> list[int]:
    ids: set[int] = set()
    for finder in _department_finders:
        ids.update(finder(user))
    return sorted(ids)
