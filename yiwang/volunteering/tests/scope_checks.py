"""The scope checks of the volunteering routes, for the route walk of
tests/test_routes_scope.py (which adds them to its CHECKS), a module a topic."""

from yiwang.volunteering.tests import checks_activities, checks_pages

VOLUNTEERING_CHECKS = {
    **checks_activities.CHECKS,
    **checks_pages.CHECKS,
}
