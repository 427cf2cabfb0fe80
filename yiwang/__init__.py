"""Yiwang (一网): the grid-governance platform of a Chinese county."""
