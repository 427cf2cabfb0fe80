"""The kinds of notification the cooperatives send to the inbox and their figures in the
cockpit (the audit labels are registered in apps.py)."""

from django.utils.translation import gettext_lazy


def register() -> None:
    from yiwang.coops.services.distributions import (
        NOTICE_APPROVED,
        NOTICE_AWAITING,
        distribution_links,
    )
    from yiwang.notices import kinds as notice_kinds

    notice_kinds.register(
        notice_kinds.Kind(
            NOTICE_AWAITING,
            gettext_lazy("A cooperative's distribution awaits the board's approval"),
            "coops",
            object_type="coops.distribution",
            links=distribution_links,
        ),
        notice_kinds.Kind(
            NOTICE_APPROVED,
            gettext_lazy("A cooperative's distribution approved by the board"),
            "coops",
            object_type="coops.distribution",
            links=distribution_links,
        ),
    )
    try:
        from yiwang.coops.indicators import register_indicators
    except ImportError:  # the figures are being built
        return
    register_indicators()
