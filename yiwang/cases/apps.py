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
