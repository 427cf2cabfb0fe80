"""Filtersets of the key projects, shared by pages and the API."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from yiwang.core.filters import AreaCodeFilter, FilterSet, under
from yiwang.projects.models import Batch, Project, ProjectKind, Stage


class ProjectFilterSet(FilterSet):
    stage = django_filters.ChoiceFilter(label=_("stage"), choices=Stage.choices)
    kind = django_filters.ChoiceFilter(label=_("type"), choices=ProjectKind.choices)
    batch = django_filters.ChoiceFilter(label=_("batch (四个一批)"), choices=Batch.choices)
    under = AreaCodeFilter(
        label=_("area"), method=under, help_text=_("The area and the areas under it.")
    )
    is_active = django_filters.BooleanFilter(label=_("active"))

    class Meta:
        model = Project
        fields = []
