"""API v1 of a project's permits (要素跟着项目走).

- `GET /project-permits/?project=12` (also `kind`): the permits of the projects you see.
- `POST /project-permits/` `{"project", "kind", "state", "state_on", "number", "note"}`:
  the state of the project's permit of that kind: 201 when it is new, 200 when it changed
  the one there was (one permit a kind).
- `PATCH /project-permits/{id}/`: the fields sent changed.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from yiwang.core.api import IdField, ScopedViewSet
from yiwang.core.parsers import DepthLimitedJSONParser
from yiwang.projects import services
from yiwang.projects.filters.plan import PermitFilterSet
from yiwang.projects.models import Permit, PermitKind, PermitState
from yiwang.projects.selectors.projects import visible_projects

ERRORS = {
    400: OpenApiResponse(description="Bad input: {field: [reason]}."),
    403: OpenApiResponse(description="You may see the project but not change it."),
    404: OpenApiResponse(description="No such permit or project in your sight."),
}


class ProjectPermitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Permit
        fields = ["id", "project", "kind", "state", "state_on", "number", "note", "updated_at"]
        read_only_fields = fields


class ProjectPermitSetSerializer(serializers.Serializer):
    project = IdField()
    kind = serializers.ChoiceField(choices=PermitKind.choices)
    state = serializers.ChoiceField(choices=PermitState.choices)
    state_on = serializers.DateField(required=False, allow_null=True, default=None)
    number = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ProjectPermitUpdateSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=PermitState.choices, required=False)
    state_on = serializers.DateField(required=False, allow_null=True)
    number = serializers.CharField(required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True)


class ProjectPermitViewSet(ScopedViewSet):
    """The permits of the projects you see, one a kind a project."""

    queryset = Permit.objects.none()  # the model, for the schema
    serializer_class = ProjectPermitSerializer
    filterset_class = PermitFilterSet
    parser_classes = [DepthLimitedJSONParser]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Permit.objects.none()
        return Permit.objects.filter(
            project__in=visible_projects(self.request.user).values("pk")
        ).order_by("project_id", "kind")

    @extend_schema(
        request=ProjectPermitSetSerializer,
        responses={
            201: ProjectPermitSerializer,
            200: OpenApiResponse(ProjectPermitSerializer, description="The kind's permit changed."),
            **ERRORS,
        },
    )
    def create(self, request):
        """Sets the state of the project's permit of a kind."""
        data = ProjectPermitSetSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        project = values.pop("project")
        existed = Permit.objects.filter(project_id=project, kind=values["kind"]).exists()
        permit = services.set_permit(request.user, project, **values)
        return Response(
            ProjectPermitSerializer(permit).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )

    @extend_schema(
        request=ProjectPermitUpdateSerializer,
        responses={200: ProjectPermitSerializer, **ERRORS},
    )
    def partial_update(self, request, pk=None):
        """Changes the fields sent of a permit."""
        permit = self.get_object()
        data = ProjectPermitUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = {
            "state": permit.state,
            "state_on": permit.state_on,
            "number": permit.number,
            "note": permit.note,
            **data.validated_data,
        }
        permit = services.set_permit(request.user, permit.project_id, kind=permit.kind, **values)
        return Response(ProjectPermitSerializer(permit).data)


def register(router) -> None:
    router.register("project-permits", ProjectPermitViewSet, basename="project-permit")
