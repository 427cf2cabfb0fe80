"""Reads of the ledger that are more than a filter, a module a topic: search (and the pinyin
initials it matches), residents with their tags and likely duplicates, roll-ups, and the
export files.

Exports are here because building one only reads the ledger: the write that goes with it,
the audit entry, is `services.record_export`. The import template shares their columns.
"""

from yiwang.registry.selectors.exports import export_residents, import_template, resident_rows
from yiwang.registry.selectors.residents import (
    duplicate_matches,
    head_names,
    likely_duplicates,
    with_current_tags,
)
from yiwang.registry.selectors.rollups import ledger_rollup, ledger_rollup_from_rows
from yiwang.registry.selectors.search import (
    BROAD_INITIALS,
    TAIL,
    initials,
    search_q,
    search_residents,
)

__all__ = [
    "BROAD_INITIALS",
    "TAIL",
    "duplicate_matches",
    "export_residents",
    "head_names",
    "import_template",
    "initials",
    "ledger_rollup",
    "ledger_rollup_from_rows",
    "likely_duplicates",
    "resident_rows",
    "search_q",
    "search_residents",
    "with_current_tags",
]
