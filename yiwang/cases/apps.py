"""Cases (事件与诉求): patrol reports and residents' requests, from intake to closure."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "yiwang.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self):
        # The case tally, checked and rebuilt by core.
        from yiwang.cases.services import tally
        from yiwang.core import tallies

        tallies.register(tally.REGISTRATION)
        # The audit log names this app's actions: each transition by its own name.
        from yiwang.cases.views.cases import ACTION_LABELS
        from yiwang.core import audit

        audit.register_actions(
            {
                "case.create": _("Report a case"),
                "case.attach": _("Add photos to a case"),
                "case.notices_read": _("Read case notices"),
                "case.escalate": _("Escalate a case"),
                "case.remind": _("Remind of a case"),
                "case_category.save": _("Save a case category"),
                "department.save": _("Save a department"),
                **{f"case.{name}": label for name, label in ACTION_LABELS.items()},
            }
        )
