"""Reads of the battle map that are more than a filter, one module a topic."""
