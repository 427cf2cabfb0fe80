"""API v1 for cases: the list within scope, intake, the detail with its timeline, one POST
action per transition, the inbox, the photos and the likely duplicates (the categories and
departments they refer to: api/categories.py).

A transition that is no longer valid (someone acted first, or the case moved on) answers
409 with `{"detail": …, "status": <the current status>, "version": …}`; a case outside the
scope answers 404; bad input 400 with `{field: [reason]}`. Phone numbers are masked.
"""

import json

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import renderers, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from yiwang.cases import attachments as attachment_files
from yiwang.cases import selectors, services, states
from yiwang.cases.api import rates as api_rates
from yiwang.cases.filters import CaseFilterSet
from yiwang.cases.models import (
    Attachment,
    AttachmentStage,
    Case,
    CaseEvent,
    Satisfaction,
    Source,
    Status,
)
from yiwang.cases.selectors import rates
from yiwang.core import validators
from yiwang.core.api import BuiltOnceFieldsMixin, IdField, ScopedViewSet


class PhotoRenderer(renderers.BaseRenderer):
    """Lets a client that asks for images only (an <img>) have a photo; JSON is still
    preferred whenever the client takes it (errors are JSON)."""

    media_type = "image/*"
    format = "image"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else json.dumps(data).encode()


# --- serializers ------------------------------------------------------------------------


class CaseSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    kind = serializers.CharField(source="category.kind", read_only=True)
    assignee_department = serializers.SlugRelatedField(slug_field="code", read_only=True)
    assignee_user_name = serializers.CharField(
        source="assignee_user.full_name",
        read_only=True,
        allow_null=True,
        help_text="The full name of the person the case was dispatched to by name, if any.",
    )
    time_left = serializers.SerializerMethodField(
        help_text="Seconds until the current stage is due; negative when overdue."
    )

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "category",
            "category_name",
            "kind",
            "source",
            "title",
            "status",
            "area_code",
            "household",
            "dispatcher_area_code",
            "assignee_level",
            "assignee_area_code",
            "assignee_department",
            "assignee_user",
            "assignee_user_name",
            "due_at",
            "time_left",
            "is_urgent",
            "escalation_level",
            "supervised",
            "parked",
            "review_on",
            "extension_until",
            "merged_into",
            "reopen_count",
            "satisfaction",
            "reported_at",
            "accepted_at",
            "dispatched_at",
            "resolved_at",
            "followed_up_at",
            "closed_at",
            "responded_on_time",
            "resolved_on_time",
            "version",
        ]
        read_only_fields = fields

    def get_time_left(self, case) -> int | None:
        left = case.time_left(self.context.get("now"))
        return None if left is None else int(left.total_seconds())


class CaseEventSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_name", read_only=True)
    # Plain strings in the schema: the case's `status` names the same set of values.
    from_status = serializers.CharField(read_only=True, help_text="A case status, or empty.")
    to_status = serializers.CharField(
        read_only=True, help_text="A case status; empty when the status stayed."
    )

    class Meta:
        model = CaseEvent
        fields = ["kind", "from_status", "to_status", "actor", "note", "at", "data"]
        read_only_fields = fields


class AttachmentSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    image = serializers.SerializerMethodField(help_text="The photo (no metadata): GET it.")
    thumbnail = serializers.SerializerMethodField(help_text="A JPEG of at most 320 px.")

    class Meta:
        model = Attachment
        fields = [
            "id",
            "stage",
            "content_type",
            "size",
            "width",
            "height",
            "event",
            "created_at",
            "image",
            "thumbnail",
        ]
        read_only_fields = fields

    def _url(self, attachment, variant: str) -> str:
        path = reverse(
            "api:case-attachment-file", args=[attachment.case_id, attachment.pk, variant]
        )
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    def get_image(self, attachment) -> str:
        return self._url(attachment, "image")

    def get_thumbnail(self, attachment) -> str:
        return self._url(attachment, "thumbnail")


