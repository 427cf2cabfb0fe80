"""Search of the ledger: what a text typed in the search box finds, each kind through an
index, and the pinyin initials of names that it matches."""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import F, Lookup, Q, QuerySet
from django.db.models.expressions import RawSQL

from yiwang.core import scoping, validators
from yiwang.core.pinyin import initials as initials
from yiwang.registry.models import Resident, ResidentNameChar

TAIL = 4  # Resident.id_tail and phone_tail hold the last four characters
# Texts at most this long match thousands of residents in a county (one or two letters of
# initials): see `search_q`.
BROAD_INITIALS = 2
_LETTERS = re.compile(r"[A-Za-z]+")
# The end of an ID number or a phone number: digits, an ID's check character X last.
_DIGITS_TAIL = re.compile(r"\d+X?|X")


def _tail_q(field: str, tail_field: str, digits: str) -> Q:
    """The rows whose `field` ends with `digits`, through the indexed last-four column:
    equality for four digits, equality on the last four plus the full suffix for more, a
    suffix of the tail for fewer."""
    if len(digits) == TAIL:
        return Q(**{tail_field: digits})
    if len(digits) > TAIL:
        return Q(**{tail_field: digits[-TAIL:], f"{field}__endswith": digits})
    return Q(**{f"{tail_field}__endswith": digits})


def _initials_q(prefix: str) -> Q:
    """Initials that start with `prefix` (lower-case letters), as a range that a B-tree
    index serves on SQLite and PostgreSQL alike, where LIKE 'zs%' is served by neither
    (see yiwang.core.scoping). The bound raises the last letter that is not a z, so that it
    stays a letter: a "{" bound would sort anywhere under a linguistic collation.

    Only z's (z, zz): nothing made of letters and digits sorts after them, so the lower
    bound alone is exact; SQLite (byte order, where "{" follows "z") gets the upper bound
    as well, without which its planner takes the range for a large part of the table.
    """
    stripped = prefix.rstrip("z")
    if not stripped:
        if connection.vendor == "sqlite":
            return Q(name_initials__gte=prefix, name_initials__lt=_after_prefix(prefix))
        return Q(name_initials__gte=prefix)
    upper = stripped[:-1] + chr(ord(stripped[-1]) + 1)
    return Q(name_initials__gte=prefix, name_initials__lt=upper)


def _after_prefix(prefix: str) -> str | None:
    """The least string above every string that starts with `prefix`, in code point order:
    the prefix with its last character raised (张 → 弡); None when there is none."""
    while prefix:
        code = ord(prefix[-1]) + 1
        if 0xD800 <= code <= 0xDFFF:  # surrogates are no characters: skip over them
            code = 0xE000
        if code <= 0x10FFFF:
            return prefix[:-1] + chr(code)
        prefix = prefix[:-1]
    return None


class _Among(Lookup):
    """`lhs` is one of the values the subquery `rhs` returns, the subquery run first.

    PostgreSQL: `id = ANY(ARRAY(SELECT …))`, an InitPlan: the planner must read the
    matches through their own index, then fetch them by primary key; a plain `IN (SELECT
    …)` becomes a semi-join that the planner may turn into a walk along the list's order
    (the area code index) in the hope of finding 50 matches early. SQLite: `IN (SELECT …)`,
    which it runs first into a list and probes by rowid.
    """

    lookup_name = "among"  # used as an expression, never registered
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} IN {rhs}", (*lhs_params, *rhs_params)

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)


def _looked_up_first(q: Q) -> Q:
    """The residents `q` finds, looked up through the index of `q` before anything else.

    For a text that finds few people (a full name, three letters of initials, an ID tail):
    the list that searches it is scoped (an area code range) and ordered by area code
    with a LIMIT, and with `q` beside them both databases may walk the area code index in
    order and test `q` on each row until 50 match — through most of a county when only a
    dozen do. Looking the matches up first costs a few lookups a match, whatever the scope.
    """
    return Q(_Among(F("pk"), Resident.objects.filter(q).order_by().values("pk")))


NAME_PARTS = "registry_resident_name_part"  # see registry migration 0005


def _name_part_q(part: str) -> Q:
    """Names that contain `part` anywhere (建国 → 张建国, 王建国华; 张 → 张三, 李张), looked
    up first (`_Among`) in the table of every name's suffixes that database triggers keep
    (registry migration 0005): a part of a name is the start of one of its suffixes, so
    the range [part, part with its last character raised) on that table's primary key
    finds them, one character or fifty. Both databases compare the parts by code point
    (SQLite's BINARY; COLLATE "C" on PostgreSQL), so the range is exact on both."""
    upper = _after_prefix(part)
    where, params = "part >= %s", [part]
    if upper is not None:
        where, params = f"{where} AND part < %s", [part, upper]
    parts = RawSQL(f"SELECT resident_id FROM {NAME_PARTS} WHERE {where}", params)
    return Q(_Among(F("pk"), parts))


