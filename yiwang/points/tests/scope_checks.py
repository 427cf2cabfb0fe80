"""The scope checks of the points routes, for the route walk of tests/test_routes_scope.py
(which adds them to its CHECKS), a module a topic."""

from yiwang.points.tests import (
    checks_entries,
    checks_evaluation,
    checks_lists,
    checks_overview,
    checks_passes,
    checks_shop,
)

POINTS_CHECKS = {
    **checks_overview.CHECKS,
    **checks_lists.CHECKS,
    **checks_entries.CHECKS,
    **checks_evaluation.CHECKS,
    **checks_shop.CHECKS,
    **checks_passes.CHECKS,
}
POINTS_PUBLIC = checks_evaluation.PUBLIC | checks_passes.PUBLIC
