"""The cooperatives' figures in the cockpit's registry (yiwang.core.indicators): the
active cooperatives, their current members, and the distributions awaiting the board's
approval. Each is the count of an API list (`records_url`), read through that list's own
filterset (yiwang.coops.filters) over the rows the viewer reads; each opens the roll-up of
the cooperatives under the area (`page_url`: ?under=, the filters besides ignored)."""

from django.utils.translation import gettext_lazy as _


def register_indicators() -> None:
    from yiwang.coops import access
    from yiwang.coops.api.distributions import visible_distributions
    from yiwang.coops.api.members import of_visible_cooperatives
    from yiwang.coops.filters import (
        CooperativeFilterSet,
        DistributionFilterSet,
        MemberFilterSet,
    )
    from yiwang.coops.models import Cooperative, Distribution, Member
    from yiwang.core import indicators

    def cooperatives(user):
        """The cooperatives the user reads (every one for the system)."""
        return Cooperative.objects.all() if user is None else access.visible_cooperatives(user)

    def members(user):
        return Member.objects.all() if user is None else of_visible_cooperatives(Member, user)

    def distributions(user):
        return Distribution.objects.all() if user is None else visible_distributions(user)

    indicators.register(
        indicators.Indicator(
            "coops.cooperatives",
            _("Cooperatives"),
            _("Active party-branch-led cooperatives (党支部领办合作社) of the area's villages."),
            _("cooperatives"),
            "coops",
            "coops.Cooperative",
            CooperativeFilterSet,
            "api:coop-cooperative-list",
            "coops:index",
            params={"is_active": "true"},
            base=cooperatives,
            order=95,
        ),
        indicators.Indicator(
            "coops.members",
            _("Cooperatives' members"),
            _(
                "Members of the area's cooperatives who have not left: the village "
                "collectives, households and other members."
            ),
            _("members"),
            "coops",
            "coops.Member",
            MemberFilterSet,
            "api:coop-member-list",
            "coops:index",
            params={"current": "true"},
            base=members,
            order=96,
            main=False,
        ),
        indicators.Indicator(
            "coops.drafts",
            _("Distributions awaiting approval"),
            _(
                "The year's distributions of the area's cooperatives run by their accountant "
                "and not yet approved by the board."
            ),
            _("distributions"),
            "coops",
            "coops.Distribution",
            DistributionFilterSet,
            "api:coop-distribution-list",
            "coops:index",
            params={"status": "draft"},
            base=distributions,
            order=97,
            main=False,
        ),
    )
