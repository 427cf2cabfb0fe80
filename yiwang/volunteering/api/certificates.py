"""API v1 of hours certificates.

- `GET /api/v1/certificates/` and `/{id}/`: the certificates issued by the areas of your
  scope (filters: volunteer, under, issued_from, issued_to).
- `POST /api/v1/certificates/` `{"volunteer", "first_day", "last_day", "handler"?}` issues
  one: 201 with it; 400 for a period that is not one, lies in the future or holds no
  approved hours; 403 for someone who may not issue over the volunteer's area; 404 for a
  volunteer outside your scope.
- `GET /api/v1/certificates/{id}/pdf/`: its PDF (application/pdf).
"""

from __future__ import annotations

import json

from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import renderers, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from yiwang.core.api import BuiltOnceFieldsMixin, IdField, ScopedViewSet
from yiwang.volunteering import certificate_pdf
from yiwang.volunteering.filters.certificates import CertificateFilterSet
from yiwang.volunteering.models import Certificate
from yiwang.volunteering.services import certificates as services

PDF = "application/pdf"


class PdfRenderer(renderers.BaseRenderer):
    """Lets a client that asks for a PDF only have one; JSON is still preferred whenever
    the client takes it (errors are JSON)."""

    media_type = PDF
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else json.dumps(data).encode()


class CertificateSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    check_url = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = [
            "id",
            "number",
            "volunteer",
            "volunteer_name",
            "masked_id_number",
            "first_day",
            "last_day",
            "credit_hours",
            "honour_hours",
            "content",
            "issuer",
            "handler",
            "issued_on",
            "issued_by",
            "area_code",
            "check_url",
            "pdf_url",
        ]
        read_only_fields = fields

    def get_check_url(self, certificate) -> str:
        """The public page that checks it (the address in its QR code)."""
        return certificate_pdf.check_url(certificate)

    def get_pdf_url(self, certificate) -> str:
        return reverse("api:certificate-pdf", args=[certificate.pk])


class CertificateIssueSerializer(serializers.Serializer):
    volunteer = IdField(help_text="The volunteer's id.")
    first_day = serializers.DateField(help_text="The period's first day, YYYY-MM-DD.")
    last_day = serializers.DateField(
        help_text="The period's last day, YYYY-MM-DD, not before the first nor after today."
    )
    handler = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=services.HANDLER_MAX,
        help_text="Who handles it (经办人); your own name when left out.",
    )


class CertificateViewSet(ScopedViewSet):
    """The hours certificates issued by the areas of your scope."""

    queryset = Certificate.objects.order_by("-issued_on", "-id")
    serializer_class = CertificateSerializer
    filterset_class = CertificateFilterSet

    def finalize_response(self, request, response, *args, **kwargs):
        # An answer other than the PDF itself (an error) is JSON, whatever was asked.
        if isinstance(response, Response) and isinstance(
            getattr(request, "accepted_renderer", None), PdfRenderer
        ):
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = request.accepted_renderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(
        request=CertificateIssueSerializer,
        responses={
            201: CertificateSerializer,
            400: OpenApiResponse(description="Bad input: {field: [reason]}."),
            403: OpenApiResponse(description="You may not issue over the volunteer's area."),
            404: OpenApiResponse(description="No such volunteer in your scope."),
        },
    )
    def create(self, request):
        """Issues a volunteer's hours certificate for a period."""
        data = CertificateIssueSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        certificate = services.issue_certificate(
            request.user,
            values["volunteer"],
            first_day=values["first_day"],
            last_day=values["last_day"],
            handler=values.get("handler"),
        )
        return Response(
            CertificateSerializer(certificate).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api:certificate-detail", args=[certificate.pk])},
        )

    @extend_schema(responses={(200, PDF): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, PdfRenderer])
    def pdf(self, request, pk=None):
        """The certificate's PDF."""
        certificate = self.get_object()
        response = HttpResponse(certificate_pdf.render(certificate), content_type=PDF)
        response["Content-Disposition"] = (
            f'attachment; filename="{certificate_pdf.file_name(certificate)}"'
        )
        return response


def register(router) -> None:
    router.register("certificates", CertificateViewSet, basename="certificate")
