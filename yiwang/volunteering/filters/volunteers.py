"""Filtersets of volunteers and teams, shared by pages and the API."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from yiwang.core.filters import AreaCodeFilter, FilterSet, IdFilter, under
from yiwang.volunteering.models import Membership, Team, TeamKind, Volunteer


class VolunteerFilterSet(FilterSet):
    under = AreaCodeFilter(
        label=_("area"), method=under, help_text=_("The area and the areas under it.")
    )
    is_active = django_filters.BooleanFilter(label=_("active"))
    team = IdFilter(label=_("team"), method="in_team")

    class Meta:
        model = Volunteer
        fields = []

    def in_team(self, queryset, name, value):
        """Current members of the team."""
        return queryset.filter(
            pk__in=Membership.objects.filter(team_id=value, left_on__isnull=True).values(
                "volunteer_id"
            )
        )


class TeamFilterSet(FilterSet):
    under = AreaCodeFilter(
        label=_("area"), method=under, help_text=_("The area and the areas under it.")
    )
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=TeamKind.choices)
    is_active = django_filters.BooleanFilter(label=_("active"))

    class Meta:
        model = Team
        fields = []
