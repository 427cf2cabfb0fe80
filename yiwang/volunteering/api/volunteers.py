"""API v1 of volunteers and teams.

- `GET/POST /volunteers/`, `GET /volunteers/{id}/`: volunteers of your scope and your own
  record (names masked); POST registers one with their consent.
- `GET/POST /teams/`, `GET /teams/{id}/`: teams of your scope, of the areas above it and
  your own; POST makes one (the area's organisers). `POST /teams/{id}/members/` adds a
  volunteer to the team.
"""

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from yiwang.core.api import BuiltOnceFieldsMixin, IdField
from yiwang.core.masking import mask_name
from yiwang.volunteering.filters.volunteers import TeamFilterSet, VolunteerFilterSet
from yiwang.volunteering.models import Membership, Team, TeamKind, Volunteer
from yiwang.volunteering.selectors import activities as selectors
from yiwang.volunteering.services import volunteers as services

ERRORS = {
    400: OpenApiResponse(description="Bad input: {field: [reason]}."),
    403: OpenApiResponse(description="Your posts do not allow it."),
    404: OpenApiResponse(description="Not in your scope."),
}


class VolunteerSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    name = serializers.SerializerMethodField(help_text="Masked: 张*三.")

    class Meta:
        model = Volunteer
        fields = [
            "id",
            "name",
            "resident",
            "user",
            "area_code",
            "skills",
            "availability",
            "is_active",
            "consent_at",
            "created_at",
        ]
        read_only_fields = fields

    def get_name(self, volunteer) -> str:
        return mask_name(volunteer.name)


class VolunteerCreateSerializer(serializers.Serializer):
    resident = IdField(required=False, help_text="From /api/v1/residents/.")
    user = IdField(required=False, help_text="The volunteer's own account, if any.")
    area_code = serializers.CharField(
        required=False,
        max_length=18,
        help_text="Where an account without a resident volunteers (of your scope).",
    )
    skills = serializers.CharField(required=False, allow_blank=True, max_length=200)
    availability = serializers.CharField(required=False, allow_blank=True, max_length=200)
    consent = serializers.BooleanField(
        help_text="The person agreed that their service is recorded: required, true."
    )


class TeamSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name", "kind", "area_code", "is_active", "created_at"]
        read_only_fields = fields


class TeamCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=TeamKind.choices)
    area_code = serializers.CharField(max_length=18)


class MembershipSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Membership
        fields = ["id", "team", "volunteer", "is_leader", "joined_on", "left_on"]
        read_only_fields = fields


class MemberCreateSerializer(serializers.Serializer):
    volunteer = IdField(help_text="From /api/v1/volunteers/.")
    is_leader = serializers.BooleanField(required=False, default=False)
    joined_on = serializers.DateField(required=False, help_text="Today if not given.")


class VolunteerViewSet(viewsets.ReadOnlyModelViewSet):
    """Volunteers of your scope, and your own record. POST registers one, once, with the
    person's consent."""

    queryset = Volunteer.objects.none()  # the model, for the schema
    serializer_class = VolunteerSerializer
    filterset_class = VolunteerFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Volunteer.objects.none()
        return selectors.volunteers_visible_to(self.request.user).order_by("area_code", "id")

    @extend_schema(
        request=VolunteerCreateSerializer, responses={201: VolunteerSerializer, **ERRORS}
    )
    def create(self, request):
        data = VolunteerCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        volunteer = services.register_volunteer(request.user, **data.validated_data)
        return Response(
            VolunteerSerializer(volunteer).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api:volunteer-detail", args=[volunteer.pk])},
        )


class TeamViewSet(viewsets.ReadOnlyModelViewSet):
    """Volunteer teams of your scope, of the areas above it, and your own. POST makes one
    (the area's grid chief or cadres, a town or county admin above it)."""

    queryset = Team.objects.none()  # the model, for the schema
    serializer_class = TeamSerializer
    filterset_class = TeamFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Team.objects.none()
        return selectors.teams_visible_to(self.request.user).order_by("area_code", "name", "id")

    @extend_schema(request=TeamCreateSerializer, responses={201: TeamSerializer, **ERRORS})
    def create(self, request):
        data = TeamCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        team = services.create_team(request.user, **data.validated_data)
        return Response(
            TeamSerializer(team).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api:volunteer-team-detail", args=[team.pk])},
        )

    @extend_schema(request=MemberCreateSerializer, responses={201: MembershipSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def members(self, request, pk=None):
        """Adds a volunteer to the team (a leader only by the area's organisers)."""
        data = MemberCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        membership = services.add_member(
            request.user,
            pk,
            values["volunteer"],
            is_leader=values["is_leader"],
            joined_on=values.get("joined_on"),
        )
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)


def register(router) -> None:
    """Adds this topic's viewsets to the router."""
    router.register("volunteers", VolunteerViewSet, basename="volunteer")
    router.register("teams", TeamViewSet, basename="volunteer-team")
