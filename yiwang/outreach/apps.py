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
        # The audit log names this app's actions.
        from yiwang.core import audit

        audit.register_actions(
            {
                "visit.create": _("Record a visit"),
                "visit.update": _("Correct a visit"),
                "occurrence.create": _("Record an occurrence"),
                "scheduled_visit.skip": _("Skip a scheduled visit"),
                "visit_rule.create": _("Add a visit rule"),
                "visit_rule.update": _("Edit a visit rule"),
                "visit_trigger.create": _("Add a visit trigger"),
                "visit_trigger.update": _("Edit a visit trigger"),
                "programme.save": _("Save a pairing programme"),
                "pairing.create": _("Pair a household"),
                "pairing.end": _("End a pairing"),
                "pairing.transfer": _("Transfer a pairing"),
                "pairing.auto_assign": _("Pair households automatically"),
                "enterprise.create": _("Add an enterprise"),
                "enterprise.update": _("Edit an enterprise"),
                "enterprise.activate": _("Reactivate or retire an enterprise"),
                "outreach_event.create": _("Record an event"),
                "outreach_event_type.save": _("Save an event type"),
                "outreach_meeting.create": _("Record a meeting"),
                "outreach_routine.save": _("Save a routine"),
                "outreach_decision.complete": _("Complete a decision"),
                "outreach_decision.case": _("Turn a decision into a case"),
            }
        )
