"""The battle map's pages, one module a topic. `TOPICS` lists the modules whose
`register()` the app calls when Django starts (menus, audit labels, notice kinds)."""

from yiwang.projects.views import indicators_registry

TOPICS: tuple = (indicators_registry,)
