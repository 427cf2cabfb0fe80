"""API v1 of volunteering's roll-up: `GET /api/v1/volunteering/rollup/?area=&from=&to=`.

The figures of each child of the area and their total over whole months (the last twelve
by default; yiwang.volunteering.selectors.rollups): volunteers, teams, activities,
services, approved credit and honour hours (strings with two decimals), wishes recorded,
fulfilled and waiting. Scoped: an area outside the user's posts answers 404, like a
missing one.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from yiwang.areas import selectors as areas
from yiwang.core import reporting
from yiwang.core.schema import MONTH_PATTERN
from yiwang.volunteering.selectors import rollups as selectors


class VolunteeringFiguresSerializer(serializers.Serializer):
    volunteers = serializers.IntegerField(help_text="Active volunteers (now).")
    teams = serializers.IntegerField(help_text="Active teams (now).")
    activities = serializers.IntegerField(help_text="Activities held in the period.")
    services = serializers.IntegerField(
        help_text="Check-outs in the period whose credit hours were approved."
    )
    credit_hours = serializers.CharField(help_text="Approved credit hours served in the period.")
    honour_hours = serializers.CharField(help_text="Approved honour hours of the period.")
    wishes = serializers.IntegerField(help_text="Micro-wishes recorded in the period.")
    wishes_fulfilled = serializers.IntegerField(help_text="Micro-wishes fulfilled in the period.")
    wishes_waiting = serializers.IntegerField(help_text="Micro-wishes waiting for a claimer (now).")

    def to_representation(self, figures):
        return figures.as_data()


class VolunteeringRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()
    has_children = serializers.BooleanField()
    figures = VolunteeringFiguresSerializer()


# One object, not a list: the route is a ViewSet's `list` only by its place.
@extend_schema_serializer(many=False)
class VolunteeringRollupSerializer(serializers.Serializer):
    area = serializers.SerializerMethodField()
    total = VolunteeringFiguresSerializer()
    rows = VolunteeringRowSerializer(many=True)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.SerializerMethodField(method_name="get_first")
        fields["to"] = serializers.SerializerMethodField(method_name="get_last")
        return fields

    def get_area(self, result) -> dict:
        area = result.area
        return {"code": area.code, "name": area.name, "level": area.level}

    def get_first(self, result) -> str:
        return f"{result.period.first:%Y-%m}"

    def get_last(self, result) -> str:
        return f"{result.period.last:%Y-%m}"


_MONTH = {"type": "string", "pattern": MONTH_PATTERN}
PARAMETERS = [
    OpenApiParameter(
        "area", OpenApiTypes.STR, description="An area code in your scope; yours by default."
    ),
    OpenApiParameter("from", _MONTH, description="The first month, YYYY-MM."),
    OpenApiParameter("to", _MONTH, description="The last month, YYYY-MM; this one by default."),
]


def read_period(query) -> reporting.MonthPeriod:
    try:
        return reporting.parse_months(query.get("from", ""), query.get("to", ""), months=12)
    except ValueError as exc:
        raise ValidationError({k: [m] for k, m in exc.args[0].items()}) from None


class RollupViewSet(viewsets.ViewSet):
    """Volunteering of an area's children: volunteers, activities, hours and wishes."""

    @extend_schema(parameters=PARAMETERS, responses=VolunteeringRollupSerializer)
    def list(self, request):
        period = read_period(request.query_params)
        code = request.query_params.get("area", "").strip()
        user = request.user
        area = areas.area_in_scope(user, code) if code else areas.default_area(user)
        if area is None:
            raise ValidationError(
                {"area": [_("Your posts cover no area: give the code of an area.")]}
            )
        return Response(VolunteeringRollupSerializer(selectors.rollup(area, period)).data)


def register(router) -> None:
    router.register("volunteering/rollup", RollupViewSet, basename="volunteering-rollup")
