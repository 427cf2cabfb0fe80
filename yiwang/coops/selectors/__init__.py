"""Reads of the cooperatives that are more than a filter."""
