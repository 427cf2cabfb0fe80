"""API v1 of the key projects (the battle map).

- `GET /projects/` (filters `stage`, `kind`, `batch`, `under`, `is_active`): the projects
  you see: the county's command post every one, a town its own and its parks', a special
  team's members and its leader theirs, a department's staff those with a problem sent to
  it.
- `GET /projects/{id}/`: with its milestones, each with `due`, `done`,
  `lag_working_days` and `colour` (null with an `unknown_year` message when the working
  calendar does not know a year the lag spans), its permits and its stages reached.
- `POST /projects/`: a project of a town you manage (201); `PATCH /projects/{id}/`: the
  fields sent changed (200); `POST /projects/{id}/stage/` `{"stage", "reached_on",
  "reason"}`: the stage reached (a step back names its reason).
"""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from yiwang.core.api import BuiltOnceFieldsMixin, IdField, NumberOrTextField, ScopedViewSet
from yiwang.core.parsers import DepthLimitedJSONParser
from yiwang.projects import services
from yiwang.projects.api.milestones import ProjectMilestoneSerializer, figures
from yiwang.projects.api.permits import ProjectPermitSerializer
from yiwang.projects.filters.projects import ProjectFilterSet
from yiwang.projects.models import (
    Batch,
    Milestone,
    Project,
    ProjectKind,
    Stage,
    StageChange,
)
from yiwang.projects.selectors.projects import visible_projects

ERRORS = {
    400: OpenApiResponse(description="Bad input: {field: [reason]}."),
    403: OpenApiResponse(description="You may see the project but not change it."),
    404: OpenApiResponse(description="No such project in your sight."),
}

LIST_FIELDS = [
    "id",
    "number",
    "name",
    "area_code",
    "park",
    "kind",
    "batch",
    "stage",
    "stage_reached_on",
    "enterprise",
    "leader",
    "leader_name",
    "team_name",
    "starts_on",
    "ends_on",
    "investment_planned",
    "investment_done",
    "is_active",
]


class ProjectSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    leader_name = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = LIST_FIELDS
        read_only_fields = fields

    def get_leader_name(self, project) -> str:
        return str(project.leader) if project.leader_id else ""


class ProjectStageChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = StageChange
        fields = ["stage", "reached_on", "reason"]
        read_only_fields = fields


class ProjectMemberRowSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user_id")
    name = serializers.SerializerMethodField()
    duty = serializers.CharField()
    is_head = serializers.BooleanField()

    def get_name(self, member) -> str:
        return str(member.user)


class ProjectDetailSerializer(ProjectSerializer):
    milestones = ProjectMilestoneSerializer(many=True, read_only=True)
    permits = ProjectPermitSerializer(many=True, read_only=True)
    stage_changes = ProjectStageChangeSerializer(many=True, read_only=True)
    members = ProjectMemberRowSerializer(many=True, read_only=True)
    description = serializers.CharField(read_only=True)
    unknown_year = serializers.SerializerMethodField(
        help_text="When the working calendar does not know a year some milestone's lag "
        "spans: what to do (those milestones' lag and colour are null); else null."
    )

    class Meta(ProjectSerializer.Meta):
        fields = [
            *LIST_FIELDS,
            "description",
            "members",
            "milestones",
            "permits",
            "stage_changes",
            "unknown_year",
        ]
        read_only_fields = fields

    def get_unknown_year(self, project) -> str | None:
        for milestone in project.milestones.all():
            message = figures(milestone, self.context)[2]
            if message:
                return message
        return None


class ProjectCreateSerializer(serializers.Serializer):
    area_code = serializers.CharField(help_text="The town (or a park's town) it lies in.")
    number = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=ProjectKind.choices)
    batch = serializers.ChoiceField(choices=Batch.choices)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    investment_planned = NumberOrTextField(help_text="10k yuan, e.g. 12000 or 350.50.")
    park = serializers.CharField(required=False, allow_blank=True, default="")
    enterprise = IdField(required=False, allow_null=True, default=None)
    leader = IdField(required=False, allow_null=True, default=None)
    team_name = serializers.CharField(required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")
    stage = serializers.ChoiceField(choices=Stage.choices, required=False, default=Stage.PLANNING)
    stage_reached_on = serializers.DateField(required=False, allow_null=True, default=None)


class ProjectUpdateSerializer(serializers.Serializer):
    number = serializers.CharField(required=False)
    name = serializers.CharField(required=False)
    kind = serializers.ChoiceField(choices=ProjectKind.choices, required=False)
    batch = serializers.ChoiceField(choices=Batch.choices, required=False)
    starts_on = serializers.DateField(required=False)
    ends_on = serializers.DateField(required=False)
    investment_planned = NumberOrTextField(required=False)
    park = serializers.CharField(required=False, allow_blank=True)
    enterprise = IdField(required=False, allow_null=True)
    leader = IdField(required=False, allow_null=True)
    team_name = serializers.CharField(required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class ProjectStageSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices)
    reached_on = serializers.DateField()
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Required for a step back."
    )


class ProjectViewSet(ScopedViewSet):
    """The key projects you see. GET one for its milestones with their lag and colour."""

    queryset = Project.objects.none()  # the model, for the schema
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilterSet
    parser_classes = [DepthLimitedJSONParser]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Project.objects.none()
        projects = visible_projects(self.request.user).select_related("leader")
        if self.action != "list":
            projects = projects.prefetch_related(
                Prefetch(
                    "milestones",
                    queryset=Milestone.objects.select_related("milestone_type", "owner").order_by(
                        "due_on", "id"
                    ),
                ),
                "permits",
                "stage_changes",
                "members__user",
            )
        return projects.order_by("area_code", "number")

    def get_serializer_class(self):
        if self.action == "list":
            return ProjectSerializer
        return ProjectDetailSerializer

    def _answer(self, project, code=status.HTTP_200_OK):
        self.action = "retrieve"
        project = self.get_queryset().get(pk=project.pk)
        return Response(
            ProjectDetailSerializer(project, context=self.get_serializer_context()).data,
            status=code,
        )

    @extend_schema(
        request=ProjectCreateSerializer, responses={201: ProjectDetailSerializer, **ERRORS}
    )
    def create(self, request):
        """Adds a key project of a town you manage."""
        data = ProjectCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = services.create_project(request.user, **data.validated_data)
        return self._answer(project, status.HTTP_201_CREATED)

    @extend_schema(
        request=ProjectUpdateSerializer, responses={200: ProjectDetailSerializer, **ERRORS}
    )
    def partial_update(self, request, pk=None):
        """Changes the fields sent."""
        data = ProjectUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        project = services.update_project(request.user, pk, **data.validated_data)
        return self._answer(project)

    @extend_schema(
        request=ProjectStageSerializer, responses={200: ProjectDetailSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"])
    def stage(self, request, pk=None):
        """Records the stage the project reached and the day."""
        data = ProjectStageSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        change = services.change_stage(request.user, pk, **data.validated_data)
        return self._answer(change.project)


def register(router) -> None:
    router.register("projects", ProjectViewSet, basename="project")