class DuplicateSerializer(BuiltOnceFieldsMixin, serializers.Serializer):
    id = serializers.IntegerField(source="case.pk")
    number = serializers.CharField(source="case.number")
    title = serializers.CharField(source="case.title")
    status = serializers.CharField(source="case.status")
    reported_at = serializers.DateTimeField(source="case.reported_at")
    similarity = serializers.FloatField(help_text="Of the texts, 0 to 1.")
    distance_m = serializers.FloatField(
        allow_null=True, help_text="Metres between the points; null without both."
    )
    same_unit = serializers.BooleanField()


class CaseCreatedSerializer(CaseSerializer):
    """The answer to a new case, made from the case in hand without reading it back: the
    case, the actions you may take and the likely duplicates. The timeline and the photos
    are in the detail, /api/v1/cases/{id}/."""

    phone = serializers.CharField(
        source="masked_phone", read_only=True, help_text="Masked: 138****5678."
    )
    actions = serializers.SerializerMethodField(
        help_text="The actions you may take now: POST /api/v1/cases/{id}/{action}/ "
        "(with - for _ in the name)."
    )
    duplicates = serializers.SerializerMethodField(
        help_text="While the case is reported: open cases of your scope that may report the "
        "same matter (same category, within 50 m or in the same unit, within 7 days, a "
        "similar text), to merge it into."
    )

    class Meta(CaseSerializer.Meta):
        fields = [
            *CaseSerializer.Meta.fields,
            "text",
            "address",
            "reporter_name",
            "phone",
            "lat",
            "lng",
            "tracking_code",
            "actions",
            "duplicates",
        ]
        read_only_fields = fields

    def get_actions(self, case) -> list[str]:
        return states.allowed_actions(self.context["request"].user, case)

    @extend_schema_field(DuplicateSerializer(many=True))
    def get_duplicates(self, case) -> list[dict]:
        if case.status != Status.REPORTED:
            return []
        found = selectors.likely_duplicates(case, self.context["request"].user)
        return DuplicateSerializer(found, many=True).data


class CaseDetailSerializer(CaseCreatedSerializer):
    events = CaseEventSerializer(many=True, read_only=True, help_text="The timeline, oldest first.")
    attachments = AttachmentSerializer(many=True, read_only=True, help_text="The photos.")

    class Meta(CaseCreatedSerializer.Meta):
        fields = [*CaseCreatedSerializer.Meta.fields, "result", "events", "attachments"]
        read_only_fields = fields


class InboxSerializer(CaseSerializer):
    waiting_for = serializers.SerializerMethodField(
        help_text="accept, dispatch, handle, follow_up, close or approve_extension."
    )

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "waiting_for"]
        read_only_fields = fields

    def get_waiting_for(self, case) -> str:
        return selectors.waiting_for(self.context["request"].user, case)


class CaseCreateSerializer(BuiltOnceFieldsMixin, serializers.Serializer):
    source = serializers.ChoiceField(
        choices=[Source.PATROL, Source.HOTLINE, Source.API],
        default=Source.PATROL,
        help_text="patrol: a grid worker's report; hotline: a call taken by staff; api: "
        "a request sent by another system.",
    )
    category = serializers.CharField(help_text="A category code (GET /case-categories/).")
    title = serializers.CharField(required=False, allow_blank=True, default="")
    text = serializers.CharField()
    lat = serializers.FloatField(required=False, allow_null=True, default=None)
    lng = serializers.FloatField(required=False, allow_null=True, default=None)
    unit_code = serializers.CharField(required=False, allow_blank=True, default="")
    village_code = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Not for patrol reports."
    )
    household = IdField(
        required=False, allow_null=True, default=None, help_text="A household of your scope."
    )
    address = serializers.CharField(required=False, allow_blank=True, default="")
    name = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="The caller's name."
    )
    phone = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="The caller's phone."
    )
    uuid = serializers.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Made by the client (a patrol report from a phone): sending the same report "
        "again answers 200 with the case already stored, and stores nothing.",
    )


def _version():
    return serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=0,
        max_value=validators.MAX_ID,
        help_text="The case's version as you saw it: refused with 409 if it changed since.",
    )


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")
    version = _version()


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()
    version = _version()


