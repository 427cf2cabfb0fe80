"""The demo county, built from every app: areas, accounts, ledger, cases and outreach."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    name = "yiwang.demo"
    label = "demo"
    verbose_name = _("Demo")

    def ready(self):
        # The audit log names the demo builder's actions.
        from yiwang.core import audit

        audit.register_actions(
            {
                "demo.build": _("Build the demo county"),
                "demo.ledger": _("Build the demo ledger"),
                "demo.cases": _("Build the demo cases"),
                "demo.notices": _("Build the demo notices"),
                "demo.points": _("Build the demo points"),
                "demo.volunteering": _("Build the demo volunteering"),
                "demo.projects": _("Build the demo battle map"),
                "demo.services": _("Build the demo help requests"),
                "demo.duty": _("Build the demo duty rosters, sweep and stores"),
                "demo.coops": _("Build the demo cooperatives"),
            }
        )
