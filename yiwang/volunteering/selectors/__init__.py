"""Reads of volunteering that are more than a filter."""

from yiwang.volunteering.selectors.hours import STAR_THRESHOLDS, star_of, volunteer_hours

__all__ = ["STAR_THRESHOLDS", "star_of", "volunteer_hours"]
