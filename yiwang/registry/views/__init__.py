"""Pages of the ledger, a module a topic: the resident list with search and filters, its
export and the likely duplicates (`ledger`); the import; household and resident cards and
keeping them by hand; life events; migrants; the tag configuration.

Each page that keeps the ledger by hand reads through `visible_to` (404 outside the scope)
and writes through one service; a service's ValidationError goes back onto the form.
"""

from yiwang.registry.views.households import (
    UNIT_HINTS,
    household_category,
    household_create,
    household_detail,
    household_edit,
)
from yiwang.registry.views.imports import ledger_import, ledger_template
from yiwang.registry.views.ledger import (
    EXPORT_TYPES,
    PAGE_SIZE,
    duplicate_list,
    household_list,
    resident_list,
)
from yiwang.registry.views.life_events import (
    LEAVE_SERVICES,
    TRANSFER_HITS,
    resident_death,
    resident_make_head,
    resident_move_out,
    resident_transfer,
)
from yiwang.registry.views.migrants import migrant_create, migrant_left, migrant_list
from yiwang.registry.views.residents import (
    resident_add,
    resident_detail,
    resident_edit,
    resident_tags,
)
from yiwang.registry.views.tags import tag_create, tag_edit, tag_list

__all__ = [
    "EXPORT_TYPES",
    "LEAVE_SERVICES",
    "PAGE_SIZE",
    "TRANSFER_HITS",
    "UNIT_HINTS",
    "duplicate_list",
    "household_list",
    "household_category",
    "household_create",
    "household_detail",
    "household_edit",
    "ledger_import",
    "ledger_template",
    "migrant_create",
    "migrant_left",
    "migrant_list",
    "resident_add",
    "resident_death",
    "resident_detail",
    "resident_edit",
    "resident_list",
    "resident_make_head",
    "resident_move_out",
    "resident_tags",
    "resident_transfer",
    "tag_create",
    "tag_edit",
    "tag_list",
]
