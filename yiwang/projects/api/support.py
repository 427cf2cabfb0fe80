"""API v1 of enterprise support.

- `GET /enterprise-requests/` (filters `status`, `kind`, `overdue`, `department`),
  `GET /enterprise-requests/{id}/`: the requests you see (a manager those of their area,
  a department's staff those sent to it, a finance counsellor those of the enterprises
  they counsel), each with its clock: the due days (`clock_provisional` while one was counted by
  weekends alone in a year not entered yet), the days each stage ended, the late
  stages, the level it was raised to and the enterprise's satisfaction.
- `POST /enterprise-requests/` `{"uuid", "enterprise", "kind", "text", "department",
  "received_on"}`: 201 with the request; the same `uuid` again answers 200 with the
  stored request (400 when sent with another enterprise, kind or text).
- `POST /enterprise-requests/{id}/verify/`, `reply/` `{"reply"}`, `extend/` `{"reason"}`,
  `resolve/` `{"resolution"}`, `rate/` `{"satisfaction", "note"}`: 200 with the request;
  400 for a step out of turn or bad input; 403 when you do not handle it; 404 outside
  what you see.
- `GET /counsellor-teams/`, `GET /counsellor-teams/{id}/`: the finance-counsellor teams you
  see, with their members.
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from yiwang.core.api import BuiltOnceFieldsMixin, IdField
from yiwang.projects.filters.support import EnterpriseRequestFilterSet
from yiwang.projects.models import CounsellorTeam, EnterpriseRequest, RequestKind, Satisfaction
from yiwang.projects.selectors import support as selectors
from yiwang.projects.services import support as services

# --- serializers ------------------------------------------------------------------------


class EnterpriseRequestSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)
    current_due = serializers.DateField(
        read_only=True, allow_null=True, help_text="The due day of its current stage."
    )

    class Meta:
        model = EnterpriseRequest
        fields = [
            "id",
            "uuid",
            "number",
            "area_code",
            "enterprise",
            "enterprise_name",
            "kind",
            "text",
            "department",
            "department_name",
            "status",
            "received_on",
            "verify_due",
            "reply_due",
            "resolve_due",
            "clock_provisional",
            "current_due",
            "extension_reason",
            "verified_on",
            "replied_on",
            "resolved_on",
            "reply",
            "resolution",
            "verify_late",
            "reply_late",
            "resolve_late",
            "escalation_level",
            "satisfaction",
            "satisfaction_note",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "clock_provisional": {
                "help_text": "True while a due day was counted by weekends alone in a year "
                "whose holidays are not entered yet; counted again when they are."
            }
        }


class EnterpriseRequestCreateSerializer(serializers.Serializer):
    uuid = serializers.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Made by the client: sending it again changes nothing and answers the "
        "stored request.",
    )
    enterprise = IdField(help_text="From /api/v1/enterprises/.")
    kind = serializers.ChoiceField(choices=RequestKind.choices)
    text = serializers.CharField(max_length=services.TEXT_MAX)
    department = IdField(help_text="The department it is sent to.")
    received_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Today unless given."
    )


class EnterpriseRequestReplySerializer(serializers.Serializer):
    reply = serializers.CharField(max_length=services.TEXT_MAX)


class EnterpriseRequestExtendSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=services.REASON_MAX)


class EnterpriseRequestResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField(max_length=services.TEXT_MAX)


class EnterpriseRequestRateSerializer(serializers.Serializer):
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)
    note = serializers.CharField(
        max_length=services.REASON_MAX, required=False, allow_blank=True, default=""
    )


class CounsellorTeamSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    members = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = CounsellorTeam
        fields = ["id", "name", "bank", "leader", "members", "is_active"]
        read_only_fields = fields


ERRORS = {
    400: OpenApiResponse(description="Bad input, or a step out of turn: {field: [reason]}."),
    403: OpenApiResponse(description="You do not handle the request."),
    404: OpenApiResponse(description="No such request among those you see."),
}


# --- viewsets ---------------------------------------------------------------------------


class EnterpriseRequestViewSet(viewsets.ReadOnlyModelViewSet):
    """The enterprise requests you see, on their working-day clock. POST records one
    (idempotent on its `uuid`); the actions take it a step on."""

    queryset = EnterpriseRequest.objects.none()  # the model, for the schema
    serializer_class = EnterpriseRequestSerializer
    filterset_class = EnterpriseRequestFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return EnterpriseRequest.objects.none()
        return (
            selectors.visible_requests(self.request.user)
            .select_related("enterprise", "department")
            .order_by("-received_on", "-id")
        )

    def _answer(self, row, code=status.HTTP_200_OK):
        row = self.get_queryset().get(pk=row.pk)
        return Response(
            EnterpriseRequestSerializer(row).data,
            status=code,
            headers={"Location": reverse("api:enterprise-request-detail", args=[row.pk])},
        )

    @extend_schema(
        request=EnterpriseRequestCreateSerializer,
        responses={
            201: EnterpriseRequestSerializer,
            200: OpenApiResponse(
                EnterpriseRequestSerializer, description="Sent before: the stored request."
            ),
            **ERRORS,
        },
    )
    def create(self, request):
        """Records an enterprise's request (a manager of its area or its counsellor)."""
        data = EnterpriseRequestCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row, created = services.receive_request(request.user, **data.validated_data)
        return self._answer(row, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def _step(self, request, pk, service, serializer=None):
        values = {}
        if serializer is not None:
            data = serializer(data=request.data)
            data.is_valid(raise_exception=True)
            values = data.validated_data
        return self._answer(service(request.user, pk, **values))

    @extend_schema(request=None, responses={200: EnterpriseRequestSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        """Begins verifying the request."""
        return self._step(request, pk, services.begin_verifying)

    @extend_schema(
        request=EnterpriseRequestReplySerializer,
        responses={200: EnterpriseRequestSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        """Replies to the request being verified."""
        return self._step(request, pk, services.reply_request, EnterpriseRequestReplySerializer)

    @extend_schema(
        request=EnterpriseRequestExtendSerializer,
        responses={200: EnterpriseRequestSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        """Extends the resolution to 30 working days, once, with a reason."""
        return self._step(request, pk, services.extend_request, EnterpriseRequestExtendSerializer)

    @extend_schema(
        request=EnterpriseRequestResolveSerializer,
        responses={200: EnterpriseRequestSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """Resolves the replied request."""
        return self._step(request, pk, services.resolve_request, EnterpriseRequestResolveSerializer)

    @extend_schema(
        request=EnterpriseRequestRateSerializer,
        responses={200: EnterpriseRequestSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def rate(self, request, pk=None):
        """Records the enterprise's satisfaction with the resolved request."""
        return self._step(request, pk, services.rate_request, EnterpriseRequestRateSerializer)


class CounsellorTeamViewSet(viewsets.ReadOnlyModelViewSet):
    """The finance-counsellor teams you see: every team for a manager, your own teams for
    a counsellor."""

    queryset = CounsellorTeam.objects.none()
    serializer_class = CounsellorTeamSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CounsellorTeam.objects.none()
        return (
            selectors.visible_teams(self.request.user).prefetch_related("members").order_by("name")
        )


def register(router) -> None:
    """Adds this topic's viewsets to the router."""
    router.register("enterprise-requests", EnterpriseRequestViewSet, basename="enterprise-request")
    router.register("counsellor-teams", CounsellorTeamViewSet, basename="counsellor-team")
