"""Search helpers of the ledger: pinyin initials of names."""

from pypinyin import Style, lazy_pinyin


def initials(name: str) -> str:
    """张三 → zs. Han characters give one initial each; runs of letters and digits stay
    whole, lower-cased; spaces and dots (阿卜杜·热合曼) are dropped."""
    return "".join(p for p in lazy_pinyin(name, style=Style.FIRST_LETTER) if p.isalnum()).lower()
