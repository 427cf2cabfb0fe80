"""Reads of volunteering that are more than a filter."""
