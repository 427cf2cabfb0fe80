"""Cleaning a row of the file (no database): its cells into the values the import writes,
with a message for each bad cell that names the column and says the fix."""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from yiwang.core import exports, validators
from yiwang.registry.models import Household, HouseholdCategory, Relation, Resident, Sex, Tag
from yiwang.registry.selectors import initials

# What villages write in 与户主关系, and the codes.
RELATIONS = {
    "户主": Relation.HEAD,
    "本人": Relation.HEAD,
    "配偶": Relation.SPOUSE,
    "妻": Relation.SPOUSE,
    "妻子": Relation.SPOUSE,
    "夫": Relation.SPOUSE,
    "丈夫": Relation.SPOUSE,
    "子女": Relation.CHILD,
    "子": Relation.CHILD,
    "女": Relation.CHILD,
    "儿子": Relation.CHILD,
    "女儿": Relation.CHILD,
    "长子": Relation.CHILD,
    "次子": Relation.CHILD,
    "长女": Relation.CHILD,
    "次女": Relation.CHILD,
    "儿媳": Relation.CHILD_IN_LAW,
    "女婿": Relation.CHILD_IN_LAW,
    "儿媳/女婿": Relation.CHILD_IN_LAW,
    "孙子女": Relation.GRANDCHILD,
    "孙子": Relation.GRANDCHILD,
    "孙女": Relation.GRANDCHILD,
    "外孙子": Relation.GRANDCHILD,
    "外孙女": Relation.GRANDCHILD,
    "父母": Relation.PARENT,
    "父亲": Relation.PARENT,
    "母亲": Relation.PARENT,
    "祖父母": Relation.GRANDPARENT,
    "祖父": Relation.GRANDPARENT,
    "祖母": Relation.GRANDPARENT,
    "外祖父母": Relation.GRANDPARENT,
    "外祖父": Relation.GRANDPARENT,
    "外祖母": Relation.GRANDPARENT,
    "兄弟姐妹": Relation.SIBLING,
    "兄弟": Relation.SIBLING,
    "姐妹": Relation.SIBLING,
    "其他": Relation.OTHER,
    **{code: code for code in Relation.values},
}
RELATION_CHOICES = "户主、配偶、子女、儿媳/女婿、孙子女、父母、祖父母、兄弟姐妹、其他"
CATEGORIES = {
    "重点户": HouseholdCategory.KEY,
    "放心户": HouseholdCategory.ORDINARY,
    "普通户": HouseholdCategory.ORDINARY,
    **{code: code for code in HouseholdCategory.values},
}
# What the import writes as the reason when the file sets a household's category by hand.
CATEGORY_REASON = "导入文件指定"
_TAG_SEPARATORS = re.compile(r"[、,，;；\s]+")
_ALL_DIGITS = re.compile(r"^\d+$")
_NUMBER_SHAPED = re.compile(r"^[+-]?\d+(\.\d*)?[eE][+-]?\d+$")
_MAX_LENGTHS = {
    "household_number": Household._meta.get_field("number").max_length,
    "name": Resident._meta.get_field("name").max_length,
    "address": Household._meta.get_field("address").max_length,
}


@dataclasses.dataclass(slots=True, eq=False)
class _Row:
    """A row as the import will write it. None in sex, birth_date, phone, tags or category
    means "not given": the ledger keeps what it has."""

    number: int
    unit_code: str
    household_number: str
    name: str = ""
    name_initials: str = ""
    id_number: str = ""
    relation: str = ""
    sex: str | None = None
    birth_date: datetime.date | None = None
    phone: str | None = None
    address: str = ""
    tags: tuple[str, ...] | None = None
    category: str | None = None
    errors: list[str] = dataclasses.field(default_factory=list)


