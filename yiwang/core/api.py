"""What every module's API shares (the error format, the scoped viewset base, the
serializer mixin that builds a model serializer's fields once), and API v1 for the audit
log (read-only, within scope) and background imports."""

import copy

from botocore.exceptions import BotoCoreError, ClientError
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from yiwang.core import audit, import_files, storage
from yiwang.core.access import require_area_manager, require_in_scope
from yiwang.core.filters import AuditEntryFilterSet
from yiwang.core.imports import get_progress
from yiwang.core.models import AuditEntry, ImportJob
from yiwang.core.services import MAX_IMPORT_BYTES, commit_preview, start_import
from yiwang.core.validators import MAX_ID


def exception_handler(exc, context):
    """Service-layer validation errors answer 400 with `{"field": ["reason", ...]}`; the
    file storage down answers 503 with `{"detail": "reason"}`."""
    if isinstance(exc, storage.StorageUnavailable | BotoCoreError | ClientError):
        storage.log_failure(exc, context["request"].path if context.get("request") else "")
        return Response(
            {"detail": str(storage.StorageUnavailable().messages[0])},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
        else:
            detail = {"non_field_errors": [str(m) for m in exc.messages]}
        exc = exceptions.ValidationError(detail)
    return drf_exception_handler(exc, context)


class Gone(exceptions.APIException):
    status_code = 410
    default_detail = "Gone."
    default_code = "gone"


def text_fields_take_text() -> None:
    """Every DRF text field (CharField and its kinds) refuses a JSON number, as the schema
    says (`type: string`): DRF would read 12 as "12", so that a client that sends a
    number where text is asked learns it only when the text no longer reads as one.
    Applied once, from CoreConfig.ready()."""
    original = serializers.CharField.to_internal_value
    if getattr(original, "takes_text_only", False):
        return

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return original(self, data)

    to_internal_value.takes_text_only = True
    serializers.CharField.to_internal_value = to_internal_value

    # The same of yes/no: JSON's true and false (a form's "true", "on", "1" as before),
    # never the numbers 0 and 1 that the schema's `type: boolean` does not allow.
    boolean = serializers.BooleanField.to_internal_value

    def boolean_value(self, data):
        if isinstance(data, int | float) and not isinstance(data, bool):
            self.fail("invalid", input=data)
        return boolean(self, data)

    boolean_value.takes_text_only = True
    serializers.BooleanField.to_internal_value = boolean_value


@extend_schema_field({"oneOf": [{"type": "number"}, {"type": "string"}]})
class NumberOrTextField(serializers.CharField):
    """A number that a service reads and checks itself, whose message says what it must be
    (a point's latitude, a number of days): a JSON number or text."""

    def to_internal_value(self, data):
        if isinstance(data, int | float) and not isinstance(data, bool):
            data = str(data)
        return super().to_internal_value(data)


class IdField(serializers.IntegerField):
    """A row's id sent to the API: a whole number from 1 to the largest key a database
    stores, so that no id reaches the database as a number it cannot hold (SQLite raises
    OverflowError past 64 bits). Every input field that takes an id is one."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class ScopedViewSetMixin:
    """Every API viewset reads through the model's `visible_to(user)`; an object outside
    the scope is then a 404 exactly like a missing one."""

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)


class ScopedViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """List and detail within the scope. Writes are explicit actions that call services,
    never the generic model mixins, so that each is validated, re-scoped and audited."""


def _field_copy(field):
    """A field for one serializer instance: a shallow copy of a plain field (binding it
    only sets attributes of its own), a deep copy of a field that holds other fields (a
    nested serializer, a list or dict field, a many-related field), whose children are
    bound too. DRF's own deep copy calls each field's constructor again, which is most of
    what building a serializer costs."""
    if (
        isinstance(field, serializers.BaseSerializer)
        or hasattr(field, "child")
        or hasattr(field, "child_relation")
    ):
        return copy.deepcopy(field)
    return copy.copy(field)


class BuiltOnceFieldsMixin:
    """A ModelSerializer rebuilds its fields from the model for every instance it makes,
    and any serializer deep-copies its declared fields; this builds them once for the
    class and hands each instance copies (_field_copy). Only for serializers whose fields
    do not depend on the request or the instance: the same fields, built once."""

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            cls._built_fields = built
        return {name: _field_copy(field) for name, field in built.items()}


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

    def to_representation(self, entry):
        # The personal data the reader may not see, masked (core.audit.shown_to).
        data = super().to_representation(entry)
        request = self.context.get("request")
        user = request.user if request is not None else None  # no reader: masked
        data["before"] = audit.shown_to(user, data["before"])
        data["after"] = audit.shown_to(user, data["after"])
        return data


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

    @extend_schema(
        responses={
            (200, XLSX_TYPE): OpenApiTypes.BINARY,
            410: OpenApiResponse(description="The files were removed after IMPORT_KEEP_DAYS."),
        }
    )
    @action(detail=True, methods=["get"], url_path="error-file")
    def error_file(self, request, pk=None):
        """The rejected rows with their row numbers and reasons (XLSX), for the uploader or
        those who may export personal data: in full for the uploader and those who may
        reveal personal data, masked for the others; each download audited; 410 once the
        files were removed (IMPORT_KEEP_DAYS)."""
        try:
            job, content = import_files.open_error_file(
                user=request.user, job_id=self.get_object().pk
            )
        except import_files.ImportFilesRemoved:
            raise Gone(import_files.removed_message()) from None
        response = HttpResponse(content, content_type=XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="errors-{job.pk}.xlsx"'
        return response
