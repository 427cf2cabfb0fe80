"""Pinyin initials of names (张三 → zs), as staff type them to find a person or an area."""

from __future__ import annotations

import functools
import re

from pypinyin import Style, lazy_pinyin

# A word in letters or digits, or any other single character.
_TOKEN = re.compile(r"[A-Za-z0-9]+|[^A-Za-z0-9]")
_WORD = re.compile(r"[A-Za-z0-9]+")


@functools.cache
def _initial(char: str) -> str:
    """The initial of one character's commonest reading (张 → z); "" for a sign (·)."""
    return "".join(
        word[0]
        for part in lazy_pinyin(char, style=Style.FIRST_LETTER)
        for word in _WORD.findall(part)
    )


def initials(name: str) -> str:
    """张三 → zs, 阿卜杜·热合曼 → abdrhm, John Smith → js: a Han character gives its
    initial, a word in letters or digits its first character; the rest is dropped.

    Character by character, each in its commonest reading, as staff read a name out
    letter by letter; the characters are few (a few thousand in names), so each is looked
    up once and an import of a million names does not run pypinyin a million times."""
    return "".join(
        (token[0] if token[0].isalnum() else "") if token.isascii() else _initial(token)
        for token in _TOKEN.findall(name)
    ).lower()
