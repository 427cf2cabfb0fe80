"""Reads of outreach that are more than a filter, a module a part: pairings (a programme's
subjects and sponsors, coverage), visits (the "today" list, a household's visits),
routines (decisions and open tasks, routine compliance), compliance (of the visits).

A part is taken as its module (`from yiwang.outreach.selectors import compliance as
selectors`); `compliance` here is that module, not its function of the same name. The
names other modules import one by one are re-exported."""

from yiwang.outreach.selectors import compliance, pairings, routines, visits
from yiwang.outreach.selectors.pairings import (
    coverage,
    eligible_subjects,
    sponsor_locations,
    sponsor_rows,
    subject_matches,
)
from yiwang.outreach.selectors.visits import mask_name, today_lines

__all__ = [
    "compliance",
    "coverage",
    "eligible_subjects",
    "mask_name",
    "pairings",
    "routines",
    "sponsor_locations",
    "sponsor_rows",
    "subject_matches",
    "today_lines",
    "visits",
]
