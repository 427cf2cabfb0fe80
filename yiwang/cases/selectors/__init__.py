"""Reads of cases that are more than a filter, a module a part: the inbox, the notifications
of a user and the likely duplicates of a case (cases), the reads behind the dispatch form
(dispatch), the points of open cases on a map (points), whose public names are here too,
and the three rates with the overdue list (rates: `from yiwang.cases.selectors import
rates`)."""

from yiwang.cases.selectors.cases import (
    DUPLICATE_RADIUS_M,
    DUPLICATE_SIMILARITY,
    DUPLICATE_WINDOW,
    DUPLICATES_SHOWN,
    WAITING_FOR,
    Duplicate,
    case_links,
    distance_m,
    inbox,
    likely_duplicates,
    notifications,
    text_similarity,
    unread_notices,
    waiting_for,
)
from yiwang.cases.selectors.dispatch import (
    case_departments,
    department_staff,
    suggested_area,
    worker_choices,
    worker_posts,
)
from yiwang.cases.selectors.points import POINTS_MAX, open_case_points

__all__ = [
    "DUPLICATE_RADIUS_M",
    "DUPLICATE_SIMILARITY",
    "DUPLICATE_WINDOW",
    "DUPLICATES_SHOWN",
    "WAITING_FOR",
    "Duplicate",
    "case_links",
    "distance_m",
    "inbox",
    "likely_duplicates",
    "notifications",
    "text_similarity",
    "unread_notices",
    "waiting_for",
    # points
    "POINTS_MAX",
    "open_case_points",
    # dispatch
    "case_departments",
    "department_staff",
    "suggested_area",
    "worker_choices",
    "worker_posts",
]