class MergeSerializer(serializers.Serializer):
    into = IdField(help_text="The id of the open case it is merged into.")
    note = serializers.CharField(required=False, allow_blank=True, default="")
    version = _version()


class DispatchSerializer(serializers.Serializer):
    area_code = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="A unit, grid, village or town where the case lies.",
    )
    department = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="A department code."
    )
    worker = IdField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The id of a person holding a post where the case lies: the case goes to "
        "their area, and to them by name.",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")
    version = _version()


class ResolveSerializer(serializers.Serializer):
    result = serializers.CharField(help_text="What was done.")
    version = _version()


class ExtendSerializer(serializers.Serializer):
    hours = serializers.IntegerField(
        min_value=1,
        max_value=services.EXTENSION_MAX_HOURS,
        help_text="How many more hours, from the due time (from now when overdue).",
    )
    reason = serializers.CharField()
    version = _version()


class ApproveExtensionSerializer(serializers.Serializer):
    approve = serializers.BooleanField(default=True, help_text="false refuses the request.")
    note = serializers.CharField(required=False, allow_blank=True, default="")
    version = _version()


class ParkSerializer(serializers.Serializer):
    review_on = serializers.DateField(help_text="When it comes back to the inbox.")
    reason = serializers.CharField()
    version = _version()


class FollowUpSerializer(serializers.Serializer):
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    version = _version()


class AttachmentUploadSerializer(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True),
        help_text="1 to 9 photos: JPEG, PNG or WebP of at most 10 MB each (multipart).",
    )
    stage = serializers.ChoiceField(choices=AttachmentStage.choices, default=AttachmentStage.REPORT)


ConflictSerializer = inline_serializer(
    "CaseConflict",
    {
        "detail": serializers.CharField(),
        "status": serializers.CharField(help_text="The case's status now."),
        "version": serializers.IntegerField(help_text="The case's version now."),
    },
)


def _transition(serializer, *, url_path: str | None = None):
    """An action route of one transition, documented with its answers."""
    decorate_schema = extend_schema(
        request=serializer,
        responses={
            200: CaseDetailSerializer,
            400: OpenApiResponse(description="Bad input: {field: [reason]}."),
            403: OpenApiResponse(description="Your posts do not allow this action."),
            404: OpenApiResponse(description="No such case in your scope."),
            409: OpenApiResponse(
                ConflictSerializer, description="Not valid in the case's current state."
            ),
        },
    )
    extra = {"url_path": url_path, "url_name": url_path} if url_path else {}
    decorate_route = action(detail=True, methods=["post"], **extra)
    return lambda method: decorate_schema(decorate_route(method))


# --- viewsets ---------------------------------------------------------------------------


