"""API v1 of the indicators: `GET /api/v1/indicators/` lists them (key, name, definition,
unit, module); `GET /api/v1/indicators/{key}/?area=CODE` gives the value for an area in
your scope (your first area by default) with each child area's, and `records_url`: the
API list whose `count` equals the value."""

from __future__ import annotations

import datetime

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from yiwang.accounts import scope
from yiwang.areas.models import Area
from yiwang.cockpit import figures
from yiwang.core import indicators
from yiwang.core.scoping import is_area_code


class IndicatorSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    definition = serializers.CharField()
    unit = serializers.CharField()
    module = serializers.CharField()
    kind = serializers.ChoiceField(
        choices=["count", "ratio"], help_text="A count of records, or a rate in per cent."
    )


@extend_schema_field(OpenApiTypes.NUMBER)
class NumberField(serializers.Field):
    """A count (an integer), a rate in per cent (a float) or null (nothing to rate, or a
    month gone by whose state was not kept)."""

    def to_representation(self, value):
        return value


class ChildValueSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    value = NumberField(allow_null=True)
    records_url = serializers.CharField(
        allow_null=True, help_text="The API list whose count is the value (counts only)."
    )
    page_url = serializers.CharField(allow_null=True)


class ReadingSerializer(serializers.Serializer):
    key = serializers.CharField()
    area = serializers.CharField()
    area_name = serializers.CharField()
    period = serializers.CharField(allow_null=True)
    as_of = serializers.DateTimeField()
    value = NumberField(allow_null=True)
    records_url = serializers.CharField(allow_null=True)
    page_url = serializers.CharField(allow_null=True)
    children = ChildValueSerializer(many=True)


def _month(request) -> datetime.date | None:
    """The month asked for (YYYY-MM), None for this month; 400 for a month that cannot be
    read or has not come yet."""
    try:
        return figures.month_asked(request.query_params.get("period", ""))
    except ValueError as exc:
        raise ValidationError({"period": [str(exc)]}) from None


def _area(request) -> Area:
    code = request.query_params.get("area", "")
    if not code:
        roots = scope.scope_codes(request.user)
        code = roots[0] if roots else ""
        if roots is None:  # a superuser: the first county
            code = Area.objects.filter(level="county").values_list("code", flat=True).first()
    if not is_area_code(code or ""):
        raise ValidationError({"area": [_("Give an area code.")]})
    area = Area.objects.open().filter(code=code).first()
    if area is None or not scope.in_scope(request.user, code):
        raise Http404(_("Not found."))
    return area


class IndicatorViewSet(viewsets.ViewSet):
    """The indicators of every module; each value opens its records."""

    lookup_value_regex = r"[a-z_]+\.[a-z_]+"

    @extend_schema(responses={200: IndicatorSerializer(many=True)})
    def list(self, request):
        return Response(
            IndicatorSerializer(
                [
                    {
                        "key": i.key,
                        "name": str(i.name),
                        "definition": str(i.definition),
                        "unit": str(i.unit),
                        "module": i.module,
                        "kind": i.kind,
                    }
                    for i in indicators.all_indicators()
                ],
                many=True,
            ).data
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("area", str, description="An area code in your scope."),
            OpenApiParameter("period", str, description="YYYY-MM; the current state if left out."),
        ],
        responses={
            200: ReadingSerializer,
            400: OpenApiResponse(description="Bad input: {field: [reason]}."),
            404: OpenApiResponse(description="No such indicator, or an area outside your scope."),
        },
    )
    def retrieve(self, request, pk=None):
        indicator = indicators.get(pk or "")
        if indicator is None:
            raise Http404(_("No such indicator."))
        month = _month(request)
        area = _area(request)
        children = list(
            Area.objects.open().filter(parent=area).order_by("code").values_list("code", "name")
        )
        reading = figures.read_month(indicator, area, children, month)
        return Response(
            ReadingSerializer(
                {
                    "key": indicator.key,
                    "area": area.code,
                    "area_name": area.name,
                    "period": f"{month:%Y-%m}" if month else None,
                    "as_of": reading.as_of,
                    "value": reading.value,
                    "records_url": reading.records_url,
                    "page_url": reading.page_url,
                    "children": reading.children,
                }
            ).data
        )
