"""API v1 of activities, sign-ups and check-in.

- `GET/POST /activities/`, `GET /activities/{id}/`: activities of your scope, of the areas
  above it, of your teams and those you signed up for. `checkin_code` is shown only to
  whoever runs the activity (its organisers, its team's leaders); null to everyone else.
- `POST /activities/{id}/signup/` `{"volunteer"?}`: signs you (or, if you run it, the
  volunteer given) up; 400 when the places are all taken.
- `POST /activities/{id}/checkin/` and `/checkout/` `{"uuid", "code", "volunteer"?, "at"?}`:
  201 the first time, 200 with the stored attendance when the same `uuid` is sent again
  (a phone's offline queue), 400 with the field's message on bad input (a wrong or
  expired code, a check-out before the check-in).
"""

from django.db import models
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from yiwang.core.api import BuiltOnceFieldsMixin, IdField
from yiwang.volunteering import access
from yiwang.volunteering.api.fields import UUIDTextField
from yiwang.volunteering.api.volunteers import ERRORS
from yiwang.volunteering.filters.activities import ActivityFilterSet
from yiwang.volunteering.models import Activity, Attendance, SignUp, TargetGroup
from yiwang.volunteering.selectors import activities as selectors
from yiwang.volunteering.services import activities as services
from yiwang.volunteering.services import hours as hours_services


