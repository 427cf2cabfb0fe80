"""Reads of emergency duty that are more than a filter, one module a topic."""
