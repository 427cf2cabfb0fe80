"""API v1 of outreach: compliance, `GET /api/v1/compliance/?area=&month=` (or `from=&to=`).

The figures of each child of the area and their total (yiwang.outreach.
selectors.compliance): households, due, done, skipped, done_rate, overdue,
overdue_households, visited, coverage, paired. Rates are fractions rounded to four places
(null when there is nothing to rate) beside the counts they come from. `by=worker` adds each
worker's visits, households visited and overdue rows. Scoped: an area outside the user's
posts answers 404, like a missing one.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from yiwang.areas import selectors as areas
from yiwang.core.schema import MONTH_PATTERN
from yiwang.outreach.selectors import compliance as selectors


class ComplianceFiguresSerializer(serializers.Serializer):
    households = serializers.IntegerField(help_text="Active households.")
    due = serializers.IntegerField(help_text="Scheduled visits due in the period.")
    done = serializers.IntegerField(help_text="Of those, done.")
    skipped = serializers.IntegerField(help_text="Of those, skipped.")
    done_rate = serializers.FloatField(allow_null=True, help_text="done / due.")
    overdue = serializers.IntegerField(help_text="Scheduled visits still open, due before today.")
    overdue_households = serializers.IntegerField(help_text="Households with an overdue visit.")
    visited = serializers.IntegerField(help_text="Households visited in the period.")
    coverage = serializers.FloatField(allow_null=True, help_text="visited / households.")
    paired = serializers.IntegerField(help_text="Households with a current pairing.")

    def to_representation(self, figures):
        return figures.as_data()


class ComplianceRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()
    has_children = serializers.BooleanField()
    figures = ComplianceFiguresSerializer()


class WorkerSerializer(serializers.Serializer):
    user_id = serializers.IntegerField()
    name = serializers.CharField()
    units = serializers.ListField(child=serializers.CharField())
    visits = serializers.IntegerField()
    households_visited = serializers.IntegerField()
    overdue = serializers.IntegerField()
    overdue_households = serializers.IntegerField()


# One object, not a list: the route is a ViewSet's `list` only by its place.
@extend_schema_serializer(many=False)
class ComplianceSerializer(serializers.Serializer):
    area = serializers.SerializerMethodField()
    today = serializers.DateField()
    total = ComplianceFiguresSerializer()
    rows = ComplianceRowSerializer(many=True)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.SerializerMethodField(method_name="get_first")
        fields["to"] = serializers.SerializerMethodField(method_name="get_last")
        return fields

    def get_area(self, result) -> dict:
        area = result.area
        return {"code": area.code, "name": area.name, "level": area.level}

    def get_first(self, result) -> str:
        return result.period.first.isoformat()

    def get_last(self, result) -> str:
        return result.period.last.isoformat()


# A month (2026-11) or, for from and to, a day (2026-11-30); empty for the default.
_MONTH = {"type": "string", "pattern": MONTH_PATTERN}
_MONTH_OR_DAY = {
    "type": "string",
    "pattern": r"^([1-9][0-9]{3}-(0?[1-9]|1[0-2])(-(0?[1-9]|1[0-9]|2[0-8]))?)?$",
}

PARAMETERS = [
    OpenApiParameter(
        "area", OpenApiTypes.STR, description="An area code in your scope; yours by default."
    ),
    OpenApiParameter("month", _MONTH, description="YYYY-MM; this month by default."),
    OpenApiParameter("from", _MONTH_OR_DAY, description="The first day (or month)."),
    OpenApiParameter("to", _MONTH_OR_DAY, description="The last day (or month)."),
    OpenApiParameter("by", OpenApiTypes.STR, enum=["worker"], description="Add the workers."),
]


class ComplianceViewSet(viewsets.ViewSet):
    """Compliance of an area's children: due versus done, overdue households, coverage."""

    @extend_schema(parameters=PARAMETERS, responses=ComplianceSerializer)
    def list(self, request):
        query = request.query_params
        if "by" in query and query["by"] != "worker":
            raise ValidationError({"by": [_("Give by=worker, or leave it out.")]})
        try:
            period = selectors.parse_period(
                query.get("month", ""), query.get("from", ""), query.get("to", "")
            )
        except ValueError as exc:
            raise ValidationError({k: [m] for k, m in exc.args[0].items()}) from None
        code = query.get("area", "").strip()
        user = request.user
        area = areas.area_in_scope(user, code) if code else areas.default_area(user)
        if area is None:
            raise ValidationError(
                {"area": [_("Your posts cover no area: give the code of an area.")]}
            )
        result = selectors.compliance(area, period)
        data = ComplianceSerializer(result).data
        if query.get("by") == "worker":
            workers = selectors.compliance_by_worker(area, period, result.today)
            data["workers"] = WorkerSerializer(workers, many=True).data
        return Response(data)


def register(router) -> None:
    """Adds this module's viewsets to the API's router."""
    router.register("compliance", ComplianceViewSet, basename="compliance")