class _Cleaner:
    """Turns a row's cells into a _Row, with a message for each bad cell that names the
    column as the file does and says the fix."""

    def __init__(self, labels: dict[str, str], tags: dict[str, Tag]):
        self.labels = labels
        self.tags = tags
        self.tag_names = "、".join(t.name for t in sorted(set(tags.values()), key=_tag_order))

    def fail(self, row: _Row, column: str, message: str) -> None:
        row.errors.append(
            _("%(column)s: %(message)s") % {"column": self.labels[column], "message": message}
        )

    def attempt(self, row: _Row, column: str, function: Callable, value):
        try:
            return function(value)
        except ValidationError as exc:
            for message in exc.messages:
                self.fail(row, column, message)
            return None

    def clean(self, number: int, cells: dict[str, str]) -> _Row:
        text = {c: exports.unescape_cell(validators.normalize_text(v)) for c, v in cells.items()}
        unit_code, household_number = _household_key(text["unit_code"], text["household_number"])
        row = _Row(number=number, unit_code=unit_code, household_number=household_number)
        self._household(row)
        self._person(row, text)
        relation = text["relation"]
        if not relation:
            self.fail(
                row,
                "relation",
                _(
                    "The cell is empty: write 户主 for the head, or the relation to the head: %(choices)s."
                )
                % {"choices": RELATION_CHOICES},
            )
        else:
            row.relation = RELATIONS.get(relation) or RELATIONS.get(relation.lower(), "")
            if not row.relation:
                self.fail(
                    row,
                    "relation",
                    _('"%(value)s" is not a relation to the head: write one of %(choices)s.')
                    % {"value": relation, "choices": RELATION_CHOICES},
                )
        if "address" in text:
            row.address = text["address"]
            if len(row.address) > _MAX_LENGTHS["address"]:
                self.fail(row, "address", self._too_long(_MAX_LENGTHS["address"]))
        if "tags" in text:
            row.tags = self._tags(row, text["tags"])
        if "category" in text:
            value = text["category"]
            row.category = CATEGORIES.get(value) or CATEGORIES.get(value.lower(), "")
            if value and not row.category:
                self.fail(
                    row,
                    "category",
                    _(
                        '"%(value)s" is not a household category: write 重点户 or 放心户, or leave '
                        "it empty to have it follow from the tags."
                    )
                    % {"value": value},
                )
        return row

    def _too_long(self, limit: int) -> str:
        return _("The text is longer than %(n)d characters: shorten it.") % {"n": limit}

    def _household(self, row: _Row) -> None:
        if not row.household_number:
            self.fail(
                row,
                "household_number",
                _("The cell is empty: give the household's number, the same on each of its rows."),
            )
        elif len(row.household_number) > _MAX_LENGTHS["household_number"]:
            self.fail(row, "household_number", self._too_long(_MAX_LENGTHS["household_number"]))
        code = row.unit_code
        if not code:
            self.fail(
                row,
                "unit_code",
                _(
                    "The cell is empty: give the code of the unit (单元网格) the household lives in."
                ),
            )
        elif _NUMBER_SHAPED.match(code):
            self.fail(
                row,
                "unit_code",
                _(
                    "The code was stored as a number in Excel and lost its last digits: format "
                    "the column as text and type the code again."
                ),
            )
        elif not _ALL_DIGITS.match(code):
            self.fail(
                row,
                "unit_code",
                _('"%(value)s" is not an area code: write the unit\'s code, digits only.')
                % {"value": code},
            )

    def _person(self, row: _Row, text: dict[str, str]) -> None:
        row.name = text["name"]
        if not row.name:
            self.fail(row, "name", _("The cell is empty: give the resident's name."))
        elif len(row.name) > _MAX_LENGTHS["name"]:
            self.fail(row, "name", self._too_long(_MAX_LENGTHS["name"]))
        else:
            row.name_initials = initials(row.name)
        row.id_number = (
            self.attempt(row, "id_number", validators.clean_id_number, text["id_number"]) or ""
        )
        sex = self.attempt(row, "sex", validators.clean_sex, text["sex"]) if text.get("sex") else ""
        birth = (
            self.attempt(row, "birth_date", validators.clean_date, text["birth_date"])
            if text.get("birth_date")
            else None
        )
        if text.get("phone"):
            row.phone = self.attempt(row, "phone", validators.clean_phone, text["phone"])
        if row.id_number:
            # The ID number states the sex and birth date; the columns may only agree with it.
            id_sex = validators.sex_of(row.id_number)
            id_birth = validators.birth_date_of(row.id_number)
            if sex and sex != id_sex:
                self.fail(
                    row,
                    "sex",
                    _(
                        "%(given)s does not match the ID number, which says %(stated)s: "
                        "correct the sex or the ID number, or leave the sex empty."
                    )
                    % {"given": text["sex"], "stated": Sex(id_sex).label},
                )
            if birth and birth != id_birth:
                self.fail(
                    row,
                    "birth_date",
                    # Neither date in words: the message is shown to everyone who sees
                    # the import, and the ID's date is eight of its masked digits.
                    _(
                        "The birth date does not match the ID number: correct the birth date "
                        "or the ID number, or leave the birth date empty."
                    ),
                )
            row.sex, row.birth_date = id_sex, id_birth
        else:
            row.sex, row.birth_date = sex or None, birth

    def _tags(self, row: _Row, value: str) -> tuple[str, ...]:
        codes: list[str] = []
        unknown: list[str] = []
        for word in _TAG_SEPARATORS.split(value):
            if not word:
                continue
            tag = self.tags.get(word) or self.tags.get(word.lower())
            if tag is None:
                unknown.append(word)
            elif tag.code not in codes:
                codes.append(tag.code)
        if unknown:
            self.fail(
                row,
                "tags",
                _("Unknown tag(s) %(tags)s: write the ledger's tags (%(known)s), separated by 、.")
                % {"tags": "、".join(unknown), "known": self.tag_names},
            )
        return tuple(codes)


def _tag_order(tag: Tag):
    return (tag.order, tag.code)


def _household_key(unit_code: str, household_number: str) -> tuple[str, str]:
    """(unit code, 户编号) of a row from its normalised cells, the same in both passes."""
    return validators.unwrap(unit_code.replace(" ", "")), validators.unwrap(household_number)
