"""Reads of points that are more than a filter, a module a topic."""
