"""The households of the file: their rows together, what only the whole file shows (one
head, one category, a person once), and the units they are in."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Sequence

from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.areas.models import Area, Level
from yiwang.registry.importers.rows import _ALL_DIGITS, _Row
from yiwang.registry.models import Relation


@dataclasses.dataclass(eq=False)
class _FileHousehold:
    """The rows of one household of the file: the same 户编号 in the same unit."""

    unit_code: str
    number: str
    rows: list[_Row] = dataclasses.field(default_factory=list)
    # Messages that hold for every row of the household (no head, unit out of scope …).
    errors: list[str] = dataclasses.field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return (self.unit_code, self.number)

    @property
    def rejected(self) -> bool:
        return bool(self.errors) or any(r.errors for r in self.rows)

    @property
    def head_row(self) -> _Row:
        return next(r for r in self.rows if r.relation == Relation.HEAD)

    def reject(self, message: str) -> None:
        if message not in self.errors:
            self.errors.append(message)


def _check_household(
    household: _FileHousehold, labels: dict[str, str], duplicates: dict[str, list[int]]
) -> None:
    """What only the whole file shows: one head a household, one category a household, a
    person once in the file (`duplicates`: the rows of each ID number found more than once)."""

    def label(column: str, message: str) -> str:
        return _("%(column)s: %(message)s") % {"column": labels[column], "message": message}

    heads = [r for r in household.rows if r.relation == Relation.HEAD]
    if not heads and all(r.relation for r in household.rows):
        household.reject(
            label(
                "relation",
                _("Household %(number)s has no head: write 户主 on its head's row.")
                % {"number": household.number},
            )
        )
    elif len(heads) > 1:
        household.reject(
            label(
                "relation",
                _(
                    "Rows %(rows)s of household %(number)s all say 户主, but a household has "
                    "one head: write the others' relation to the head."
                )
                % {
                    "rows": "、".join(str(r.number) for r in heads),
                    "number": household.number,
                },
            )
        )
    categories = {r.category for r in household.rows if r.category}
    if len(categories) > 1:
        household.reject(
            label(
                "category",
                _(
                    "The rows of household %(number)s give different categories: give one, "
                    "on the head's row."
                )
                % {"number": household.number},
            )
        )
    seen_without_id: dict[tuple[str, datetime.date | None], _Row] = {}
    for row in household.rows:
        if row.id_number:
            for other in duplicates.get(row.id_number, ()):
                if other != row.number:
                    row.errors.append(
                        label(
                            "id_number",
                            _(
                                "Row %(row)d has the same ID number: a person is in the "
                                "ledger once, so remove one of the rows or correct the number."
                            )
                            % {"row": other},
                        )
                    )
        elif row.name:
            key = (row.name, row.birth_date)
            first = seen_without_id.setdefault(key, row)
            if first is not row:
                row.errors.append(
                    label(
                        "name",
                        _(
                            "Row %(row)d already lists %(name)s, with the same birth date "
                            "and no ID number: remove this row, or give their ID numbers."
                        )
                        % {"row": first.number, "name": row.name},
                    )
                )


class _Units:
    """The units the file names, looked up once each; a household in a code that is not
    an open unit in the importer's area is rejected."""

    def __init__(self, actor, within: str, labels: dict[str, str]):
        self.roots = scope.scope_codes(actor) if actor is not None else None
        self.within = within
        self.labels = labels
        self.areas: dict[str, Area | None] = {}
        self.units: dict[str, Area] = {}  # the open units among them, by code

    def check(self, households: list[_FileHousehold]) -> None:
        wanted = sorted(
            {h.unit_code for h in households if _ALL_DIGITS.match(h.unit_code)} - set(self.areas)
        )
        for chunk in _chunks(wanted):
            found = {a.code: a for a in Area.objects.filter(code__in=chunk)}
            for code in chunk:
                area = self.areas[code] = found.get(code)
                if area is not None and area.level == Level.UNIT:
                    self.units[code] = area
        for household in households:
            problem = _unit_problem(household.unit_code, self.areas, self.roots, self.within)
            if problem:
                household.reject(
                    _("%(column)s: %(message)s")
                    % {"column": self.labels["unit_code"], "message": problem}
                )


def _unit_problem(code: str, areas: dict[str, Area], roots, within: str) -> str:
    area = areas.get(code)
    if not _ALL_DIGITS.match(code):
        return ""  # the row already says what is wrong with the code
    if area is None:
        return _("No area has the code %(code)s: check it against the area tree.") % {"code": code}
    if area.level != Level.UNIT:
        return _(
            "%(code)s is a %(level)s, not a unit (单元网格): give the code of the unit the "
            "household lives in."
        ) % {"code": code, "level": area.get_level_display()}
    if not area.is_open:
        return _(
            "The unit %(code)s is closed: give the code of the unit the household belongs to now."
        ) % {"code": code}
    if within and not code.startswith(within):
        return _(
            "The unit %(code)s is not under %(within)s, the area this import is limited to: "
            "remove these rows, or import them there."
        ) % {"code": code, "within": within}
    if roots is not None and not any(code.startswith(root) for root in roots):
        return _(
            "The unit %(code)s is outside the areas of your posts: remove these rows, or have "
            "someone with a post there import them."
        ) % {"code": code}
    return ""


def _chunks(items: Sequence, size: int = 1000):
    for start in range(0, len(items), size):
        yield items[start : start + size]
