"""Scope checks of the points routes: entries."""

CHECKS: dict = {}
PUBLIC: set = set()
