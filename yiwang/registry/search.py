"""Search helpers of the ledger: pinyin initials of names."""

import re

from pypinyin import Style, lazy_pinyin

_WORD = re.compile(r"[A-Za-z0-9]+")


def initials(name: str) -> str:
    """张三 → zs, 阿卜杜·热合曼 → abdrhm, John Smith → js: a Han character gives its
    initial, a word in letters or digits its first character; the rest is dropped."""
    letters = []
    for part in lazy_pinyin(name, style=Style.FIRST_LETTER):
        letters.extend(word[0] for word in _WORD.findall(part))
    return "".join(letters).lower()
