"""API v1 for the area tree: list, detail by code, children, subtree, roll-up, locate."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from yiwang.areas import services
from yiwang.areas.filters import AreaFilterSet
from yiwang.areas.geometry import unit_locator
from yiwang.areas.models import Area, Level
from yiwang.areas.selectors import rollup
from yiwang.core.api import ScopedViewSet


class AreaSerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(
        source="parent.code", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Area
        fields = ["code", "name", "level", "parent_code", "opened_on", "closed_on"]
        read_only_fields = fields


class AreaDetailSerializer(AreaSerializer):
    class Meta(AreaSerializer.Meta):
        fields = [*AreaSerializer.Meta.fields, "boundary", "boundary_since"]
        read_only_fields = fields


class AreaCreateSerializer(serializers.Serializer):
    parent_code = serializers.CharField(max_length=18)
    name = serializers.CharField(max_length=100)
    level = serializers.ChoiceField(choices=[Level.GRID, Level.UNIT], required=False)
    code = serializers.CharField(max_length=18, required=False, allow_blank=True, default="")
    boundary = serializers.JSONField(required=False, allow_null=True, default=None)


class AreaUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    boundary = serializers.JSONField(required=False, allow_null=True)


class RollupSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()
    grids = serializers.IntegerField()
    units = serializers.IntegerField()
    workers = serializers.IntegerField()


class AreaViewSet(ScopedViewSet):
    queryset = Area.objects.select_related("parent")
    serializer_class = AreaSerializer
    filterset_class = AreaFilterSet
    lookup_field = "code"
    lookup_value_regex = r"\d+"

    def get_object(self):
        # The list filters (?level=…) narrow children and subtrees, never the area itself.
        area = get_object_or_404(self.get_queryset(), code=self.kwargs["code"])
        self.check_object_permissions(self.request, area)
        return area

    def get_serializer_class(self):
        if self.action == "retrieve":
            return AreaDetailSerializer
        return super().get_serializer_class()

    @extend_schema(request=AreaCreateSerializer, responses={201: AreaDetailSerializer})
    def create(self, request):
        """Creates a grid under a village or a unit under a grid."""
        data = AreaCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        area = services.create_area(actor=request.user, **data.validated_data)
        return Response(AreaDetailSerializer(area).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AreaUpdateSerializer, responses=AreaDetailSerializer)
    def partial_update(self, request, code=None):
        """Renames an area or redraws its boundary (the old one is kept in its history)."""
        area = self.get_object()
        data = AreaUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        area = services.update_area(
            actor=request.user,
            code=area.code,
            name=data.validated_data.get("name"),
            boundary=data.validated_data.get("boundary", services.UNCHANGED),
        )
        return Response(AreaDetailSerializer(area).data)

    @extend_schema(request=None, responses=AreaDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, code=None):
        """Closes an area with no open sub-areas and no current posts."""
        area = services.close_area(actor=request.user, code=self.get_object().code)
        return Response(AreaDetailSerializer(area).data)

    @extend_schema(responses=AreaSerializer(many=True))
    @action(detail=True, methods=["get"])
    def children(self, request, code=None):
        area = self.get_object()
        queryset = self.filter_queryset(self.get_queryset().filter(parent=area))
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(AreaSerializer(page, many=True).data)

    @extend_schema(responses=AreaSerializer(many=True))
    @action(detail=True, methods=["get"])
    def subtree(self, request, code=None):
        """Every area under this one (this one included), filterable by level."""
        area = self.get_object()
        queryset = self.filter_queryset(self.get_queryset().under(area.code))
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(AreaSerializer(page, many=True).data)

    @extend_schema(responses=RollupSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def rollup(self, request, code=None):
        """For each child: the grids, units and current grid workers under it."""
        return Response(RollupSerializer(rollup(self.get_object()), many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "lng", {"type": "number", "minimum": -180, "maximum": 180}, required=True
            ),
            OpenApiParameter(
                "lat", {"type": "number", "minimum": -90, "maximum": 90}, required=True
            ),
        ],
        responses=AreaSerializer,
    )
    @action(detail=False, methods=["get"])
    def locate(self, request):
        """The unit that contains the point (lng, lat), if it lies in your scope."""
        point = LocateSerializer(data=request.query_params)
        point.is_valid(raise_exception=True)
        code = unit_locator().locate(point.validated_data["lng"], point.validated_data["lat"])
        area = self.get_queryset().filter(code=code).first() if code else None
        if area is None:
            raise Http404(_("No unit contains this point."))
        return Response(AreaSerializer(area).data)


class LocateSerializer(serializers.Serializer):
    lng = serializers.FloatField(min_value=-180, max_value=180)
    lat = serializers.FloatField(min_value=-90, max_value=90)
