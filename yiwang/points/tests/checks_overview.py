"""Scope checks of the points routes: overview."""

CHECKS: dict = {}
PUBLIC: set = set()
