"""Area codes: official statistical division codes, extended for grids and units.

County 370829 (6 digits) → town 370829111 (9) → village 370829111201 (12) → grid
370829111201001 (15) → unit 370829111201001001 (18). Every level adds three digits, so an
area's parent is its code less the last three digits, and a subtree is a prefix.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

LEVEL_BY_LENGTH = {6: "county", 9: "town", 12: "village", 15: "grid", 18: "unit"}
LENGTH_BY_LEVEL = {level: length for length, level in LEVEL_BY_LENGTH.items()}
CHILD_LEVEL = {"county": "town", "town": "village", "village": "grid", "grid": "unit"}
PARENT_LEVEL = {child: parent for parent, child in CHILD_LEVEL.items()}
SUFFIX_DIGITS = 3
_DIGITS = re.compile(r"^\d+$")
# 3.70830001001001e+17: a long code that a spreadsheet kept as a number, its digits lost.
_SCIENTIFIC = re.compile(r"^[+-]?\d+(\.\d*)?[eE][+-]?\d+$")


class CodeError(ValueError):
    """A code that cannot be an area code; the message says why, in the user's language."""


def normalize(raw: str) -> str:
    """The short form of a code, accepting the published 12-digit padded form.

    370830000000 → 370830 (county), 370830001000 → 370830001 (town).
    """
    code = (raw or "").strip()
    if code.endswith(".0"):  # a code that went through a spreadsheet as a number
        code = code[:-2]
    if _SCIENTIFIC.match(code):
        raise CodeError(
            _(
                "The code was stored as a number in Excel and lost digits: format the code "
                "column as text."
            )
        )
    if not _DIGITS.match(code):
        raise CodeError(_("The code must be digits only."))
    if len(code) == 12 and code.endswith("000000"):
        code = code[:6]
    elif len(code) == 12 and code.endswith("000"):
        code = code[:9]
    if len(code) not in LEVEL_BY_LENGTH:
        raise CodeError(
            _("The code must have 6, 9, 12, 15 or 18 digits, not %(n)d.") % {"n": len(code)}
        )
    if code.endswith("000") and len(code) > 6:
        raise CodeError(_("The last three digits of a code cannot be 000."))
    return code


def level_of(code: str) -> str:
    return LEVEL_BY_LENGTH[len(code)]


def parent_code(code: str) -> str | None:
    return code[:-SUFFIX_DIGITS] if len(code) > LENGTH_BY_LEVEL["county"] else None


def ancestor_codes(code: str) -> list[str]:
    """The codes above `code`, from the county down, without `code` itself."""
    return [code[:n] for n in sorted(LEVEL_BY_LENGTH) if n < len(code)]
