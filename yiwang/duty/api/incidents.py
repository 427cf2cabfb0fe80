"""API v1 of incidents on their 1/2/24-hour reporting clock.

- `GET /incidents/` (filters `under`, `status`, `kind`, `open`, `overdue`, `late`),
  `GET /incidents/{id}/`: the incidents of your scope, each with its three clocks (due
  times, times done, late flags).
- `POST /incidents/` `{"uuid", "area_code", "kind", "title", "text", "occurred_at",
  "learned_at", "casualties"}`: 201 with the incident; the same `uuid` again answers 200
  with the stored one.
- `POST /incidents/{id}/receive-town/` `{"note", "at"}`, `receive-county/` `{"note", "at"}`,
  `written-report/` `{"report", "at"}`, `close/` `{"note"}`: 200 with the incident; 400 for
  a step out of turn or bad input; 403 when your posts do not take that step; 404 outside
  what you see.
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from yiwang.core.api import BuiltOnceFieldsMixin
from yiwang.duty.models import Incident, IncidentKind
from yiwang.duty.selectors.incidents import IncidentFilterSet, visible_incidents
from yiwang.duty.services import incidents as services


class IncidentSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Incident
        fields = [
            "id",
            "uuid",
            "number",
            "area_code",
            "kind",
            "title",
            "text",
            "casualties",
            "status",
            "occurred_at",
            "learned_at",
            "town_due",
            "town_at",
            "town_late",
            "county_due",
            "county_at",
            "county_late",
            "written_due",
            "written_at",
            "written_late",
            "written_report",
            "closed_at",
            "reported_by",
            "created_at",
        ]
        read_only_fields = fields


class IncidentCreateSerializer(serializers.Serializer):
    uuid = serializers.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Made by the client: sending it again changes nothing and answers the "
        "stored incident.",
    )
    area_code = serializers.RegexField(
        r"^[0-9]{12,18}$", max_length=18, help_text="The village, or a unit in it."
    )
    kind = serializers.ChoiceField(choices=IncidentKind.choices)
    title = serializers.CharField(max_length=services.TITLE_MAX)
    text = serializers.CharField(max_length=services.TEXT_MAX)
    occurred_at = serializers.DateTimeField()
    learned_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="Now unless given."
    )
    casualties = serializers.CharField(
        max_length=services.CASUALTIES_MAX, required=False, allow_blank=True, default=""
    )


class IncidentNoteSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=services.NOTE_MAX, required=False, allow_blank=True, default=""
    )
    at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="Now unless given."
    )


class IncidentWrittenSerializer(serializers.Serializer):
    report = serializers.CharField(max_length=services.TEXT_MAX * 4)
    at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="Now unless given."
    )


class IncidentCloseSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=services.NOTE_MAX, required=False, allow_blank=True, default=""
    )


ERRORS = {
    400: OpenApiResponse(description="Bad input, or a step out of turn: {field: [reason]}."),
    403: OpenApiResponse(description="Your posts do not take this step."),
    404: OpenApiResponse(description="No such incident among those you see."),
}


class IncidentViewSet(viewsets.ReadOnlyModelViewSet):
    """The incidents of your scope on their reporting clock. POST reports one (idempotent
    on its `uuid`); the actions take it a step on."""

    queryset = Incident.objects.none()
    serializer_class = IncidentSerializer
    filterset_class = IncidentFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Incident.objects.none()
        return visible_incidents(self.request.user).order_by("-learned_at", "-id")

    def _answer(self, row, code=status.HTTP_200_OK):
        row = self.get_queryset().get(pk=row.pk)
        return Response(
            IncidentSerializer(row).data,
            status=code,
            headers={"Location": reverse("api:incident-detail", args=[row.pk])},
        )

    @extend_schema(
        request=IncidentCreateSerializer,
        responses={
            201: IncidentSerializer,
            200: OpenApiResponse(IncidentSerializer, description="Sent before: the stored one."),
            **ERRORS,
        },
    )
    def create(self, request):
        """Reports an incident in a village (whoever holds a post over it)."""
        data = IncidentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row, created = services.report_incident(actor=request.user, **data.validated_data)
        return self._answer(row, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def _step(self, request, pk, service, serializer):
        data = serializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(service(actor=request.user, incident_id=pk, **data.validated_data))

    @extend_schema(request=IncidentNoteSerializer, responses={200: IncidentSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="receive-town", url_name="receive-town")
    def receive_town(self, request, pk=None):
        """The town confirms it received the incident (the 1-hour clock)."""
        return self._step(request, pk, services.receive_at_town, IncidentNoteSerializer)

    @extend_schema(request=IncidentNoteSerializer, responses={200: IncidentSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="receive-county", url_name="receive-county")
    def receive_county(self, request, pk=None):
        """The county confirms it received the incident (the 2-hour clock)."""
        return self._step(request, pk, services.receive_at_county, IncidentNoteSerializer)

    @extend_schema(request=IncidentWrittenSerializer, responses={200: IncidentSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="written-report", url_name="written-report")
    def written_report(self, request, pk=None):
        """Files the written report (the 24-hour clock)."""
        return self._step(request, pk, services.file_written_report, IncidentWrittenSerializer)

    @extend_schema(request=IncidentCloseSerializer, responses={200: IncidentSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Closes the incident (a county admin)."""
        return self._step(request, pk, services.close_incident, IncidentCloseSerializer)


def register(router) -> None:
    """Adds this topic's viewsets to the router."""
    router.register("incidents", IncidentViewSet, basename="incident")
