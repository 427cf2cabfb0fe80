"""API v1 of the catalogue of government services.

- `GET /service-items/` (filters `mode`, `is_cross_province`, `is_active`, `department`,
  `search`), `GET /service-items/{id}/`: the county's items, each with its mode, deciding
  department or office, time limit in working days, fee, where it is done and its list of
  materials. Every signed-in user reads the catalogue.
"""

from __future__ import annotations

from rest_framework import serializers, viewsets

from yiwang.core.api import BuiltOnceFieldsMixin
from yiwang.services.filters import ServiceItemFilterSet
from yiwang.services.models import ServiceItem, ServiceMaterial


class ServiceMaterialSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = ServiceMaterial
        fields = ["id", "name", "is_original", "copies", "is_required", "note", "order"]
        read_only_fields = fields


class ServiceItemSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    department_name = serializers.CharField(
        source="department.name", read_only=True, allow_null=True, default=None
    )
    materials = ServiceMaterialSerializer(many=True, read_only=True)

    class Meta:
        model = ServiceItem
        fields = [
            "id",
            "code",
            "name",
            "mode",
            "is_cross_province",
            "department",
            "department_name",
            "authority",
            "time_limit_days",
            "fee",
            "fee_note",
            "where",
            "basis",
            "notes",
            "is_active",
            "materials",
        ]
        read_only_fields = fields


class ServiceItemViewSet(viewsets.ReadOnlyModelViewSet):
    """The catalogue of government services the county helps with (跨省通办, 异地代收代办,
    多地联办, 就近办), with each item's materials."""

    queryset = ServiceItem.objects.none()
    serializer_class = ServiceItemSerializer
    filterset_class = ServiceItemFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ServiceItem.objects.none()
        return (
            ServiceItem.objects.select_related("department")
            .prefetch_related("materials")
            .order_by("code")
        )


def register(router) -> None:
    router.register("service-items", ServiceItemViewSet, basename="service-item")
