"""Every write of the battle map: atomic, checked against the actor's posts
(yiwang.projects.access), audited. `actor=None` is the command line."""

from yiwang.projects.services.calendar import enter_year, remove_year
from yiwang.projects.services.milestones import (
    add_milestone,
    complete_milestone,
    configure_milestone_type,
    set_target,
    tag_delay,
    update_milestone,
)
from yiwang.projects.services.progress import raise_problem, record_progress, resolve_problem
from yiwang.projects.services.projects import (
    change_stage,
    create_project,
    set_members,
    set_permit,
    update_project,
)

__all__ = [
    "add_milestone",
    "change_stage",
    "complete_milestone",
    "configure_milestone_type",
    "create_project",
    "enter_year",
    "raise_problem",
    "record_progress",
    "remove_year",
    "resolve_problem",
    "set_members",
    "set_permit",
    "set_target",
    "tag_delay",
    "update_milestone",
    "update_project",
]
