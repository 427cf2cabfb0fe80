"""Scope checks of the points routes: shop."""

CHECKS: dict = {}
PUBLIC: set = set()
