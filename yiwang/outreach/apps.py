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
        from yiwang.accounts import scope
        from yiwang.core import menus, tallies
        from yiwang.outreach import home, importers  # noqa: F401
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

        # The main menu: the visits, the pairings and their coverage, the routines, the
        # enterprises; the programmes, rules, triggers, event types and routines are the
        # county admin's settings.
        item = menus.MenuItem
        configure = scope.can_configure
        menus.register(
            item("outreach.today", _("Visits due"), "outreach:today", "outreach", 10),
            item("outreach.visits", _("Visits"), "outreach:visits", "outreach", 20),
            item(
                "outreach.occurrences", _("Events at home"), "outreach:occurrences", "outreach", 30
            ),
            item("outreach.pairings", _("Pairings"), "outreach:pairings", "outreach", 40),
            item("outreach.coverage", _("Coverage"), "outreach:coverage", "outreach", 50),
            item(
                "outreach.compliance", _("Visit compliance"), "outreach:compliance", "outreach", 60
            ),
            item("outreach.events", _("Must-attend events"), "outreach:events", "outreach", 70),
            item("outreach.meetings", _("Meetings"), "outreach:meetings", "outreach", 80),
            item(
                "outreach.routine-compliance",
                _("Routine compliance"),
                "outreach:routine-compliance",
                "outreach",
                90,
            ),
            item("outreach.enterprises", _("Enterprises"), "outreach:enterprises", "outreach", 100),
            item(
                "outreach.programmes",
                _("Pairing programmes"),
                "outreach:programmes",
                "settings",
                40,
                configure,
            ),
            item("outreach.rules", _("Visit rules"), "outreach:rules", "settings", 50, configure),
            item(
                "outreach.triggers",
                _("Visit triggers"),
                "outreach:triggers",
                "settings",
                60,
                configure,
            ),
            item(
                "outreach.event-types",
                _("Event types"),
                "outreach:event-types",
                "settings",
                70,
                configure,
            ),
            item(
                "outreach.routines", _("Routines"), "outreach:routines", "settings", 80, configure
            ),
        )
        home.register()
        register_indicators()


def register_indicators() -> None:
    """Outreach's figures in the cockpit's registry: the lists its API gives."""
    from fractions import Fraction
    from urllib.parse import urlencode

    from django.urls import reverse
    from django.utils import timezone

    from yiwang.core import indicators
    from yiwang.outreach.filters import ScheduleFilterSet, VisitFilterSet
    from yiwang.outreach.models import ScheduledVisit, ScheduleStatus, Visit
    from yiwang.outreach.selectors import compliance
    from yiwang.outreach.services import schedule, visits

    def compliance_ratio(ratio):
        def compute(area, period):
            found = indicators.shared(
                ("outreach.compliance", area.code, period),
                lambda: compliance.compliance(area, period),
            )
            return ratio(found.total), {row.code: ratio(row.figures) for row in found.rows}

        return compute

    def households_behind(figure: str):
        def page(code: str, period) -> str:
            query = {"area": code, "figure": figure, **period.query()}
            return f"{reverse('outreach:compliance-households')}?{urlencode(query)}"

        return page

    def this_month() -> dict:
        return {"since": timezone.localdate().replace(day=1).isoformat()}

    def open_schedule(user):
        # None: every open row (the system's read, for an area in the viewer's scope).
        rows = ScheduledVisit.objects.filter(status=ScheduleStatus.SCHEDULED)
        return rows if user is None else rows.filter(schedule.open_rows_q(user))

    indicators.register(
        indicators.Indicator(
            "outreach.visits_month",
            _("Visits this month"),
            _("Visits recorded in the area since the first of this month."),
            _("visits"),
            "outreach",
            "outreach.Visit",
            VisitFilterSet,
            "api:visit-list",
            "outreach:visits",
            params=this_month,
            monthly=lambda period: {
                "since": period.first.isoformat(),
                "until": period.last.isoformat(),
            },
            base=lambda user: (
                Visit.objects.all() if user is None else visits.visits_visible_to(user)
            ),
            order=30,
        ),
        indicators.Indicator(
            "outreach.visits_due",
            _("Visits due"),
            _("Scheduled visits of the area not made yet, whatever their due date."),
            _("visits"),
            "outreach",
            "outreach.ScheduledVisit",
            ScheduleFilterSet,
            "api:scheduled-visit-list",
            base=open_schedule,
            order=31,
            main=False,
        ),
        indicators.Indicator(
            "outreach.visits_overdue",
            _("Overdue visits"),
            _("Scheduled visits of the area past their due date and not made."),
            _("visits"),
            "outreach",
            "outreach.ScheduledVisit",
            ScheduleFilterSet,
            "api:scheduled-visit-list",
            params={"overdue": "true"},
            base=open_schedule,
            order=32,
        ),
        indicators.Rate(
            "outreach.coverage",
            _("Visit coverage"),
            _("Of the area's active households, those visited in the month."),
            "outreach",
            compute=compliance_ratio(lambda f: f.coverage),
            page=households_behind("visited"),
            order=33,
        ),
        indicators.Rate(
            "outreach.pairing_coverage",
            _("Pairing coverage"),
            _("Of the area's active households, those with a current pairing."),
            "outreach",
            compute=compliance_ratio(
                lambda f: Fraction(f.paired, f.households) if f.households else None
            ),
            page=households_behind("paired"),
            order=34,
            # Pairings now: a month gone by is its snapshot's.
            flow=False,
        ),
    )
