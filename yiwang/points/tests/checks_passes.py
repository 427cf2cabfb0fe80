"""Scope checks of the points routes: passes."""

CHECKS: dict = {}
PUBLIC: set = set()