@extend_schema_field({"type": "string", "format": "date-time"})
class DateTimeTextField(serializers.CharField):
    """An ISO date and time as text, described as one: the service reads it and refuses
    one outside its window with the field's message (a year 1 would overflow here)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)


class ActivitySerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    checkin_code = serializers.SerializerMethodField(
        help_text="Six digits, shown only to whoever runs the activity; null to others."
    )
    signed_up = serializers.IntegerField(read_only=True, help_text="Places taken.")

    class Meta:
        model = Activity
        fields = [
            "id",
            "team",
            "title",
            "description",
            "target_group",
            "place",
            "starts_at",
            "ends_at",
            "places",
            "signed_up",
            "status",
            "area_code",
            "organiser",
            "checkin_code",
        ]
        read_only_fields = fields

    def get_checkin_code(self, activity) -> str | None:
        runs = self.context.get("runs")
        if runs is None or not runs(activity):
            return None
        return activity.checkin_code


class ActivityCreateSerializer(serializers.Serializer):
    team = IdField(help_text="From /api/v1/teams/.")
    title = serializers.CharField(max_length=services.TITLE_MAX)
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=services.DESCRIPTION_MAX
    )
    target_group = serializers.ChoiceField(choices=TargetGroup.choices)
    place = serializers.CharField(max_length=services.PLACE_MAX)
    starts_at = DateTimeTextField(help_text="From a year ago to two years ahead.")
    ends_at = DateTimeTextField()
    places = serializers.IntegerField(min_value=1, max_value=services.PLACES_MAX)
    area_code = serializers.CharField(
        required=False, max_length=18, help_text="Under the team's area; the team's if not given."
    )


class SignUpSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = SignUp
        fields = ["id", "activity", "volunteer", "created_at", "cancelled_at"]
        read_only_fields = fields


class SignUpCreateSerializer(serializers.Serializer):
    volunteer = IdField(
        required=False, help_text="Yours if not given; another only if you run the activity."
    )


class AttendanceSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    hours = serializers.SerializerMethodField(help_text="The credit hours, once checked out.")
    hours_status = serializers.SerializerMethodField(
        help_text="pending, approved or declined, once checked out."
    )

    class Meta:
        model = Attendance
        fields = [
            "id",
            "activity",
            "volunteer",
            "checked_in_at",
            "checked_out_at",
            "closed_by_system",
            "hours",
            "hours_status",
        ]
        read_only_fields = fields

    def _record(self, attendance):
        try:
            return attendance.hours
        except Attendance.hours.RelatedObjectDoesNotExist:
            return None

    @extend_schema_field({"type": "string", "format": "decimal", "nullable": True})
    def get_hours(self, attendance) -> str | None:
        record = self._record(attendance)
        return None if record is None else str(record.hours)

    def get_hours_status(self, attendance) -> str | None:
        record = self._record(attendance)
        return None if record is None else record.status


class CheckSerializer(serializers.Serializer):
    uuid = UUIDTextField(
        help_text="Made by the phone for each check-in or check-out (a UUID): sending it "
        "again answers the stored attendance."
    )
    code = serializers.CharField(max_length=20, help_text="The six digits shown at the place.")
    volunteer = IdField(
        required=False, help_text="Yours if not given; another only if you run the activity."
    )
    at = DateTimeTextField(
        required=False, help_text="The phone's time when typed offline; now if not given."
    )


def conflict(exc) -> Response:
    """Someone decided or closed it first: 409 with the message, nothing changed."""
    return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_409_CONFLICT)


class ActivityViewSet(viewsets.ReadOnlyModelViewSet):
    """Volunteer activities you may see and sign up for. POST makes one (the area's
    organisers or a leader of the team)."""

    queryset = Activity.objects.none()  # the model, for the schema
    serializer_class = ActivitySerializer
    filterset_class = ActivityFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Activity.objects.none()
        return (
            selectors.activities_visible_to(self.request.user)
            .annotate(
                signed_up=SignUp.objects.filter(
                    activity_id=models.OuterRef("pk"), cancelled_at__isnull=True
                )
                .order_by()
                .values("activity_id")
                .annotate(n=models.Count("id"))
                .values("n")
            )
            .order_by("-starts_at", "-id")
        )

    def handle_exception(self, exc):
        if isinstance(exc, hours_services.Conflict):
            return conflict(exc)
        return super().handle_exception(exc)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        user = self.request.user
        led = None

        def runs(activity) -> bool:
            nonlocal led
            if access.can_organise(user, activity.area_code):
                return True
            if led is None:
                led = selectors.led_team_ids(user)
            return activity.team_id in led

        context["runs"] = runs
        return context

    @extend_schema(request=ActivityCreateSerializer, responses={201: ActivitySerializer, **ERRORS})
    def create(self, request):
        data = ActivityCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        activity = services.create_activity(request.user, **data.validated_data)
        activity.signed_up = 0
        return Response(
            ActivitySerializer(activity, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api:activity-detail", args=[activity.pk])},
        )

    @extend_schema(request=SignUpCreateSerializer, responses={201: SignUpSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def signup(self, request, pk=None):
        """Signs you (or the volunteer given) up, within the places."""
        data = SignUpCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        signup = services.sign_up(request.user, pk, data.validated_data.get("volunteer"))
        return Response(SignUpSerializer(signup).data, status=status.HTTP_201_CREATED)

    def _check(self, request, pk, call):
        data = CheckSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        attendance, created = call(
            request.user,
            uuid=values["uuid"],
            activity=pk,
            code=values["code"],
            volunteer=values.get("volunteer"),
            at=values.get("at"),
        )
        return Response(
            AttendanceSerializer(attendance).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        request=CheckSerializer,
        responses={
            201: AttendanceSerializer,
            200: OpenApiResponse(
                AttendanceSerializer, description="Sent before: the stored attendance."
            ),
            **ERRORS,
        },
    )
    @action(detail=True, methods=["post"])
    def checkin(self, request, pk=None):
        """Checks in with the code shown at the place."""
        return self._check(request, pk, hours_services.check_in)

    @extend_schema(
        request=CheckSerializer,
        responses={
            201: AttendanceSerializer,
            200: OpenApiResponse(
                AttendanceSerializer, description="Sent before: the stored attendance."
            ),
            **ERRORS,
        },
    )
    @action(detail=True, methods=["post"])
    def checkout(self, request, pk=None):
        """Checks out with the code shown at the place: the credit hours are recorded."""
        return self._check(request, pk, hours_services.check_out)


def register(router) -> None:
    """Adds this topic's viewsets to the router."""
    router.register("activities", ActivityViewSet, basename="activity")
