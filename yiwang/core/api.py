"""What every module's API shares (the error format, the scoped viewset base, the
serializer mixin that builds a model serializer's fields once), and API v1 for the audit
log (read-only, within scope) and background imports."""

import copy

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from yiwang.core.access import require_area_manager, require_in_scope
from yiwang.core.filters import AuditEntryFilterSet
from yiwang.core.imports import get_progress
from yiwang.core.models import AuditEntry, ImportJob
from yiwang.core.services import MAX_IMPORT_BYTES, commit_preview, start_import


def exception_handler(exc, context):
    """Service-layer validation errors answer 400 with `{"field": ["reason", ...]}`."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
        else:
            detail = {"non_field_errors": [str(m) for m in exc.messages]}
        exc = exceptions.ValidationError(detail)
    return drf_exception_handler(exc, context)


class ScopedViewSetMixin:
    """Every API viewset reads through the model's `visible_to(user)`; an object outside
    the scope is then a 404 exactly like a missing one."""

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)


class ScopedViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """List and detail within the scope. Writes are explicit actions that call services,
    never the generic model mixins, so that each is validated, re-scoped and audited."""


class BuiltOnceFieldsMixin:
    """A ModelSerializer rebuilds its fields from the model for every instance it makes;
    this builds them once for the class and hands each instance a deep copy (DRF's fields
    copy cheaply from their constructor arguments). Only for serializers whose fields do
    not depend on the request or the instance: the same fields, built once."""

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            cls._built_fields = built
        return copy.deepcopy(built)


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class AuditEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "at",
            "actor_username",
            "source",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "area_code",
            "before",
            "after",
        ]
        read_only_fields = fields


class AuditEntryViewSet(ScopedViewSet):
    queryset = AuditEntry.objects.all()
    serializer_class = AuditEntrySerializer
    filterset_class = AuditEntryFilterSet


class ImportJobSerializer(serializers.ModelSerializer):
    """A job without its errors, which can be many: how many there are, and where to read
    them (`GET …/imports/{id}/errors/`, a page at a time)."""

    progress = serializers.SerializerMethodField(help_text="[rows checked, rows] while it runs.")
    has_error_file = serializers.SerializerMethodField()
    error_count = serializers.IntegerField(
        read_only=True, help_text="How many messages the job's errors hold."
    )

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "filename",
            "area_code",
            "dry_run",
            "status",
            "created_at",
            "started_at",
            "finished_at",
            "result",
            "error_count",
            "progress",
            "has_error_file",
        ]
        read_only_fields = fields

    def get_progress(self, job) -> list[int] | None:
        return None if job.is_finished else list(get_progress(job.pk) or (0, 0))

    def get_has_error_file(self, job) -> bool:
        present = getattr(job, "error_file_present", None)
        return job.error_file is not None if present is None else present


class ImportErrorPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = serializers.ListField(child=serializers.CharField(), help_text="The messages.")


class ImportUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["ledger", "areas"])
    area_code = serializers.CharField(max_length=18, help_text="The area the file goes into.")
    file = serializers.FileField()
    dry_run = serializers.BooleanField(
        default=True, help_text="A preview first (the default); commit it with POST …/commit/."
    )


class ImportJobViewSet(ScopedViewSet):
    """Background imports: upload a file (a preview by default), follow its status and
    progress, commit the preview, download the rejected rows."""

    # The file, the error file and the errors stay in the database until asked for.
    queryset = (
        ImportJob.objects.with_error_count()
        .defer("data", "error_file")
        .annotate(
            error_file_present=ExpressionWrapper(
                Q(error_file__isnull=False), output_field=BooleanField()
            )
        )
        .order_by("-created_at", "-id")
    )
    serializer_class = ImportJobSerializer
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=ImportUploadSerializer, responses={201: ImportJobSerializer})
    def create(self, request):
        data = ImportUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        code = data.validated_data["area_code"]
        require_in_scope(request.user, code)
        if data.validated_data["kind"] == "areas":
            require_area_manager(request.user, code)
        if upload.size > MAX_IMPORT_BYTES:
            raise serializers.ValidationError({"file": [_("The file is larger than 20 MB.")]})
        job = start_import(
            actor=request.user,
            kind=data.validated_data["kind"],
            filename=upload.name,
            data=upload.read(),
            area_code=code,
            dry_run=data.validated_data["dry_run"],
        )
        return Response(
            ImportJobSerializer(self.get_queryset().get(pk=job.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=None, responses={201: ImportJobSerializer})
    @action(detail=True, methods=["post"])
    def commit(self, request, pk=None):
        """Imports for real the file of a finished preview, as a new job."""
        job = commit_preview(actor=request.user, job_id=self.get_object().pk)
        return Response(
            ImportJobSerializer(self.get_queryset().get(pk=job.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("limit", int, description="Messages a page (50; at most 500)."),
            OpenApiParameter("offset", int, description="Messages to skip."),
        ],
        responses={200: ImportErrorPageSerializer},
    )
    @action(detail=True, methods=["get"])
    def errors(self, request, pk=None):
        """The job's errors (the rejected rows, or why it failed), a page at a time."""
        job = self.get_object()
        errors = ImportJob.objects.values_list("errors", flat=True).get(pk=job.pk) or []
        page = self.paginator.paginate_queryset(errors, request, view=self)
        return self.paginator.get_paginated_response(page)

    @extend_schema(responses={(200, XLSX_TYPE): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="error-file")
    def error_file(self, request, pk=None):
        """The rejected rows with their row numbers and reasons (XLSX), for the uploader or
        those who may export personal data."""
        job = self.get_object()
        if not job.error_file_present:
            raise Http404(_("Not found."))
        if job.created_by_id != request.user.pk and not request.user.has_perm(
            "registry.export_personal_data"
        ):
            raise PermissionDenied(_("The rejected rows are for the person who uploaded the file."))
        content = ImportJob.objects.values_list("error_file", flat=True).get(pk=job.pk)
        response = HttpResponse(bytes(content), content_type=XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="errors-{job.pk}.xlsx"'
        return response
