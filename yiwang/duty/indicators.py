"""Emergency duty's figures in the cockpit's registry (yiwang.core.indicators): the
incidents still open, and the households of sweeps under way not reached yet. Each is
the count of a list the API gives (`records_url`), read through the API list's own
filterset."""

from django.utils.translation import gettext_lazy as _


def register_incident_indicators() -> None:
    from yiwang.core import indicators
    from yiwang.duty.selectors.incidents import IncidentFilterSet, visible_incidents

    indicators.register(
        indicators.Indicator(
            "duty.incidents_open",
            _("Incidents open"),
            _("Incidents reported in the area and not closed yet (on their reporting clock)."),
            _("incidents"),
            "duty",
            "duty.Incident",
            IncidentFilterSet,
            "api:incident-list",
            "duty:incidents",
            params={"open": "true"},
            base=visible_incidents,
            order=90,
        ),
    )


def register_sweep_indicators() -> None:
    from yiwang.core import indicators
    from yiwang.duty.selectors.sweeps import SweepHouseholdFilterSet, sweep_households

    indicators.register(
        indicators.Indicator(
            "duty.sweep_pending",
            _("Sweep households to visit"),
            _(
                "Households of the door-to-door sweeps under way in the area not reached "
                "yet (never visited, or nobody at home)."
            ),
            _("households"),
            "duty",
            "duty.SweepHousehold",
            SweepHouseholdFilterSet,
            "api:sweep-household-list",
            "duty:sweep-households",
            params={"pending": "true"},
            base=sweep_households,
            order=91,
        ),
    )
