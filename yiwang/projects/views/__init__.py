"""The battle map's pages, one module a topic. `TOPICS` lists the modules whose
`register()` the app calls when Django starts (menus, audit labels, notice kinds)."""

from yiwang.projects.views import battle_map, indicators_registry, meeting_pack

TOPICS: tuple = (
    battle_map,
    meeting_pack,
    indicators_registry,
)
