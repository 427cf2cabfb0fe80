"""The pinyin initials of names, which live in `selectors` now: kept importable here only
for the demo builder (demo.py), until it imports them from yiwang.registry.selectors."""

from yiwang.registry.selectors.search import initials

__all__ = ["initials"]
