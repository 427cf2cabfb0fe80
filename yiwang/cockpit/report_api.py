"""API v1 of the monthly reports: `GET /api/v1/reports/` (those of the areas in your
scope, newest month first), `GET /api/v1/reports/{id}/`, and `POST /api/v1/reports/`
{area, month} to ask for one (202: queued, made in the background; asked again, it is
made again). `download_url` is the PDF (a signed-in page)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from yiwang.areas.models import Area
from yiwang.cockpit import reports
from yiwang.cockpit.models import Report
from yiwang.core import reporting
from yiwang.core.api import ScopedViewSet
from yiwang.core.scoping import is_area_code


class ReportSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area_code", read_only=True)
    area_name = serializers.SerializerMethodField()
    month = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "area",
            "area_name",
            "month",
            "status",
            "generated_at",
            "pages",
            "size",
            "error",
            "download_url",
        ]
        read_only_fields = fields

    def _names(self) -> dict:
        names = self.context.get("area_names")
        if names is None:
            names = self.context["area_names"] = {}
        return names

    def get_area_name(self, report) -> str:
        names = self._names()
        if report.area_code not in names:
            names.update(Area.objects.filter(code=report.area_code).values_list("code", "name"))
        return names.get(report.area_code, report.area_code)

    def get_month(self, report) -> str:
        """YYYY-MM."""
        return f"{report.month:%Y-%m}"

    def get_download_url(self, report) -> str | None:
        """The PDF, once made (null before)."""
        if not report.file:
            return None
        return reverse("cockpit:report-download", args=[report.pk])


class ReportRequestSerializer(serializers.Serializer):
    area = serializers.CharField(
        max_length=18, help_text="The code of a county, a town or a village in your scope."
    )
    month = serializers.CharField(max_length=10, help_text="YYYY-MM, this month or before.")

    def validate_area(self, value):
        if not is_area_code(value.strip()):
            raise serializers.ValidationError(_("Give the code of a county, a town or a village."))
        return value.strip()

    def validate_month(self, value):
        try:
            month = reporting.parse_month(value.strip())
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None
        if month > timezone.localdate().replace(day=1):
            raise serializers.ValidationError(_("That month has not come yet."))
        return month


class ReportViewSet(ScopedViewSet):
    """The monthly reports of the areas in your scope."""

    queryset = Report.objects.order_by("-month", "area_code")
    serializer_class = ReportSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["area_names"] = {}
        return context

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = self.get_serializer_context()
        context["area_names"] = dict(
            Area.objects.filter(code__in={r.area_code for r in page}).values_list("code", "name")
        )
        return self.get_paginated_response(ReportSerializer(page, many=True, context=context).data)

    @extend_schema(
        request=ReportRequestSerializer,
        responses={
            202: ReportSerializer,
            400: OpenApiResponse(description="Bad input: {field: [reason]}."),
            403: OpenApiResponse(description="Your posts make no reports."),
            404: OpenApiResponse(description="No such area, or one outside your scope."),
        },
    )
    def create(self, request):
        data = ReportRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        area = Area.objects.filter(code=data.validated_data["area"]).first()
        if area is None:
            raise Http404(_("Not found."))
        try:
            report = reports.request_report(request.user, area, data.validated_data["month"])
        except ValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        return Response(
            ReportSerializer(report, context=self.get_serializer_context()).data,
            status=status.HTTP_202_ACCEPTED,
        )
