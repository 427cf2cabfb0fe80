"""The one scoping mechanism: a row is visible to a user when its area code lies under
one of the user's current posts. Every list, detail, export and API query goes through
`visible_to(user)`; a page or a service that needs one row of them asks `get_in_scope`.
"""

from __future__ import annotations

from typing import Protocol

from django.db import models
from django.db.models import Q
from django.db.models.sql.where import WhereNode
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


def _narrowed(prefixes: tuple[str, ...], code: str) -> tuple[str, ...]:
    """The subtrees of `prefixes` that lie under `code`: their intersection with its."""
    kept = set()
    for prefix in prefixes:
        if code.startswith(prefix):  # `code` lies under this one: its subtree is kept
            kept.add(code)
        elif prefix.startswith(code):  # this one lies under `code`: kept whole
            kept.add(prefix)
    return minimal_prefixes(sorted(kept))


class AreaIndex(Protocol):
    """Rows of a scoped model held in an index keyed by area code first (see
    `ScopedQuerySet.matching`): which they are, how many, and where each lies in area
    code order."""

    def q(self) -> Q:
        """The rows the index holds."""

    def count(self) -> int: ...

    def area_code_at(self, position: int) -> str | None:
        """The area code of the row at `position` (from 0) in area code order."""

    def count_before(self, code: str) -> int:
        """How many rows have an area code below `code`."""

    def window_q(self, first: str, last: str) -> Q:
        """The rows with an area code from `first` to `last`, both included."""


def _shape(query) -> tuple:
    """What decides which rows, and how many, a query returns (not their order)."""
    return (
        query.where,
        tuple(query.alias_map),
        tuple(query.annotations),
        query.distinct,
        query.combinator,
        tuple(query.extra),
        query.is_sliced,
    )


class ScopedQuerySet(models.QuerySet):
    # The column that holds the row's area code; Area itself scopes on `code`.
    scope_field = "area_code"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Each is (value, the shape of the query it was true of): see `area_prefixes`
        # and `matching`. Any later condition, join or slice changes the shape, and the
        # value is then no longer used.
        self._areas: tuple[tuple[str, ...], tuple] | None = None
        self._index: tuple[AreaIndex, tuple, WhereNode] | None = None

    def _clone(self):
        clone = super()._clone()
        clone._areas = self._areas
        clone._index = self._index
        return clone

    def _current(self, known):
        """The value of `known` (see __init__) while the query keeps its shape."""
        if known is None or known[1] != _shape(self.query):
            return None
        return known[0]

    def visible_to(self, user) -> ScopedQuerySet:
        codes = access.scope_codes(user)
        if codes is None:  # a platform superuser sees everything
            scoped, prefixes = self.all(), ("",)
        else:
            scoped = self.filter(any_subtree_q(self.scope_field, codes))
            prefixes = minimal_prefixes(sorted(codes))
        if self.area_prefixes() == ("",):  # nothing else narrows it
            scoped._areas = (prefixes, _shape(scoped.query))
        return scoped

    def under(self, code: str) -> ScopedQuerySet:
        narrowed = self.filter(subtree_q(self.scope_field, code))
        prefixes = self.area_prefixes()
        if prefixes is not None:
            narrowed._areas = (_narrowed(prefixes, code), _shape(narrowed.query))
        return narrowed

    def area_prefixes(self) -> tuple[str, ...] | None:
        """The area codes whose subtrees hold exactly the rows of this queryset ("" for
        all), when `visible_to` and `under` are its only conditions; None otherwise."""
        if not any(_shape(self.query)):
            return ("",)  # no condition at all: every row
        return self._current(self._areas)

    def matching(self, index: AreaIndex) -> ScopedQuerySet:
        """The rows of this queryset that `index` holds, when this queryset is exactly a
        scope (`area_prefixes`) and the index holds none outside it: the count is then
        the index's, and a slice in area code order (a page of a list) is found by the
        position of its first and last rows in the index, then read among the rows of
        those areas alone, rather than by reading and sorting every row before it. Any
        later condition ends this: the count and slices are then the database's."""
        found = self.filter(index.q())
        if self.area_prefixes() is not None:
            found._index = (index, _shape(found.query), self.query.where.clone())
        return found

    def count(self) -> int:
        index = self._current(self._index)
        if index is not None and self._result_cache is None:
            return index.count()
        return super().count()

    def _in_area_order(self) -> bool:
        query = self.query
        ordering = query.order_by or (self.model._meta.ordering if query.default_ordering else ())
        return bool(
            ordering
            and ordering[0] == self.scope_field
            and query.standard_ordering
            and not query.extra_order_by
        )

    def __getitem__(self, k):
        index = self._current(self._index)
        if (
            index is None
            or not isinstance(k, slice)
            or k.step is not None
            or k.stop is None
            or (k.start or 0) < 0
            or k.stop <= (k.start or 0)
            or self._result_cache is not None
            or not self._in_area_order()
        ):
            return super().__getitem__(k)
        start, stop = k.start or 0, k.stop
        first = index.area_code_at(start)
        if first is None:  # past the last row
            return super().__getitem__(k)
        last = index.area_code_at(stop - 1) or index.area_code_at(index.count() - 1)
        before = index.count_before(first)
        # The rows at [start, stop) lie in the areas from `first` to `last`, and the rows
        # of those areas start at position `before`: the same slice of them, read with
        # the scope's conditions and the window's instead of the index's whole.
        window = self._chain()
        window.query.where = self._index[2].clone()
        window = window.filter(index.window_q(first, last))
        return window[start - before : stop - before]


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
