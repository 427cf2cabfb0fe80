"""API v1 of a project's milestones, with their lag in working days and their colour.

- `GET /project-milestones/?project=12` (also `done=true|false`): the milestones of the
  projects you see, each with `due`, `done`, `lag_working_days` and `colour` (counted to
  today while open, to the day it was done once done). When the working calendar does not
  know a year the lag spans, `lag_working_days` and `colour` are null and `unknown_year`
  says which year a county admin has to enter.
- `POST /project-milestones/` `{"project", "milestone_type", "name", "due_on", "owner"}`:
  adds one (201); 400 when it is due before its project starts.
- `POST /project-milestones/{id}/complete/` `{"done_on", "delay_cause", "delay_note"}`:
  done (200); done late needs the cause of the delay.
- `POST /project-milestones/{id}/delay/` `{"cause", "note"}`: tags the cause of a
  milestone's delay (200), open or done.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from yiwang.core.api import BuiltOnceFieldsMixin, IdField, ScopedViewSet
from yiwang.core.parsers import DepthLimitedJSONParser
from yiwang.projects import services
from yiwang.projects.filters.plan import MilestoneFilterSet
from yiwang.projects.models import Colour, DelayCause, Milestone
from yiwang.projects.selectors.lag import milestone_colour, milestone_lag
from yiwang.projects.selectors.projects import visible_projects
from yiwang.projects.workdays import UnknownCalendarYear, calendar

ERRORS = {
    400: OpenApiResponse(description="Bad input: {field: [reason]}."),
    403: OpenApiResponse(description="You may see the project but not change its plan."),
    404: OpenApiResponse(description="No such milestone or project in your sight."),
}


def figures(milestone: Milestone, context: dict) -> tuple[int | None, str | None, str | None]:
    """(lag, colour, unknown year's message) of a milestone, once a serialization: the
    calendar and today are read once for all the rows (`context`)."""
    cached = getattr(milestone, "_figures", None)
    if cached is not None:
        return cached
    cal = context.get("calendar")
    if cal is None:
        cal = context["calendar"] = calendar()
    today = context.setdefault("today", timezone.localdate())
    try:
        lag = milestone_lag(milestone, today=today, cal=cal)
        found = (lag, milestone_colour(milestone, lag), None)
    except UnknownCalendarYear as exc:
        found = (None, None, str(exc))
    milestone._figures = found
    return found


class ProjectMilestoneSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    due = serializers.DateField(source="due_on", read_only=True)
    done = serializers.DateField(source="done_on", read_only=True, allow_null=True)
    type_name = serializers.CharField(source="milestone_type.name", read_only=True)
    owner_name = serializers.SerializerMethodField()
    lag_working_days = serializers.SerializerMethodField(
        help_text="Working days late (0 on time): to today while open, to the day it was "
        "done once done. Null when the calendar does not know a year it spans."
    )
    colour = serializers.SerializerMethodField(
        help_text="By the thresholds of its type; null with `unknown_year`."
    )
    unknown_year = serializers.SerializerMethodField(
        help_text="Why the lag cannot be counted (a year the working calendar does not "
        "know), else null."
    )

    class Meta:
        model = Milestone
        fields = [
            "id",
            "project",
            "name",
            "milestone_type",
            "type_name",
            "owner",
            "owner_name",
            "due",
            "done",
            "lag_working_days",
            "colour",
            "unknown_year",
            "delay_cause",
            "delay_note",
        ]
        read_only_fields = fields

    def get_owner_name(self, milestone) -> str:
        return str(milestone.owner) if milestone.owner_id else ""

    def get_lag_working_days(self, milestone) -> int | None:
        return figures(milestone, self.context)[0]

    @extend_schema_field(serializers.ChoiceField(choices=Colour.choices, allow_null=True))
    def get_colour(self, milestone):
        return figures(milestone, self.context)[1]

    def get_unknown_year(self, milestone) -> str | None:
        return figures(milestone, self.context)[2]


class ProjectMilestoneCreateSerializer(serializers.Serializer):
    project = IdField()
    milestone_type = IdField(help_text="A milestone type's id (its colour thresholds).")
    name = serializers.CharField()
    due_on = serializers.DateField()
    owner = IdField(required=False, allow_null=True, default=None)


class ProjectMilestoneCompleteSerializer(serializers.Serializer):
    done_on = serializers.DateField()
    delay_cause = serializers.ChoiceField(
        choices=DelayCause.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required when done late.",
    )
    delay_note = serializers.CharField(required=False, allow_blank=True, default="")


class ProjectMilestoneDelaySerializer(serializers.Serializer):
    cause = serializers.ChoiceField(choices=DelayCause.choices, help_text="The cause of the delay.")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ProjectMilestoneViewSet(ScopedViewSet):
    """The milestones of the projects you see, with their lag and colour."""

    queryset = Milestone.objects.none()  # the model, for the schema
    serializer_class = ProjectMilestoneSerializer
    filterset_class = MilestoneFilterSet
    parser_classes = [DepthLimitedJSONParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Milestone.objects.none()
        return (
            Milestone.objects.filter(project__in=visible_projects(self.request.user).values("pk"))
            .select_related("milestone_type", "owner")
            .order_by("project_id", "due_on", "id")
        )

    def _answer(self, milestone, code=status.HTTP_200_OK):
        milestone = self.get_queryset().get(pk=milestone.pk)
        return Response(
            ProjectMilestoneSerializer(milestone, context=self.get_serializer_context()).data,
            status=code,
        )

    @extend_schema(
        request=ProjectMilestoneCreateSerializer,
        responses={201: ProjectMilestoneSerializer, **ERRORS},
    )
    def create(self, request):
        """Adds a milestone to a project you manage."""
        data = ProjectMilestoneCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        project = values.pop("project")
        milestone = services.add_milestone(request.user, project, **values)
        return self._answer(milestone, status.HTTP_201_CREATED)

    @extend_schema(
        request=ProjectMilestoneCompleteSerializer,
        responses={200: ProjectMilestoneSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Records the milestone done on a day; done late, with the cause of the delay."""
        data = ProjectMilestoneCompleteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        milestone = services.complete_milestone(request.user, pk, **data.validated_data)
        return self._answer(milestone)

    @extend_schema(
        request=ProjectMilestoneDelaySerializer,
        responses={200: ProjectMilestoneSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def delay(self, request, pk=None):
        """Tags the cause of the milestone's delay (and a note)."""
        data = ProjectMilestoneDelaySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        milestone = services.tag_delay(request.user, pk, **data.validated_data)
        return self._answer(milestone)


def register(router) -> None:
    router.register("project-milestones", ProjectMilestoneViewSet, basename="project-milestone")
