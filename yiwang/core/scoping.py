"""The one scoping mechanism: a row is visible to a user when its area code lies under
one of the user's current posts. Every list, detail, export and API query goes through
`visible_to(user)`; a page or a service that needs one row of them asks `get_in_scope`.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from yiwang.core import access

# Codes are digit strings and a subtree is every code that starts with its root's code:
# the half-open range [root, next) where `next` is the root with its last digit raised
# (370830001 → 370830002; 3708300019 → 370830002). That is the same set as a prefix
# match, but a plain range that a B-tree index serves on SQLite and PostgreSQL alike; LIKE
# 'root%' is indexable on neither by default. The bound stays a digit string, so the range
# holds under any collation (a ":" bound would not: linguistic collations ignore it).


# The longest code: county (6 digits), town, village, grid and unit (3 digits each).
MAX_CODE_LENGTH = 18


def is_area_code(text) -> bool:
    """An area code as people and clients may send one: 1 to 18 ASCII digits. Not
    str.isdigit() alone, which is true of superscripts and other scripts' digits ('¹', '٣')
    that int() refuses or reads as another number."""
    return (
        isinstance(text, str)
        and 0 < len(text) <= MAX_CODE_LENGTH
        and text.isascii()
        and text.isdigit()
    )


def _next_prefix(code: str) -> str | None:
    stripped = code.rstrip("9")
    if not stripped:
        return None
    return stripped[:-1] + str(int(stripped[-1]) + 1)


def subtree_q(field: str, code: str) -> Q:
    if not is_area_code(code):
        # Not a code: it matches no row (every stored code is ASCII digits), and it is
        # never read as a number.
        return Q(**{f"{field}__startswith": code})
    upper = _next_prefix(code)
    if upper is None:
        return Q(**{f"{field}__gte": code})
    return Q(**{f"{field}__gte": code, f"{field}__lt": upper})


def any_subtree_q(field: str, codes) -> Q:
    q = Q(pk__in=[])
    for code in codes:
        q |= subtree_q(field, code)
    return q


def minimal_prefixes(codes) -> tuple[str, ...]:
    """Drop every code that lies under another one in the set."""
    kept: list[str] = []
    for code in sorted(set(codes)):
        if not kept or not code.startswith(kept[-1]):
            kept.append(code)
    return tuple(kept)


class ScopedQuerySet(models.QuerySet):
    # The column that holds the row's area code; Area itself scopes on `code`.
    scope_field = "area_code"

    def visible_to(self, user) -> ScopedQuerySet:
        codes = access.scope_codes(user)
        if codes is None:  # a platform superuser sees everything
            return self.all()
        return self.filter(any_subtree_q(self.scope_field, codes))

    def under(self, code: str) -> ScopedQuerySet:
        return self.filter(subtree_q(self.scope_field, code))


def get_or_404(queryset, *, lock: bool = False, **lookup):
    """The row of `queryset` that matches `lookup`, locked for update (its own row, not the
    rows joined to it) when `lock`, else Http404. The queryset is already narrowed to what
    the user may see, so a row outside it answers exactly like a missing one: the same
    404, the same message. For a scope of its own (sponsored households, a meeting's
    decisions); rows of a scoped model are asked through `get_in_scope`."""
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    found = queryset.filter(**lookup).first()
    if found is None:
        raise Http404(_("Not found."))
    return found


def get_in_scope(queryset, user, *, lock: bool = False, recheck: bool = False, **lookup):
    """The row of `queryset` (of a scoped model) that matches `lookup` and lies in the
    user's scope (`visible_to(user)`), locked for update when `lock`; Http404 when it is
    missing and when it is not the user's alike.

    A page passes request.user as it is. A service passes recheck=True: inside its
    transaction the actor's posts are read again, locked, before the row is looked up in
    them. `user=None` is the operator at the command line, who reaches every row."""
    if user is not None:
        if recheck:
            access.recheck(user)
        queryset = queryset.visible_to(user)
    return get_or_404(queryset, lock=lock, **lookup)
