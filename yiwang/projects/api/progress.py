"""API v1 of the daily progress from the site, made on a phone.

- `GET /project-progress/?project=12` (also `since`, `until`): the entries of the projects
  you see, the latest day first, each with its photos.
- `POST /project-progress/` (JSON, or multipart with `photos`) `{"project", "day", "text",
  "problems", "uuid"}`: 201 with the entry the first time; the same `uuid` sent again
  answers 200 with the stored entry (nothing changes). 400 for a second entry of the same
  day (another uuid), a day in the future, a file that is not an image.
- `GET /project-progress/{id}/photos/{photo}/{image|thumbnail}`: a photo of the entry.
"""

from __future__ import annotations

import json

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import renderers, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from yiwang.core import photos as photo_files
from yiwang.core.api import IdField, ScopedViewSet
from yiwang.core.parsers import DepthLimitedJSONParser
from yiwang.projects import services
from yiwang.projects.filters.plan import ProgressFilterSet
from yiwang.projects.models import ProgressEntry, ProgressPhoto
from yiwang.projects.selectors.projects import visible_projects

ERRORS = {
    400: OpenApiResponse(description="Bad input: {field: [reason]}."),
    403: OpenApiResponse(description="You may see the project but not report on it."),
    404: OpenApiResponse(description="No such project in your sight."),
}


class ProjectPhotoRenderer(renderers.BaseRenderer):
    """A client that asks for images only (an <img>) has the photo; errors stay JSON."""

    media_type = "image/*"
    format = "image"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else json.dumps(data).encode()


class ProjectProgressPhotoSerializer(serializers.ModelSerializer):
    image = serializers.SerializerMethodField()
    thumbnail = serializers.SerializerMethodField()

    class Meta:
        model = ProgressPhoto
        fields = ["id", "content_type", "width", "height", "image", "thumbnail"]
        read_only_fields = fields

    def _url(self, photo, variant) -> str:
        return reverse("api:project-progress-photo", args=[photo.entry_id, photo.pk, variant])

    def get_image(self, photo) -> str:
        return self._url(photo, "image")

    def get_thumbnail(self, photo) -> str:
        return self._url(photo, "thumbnail")


class ProjectProgressSerializer(serializers.ModelSerializer):
    photos = ProjectProgressPhotoSerializer(many=True, read_only=True)

    class Meta:
        model = ProgressEntry
        fields = [
            "id",
            "project",
            "day",
            "text",
            "problems",
            "uuid",
            "recorded_by",
            "created_at",
            "photos",
        ]
        read_only_fields = fields


class ProjectProgressCreateSerializer(serializers.Serializer):
    project = IdField()
    day = serializers.DateField(help_text="The day reported: today or a day before.")
    text = serializers.CharField(help_text="What was done on site that day.")
    problems = serializers.CharField(required=False, allow_blank=True, default="")
    uuid = serializers.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Made by the app for each entry: sending it again changes nothing and "
        "answers the stored entry (200).",
    )
    photos = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True),
        required=False,
        default=list,
        max_length=photo_files.MAX_FILES,
        help_text="Up to 9 JPEG, PNG or WebP photos (multipart).",
    )


class ProjectProgressViewSet(ScopedViewSet):
    """The daily progress of the projects you see."""

    queryset = ProgressEntry.objects.none()  # the model, for the schema
    serializer_class = ProjectProgressSerializer
    filterset_class = ProgressFilterSet
    parser_classes = [DepthLimitedJSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ProgressEntry.objects.none()
        return (
            ProgressEntry.objects.filter(
                project__in=visible_projects(self.request.user).values("pk")
            )
            .prefetch_related("photos")
            .order_by("-day", "-id")
        )

    @extend_schema(
        request={
            "application/json": ProjectProgressCreateSerializer,
            "multipart/form-data": ProjectProgressCreateSerializer,
        },
        responses={
            201: ProjectProgressSerializer,
            200: OpenApiResponse(
                ProjectProgressSerializer, description="Sent before: the stored entry."
            ),
            **ERRORS,
        },
    )
    def create(self, request):
        """Records the day's progress of a project (at most one entry a day)."""
        values = request.data
        if request.FILES:
            values = {key: request.data.get(key) for key in request.data if key != "photos"}
            values["photos"] = request.FILES.getlist("photos")
        data = ProjectProgressCreateSerializer(data=values)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        project = values.pop("project")
        entry, created = services.record_progress(request.user, project, **values)
        entry = self.get_queryset().get(pk=entry.pk)
        return Response(
            ProjectProgressSerializer(entry).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        responses={(200, "image/*"): OpenApiTypes.BINARY, 404: OpenApiResponse(description="")}
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"photos/(?P<photo_id>[0-9]{1,18})/(?P<variant>image|thumbnail)",
        url_name="photo",
        renderer_classes=[JSONRenderer, ProjectPhotoRenderer],
    )
    def photo(self, request, pk=None, photo_id=None, variant="image"):
        """A photo of the entry (`image`) or its thumbnail (`thumbnail`)."""
        entry = self.get_object()
        found = get_object_or_404(ProgressPhoto, pk=photo_id, entry=entry)
        return photo_files.file_response(found, variant)


def register(router) -> None:
    router.register("project-progress", ProjectProgressViewSet, basename="project-progress")
