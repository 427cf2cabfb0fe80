"""Scope checks of the points routes: evaluation."""

CHECKS: dict = {}
PUBLIC: set = set()
