"""API v1 of service hours.

- `GET /volunteer-hours/`, `GET /volunteer-hours/{id}/`: hours of your scope, your own,
  and those of the activities of the teams you lead.
- `POST /volunteer-hours/` `{"volunteer", "activity", "hours", "note"?}`: honour hours
  (荣誉时长) added by whoever runs the activity, approved, kept apart from credit hours.
- `POST /volunteer-hours/{id}/approve/`, `POST /volunteer-hours/{id}/decline/`
  `{"reason"}`: pending hours decided once; a second decision answers 409.
"""

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from yiwang.core.api import BuiltOnceFieldsMixin, IdField
from yiwang.volunteering.api.activities import conflict
from yiwang.volunteering.api.volunteers import ERRORS
from yiwang.volunteering.filters.hours import HoursFilterSet
from yiwang.volunteering.models import HoursRecord
from yiwang.volunteering.selectors import activities as selectors
from yiwang.volunteering.services import hours as services

DECIDED = {
    200: None,
    **ERRORS,
    409: OpenApiResponse(description="Already decided: nothing changed."),
}


class HoursSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = HoursRecord
        fields = [
            "id",
            "volunteer",
            "activity",
            "attendance",
            "kind",
            "hours",
            "status",
            "flag",
            "note",
            "served_on",
            "recorded_by",
            "decided_by",
            "decided_at",
            "reason",
            "area_code",
        ]
        read_only_fields = fields


class HonourHoursSerializer(serializers.Serializer):
    volunteer = IdField(help_text="From /api/v1/volunteers/.")
    activity = IdField(help_text="From /api/v1/activities/.")
    hours = serializers.DecimalField(
        max_digits=7,
        decimal_places=2,
        min_value=0,
        help_text="Above 0, at most the activity's length in hours.",
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=services.NOTE_MAX)


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=services.REASON_MAX)


class HoursViewSet(viewsets.ReadOnlyModelViewSet):
    """Service hours: credit hours from check-in and check-out, honour hours added by an
    organiser, each pending, approved or declined (never deleted)."""

    queryset = HoursRecord.objects.none()  # the model, for the schema
    serializer_class = HoursSerializer
    filterset_class = HoursFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return HoursRecord.objects.none()
        return selectors.hours_visible_to(self.request.user).order_by("-served_on", "-id")

    def handle_exception(self, exc):
        if isinstance(exc, services.Conflict):
            return conflict(exc)
        return super().handle_exception(exc)

    @extend_schema(request=HonourHoursSerializer, responses={201: HoursSerializer, **ERRORS})
    def create(self, request):
        """Adds honour hours, approved by you."""
        data = HonourHoursSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record = services.add_honour_hours(request.user, **data.validated_data)
        return Response(
            HoursSerializer(record).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api:volunteer-hours-detail", args=[record.pk])},
        )

    @extend_schema(request=None, responses={**DECIDED, 200: HoursSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approves pending hours."""
        return Response(HoursSerializer(services.approve_hours(request.user, pk)).data)

    @extend_schema(request=DeclineSerializer, responses={**DECIDED, 200: HoursSerializer})
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        """Declines pending hours with the reason."""
        data = DeclineSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record = services.decline_hours(request.user, pk, data.validated_data["reason"])
        return Response(HoursSerializer(record).data)


def register(router) -> None:
    """Adds this topic's viewsets to the router."""
    router.register("volunteer-hours", HoursViewSet, basename="volunteer-hours")
