"""Every write to the ledger: atomic, checked against the actor's posts, audited. A module a
topic: households, residents, tags, life events, migrants, personal data; the lookups in
the actor's scope that they share are in `lookups`."""

from yiwang.registry.services.households import (
    change_head,
    create_household,
    recompute_category,
    set_household_category,
    update_household,
)
from yiwang.registry.services.life_events import move_out, record_death, transfer
from yiwang.registry.services.migrants import migrant_left, register_migrant
from yiwang.registry.services.personal_data import REVEALABLE, may_reveal, record_export, reveal
from yiwang.registry.services.residents import add_resident, update_resident
from yiwang.registry.services.tags import save_tag, set_tags

__all__ = [
    "REVEALABLE",
    "add_resident",
    "change_head",
    "create_household",
    "migrant_left",
    "move_out",
    "recompute_category",
    "record_death",
    "record_export",
    "register_migrant",
    "may_reveal",
    "reveal",
    "save_tag",
    "set_household_category",
    "set_tags",
    "transfer",
    "update_household",
    "update_resident",
]
