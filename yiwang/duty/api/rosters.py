"""API v1 of duty rosters.

- `GET /rosters/`, `GET /rosters/{id}/`: the rosters you see (in your scope, or one you
  are on). `POST /rosters/` makes one (its shifts too); `POST /rosters/{id}/members/`
  `{"members": [{"user", "role", "phone"}]}` sets its people; `POST
  /rosters/{id}/generate/` `{"replace_hand_made"}` fills it with a fair rotation;
  `GET /rosters/{id}/rule-breaks/` lists what breaks a rule.
- `GET /roster-shifts/?roster=ID`: the shifts with their people; `POST
  /roster-shifts/{id}/assign/` `{"user", "role"}` and `POST /roster-shifts/{id}/unassign/`
  `{"assignment"}` change a shift by hand (400 with the other shift named when it breaks
  a rule).
- `GET /duty-swaps/`, `POST /duty-swaps/` `{"assignment", "to_user", "reason",
  "counterpart"}`; `POST /duty-swaps/{id}/approve/` or `/refuse/` `{"note"}` (a keeper).
- `GET /duty/now/?area=CODE`: who is on duty now in the area and below it.
- `GET /duty/ics/?user=ID`: your shifts as `text/calendar`; another person's answers 403.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from yiwang.core.api import BuiltOnceFieldsMixin, IdField
from yiwang.core.masking import mask_phone
from yiwang.core.validators import read_id
from yiwang.duty import ics
from yiwang.duty.models import Assignment, DutyRole, Roster, RosterMember, Shift, SwapRequest
from yiwang.duty.selectors import rosters as selectors
from yiwang.duty.services import rosters as services

# --- serializers ------------------------------------------------------------------------


class RosterMemberSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="user.__str__", read_only=True)
    phone = serializers.SerializerMethodField(
        help_text="The duty phone, masked (138****5678) but for one's own; '' if none."
    )

    class Meta:
        model = RosterMember
        fields = ["id", "user", "name", "role", "phone", "is_active"]
        read_only_fields = fields

    def get_phone(self, member) -> str:
        if not member.phone:
            return ""
        request = self.context.get("request")
        if request is not None and getattr(request.user, "pk", None) == member.user_id:
            return member.phone  # one's own number
        return mask_phone(member.phone)


class RosterSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    members = RosterMemberSerializer(many=True, read_only=True)

    class Meta:
        model = Roster
        fields = [
            "id",
            "area_code",
            "name",
            "place",
            "starts_on",
            "ends_on",
            "shift_start",
            "shift_hours",
            "roles",
            "min_gap_hours",
            "night_rest_hours",
            "members",
            "created_at",
        ]
        read_only_fields = fields


class RosterCreateSerializer(serializers.Serializer):
    area_code = serializers.CharField(max_length=18)
    name = serializers.CharField(max_length=services.NAME_MAX)
    place = serializers.CharField(
        max_length=services.NAME_MAX, required=False, allow_blank=True, default=""
    )
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    shift_start = serializers.TimeField()
    shift_hours = serializers.IntegerField(min_value=1, max_value=48, default=24)
    roles = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=services.MAX_PER_ROLE),
        required=False,
        default=None,
        allow_null=True,
        help_text='People a shift needs by role besides its leader, e.g. {"officer": 1}.',
    )
    min_gap_hours = serializers.IntegerField(
        min_value=0, max_value=services.MAX_RULE_HOURS, default=24
    )
    night_rest_hours = serializers.IntegerField(
        min_value=0, max_value=services.MAX_RULE_HOURS, default=24
    )


class RosterMemberInputSerializer(serializers.Serializer):
    user = IdField()
    role = serializers.ChoiceField(choices=DutyRole.choices)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class RosterMembersSerializer(serializers.Serializer):
    members = RosterMemberInputSerializer(many=True, max_length=services.MAX_MEMBERS)


class RosterGenerateSerializer(serializers.Serializer):
    replace_hand_made = serializers.BooleanField(required=False, default=False)


class RosterGeneratedSerializer(serializers.Serializer):
    placed = serializers.IntegerField()


class RuleBreaksSerializer(serializers.Serializer):
    breaks = serializers.ListField(child=serializers.CharField())


class AssignmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="user.__str__", read_only=True)

    class Meta:
        model = Assignment
        fields = ["id", "user", "name", "role", "by_hand"]
        read_only_fields = fields


class RosterShiftSerializer(serializers.ModelSerializer):
    assignments = AssignmentSerializer(many=True, read_only=True)

    class Meta:
        model = Shift
        fields = ["id", "roster", "starts_at", "ends_at", "assignments"]
        read_only_fields = fields


class RosterAssignSerializer(serializers.Serializer):
    user = IdField()
    role = serializers.ChoiceField(choices=DutyRole.choices)


class RosterUnassignSerializer(serializers.Serializer):
    assignment = IdField()


class DutySwapSerializer(serializers.ModelSerializer):
    class Meta:
        model = SwapRequest
        fields = [
            "id",
            "assignment",
            "counterpart",
            "from_user",
            "to_user",
            "reason",
            "status",
            "decided_by",
            "decided_at",
            "decision_note",
            "area_code",
            "created_at",
        ]
        read_only_fields = fields


class DutySwapCreateSerializer(serializers.Serializer):
    assignment = IdField(help_text="Your shift (an assignment of /roster-shifts/).")
    to_user = IdField(help_text="A member of the same roster.")
    reason = serializers.CharField(max_length=services.REASON_MAX)
    counterpart = IdField(
        required=False, allow_null=True, default=None, help_text="Their shift you take instead."
    )


class DutySwapDecideSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=services.REASON_MAX, required=False, allow_blank=True, default=""
    )


class DutyNowSerializer(serializers.Serializer):
    assignment = serializers.IntegerField()
    roster = serializers.IntegerField()
    roster_name = serializers.CharField()
    area_code = serializers.CharField()
    area_name = serializers.CharField()
    place = serializers.CharField()
    user = serializers.IntegerField()
    person = serializers.CharField()
    role = serializers.ChoiceField(choices=DutyRole.choices)
    role_label = serializers.CharField()
    is_leader = serializers.BooleanField()
    phone = serializers.CharField(
        help_text="The duty phone given on the roster, in full: the number to call of the "
        "people on duty at this moment ('' if none)."
    )
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


ERRORS = {
    400: OpenApiResponse(description="Bad input, or a rule broken: {field: [reason]}."),
    403: OpenApiResponse(description="You do not keep this roster."),
    404: OpenApiResponse(description="Not among what you see."),
}


# --- viewsets ---------------------------------------------------------------------------


class RosterViewSet(viewsets.ReadOnlyModelViewSet):
    """The duty rosters you see. POST makes one; the actions set its people, fill it
    with a rotation and list its rule breaks."""

    queryset = Roster.objects.none()
    serializer_class = RosterSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Roster.objects.none()
        return (
            selectors.visible_rosters(self.request.user)
            .prefetch_related("members__user")
            .order_by("-starts_on", "area_code", "name", "id")
        )

    def _answer(self, roster, code=status.HTTP_200_OK):
        row = self.get_queryset().get(pk=roster.pk)
        return Response(
            RosterSerializer(row, context=self.get_serializer_context()).data, status=code
        )

    @extend_schema(request=RosterCreateSerializer, responses={201: RosterSerializer, **ERRORS})
    def create(self, request):
        """Makes a roster of an area you keep, with its shifts."""
        data = RosterCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        roster = services.create_roster(actor=request.user, **data.validated_data)
        return self._answer(roster, status.HTTP_201_CREATED)

    @extend_schema(request=RosterMembersSerializer, responses={200: RosterSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def members(self, request, pk=None):
        """Sets the roster's people (those left out leave the rotation)."""
        data = RosterMembersSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        roster = self.get_object()
        services.set_members(
            actor=request.user, roster_id=roster.pk, members=data.validated_data["members"]
        )
        return self._answer(roster)

    @extend_schema(
        request=RosterGenerateSerializer, responses={200: RosterGeneratedSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"])
    def generate(self, request, pk=None):
        """Fills the shifts not started with a fair rotation that keeps the rules."""
        data = RosterGenerateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        roster = self.get_object()
        placed = services.generate(actor=request.user, roster_id=roster.pk, **data.validated_data)
        return Response({"placed": placed})

    @extend_schema(responses={200: RuleBreaksSerializer, 404: ERRORS[404]})
    @action(detail=True, methods=["get"], url_path="rule-breaks")
    def rule_breaks(self, request, pk=None):
        """What in the roster breaks a rule, in words."""
        return Response({"breaks": services.rule_breaks(self.get_object())})


class RosterShiftViewSet(viewsets.ReadOnlyModelViewSet):
    """The shifts of the rosters you see (`?roster=ID`), with their people."""

    queryset = Shift.objects.none()
    serializer_class = RosterShiftSerializer

    @extend_schema(
        parameters=[OpenApiParameter("roster", OpenApiTypes.INT, description="A roster's id.")]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Shift.objects.none()
        rows = selectors.visible_shifts(self.request.user)
        roster = self.request.query_params.get("roster")
        if roster not in (None, ""):
            pk = read_id(roster)
            if pk is None:
                raise exceptions.ValidationError({"roster": [_("Give a roster's id.")]})
            rows = rows.filter(roster_id=pk)
        return rows.prefetch_related("assignments__user").order_by("starts_at", "roster_id", "id")

    def _answer(self, pk):
        return Response(RosterShiftSerializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(request=RosterAssignSerializer, responses={200: RosterShiftSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """Puts a member of the roster on the shift by hand."""
        data = RosterAssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        shift = self.get_object()
        services.assign(
            actor=request.user,
            shift_id=shift.pk,
            user_id=data.validated_data["user"],
            role=data.validated_data["role"],
        )
        return self._answer(shift.pk)

    @extend_schema(
        request=RosterUnassignSerializer, responses={200: RosterShiftSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"])
    def unassign(self, request, pk=None):
        """Takes a person off the shift by hand."""
        data = RosterUnassignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        shift = self.get_object()
        if not Assignment.objects.filter(
            pk=data.validated_data["assignment"], shift=shift
        ).exists():
            raise exceptions.NotFound(_("Not found."))
        services.unassign(actor=request.user, assignment_id=data.validated_data["assignment"])
        return self._answer(shift.pk)


class DutySwapViewSet(viewsets.ReadOnlyModelViewSet):
    """The swaps of the rosters you see, and those you asked or were asked for."""

    queryset = SwapRequest.objects.none()
    serializer_class = DutySwapSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SwapRequest.objects.none()
        return selectors.visible_swaps(self.request.user).order_by("-created_at", "-id")

    def _answer(self, swap, code=status.HTTP_200_OK):
        return Response(DutySwapSerializer(self.get_queryset().get(pk=swap.pk)).data, status=code)

    @extend_schema(request=DutySwapCreateSerializer, responses={201: DutySwapSerializer, **ERRORS})
    def create(self, request):
        """Asks to hand your shift to another member of the roster."""
        data = DutySwapCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        swap = services.request_swap(
            actor=request.user,
            assignment_id=values["assignment"],
            to_user_id=values["to_user"],
            reason=values["reason"],
            counterpart_id=values["counterpart"],
        )
        return self._answer(swap, status.HTTP_201_CREATED)

    def _decide(self, request, pk, approve: bool):
        data = DutySwapDecideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        swap = self.get_object()
        services.decide_swap(
            actor=request.user, swap_id=swap.pk, approve=approve, note=data.validated_data["note"]
        )
        return self._answer(swap)

    @extend_schema(request=DutySwapDecideSerializer, responses={200: DutySwapSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approves the swap (the rules checked again): the shifts change hands."""
        return self._decide(request, pk, True)

    @extend_schema(request=DutySwapDecideSerializer, responses={200: DutySwapSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        """Refuses the swap."""
        return self._decide(request, pk, False)


class DutyNowViewSet(viewsets.ViewSet):
    """Who is on duty now in an area and below it."""

    @extend_schema(
        parameters=[
            OpenApiParameter("area", OpenApiTypes.STR, required=True, description="An area code.")
        ],
        responses={200: DutyNowSerializer(many=True), 404: ERRORS[404]},
    )
    def list(self, request):
        rows = selectors.on_duty_now(request.user, request.query_params.get("area", ""))
        return Response(DutyNowSerializer(rows, many=True).data)


class JSONOnlyNegotiation(BaseContentNegotiation):
    """The calendar is sent as text/calendar whatever the client accepts; errors as JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return JSONRenderer(), JSONRenderer.media_type


class DutyCalendarViewSet(viewsets.ViewSet):
    """Your duty shifts as an iCalendar feed (for a calendar app that signs in with a
    token; /duty/feed/<token>.ics for one that cannot)."""

    content_negotiation_class = JSONOnlyNegotiation

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "user", OpenApiTypes.INT, description="Your own id (the default); no one else's."
            )
        ],
        responses={
            (200, "text/calendar"): OpenApiTypes.STR,
            400: OpenApiResponse(description="`user` is not an id."),
            403: OpenApiResponse(description="Another person's calendar."),
        },
    )
    def list(self, request):
        asked = request.query_params.get("user")
        user_id = request.user.pk
        if asked not in (None, ""):
            user_id = read_id(asked)
            if user_id is None:
                raise exceptions.ValidationError({"user": [_("Give a person's id.")]})
        if not services.may_read_feed(request.user, user_id):
            raise exceptions.PermissionDenied(
                _("A duty calendar is its owner's alone: ask for your own.")
            )
        response = HttpResponse(ics.feed(request.user), content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="duty.ics"'
        return response


def register(router) -> None:
    """Adds this topic's viewsets to the router (the two non-model paths too, as
    `duty/now/` and `duty/ics/`)."""
    router.register("rosters", RosterViewSet, basename="roster")
    router.register("roster-shifts", RosterShiftViewSet, basename="roster-shift")
    router.register("duty-swaps", DutySwapViewSet, basename="duty-swap")
    router.register("duty/now", DutyNowViewSet, basename="duty-now")
    router.register("duty/ics", DutyCalendarViewSet, basename="duty-ics")
