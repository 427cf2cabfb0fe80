"""API v1 of the thematic maps: `GET /api/v1/indicators/{key}/map/?area=CODE&period=YYYY-MM`
gives the GeoJSON of the area's children with the indicator's values, and
`GET /api/v1/cockpit/cases/?area=CODE` the points of the area's open cases."""

from __future__ import annotations

from django.http import Http404
from django.urls import path, re_path
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from yiwang.cases.selectors import POINTS_MAX, open_case_points
from yiwang.cockpit import maps
from yiwang.cockpit.api import IndicatorViewSet, NumberField, _area, _month
from yiwang.core import indicators
from yiwang.core.schema import MONTH_PATTERN, area_code_parameter

# A GeoJSON geometry: a Polygon or a MultiPolygon, WGS 84 longitude and latitude.
_GEOMETRY = {
    "type": "object",
    "properties": {
        "type": {"type": "string", "enum": ["Polygon", "MultiPolygon"]},
        "coordinates": {"type": "array", "items": {"type": "array"}},
    },
    "required": ["type", "coordinates"],
}
_POINT = {
    "type": "object",
    "properties": {
        "type": {"type": "string", "enum": ["Point"]},
        "coordinates": {"type": "array", "items": {"type": "number"}, "minItems": 2},
    },
    "required": ["type", "coordinates"],
}


@extend_schema_field(_GEOMETRY)
class GeometryField(serializers.JSONField):
    pass


@extend_schema_field({**_GEOMETRY, "nullable": True})
class OutlineField(serializers.JSONField):
    pass


@extend_schema_field(_POINT)
class PointField(serializers.JSONField):
    pass


class MapIndicatorSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    kind = serializers.ChoiceField(
        choices=["count", "ratio"], help_text="A count of records, or a rate in per cent."
    )


class MapAreaSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()


class ChildPropertiesSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()
    value = NumberField(allow_null=True)
    records_url = serializers.CharField(
        allow_null=True, help_text="The API list whose count is the value (counts only)."
    )
    page_url = serializers.CharField(allow_null=True)
    drill = serializers.CharField(help_text="The cockpit of the child, one level down.")
    has_children = serializers.BooleanField()


class ChildFeatureSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["Feature"])
    geometry = GeometryField()
    properties = ChildPropertiesSerializer()


class MapSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["FeatureCollection"])
    indicator = MapIndicatorSerializer()
    area = MapAreaSerializer()
    period = serializers.CharField(allow_null=True)
    as_of = serializers.DateTimeField()
    outline = OutlineField(allow_null=True, help_text="The area's own boundary, if drawn.")
    features = ChildFeatureSerializer(many=True)


class CasePropertiesSerializer(serializers.Serializer):
    tracking_code = serializers.CharField()
    category = serializers.CharField()
    status = serializers.CharField(help_text="The status's label.")
    overdue = serializers.BooleanField()
    url = serializers.CharField(help_text="The case's page.")


class CaseFeatureSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["Feature"])
    geometry = PointField()
    properties = CasePropertiesSerializer()


class CasePointsSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["FeatureCollection"])
    area = serializers.CharField()
    truncated = serializers.BooleanField(
        help_text=f"More open cases have a location than the {POINTS_MAX} newest sent."
    )
    features = CaseFeatureSerializer(many=True)


_AREA = area_code_parameter(description="An area code in your scope; your first area if left out.")
_PERIOD = OpenApiParameter(
    "period",
    {"type": "string", "pattern": MONTH_PATTERN},
    description="YYYY-MM; the current state if left out.",
)


class IndicatorMapView(APIView):
    """The GeoJSON of an area's children that have a boundary, with the indicator's value
    of each."""

    @extend_schema(
        operation_id="indicators_map",
        tags=["indicators"],
        parameters=[_AREA, _PERIOD],
        responses={
            200: MapSerializer,
            400: OpenApiResponse(description="Bad input: {field: [reason]}."),
            404: OpenApiResponse(description="No such indicator, or an area outside your scope."),
        },
    )
    def get(self, request, key: str):
        indicator = indicators.get(key)
        if indicator is None:
            raise Http404(_("No such indicator."))
        month = _month(request)
        area = _area(request)
        return Response(MapSerializer(maps.collection(area, indicator, month)).data)


class CasePointsView(APIView):
    """The points of the area's open cases that have a location, the newest first."""

    @extend_schema(
        operation_id="cockpit_cases",
        tags=["cockpit"],
        parameters=[_AREA],
        responses={
            200: CasePointsSerializer,
            400: OpenApiResponse(description="Bad input: {field: [reason]}."),
            404: OpenApiResponse(description="An area outside your scope."),
        },
    )
    def get(self, request):
        area = _area(request)
        points, truncated = open_case_points(request.user, area.code)
        features = [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [p.pop("lng"), p.pop("lat")]},
                "properties": p,
            }
            for p in points
        ]
        return Response(
            CasePointsSerializer(
                {
                    "type": "FeatureCollection",
                    "area": area.code,
                    "truncated": truncated,
                    "features": features,
                }
            ).data
        )


# Registered in yiwang/api_urls.py before the router's routes.
urlpatterns = [
    re_path(
        rf"^indicators/(?P<key>{IndicatorViewSet.lookup_value_regex})/map/$",
        IndicatorMapView.as_view(),
        name="indicator-map",
    ),
    path("cockpit/cases/", CasePointsView.as_view(), name="cockpit-cases"),
]
