"""Pages of activities, check-in and hours (to come), and this topic's audit action labels
and notification kinds."""

from django.utils.translation import gettext_lazy

urlpatterns: list = []


def register() -> None:
    """This topic's audit action labels and notification kinds; its periodic task."""
    from yiwang.core import audit
    from yiwang.notices import kinds as notice_kinds
    from yiwang.volunteering import tasks  # noqa: F401  (the hourly close)
    from yiwang.volunteering.services.hours import NOTICE_KIND

    notice_kinds.register(
        notice_kinds.Kind(
            NOTICE_KIND,
            gettext_lazy("Volunteers not checked out"),
            "volunteering",
            object_type="volunteering.activity",
        )
    )
    audit.register_actions(
        {
            "volunteering_volunteer.register": gettext_lazy("Register a volunteer"),
            "volunteering_volunteer.update": gettext_lazy("Change a volunteer"),
            "volunteering_volunteer.deactivate": gettext_lazy("Take a volunteer out of service"),
            "volunteering_team.create": gettext_lazy("Create a volunteer team"),
            "volunteering_team.add_member": gettext_lazy("Add a member to a volunteer team"),
            "volunteering_team.end_membership": gettext_lazy(
                "End a membership of a volunteer team"
            ),
            "volunteering_activity.create": gettext_lazy("Create a volunteer activity"),
            "volunteering_activity.sign_up": gettext_lazy("Sign up for a volunteer activity"),
            "volunteering_activity.cancel_sign_up": gettext_lazy(
                "Cancel a sign-up for a volunteer activity"
            ),
            "volunteering_activity.new_code": gettext_lazy(
                "Give a volunteer activity a new check-in code"
            ),
            "volunteering_activity.cancel": gettext_lazy("Cancel a volunteer activity"),
            "volunteering_attendance.check_in": gettext_lazy("Check in to a volunteer activity"),
            "volunteering_attendance.check_out": gettext_lazy("Check out of a volunteer activity"),
            "volunteering_attendance.close": gettext_lazy(
                "Close a check-in left open (not checked out)"
            ),
            "volunteering_hours.add_honour": gettext_lazy("Add honour hours"),
            "volunteering_hours.approve": gettext_lazy("Approve volunteer hours"),
            "volunteering_hours.decline": gettext_lazy("Decline volunteer hours"),
        }
    )
