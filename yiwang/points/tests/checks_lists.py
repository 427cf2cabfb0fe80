"""Scope checks of the points routes: lists."""

CHECKS: dict = {}
PUBLIC: set = set()