def search_q(text: str) -> Q | None:
    """What `text` finds, decided by its shape; None for empty input. Every kind is served
    by an index; none is a "contains", which would scan every resident of the scope.

    - ASCII letters: the start of the pinyin initials (zs → 张三); from three letters on,
      also a name written in letters, any part of it (Anna → Anna Li, Smith → John Smith).
    - digits, maybe with a final X: the end of an ID number or of a phone number;
    - anything else (Chinese): any part of the name, one character or more (张 → 张三,
      建国 → 张建国, 国 → 张建国, 李国华), through the table of names' suffixes
      (`_name_part_q`). The address is a filter of its own (`ResidentFilterSet.address`).

    Broad texts (one or two letters) match thousands of people in a county: the list walks
    its scope in its own order and stops at a page, and a count reads the index alone.
    Narrower texts, and every part of a name, are looked up first (`_looked_up_first`).
    """
    text = validators.normalize_text(text)  # full-width ＺＳ and １２３４ typed on a phone
    compact = re.sub(r"\s+", "", text)
    if not compact:
        return None
    if _LETTERS.fullmatch(compact):
        initials = _initials_q(compact.lower())
        if len(compact) <= BROAD_INITIALS:
            return initials
        return _looked_up_first(initials) | _name_part_q(text)
    if _DIGITS_TAIL.fullmatch(compact.upper()):
        digits = compact.upper()
        q = _tail_q("id_number", "id_tail", digits)
        if digits.isdigit():
            q |= _tail_q("phone", "phone_tail", digits)
        # Fewer than four digits match the end of the tail columns, which no index serves:
        # within the scope, as before.
        return _looked_up_first(q) if len(digits) >= TAIL else q
    return _name_part_q(text)


class _NameCharIndex:
    """The residents whose name holds the character `ch` within the subtrees of
    `prefixes` ("" for all), read from the table of names' characters by their key
    (character, area code, resident): counted from the index alone, in area code order.
    See `ScopedQuerySet.matching`."""

    def __init__(self, ch: str, prefixes: tuple[str, ...]):
        self.ch, self.prefixes = ch, prefixes
        self._count: int | None = None

    def rows(self, first: str | None = None, last: str | None = None) -> QuerySet:
        rows = ResidentNameChar.objects.filter(ch=self.ch)
        if "" not in self.prefixes:
            rows = rows.filter(scoping.any_subtree_q("area_code", self.prefixes))
        if first is not None:
            rows = rows.filter(area_code__gte=first, area_code__lte=last)
        return rows

    def q(self) -> Q:
        return Q(pk__in=self.rows().values("resident"))

    def count(self) -> int:
        if self._count is None:
            self._count = self.rows().count()
        return self._count

    def area_code_at(self, position: int) -> str | None:
        codes = self.rows().order_by("area_code", "resident_id").values_list("area_code", flat=True)
        return next(iter(codes[position : position + 1]), None)

    def count_before(self, code: str) -> int:
        return self.rows().filter(area_code__lt=code).count()

    def window_q(self, first: str, last: str) -> Q:
        return Q(area_code__gte=first, area_code__lte=last) & Q(
            pk__in=self.rows(first, last).values("resident")
        )


def _one_character(text: str) -> str | None:
    """The character a one-character search is for, else None. Not a letter nor a digit:
    those are the start of initials and the end of numbers (`search_q`)."""
    compact = re.sub(r"\s+", "", validators.normalize_text(text))
    if len(compact) == 1 and not (compact.isascii() and compact.isalnum()):
        return compact
    return None


def search_residents(queryset: QuerySet, text: str) -> QuerySet:
    """The residents of `queryset` that `text` finds (see `search_q`), in one query.

    One character (伟, 国) finds tens of thousands of people in a county. When `queryset`
    is exactly a scope (`visible_to`, `under`), they are read from the table of names'
    characters (registry migration 0006), which holds the area code beside each: the
    count reads that table's index alone, and a page of the list in area order is found
    by position there (`ScopedQuerySet.matching`), whatever the number of matches."""
    ch = _one_character(text)
    prefixes = queryset.area_prefixes() if ch and hasattr(queryset, "area_prefixes") else None
    if prefixes is None:
        q = search_q(text)
        return queryset if q is None else queryset.filter(q)
    return queryset.matching(_NameCharIndex(ch, prefixes))
