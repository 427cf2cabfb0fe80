"""Reads of government services that are more than a filter."""
