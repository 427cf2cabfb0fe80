"""Outreach (结对与走访): pairings, visit rules, visits, must-attend events, routines."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    name = "yiwang.outreach"
    label = "outreach"
    verbose_name = _("Outreach")

    def ready(self):
        # The enterprise import registers its kind with the background imports (a queue
        # consumer that never loads the pages must know it too); the tally counts the
        # month's visited households as each visit is saved, and core checks and
        # rebuilds it.
        from yiwang.core import tallies
        from yiwang.outreach import importers  # noqa: F401
        from yiwang.outreach.services import tally

        tallies.register(tally.REGISTRATION)