class CaseViewSet(ScopedViewSet):
    """Cases in your scope (and those sent to your department)."""

    queryset = Case.objects.select_related("category", "assignee_department", "assignee_user")
    serializer_class = CaseSerializer
    filterset_class = CaseFilterSet

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action != "list":
            queryset = queryset.prefetch_related(
                Prefetch("events", queryset=CaseEvent.objects.order_by("at", "id")),
                Prefetch("attachments", queryset=Attachment.objects.order_by("id")),
            )
        return queryset

    def get_serializer_class(self):
        if self.action == "retrieve":
            return CaseDetailSerializer
        return super().get_serializer_class()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    def handle_exception(self, exc):
        if isinstance(exc, services.Conflict):
            return Response(
                {"detail": exc.message, "status": exc.status, "version": exc.version},
                status=status.HTTP_409_CONFLICT,
            )
        return super().handle_exception(exc)

    def _detail(self, case_id: int, code: int = status.HTTP_200_OK) -> Response:
        case = self.get_queryset().get(pk=case_id)
        return Response(
            CaseDetailSerializer(case, context=self.get_serializer_context()).data, status=code
        )

    def _act(self, request, name: str, serializer_class) -> Response:
        case = self.get_object()  # 404 outside the scope, before anything else
        data = serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        services.ACTIONS[name](actor=request.user, case_id=case.pk, **data.validated_data)
        return self._detail(case.pk)

    @extend_schema(request=CaseCreateSerializer, responses={201: CaseCreatedSerializer})
    def create(self, request):
        """Takes in a case: a grid worker's patrol report (the unit from the point, a
        household of the ledger linked), a hotline call, or a request from another system."""
        data = CaseCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        source = values.pop("source")
        household = values.pop("household")
        client_uuid = values.pop("uuid")
        created = True
        if client_uuid is not None and source != Source.PATROL:
            raise ValidationError({"uuid": [_("Only a patrol report carries a UUID.")]})
        if client_uuid is not None:
            for field in ("village_code", "name", "phone"):
                values.pop(field)
            case = services.stored_report(actor=request.user, client_uuid=client_uuid)
            created = case is None
            if created:
                case, created = services.report_case_once(
                    actor=request.user, client_uuid=client_uuid, household_id=household, **values
                )
        elif source == Source.PATROL:
            for field in ("village_code", "name", "phone"):
                values.pop(field)
            case = services.report_case(actor=request.user, household_id=household, **values)
        else:
            case = services.record_hotline_call(
                actor=request.user, source=source, household_id=household, **values
            )
        if not created:  # the same report sent again: as stored, nothing new
            return self._detail(case.pk)
        answer = CaseCreatedSerializer(case, context=self.get_serializer_context())
        return Response(
            answer.data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api:case-detail", args=[case.pk])},
        )

    @extend_schema(responses=InboxSerializer(many=True))
    @action(detail=False, methods=["get"])
    def inbox(self, request):
        """What waits for you: to accept, dispatch, handle, follow up, close, or to decide on
        more time; most urgent first, with the time left. Takes the case filters."""
        queryset = self.filter_queryset(selectors.inbox(request.user))
        page = self.paginate_queryset(queryset)
        data = InboxSerializer(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)

    @extend_schema(parameters=api_rates.RATES_PARAMETERS, responses=api_rates.RatesSerializer)
    @action(detail=False, methods=["get"])
    def rates(self, request):
        """The three rates (response, on-time resolution, satisfaction) of the cases reported
        in whole months in an area of your scope, by its children, department, category or
        month. Each row carries the case-list filters of the cases behind it."""
        return api_rates.rates_response(request)

    @extend_schema(responses=CaseSerializer(many=True))
    @action(detail=False, methods=["get"])
    def overdue(self, request):
        """Open cases past their due time, the most overdue first (parked ones left out).
        Takes the case filters (`under=` for an area)."""
        queryset = self.filter_queryset(rates.overdue(request.user))
        page = self.paginate_queryset(queryset)
        data = CaseSerializer(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)

    @_transition(NoteSerializer)
    def accept(self, request, pk=None):
        """reported → accepted (the dispatching level: a grid chief, town or county admin)."""
        return self._act(request, "accept", NoteSerializer)

    @_transition(ReasonSerializer)
    def reject(self, request, pk=None):
        """reported → rejected, with the reason."""
        return self._act(request, "reject", ReasonSerializer)

    @_transition(MergeSerializer)
    def merge(self, request, pk=None):
        """reported → merged into another open case of your scope."""
        case = self.get_object()
        data = MergeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        services.merge(actor=request.user, case_id=case.pk, into_id=values.pop("into"), **values)
        return self._detail(case.pk)

    # Not `dispatch`: that is the name of the view's own entry point.
    @_transition(DispatchSerializer, url_path="dispatch")
    def dispatch_case(self, request, pk=None):
        """accepted → dispatched to a unit, grid, village, town, department or a person by
        name; by default to the category's handling level."""
        return self._act(request, "dispatch", DispatchSerializer)

    @_transition(NoteSerializer)
    def start(self, request, pk=None):
        """dispatched → in progress (the handler)."""
        return self._act(request, "start", NoteSerializer)

    @_transition(ReasonSerializer, url_path="return")
    def return_case(self, request, pk=None):
        """dispatched or in progress → accepted: not the handler's, back to the dispatching
        level with the reason."""
        return self._act(request, "return", ReasonSerializer)

    @_transition(ResolveSerializer)
    def resolve(self, request, pk=None):
        """in progress → resolved, with what was done."""
        return self._act(request, "resolve", ResolveSerializer)

    @_transition(ExtendSerializer)
    def extend(self, request, pk=None):
        """The handler asks the level above for more time."""
        return self._act(request, "extend", ExtendSerializer)

    @_transition(ApproveExtensionSerializer, url_path="approve-extension")
    def approve_extension(self, request, pk=None):
        """The level above grants (or refuses) the time asked for."""
        return self._act(request, "approve_extension", ApproveExtensionSerializer)

    @_transition(NoteSerializer)
    def supervise(self, request, pk=None):
        """The county supervises the case (督办)."""
        return self._act(request, "supervise", NoteSerializer)

    @_transition(ParkSerializer)
    def park(self, request, pk=None):
        """A long-term matter (挂账), until a review date (town or county admins)."""
        return self._act(request, "park", ParkSerializer)

    @_transition(NoteSerializer)
    def unpark(self, request, pk=None):
        """Takes a parked case up again, with a fresh due time."""
        return self._act(request, "unpark", NoteSerializer)

    @_transition(FollowUpSerializer, url_path="follow-up")
    def follow_up(self, request, pk=None):
        """resolved → followed up with the reporter's satisfaction; dissatisfied, it is
        reopened (once by default)."""
        return self._act(request, "follow_up", FollowUpSerializer)

    @_transition(ReasonSerializer)
    def reopen(self, request, pk=None):
        """followed up → dispatched again to its handler, with the reason."""
        return self._act(request, "reopen", ReasonSerializer)

    @_transition(NoteSerializer)
    def close(self, request, pk=None):
        """resolved or followed up → closed."""
        return self._act(request, "close", NoteSerializer)

    # --- photos and duplicates --------------------------------------------------------

    @extend_schema(methods=["GET"], request=None, responses=AttachmentSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={
            201: AttachmentSerializer(many=True),
            400: OpenApiResponse(description="A file refused: {files: [reason per file]}."),
            403: OpenApiResponse(description="Resolution photos are the handler's."),
            404: OpenApiResponse(description="No such case in your scope."),
            409: OpenApiResponse(ConflictSerializer, description="Not in this stage."),
        },
    )
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[MultiPartParser, FormParser],
        pagination_class=None,
    )
    def attachments(self, request, pk=None):
        """The case's photos; POST adds photos of the report (while the case is open) or of
        the resolution (its handler). The type is read from the bytes; every piece of
        metadata, the GPS position included, is removed from what is stored."""
        case = self.get_object()  # 404 outside the scope, before anything is read
        if request.method == "GET":
            photos = Attachment.objects.filter(case=case).order_by("id")
            return Response(
                AttachmentSerializer(photos, many=True, context={"request": request}).data
            )
        data = AttachmentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        created = services.add_attachments(
            actor=request.user,
            case_id=case.pk,
            files=data.validated_data["files"],
            stage=data.validated_data["stage"],
        )
        return Response(
            AttachmentSerializer(created, many=True, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        responses={(200, "image/*"): OpenApiTypes.BINARY, 404: OpenApiResponse(description="")}
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment_id>[0-9]+)/(?P<variant>image|thumbnail)",
        url_name="attachment-file",
        renderer_classes=[JSONRenderer, PhotoRenderer],
    )
    def attachment_file(self, request, pk=None, attachment_id=None, variant="image"):
        """One photo of the case (`image`) or its thumbnail (`thumbnail`)."""
        case = self.get_object()
        attachment = get_object_or_404(Attachment, pk=attachment_id, case=case)
        return attachment_files.file_response(attachment, variant)

    @extend_schema(responses=DuplicateSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def duplicates(self, request, pk=None):
        """Open cases of your scope that may report the same matter: same category, within
        50 m or in the same unit, reported within 7 days of it, with a similar text; the
        most similar first. Merge with POST /api/v1/cases/{id}/merge/."""
        case = self.get_object()
        found = selectors.likely_duplicates(case, request.user)
        return Response(DuplicateSerializer(found, many=True).data)
