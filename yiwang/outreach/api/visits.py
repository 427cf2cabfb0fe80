"""API v1 of outreach: visits, the caller's schedule, occurrences of triggers, and the
county's visit rules and triggers.

`POST /visits/` is idempotent on the client's `uuid`: 201 with the new visit, or 200 with
the visit stored before under that UUID (nothing is stored again). A household or visit
outside the scope answers 404; bad input 400 with `{field: [reason]}`.
"""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from yiwang.core.api import BuiltOnceFieldsMixin, IdField, NumberOrTextField, ScopedViewSet
from yiwang.core.parsers import DepthLimitedJSONParser
from yiwang.outreach.filters import OccurrenceFilterSet, ScheduleFilterSet, VisitFilterSet
from yiwang.outreach.models import (
    Occurrence,
    Outcome,
    RuleKind,
    ScheduledVisit,
    ScheduleStatus,
    Trigger,
    Visit,
    VisitRule,
    VisitSource,
)
from yiwang.outreach.services import rules as rule_services
from yiwang.outreach.services import schedule
from yiwang.outreach.services import visits as services

# --- serializers ------------------------------------------------------------------------


class VisitSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Visit
        fields = [
            "id",
            "uuid",
            "household",
            "enterprise",
            "visitor",
            "visited_at",
            "outcome",
            "notes",
            "latitude",
            "longitude",
            "far_from_area",
            "source",
            "case",
            "area_code",
            "created_at",
        ]
        read_only_fields = fields


@extend_schema_field({"type": "string", "format": "uuid"})
class UUIDTextField(serializers.CharField):
    """A UUID as text (the service reads it), described as one."""


class VisitCreateSerializer(BuiltOnceFieldsMixin, serializers.Serializer):
    uuid = UUIDTextField(
        help_text="Made by the client for each visit (a UUID): sending it again stores nothing."
    )
    household = IdField(
        required=False, allow_null=True, default=None, help_text="From /api/v1/households/."
    )
    enterprise = IdField(required=False, allow_null=True, default=None)
    visited_at = serializers.CharField(
        help_text="ISO 8601, e.g. 2026-03-01T09:30:00+08:00; at most 7 days back."
    )
    outcome = serializers.CharField(help_text=" | ".join(Outcome.values))
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    # Taken as text and checked by the service, whose message says what a point must be.
    latitude = NumberOrTextField(required=False, allow_null=True, allow_blank=True, default=None)
    longitude = NumberOrTextField(required=False, allow_null=True, allow_blank=True, default=None)
    case_category = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="With outcome `case`."
    )
    source = serializers.ChoiceField(
        choices=[VisitSource.API, VisitSource.OFFLINE], default=VisitSource.API
    )
    photos = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True),
        required=False,
        default=list,
        help_text="Multipart only: up to 9 JPEG, PNG or WebP photos.",
    )


class VisitCreateJSONSerializer(VisitCreateSerializer):
    """A visit sent as JSON: the same fields, without photos (multipart only)."""

    photos = None


class VisitUpdateSerializer(serializers.Serializer):
    notes = serializers.CharField(required=False, allow_blank=True)
    outcome = serializers.ChoiceField(choices=Outcome.choices, required=False)
    case_category = serializers.CharField(required=False, allow_blank=True, default="")


class ScheduledVisitSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    rule = serializers.SlugRelatedField(slug_field="code", read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = ScheduledVisit
        fields = [
            "id",
            "household",
            "enterprise",
            "rule",
            "occurrence",
            "pairing",
            "due_on",
            "overdue",
            "status",
            "visit",
            "closed_on",
            "skip_reason",
            "area_code",
        ]
        read_only_fields = fields

    def get_overdue(self, row) -> bool:
        return row.status == ScheduleStatus.SCHEDULED and row.due_on < self.context["today"]


class SkipSerializer(serializers.Serializer):
    reason = serializers.CharField()


class OccurrenceSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    trigger = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Occurrence
        fields = ["id", "trigger", "household", "occurred_on", "note", "area_code", "created_at"]
        read_only_fields = fields


class OccurrenceCreateSerializer(serializers.Serializer):
    household = IdField()
    trigger = serializers.CharField(help_text="A trigger code (GET /visit-triggers/).")
    occurred_on = serializers.CharField(help_text="YYYY-MM-DD, not in the future.")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class TriggerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Trigger
        fields = ["code", "name", "is_active", "order"]
        read_only_fields = fields


class TriggerWriteSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=Trigger._meta.get_field("name").max_length)
    is_active = serializers.BooleanField(default=True)


