"""The filterset of the outbox's deliveries, shared by the page and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from yiwang.core.filters import FilterSet, IdFilter
from yiwang.notices.models.outbox import Channel, Delivery, DeliveryStatus


class DeliveryFilterSet(FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=DeliveryStatus.choices)
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=Channel.choices)
    robot = IdFilter(label=_("Group robot"), field_name="robot_id")

    class Meta:
        model = Delivery
        fields = ["status", "channel", "robot"]
