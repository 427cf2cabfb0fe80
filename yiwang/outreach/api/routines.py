"""API v1 of outreach: routines — the must-attend event types and the routines (read by
every signed-in user, changed by a county admin), the events, the meetings with their
decisions, the decisions' actions (done, raised as a case) and routine compliance per
grid per week.

Outside the scope answers 404, like missing; bad input 400 with `{field: [reason]}`.
"""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from yiwang.accounts.models import User
from yiwang.cases.api import CaseSerializer
from yiwang.core.api import BuiltOnceFieldsMixin, IdField, ScopedViewSet
from yiwang.outreach.filters import DecisionFilterSet, EventFilterSet, MeetingFilterSet
from yiwang.outreach.models import Decision, Event, EventType, Meeting, Rhythm, Routine
from yiwang.outreach.selectors import routines as selectors
from yiwang.outreach.services import routines as services

CODE = r"[-a-zA-Z0-9_]+"
# The attendees are listed by id: nothing else of them is read.
_ATTENDEE_IDS = Prefetch("attendees", queryset=User.objects.only("id"))

# --- serializers ------------------------------------------------------------------------


class EventTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = EventType
        fields = ["code", "name", "is_active", "order"]
        read_only_fields = fields


class EventTypeWriteSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=50)
    is_active = serializers.BooleanField(default=True)
    order = serializers.IntegerField(default=0, min_value=0, max_value=32767)


class EventTypeUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50, required=False)
    is_active = serializers.BooleanField(required=False)
    order = serializers.IntegerField(required=False, min_value=0, max_value=32767)


class RoutineSerializer(serializers.ModelSerializer):
    class Meta:
        model = Routine
        fields = ["code", "name", "rhythm", "times", "is_active", "order"]
        read_only_fields = fields


class RoutineWriteSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=100)
    rhythm = serializers.ChoiceField(
        choices=Rhythm.choices, help_text="daily, weekly, monthly or quarterly."
    )
    times = serializers.IntegerField(
        min_value=1, max_value=100, help_text="How many times in each period, at least 1."
    )
    is_active = serializers.BooleanField(default=True)
    order = serializers.IntegerField(default=0, min_value=0, max_value=32767)


class RoutineUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    rhythm = serializers.ChoiceField(choices=Rhythm.choices, required=False)
    times = serializers.IntegerField(required=False, min_value=1, max_value=100)
    is_active = serializers.BooleanField(required=False)
    order = serializers.IntegerField(required=False, min_value=0, max_value=32767)