class VisitRuleSerializer(serializers.ModelSerializer):
    tag = serializers.SlugRelatedField(slug_field="code", read_only=True)
    trigger = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = VisitRule
        fields = [
            "code",
            "name",
            "kind",
            "household_category",
            "tag",
            "every_days",
            "trigger",
            "within_days",
            "is_active",
            "order",
        ]
        read_only_fields = fields


class VisitRuleWriteSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=VisitRule._meta.get_field("name").max_length)
    kind = serializers.ChoiceField(choices=RuleKind.choices)
    household_category = serializers.CharField(required=False, allow_blank=True, default="")
    tag = serializers.CharField(required=False, allow_blank=True, default="")
    every_days = NumberOrTextField(required=False, allow_null=True, allow_blank=True, default=None)
    trigger = serializers.CharField(required=False, allow_blank=True, default="")
    within_days = NumberOrTextField(required=False, allow_null=True, allow_blank=True, default=None)
    is_active = serializers.BooleanField(default=True)


# --- viewsets ---------------------------------------------------------------------------


class VisitViewSet(ScopedViewSet):
    """Visits of your scope, and your own (a sponsor's visits to a household paired across
    the tree). POST records one, idempotent on its `uuid`; PATCH changes your visit's notes
    or outcome within the back-dating limit."""

    queryset = Visit.objects.none()  # the model, for the schema
    serializer_class = VisitSerializer
    filterset_class = VisitFilterSet
    parser_classes = [DepthLimitedJSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Visit.objects.none()
        return services.visits_visible_to(self.request.user).order_by("-visited_at", "-id")

    @extend_schema(
        request={
            "application/json": VisitCreateJSONSerializer,
            "multipart/form-data": VisitCreateSerializer,
        },
        responses={
            201: VisitSerializer,
            200: OpenApiResponse(VisitSerializer, description="Sent before: the stored visit."),
            400: OpenApiResponse(description="Bad input: {field: [reason]}."),
            404: OpenApiResponse(description="No such household in your scope."),
        },
    )
    def create(self, request):
        """Records a visit. The same `uuid` again answers 200 with the stored visit and
        stores nothing: a phone may resend whatever it is unsure was received."""
        data = VisitCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        visit, created = services.record_visit(
            actor=request.user,
            uuid=values["uuid"],
            household_id=values["household"],
            enterprise_id=values["enterprise"],
            visited_at=values["visited_at"],
            outcome=values["outcome"],
            notes=values["notes"],
            latitude=values["latitude"],
            longitude=values["longitude"],
            photos=values["photos"],
            source=values["source"],
            case_category=values["case_category"],
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(
            VisitSerializer(visit).data,
            status=code,
            headers={"Location": reverse("api:visit-detail", args=[visit.pk])},
        )

    @extend_schema(request=VisitUpdateSerializer, responses={200: VisitSerializer})
    def partial_update(self, request, pk=None):
        """Changes the notes or the outcome of your visit (outcome `case` raises the case,
        with `case_category`)."""
        visit = self.get_object()
        data = VisitUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        visit = services.update_visit(actor=request.user, visit_id=visit.pk, **data.validated_data)
        return Response(VisitSerializer(visit).data)


class ScheduleViewSet(ScopedViewSet):
    """Your open scheduled visits (your scope's and your pairings'), the nearest due first.
    `?overdue=true` for those past their due date."""

    queryset = ScheduledVisit.objects.none()  # the model, for the schema
    serializer_class = ScheduledVisitSerializer
    filterset_class = ScheduleFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ScheduledVisit.objects.none()
        return ScheduledVisit.objects.filter(
            schedule.open_rows_q(self.request.user), status=ScheduleStatus.SCHEDULED
        ).order_by("due_on", "id")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    @extend_schema(request=SkipSerializer, responses={200: ScheduledVisitSerializer})
    @action(detail=True, methods=["post"])
    def skip(self, request, pk=None):
        """The visit will not take place, with the reason; the next one of its rule or
        pairing is scheduled."""
        row = self.get_object()
        data = SkipSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = services.skip_scheduled(
            actor=request.user, scheduled_id=row.pk, reason=data.validated_data["reason"]
        )
        return Response(ScheduledVisitSerializer(row, context=self.get_serializer_context()).data)


class OccurrenceViewSet(ScopedViewSet):
    """Triggers recorded for households of your scope; POST records one, and each active
    rule of the trigger schedules its visit."""

    queryset = Occurrence.objects.select_related("trigger")
    serializer_class = OccurrenceSerializer
    filterset_class = OccurrenceFilterSet

    @extend_schema(request=OccurrenceCreateSerializer, responses={201: OccurrenceSerializer})
    def create(self, request):
        data = OccurrenceCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        occurrence = services.record_occurrence(
            actor=request.user,
            household_id=values["household"],
            trigger_code=values["trigger"],
            occurred_on=values["occurred_on"],
            note=values["note"],
        )
        return Response(OccurrenceSerializer(occurrence).data, status=status.HTTP_201_CREATED)


class _ConfigViewSet(viewsets.ReadOnlyModelViewSet):
    """The county's settings: every signed-in user reads them; a county admin writes them
    (403 for anyone else)."""

    lookup_field = "code"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    write_serializer = None
    save_service = None

    def _save(self, request, code=None, code_status=status.HTTP_200_OK):
        if not hasattr(request.data, "items"):  # a JSON array or a bare value
            raise serializers.ValidationError(
                {"non_field_errors": [_("Send an object of the fields.")]}
            )
        payload = dict(request.data.items())
        if code:
            payload["code"] = code
        data = self.write_serializer(data=payload)
        data.is_valid(raise_exception=True)
        saved = type(self).save_service(actor=request.user, **data.validated_data)
        return Response(self.get_serializer(saved).data, status=code_status)


class VisitRuleViewSet(_ConfigViewSet):
    """The visit rules (六必访): periodic (a category or a tag, every so many days) or
    triggered (within so many days of an occurrence of a trigger)."""

    queryset = VisitRule.objects.select_related("tag", "trigger")
    serializer_class = VisitRuleSerializer
    write_serializer = VisitRuleWriteSerializer
    save_service = staticmethod(rule_services.save_rule)

    @extend_schema(request=VisitRuleWriteSerializer, responses={201: VisitRuleSerializer})
    def create(self, request):
        """Creates a rule (a county admin). A rule without its rhythm is refused."""
        return self._save(request, code_status=status.HTTP_201_CREATED)

    @extend_schema(request=VisitRuleWriteSerializer, responses={200: VisitRuleSerializer})
    def update(self, request, code=None):
        """Changes a rule (a county admin): send it whole."""
        self.get_object()
        return self._save(request, code=code)


class TriggerViewSet(_ConfigViewSet):
    """What happens to a household and calls for a visit (a hospital stay, a bereavement …)."""

    queryset = Trigger.objects.all()
    serializer_class = TriggerSerializer
    write_serializer = TriggerWriteSerializer
    save_service = staticmethod(rule_services.save_trigger)

    @extend_schema(request=TriggerWriteSerializer, responses={201: TriggerSerializer})
    def create(self, request):
        """Creates a trigger (a county admin)."""
        return self._save(request, code_status=status.HTTP_201_CREATED)

    @extend_schema(request=TriggerWriteSerializer, responses={200: TriggerSerializer})
    def update(self, request, code=None):
        """Changes a trigger (a county admin)."""
        self.get_object()
        return self._save(request, code=code)


def register(router) -> None:
    """Adds this module's viewsets to the API's router."""
    router.register("visits", VisitViewSet, basename="visit")
    router.register("schedule", ScheduleViewSet, basename="scheduled-visit")
    router.register("occurrences", OccurrenceViewSet, basename="occurrence")
    router.register("visit-rules", VisitRuleViewSet, basename="visit-rule")
    router.register("visit-triggers", TriggerViewSet, basename="visit-trigger")
