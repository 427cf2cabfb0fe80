"""The shared rows of the battle map's tests can be made (the factories the other tests
build on)."""

from conftest import TOWN
from yiwang.projects.tests import factories
from yiwang.projects.workdays import calendar


def test_a_project_with_a_milestone_and_the_years_around_today(tree):
    factories.enter_years_around_today()
    enterprise = factories.make_enterprise()
    project = factories.make_project(enterprise=enterprise)
    milestone = factories.make_milestone(project)
    assert project.area_code == TOWN and project.enterprise == enterprise
    # Today's year is known, from the package or as entered: its lag can be counted.
    assert calendar().lag(milestone.due_on, milestone.due_on) == 0
