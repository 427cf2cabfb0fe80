"""The labels of the battle map's core writes on the audit pages (projects, milestones,
progress, problems, the working calendar) and the kind of notification a problem raised
to a department sends."""

from django.utils.translation import gettext_lazy


def register() -> None:
    from yiwang.core import audit
    from yiwang.notices import kinds as notice_kinds
    from yiwang.projects.services.progress import NOTICE_KIND, PROBLEM_OBJECT_TYPE, problem_links

    notice_kinds.register(
        notice_kinds.Kind(
            NOTICE_KIND,
            gettext_lazy("A project's problem raised to your department"),
            "projects",
            object_type=PROBLEM_OBJECT_TYPE,
            links=problem_links,
        )
    )
    audit.register_actions(
        {
            "projects.calendar.enter": gettext_lazy("Enter a year of the working calendar"),
            "projects.calendar.remove": gettext_lazy("Remove a year of the working calendar"),
            "projects.project.create": gettext_lazy("Create a key project"),
            "projects.project.update": gettext_lazy("Change a key project"),
            "projects.project.members": gettext_lazy("Change a project's special team"),
            "projects.project.stage": gettext_lazy("Record a project's stage"),
            "projects.permit.set": gettext_lazy("Record a project's permit"),
            "projects.milestone_type.create": gettext_lazy("Add a milestone type"),
            "projects.milestone_type.update": gettext_lazy("Change a milestone type"),
            "projects.milestone.create": gettext_lazy("Add a milestone"),
            "projects.milestone.update": gettext_lazy("Change a milestone"),
            "projects.milestone.complete": gettext_lazy("Complete a milestone"),
            "projects.milestone.tag_delay": gettext_lazy("Tag a milestone's delay"),
            "projects.target.set": gettext_lazy("Set a project's monthly target"),
            "projects.progress.record": gettext_lazy("Record a day's progress"),
            "projects.problem.raise": gettext_lazy("Raise a project's problem"),
            "projects.problem.resolve": gettext_lazy("Resolve a project's problem"),
            "projects.problem.recount": gettext_lazy(
                "Count a project problem's due day again on the calendar entered"
            ),
        }
    )
