"""API v1 of help requests (帮办代办).

- `GET /help-requests/` (filters `under`, `step`, `item`, `channel`, `open`, `overdue`,
  `is_late`, `number`), `GET /help-requests/{id}/`: the help requests you see (those of the
  areas of your posts, and those of the items your department decides), each with its
  clock (accepted, due on, `clock_provisional` while the due day was counted by weekends
  alone in a year whose holidays are not known yet, delivered, late, the level it was
  raised to), the materials received and the applicant's ID and phone masked.
- `POST /help-requests/` `{"uuid", "item", "area_code" or "resident", "applicant_name",
  "id_number", "phone", "matter", "channel", "materials": [{"material" or "name",
  "document_number"}]}`: 201 with the request, taken (委托); the same `uuid` again answers
  200 with the stored request.
- `POST /help-requests/{id}/materials/` `{"material" or "name", "document_number"}`: 201
  with the material received.
- `POST /help-requests/{id}/advance/` `{"step", "note"}`: the next step (受理 needs every
  required material; 办理, 送达, 归档): 200 with the request; 400 with the reason for a step
  out of order or a material missing, and nothing changes.
- `POST /help-requests/{id}/follow-up/` `{"satisfaction", "note"}`: the follow-up call of
  an archived request.
- `GET /help-requests/{id}/steps/`: the steps done, who and when.
403 when you may not take the step; 404 outside what you see.
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from yiwang.core.api import BuiltOnceFieldsMixin, IdField
from yiwang.services.filters import HelpRequestFilterSet
from yiwang.services.models import Channel, HelpMaterial, HelpRequest, HelpStep, Satisfaction, Step
from yiwang.services.selectors.help import visible_help_requests
from yiwang.services.services import help as services

# --- serializers ------------------------------------------------------------------------


class HelpMaterialSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    document_number = serializers.CharField(
        source="masked_document_number",
        read_only=True,
        help_text="Masked; the page reveals it with a reason.",
    )

    class Meta:
        model = HelpMaterial
        fields = ["id", "material", "name", "document_number", "received_at", "returned_at"]
        read_only_fields = fields


class HelpRequestSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    item_name = serializers.CharField(source="item.name", read_only=True)
    id_number = serializers.CharField(
        source="masked_id_number", read_only=True, help_text="Masked (3708**********123X)."
    )
    phone = serializers.CharField(
        source="masked_phone", read_only=True, help_text="Masked (138****5678)."
    )
    materials = HelpMaterialSerializer(many=True, read_only=True)

    class Meta:
        model = HelpRequest
        fields = [
            "id",
            "uuid",
            "number",
            "tracking_code",
            "area_code",
            "item",
            "item_name",
            "channel",
            "resident",
            "applicant_name",
            "id_number",
            "phone",
            "matter",
            "step",
            "accepted_on",
            "due_on",
            "clock_provisional",
            "delivered_on",
            "is_late",
            "escalation_level",
            "satisfaction",
            "satisfaction_note",
            "taken_by",
            "handler",
            "materials",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "clock_provisional": {
                "help_text": "True while the due day was counted by weekends alone in a year "
                "whose holidays are not known yet."
            }
        }


class HelpMaterialInputSerializer(serializers.Serializer):
    material = IdField(
        required=False,
        allow_null=True,
        default=None,
        help_text="One of the item's materials (/api/v1/service-items/{id}/).",
    )
    name = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="Another material, by name (when no `material`).",
    )
    document_number = serializers.CharField(
        max_length=services.DOCUMENT_MAX, required=False, allow_blank=True, default=""
    )


class HelpRequestCreateSerializer(serializers.Serializer):
    uuid = serializers.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Made by the client: sending it again changes nothing and answers the "
        "stored request.",
    )
    item = IdField(help_text="From /api/v1/service-items/.")
    area_code = serializers.CharField(
        max_length=18,
        required=False,
        allow_blank=True,
        default="",
        help_text="The resident's unit or village (the resident's own when `resident`).",
    )
    resident = IdField(
        required=False, allow_null=True, default=None, help_text="A resident of the ledger."
    )
    applicant_name = serializers.CharField(
        max_length=services.NAME_MAX, required=False, allow_blank=True, default=""
    )
    id_number = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    matter = serializers.CharField(
        max_length=services.MATTER_MAX, required=False, allow_blank=True, default=""
    )
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.WORKER)
    materials = HelpMaterialInputSerializer(many=True, required=False, default=list)


class HelpAdvanceSerializer(serializers.Serializer):
    step = serializers.ChoiceField(
        choices=[c for c in Step.choices if c[0] not in (Step.ENTRUSTED, Step.FOLLOWED_UP)],
        help_text="The next step (accepted, processing, delivered, archived).",
    )
    note = serializers.CharField(
        max_length=services.NOTE_MAX, required=False, allow_blank=True, default=""
    )


class HelpFollowUpSerializer(serializers.Serializer):
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)
    note = serializers.CharField(
        max_length=services.SATISFACTION_NOTE_MAX, required=False, allow_blank=True, default=""
    )


class HelpStepSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = HelpStep
        fields = ["id", "step", "at", "actor", "actor_name", "note"]
        read_only_fields = fields

    def get_actor_name(self, row) -> str:
        return row.actor.full_name or row.actor.username


ERRORS = {
    400: OpenApiResponse(description="Bad input, or a step out of order: {field: [reason]}."),
    403: OpenApiResponse(description="You may not take this step of the request."),
    404: OpenApiResponse(description="No such request among those you see."),
}


# --- viewsets ---------------------------------------------------------------------------


class HelpRequestViewSet(viewsets.ReadOnlyModelViewSet):
    """The help requests you see, on their working-day clock. POST takes one (idempotent
    on its `uuid`); the actions take it a step on."""

    queryset = HelpRequest.objects.none()
    serializer_class = HelpRequestSerializer
    filterset_class = HelpRequestFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return HelpRequest.objects.none()
        return (
            visible_help_requests(self.request.user)
            .select_related("item")
            .prefetch_related("materials")
            .order_by("-created_at", "-id")
        )

    def _answer(self, row, code=status.HTTP_200_OK):
        row = self.get_queryset().get(pk=row.pk)
        return Response(
            HelpRequestSerializer(row).data,
            status=code,
            headers={"Location": reverse("api:help-request-detail", args=[row.pk])},
        )

    @extend_schema(
        request=HelpRequestCreateSerializer,
        responses={
            201: HelpRequestSerializer,
            200: OpenApiResponse(
                HelpRequestSerializer, description="Sent before: the stored request."
            ),
            **ERRORS,
        },
    )
    def create(self, request):
        """Takes a resident's help request (委托), with the materials received."""
        data = HelpRequestCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        row, created = services.take_request(
            actor=request.user,
            item_id=values["item"],
            area_code=values["area_code"],
            applicant_name=values["applicant_name"],
            id_number=values["id_number"],
            phone=values["phone"],
            resident_id=values["resident"],
            matter=values["matter"],
            channel=values["channel"],
            materials=[dict(entry) for entry in values["materials"]],
            uuid=values["uuid"],
        )
        return self._answer(row, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        request=HelpMaterialInputSerializer,
        responses={201: HelpMaterialSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def materials(self, request, pk=None):
        """Records a material received from the resident."""
        data = HelpMaterialInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        material = services.receive_material(
            actor=request.user,
            request_id=pk,
            material_id=data.validated_data["material"],
            name=data.validated_data["name"],
            document_number=data.validated_data["document_number"],
        )
        return Response(HelpMaterialSerializer(material).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=HelpAdvanceSerializer, responses={200: HelpRequestSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def advance(self, request, pk=None):
        """Takes the request to its next step."""
        data = HelpAdvanceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = services.advance(actor=request.user, request_id=pk, **data.validated_data)
        return self._answer(row)

    @extend_schema(request=HelpFollowUpSerializer, responses={200: HelpRequestSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="follow-up", url_name="follow-up")
    def follow_up(self, request, pk=None):
        """Records the follow-up call (回访) of an archived request and the resident's
        satisfaction."""
        data = HelpFollowUpSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = services.follow_up(actor=request.user, request_id=pk, **data.validated_data)
        return self._answer(row)

    @extend_schema(
        request=None,
        responses={
            200: HelpStepSerializer(many=True),
            404: OpenApiResponse(description="No such request among those you see."),
        },
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def steps(self, request, pk=None):
        """The steps done, in order: which, when, by whom, with the note."""
        row = self.get_object()
        steps = row.steps.select_related("actor").order_by("at", "id")
        return Response(HelpStepSerializer(steps, many=True).data)


def register(router) -> None:
    router.register("help-requests", HelpRequestViewSet, basename="help-request")
