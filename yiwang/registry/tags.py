"""The default tags a county starts with (code, name, category, makes a key household), as
migration 0002 wrote them: their codes are fixed, so that other modules may name them (the
cockpit's residents by tag)."""

from importlib import import_module

DEFAULT_TAGS: list[tuple[str, str, str, bool]] = import_module(
    "yiwang.registry.migrations.0002_default_tags"
).DEFAULT_TAGS