class PersonField(serializers.PrimaryKeyRelatedField):
    """A person as an id; read only (who may be named is the services' business)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)


class EventSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    event_type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    attendees = PersonField(many=True)
    recorded_by = PersonField()

    class Meta:
        model = Event
        fields = [
            "id",
            "event_type",
            "title",
            "happened_at",
            "area_code",
            "place",
            "notes",
            "household",
            "attendees",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = fields


class EventCreateSerializer(serializers.Serializer):
    event_type = serializers.CharField(help_text="An event type code (GET /event-types/).")
    title = serializers.CharField()
    happened_at = serializers.DateTimeField(help_text="Not in the future.")
    area_code = serializers.CharField(help_text="An area of your scope.")
    place = serializers.CharField(required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    household = IdField(required=False, allow_null=True, default=None)
    attendees = serializers.ListField(
        child=IdField(),
        help_text="Ids of the people who attended: at least one, each with a post on the "
        "area's branch (or you).",
    )


class DecisionSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    owner = PersonField()
    is_task = serializers.SerializerMethodField(help_text="With an owner and a due date.")

    class Meta:
        model = Decision
        fields = ["id", "meeting", "text", "owner", "due_on", "done_on", "case", "is_task"]
        read_only_fields = fields

    def get_is_task(self, decision) -> bool:
        return decision.owner_id is not None and decision.due_on is not None


class MeetingSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    routine = serializers.SlugRelatedField(slug_field="code", read_only=True)
    attendees = PersonField(many=True)
    recorded_by = PersonField()
    decisions = DecisionSerializer(many=True, read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "routine",
            "area_code",
            "held_at",
            "minutes",
            "attendees",
            "recorded_by",
            "decisions",
            "created_at",
        ]
        read_only_fields = fields


class DecisionInputSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True)
    owner = IdField(required=False, allow_null=True, default=None)
    due_on = serializers.DateField(required=False, allow_null=True, default=None)


class MeetingCreateSerializer(serializers.Serializer):
    routine = serializers.CharField(help_text="A routine code (GET /routines/).")
    area_code = serializers.CharField(help_text="A village, grid or unit of your scope.")
    held_at = serializers.DateTimeField(help_text="Not in the future.")
    minutes = serializers.CharField(required=False, allow_blank=True, default="")
    attendees = serializers.ListField(child=IdField())
    decisions = DecisionInputSerializer(many=True, required=False, default=list)


class ToCaseSerializer(serializers.Serializer):
    category = serializers.CharField(help_text="A case category code (GET /case-categories/).")
    unit_code = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="A unit inside the meeting's area; the meeting's own when it is a unit's.",
    )
    household = IdField(required=False, allow_null=True, default=None)
    lat = serializers.FloatField(required=False, allow_null=True, default=None)
    lng = serializers.FloatField(required=False, allow_null=True, default=None)
    address = serializers.CharField(required=False, allow_blank=True, default="")


class RoutineCellSerializer(serializers.Serializer):
    routine = serializers.CharField(source="routine.code")
    required = serializers.IntegerField()
    held = serializers.IntegerField()
    met = serializers.BooleanField()


class GridRoutinesSerializer(serializers.Serializer):
    code = serializers.CharField(source="area.code")
    name = serializers.CharField(source="area.name")
    routines = RoutineCellSerializer(source="cells", many=True)
    all_met = serializers.BooleanField()


class RoutineRollupSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()
    grids = serializers.IntegerField()
    met = serializers.DictField(
        child=serializers.IntegerField(), help_text="Routine code → grids that kept it."
    )
    all_met = serializers.IntegerField(help_text="Grids that kept every routine.")


class RoutineComplianceSerializer(serializers.Serializer):
    week = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    area_code = serializers.CharField(source="area.code")
    routines = RoutineSerializer(many=True)
    grids = GridRoutinesSerializer(many=True)
    rollup = RoutineRollupSerializer(many=True)


# --- viewsets ---------------------------------------------------------------------------


class EventTypeViewSet(viewsets.ReadOnlyModelViewSet):
    """The must-attend event types (六必到): the county's, read by every signed-in user;
    a county admin adds, changes and retires them."""

    queryset = EventType.objects.all()
    serializer_class = EventTypeSerializer
    lookup_field = "code"
    lookup_value_regex = CODE
    pagination_class = None

    @extend_schema(request=EventTypeWriteSerializer, responses={201: EventTypeSerializer})
    def create(self, request):
        """Adds an event type (county admins only)."""
        data = EventTypeWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if EventType.objects.filter(code=data.validated_data["code"]).exists():
            raise serializers.ValidationError(
                {"code": [_("An event type with this code already exists.")]}
            )
        saved = services.save_event_type(actor=request.user, **data.validated_data)
        return Response(EventTypeSerializer(saved).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=EventTypeUpdateSerializer, responses=EventTypeSerializer)
    def partial_update(self, request, code=None):
        """Renames, reorders or retires (`is_active: false`) an event type (county admins
        only)."""
        found = self.get_object()
        data = EventTypeUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = {
            "name": found.name,
            "is_active": found.is_active,
            "order": found.order,
            **data.validated_data,
        }
        saved = services.save_event_type(actor=request.user, code=found.code, **values)
        return Response(EventTypeSerializer(saved).data)


class RoutineViewSet(viewsets.ReadOnlyModelViewSet):
    """The routines (八项制度): the county's, read by every signed-in user; a county admin
    adds, changes and retires them. `compliance/` is the weekly compliance of the grids."""

    queryset = Routine.objects.all()
    serializer_class = RoutineSerializer
    lookup_field = "code"
    lookup_value_regex = CODE
    pagination_class = None

    @extend_schema(request=RoutineWriteSerializer, responses={201: RoutineSerializer})
    def create(self, request):
        """Adds a routine (county admins only): a rhythm and how many times a period."""
        data = RoutineWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if Routine.objects.filter(code=data.validated_data["code"]).exists():
            raise serializers.ValidationError(
                {"code": [_("A routine with this code already exists.")]}
            )
        saved = services.save_routine(actor=request.user, **data.validated_data)
        return Response(RoutineSerializer(saved).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RoutineUpdateSerializer, responses=RoutineSerializer)
    def partial_update(self, request, code=None):
        """Changes or retires (`is_active: false`) a routine (county admins only)."""
        found = self.get_object()
        data = RoutineUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = {
            "name": found.name,
            "rhythm": found.rhythm,
            "times": found.times,
            "is_active": found.is_active,
            "order": found.order,
            **data.validated_data,
        }
        saved = services.save_routine(actor=request.user, code=found.code, **values)
        return Response(RoutineSerializer(saved).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "week",
                {
                    "type": "string",
                    "pattern": r"^([1-9][0-9]{3}-[Ww](0?[1-9]|[1-4][0-9]|5[0-2]))?$",
                },
                description="An ISO week: 2026-W48 (this week).",
            ),
            OpenApiParameter("area", str, description="An area of your scope (your first post's)."),
        ],
        responses={
            200: RoutineComplianceSerializer,
            400: OpenApiResponse(description="Not an ISO week."),
            404: OpenApiResponse(description="No such area in your scope."),
        },
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def compliance(self, request):
        """Routine compliance per grid in a week: for each grid under the area and each
        active daily or weekly routine, the times required, the times kept, and whether
        that is enough; with the villages, towns and county above adding up their grids.
        Monthly and quarterly routines are judged over their month or quarter, not here."""
        result = selectors.routine_compliance(
            request.user,
            area_code=request.query_params.get("area", ""),
            week=request.query_params.get("week", ""),
        )
        return Response(RoutineComplianceSerializer(result).data)


class EventViewSet(ScopedViewSet):
    """Must-attend events in your scope, newest first; filter by type, area, month."""

    queryset = Event.objects.select_related("event_type").prefetch_related(_ATTENDEE_IDS)
    serializer_class = EventSerializer
    filterset_class = EventFilterSet

    @extend_schema(request=EventCreateSerializer, responses={201: EventSerializer})
    def create(self, request):
        """Records an event that happened in an area of your scope, with who attended."""
        data = EventCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        event = services.record_event(
            actor=request.user,
            event_type_code=values.pop("event_type"),
            household_id=values.pop("household"),
            attendee_ids=values.pop("attendees"),
            **values,
        )
        event = self.get_queryset().get(pk=event.pk)
        return Response(EventSerializer(event).data, status=status.HTTP_201_CREATED)


class MeetingViewSet(ScopedViewSet):
    """Meetings held under a routine in your scope, with their decisions; filter by
    routine, area, month."""

    queryset = Meeting.objects.select_related("routine").prefetch_related("attendees", "decisions")
    serializer_class = MeetingSerializer
    filterset_class = MeetingFilterSet

    @extend_schema(request=MeetingCreateSerializer, responses={201: MeetingSerializer})
    def create(self, request):
        """Records a meeting of a village, grid or unit of your scope: minutes, attendees,
        decisions (with an owner and a due date, a decision is the owner's task)."""
        data = MeetingCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        meeting = services.record_meeting(
            actor=request.user,
            routine_code=values["routine"],
            area_code=values["area_code"],
            held_at=values["held_at"],
            minutes=values["minutes"],
            attendee_ids=values["attendees"],
            decisions=[
                {"text": d["text"], "owner_id": d["owner"], "due_on": d["due_on"]}
                for d in values["decisions"]
            ],
        )
        meeting = self.get_queryset().get(pk=meeting.pk)
        return Response(MeetingSerializer(meeting).data, status=status.HTTP_201_CREATED)


class DecisionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Decisions of the meetings in your scope, and those you own; `?mine=true&open=true`
    is your open tasks."""

    serializer_class = DecisionSerializer
    filterset_class = DecisionFilterSet

    def get_queryset(self):
        return selectors.decisions_visible_to(self.request.user).order_by("-meeting_id", "id")

    @extend_schema(
        request=None,
        responses={
            200: DecisionSerializer,
            400: OpenApiResponse(description="Not a task, or already done."),
            403: OpenApiResponse(description="Only the owner marks a task done."),
            404: OpenApiResponse(description="No such decision in your scope."),
        },
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Marks your task done."""
        decision = self.get_object()
        services.complete_decision(actor=request.user, decision_id=decision.pk)
        return Response(DecisionSerializer(get_object_or_404(Decision, pk=decision.pk)).data)

    @extend_schema(
        request=ToCaseSerializer,
        responses={
            201: CaseSerializer,
            400: OpenApiResponse(description="Bad input: {field: [reason]}."),
            404: OpenApiResponse(description="No such decision in your scope."),
        },
    )
    @action(detail=True, methods=["post"], url_path="to-case", url_name="to-case")
    def to_case(self, request, pk=None):
        """Raises a case (a patrol report of yours) with the decision's text, in the
        meeting's area, and links it to the decision."""
        decision = self.get_object()
        data = ToCaseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        case = services.decision_to_case(
            actor=request.user,
            decision_id=decision.pk,
            category_code=values.pop("category"),
            household_id=values.pop("household"),
            **values,
        )
        return Response(
            CaseSerializer(case, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


def register(router) -> None:
    """Adds this module's viewsets to the API's router."""
    router.register("event-types", EventTypeViewSet, basename="outreach-event-type")
    router.register("routines", RoutineViewSet, basename="outreach-routine")
    router.register("events", EventViewSet, basename="outreach-event")
    router.register("meetings", MeetingViewSet, basename="outreach-meeting")
    router.register("decisions", DecisionViewSet, basename="outreach-decision")
