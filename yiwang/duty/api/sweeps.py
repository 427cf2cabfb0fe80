"""API v1 of door-to-door sweeps.

- `GET /sweeps/`, `GET /sweeps/{id}/`: the sweeps you follow (over your area, over an
  area above it, or with a household assigned to you).
- `GET /sweeps/{id}/progress/?area=CODE`: its households by child area of CODE (the
  sweep's area unless given): name, total, reached, not at home, not visited yet, per
  cent reached, each with the link to its households.
- `GET /sweep-households/` (filters `sweep`, `under`, `state`, `result`, `pending`,
  `assignee`), `GET /sweep-households/{id}/`: the households of sweeps you read.
- `POST /sweep-households/{id}/visit/` `{"uuid", "result", "note", "visited_at",
  "latitude", "longitude"}`: records the visit once, as the outreach visit; 201, and the
  same `uuid` again 200 with nothing stored twice. 400 for a result not among the
  choices; 403 for a household assigned to another worker; 404 outside what you see.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from yiwang.core.api import BuiltOnceFieldsMixin
from yiwang.core.filters import AREA_CODE_PATTERN
from yiwang.duty.models import Sweep, SweepHousehold, SweepResult
from yiwang.duty.selectors.sweeps import (
    SweepHouseholdFilterSet,
    sweep_households,
    sweep_progress,
    visible_sweeps,
)
from yiwang.duty.services import sweeps as services


class DutySweepSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    tag_name = serializers.CharField(source="tag.name", read_only=True)

    class Meta:
        model = Sweep
        fields = [
            "id",
            "name",
            "area_code",
            "tag",
            "tag_name",
            "reason",
            "starts_on",
            "ends_on",
            "status",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class DutySweepHouseholdSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    household_number = serializers.CharField(source="household.number", read_only=True)
    address = serializers.CharField(source="household.address", read_only=True)

    class Meta:
        model = SweepHousehold
        fields = [
            "id",
            "sweep",
            "household",
            "household_number",
            "address",
            "area_code",
            "assignee",
            "result",
            "visited_at",
            "visit_uuid",
            "note",
        ]
        read_only_fields = fields


class DutySweepProgressRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    total = serializers.IntegerField()
    reached = serializers.IntegerField()
    not_home = serializers.IntegerField()
    pending = serializers.IntegerField()
    percent = serializers.FloatField()
    records_url = serializers.CharField(help_text="Its households: /sweep-households/?…")


class DutySweepVisitSerializer(serializers.Serializer):
    uuid = serializers.UUIDField(help_text="Made by the client for the visit.")
    result = serializers.ChoiceField(choices=SweepResult.choices)
    note = serializers.CharField(
        max_length=services.NOTE_MAX, required=False, allow_blank=True, default=""
    )
    visited_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="Now unless given."
    )
    latitude = serializers.FloatField(required=False, allow_null=True, default=None)
    longitude = serializers.FloatField(required=False, allow_null=True, default=None)


class SweepViewSet(viewsets.ReadOnlyModelViewSet):
    """The door-to-door sweeps you follow."""

    queryset = Sweep.objects.none()
    serializer_class = DutySweepSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Sweep.objects.none()
        return visible_sweeps(self.request.user).select_related("tag").order_by("-starts_on", "-id")

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "area",
                OpenApiTypes.STR,
                description="An area within the sweep's (its own by default).",
                pattern=AREA_CODE_PATTERN,
            )
        ],
        responses={
            200: inline_serializer(
                "DutySweepProgressAnswer",
                {
                    "area": serializers.CharField(),
                    "rows": DutySweepProgressRowSerializer(many=True),
                },
            ),
            404: OpenApiResponse(description="No such sweep or area among those you see."),
        },
    )
    @action(detail=True, methods=["get"])
    def progress(self, request, pk=None):
        """The sweep's progress by child area."""
        sweep = self.get_object()
        area = request.query_params.get("area") or None
        rows = sweep_progress(request.user, sweep, area)
        base = reverse("api:sweep-household-list")
        return Response(
            {
                "area": area or sweep.area_code,
                "rows": [
                    {
                        "code": row.code,
                        "name": row.name,
                        "total": row.total,
                        "reached": row.reached,
                        "not_home": row.not_home,
                        "pending": row.pending,
                        "percent": row.percent,
                        "records_url": f"{base}?{urlencode({'sweep': sweep.pk, 'under': row.code})}",
                    }
                    for row in rows
                ],
            }
        )


class SweepHouseholdViewSet(viewsets.ReadOnlyModelViewSet):
    """The households of the sweeps you read: of your area, or assigned to you."""

    queryset = SweepHousehold.objects.none()
    serializer_class = DutySweepHouseholdSerializer
    filterset_class = SweepHouseholdFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SweepHousehold.objects.none()
        return (
            sweep_households(self.request.user)
            .select_related("household")
            .order_by("sweep_id", "area_code", "id")
        )

    @extend_schema(
        request=DutySweepVisitSerializer,
        responses={
            201: DutySweepHouseholdSerializer,
            200: OpenApiResponse(
                DutySweepHouseholdSerializer, description="Sent before: stored once."
            ),
            400: OpenApiResponse(description="Bad input: {field: [reason]}."),
            403: OpenApiResponse(description="The household is another worker's to visit."),
            404: OpenApiResponse(description="No such household among those you read."),
        },
    )
    @action(detail=True, methods=["post"])
    def visit(self, request, pk=None):
        """Records the visit of the household (the outreach visit, once)."""
        row = self.get_object()
        data = DutySweepVisitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        stored, created = services.record_sweep_visit(
            actor=request.user,
            sweep_id=row.sweep_id,
            household_id=row.household_id,
            source="api",
            **data.validated_data,
        )
        stored = self.get_queryset().get(pk=stored.pk)
        return Response(
            DutySweepHouseholdSerializer(stored).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


def register(router) -> None:
    """Adds this topic's viewsets to the router."""
    router.register("sweeps", SweepViewSet, basename="sweep")
    router.register("sweep-households", SweepHouseholdViewSet, basename="sweep-household")
