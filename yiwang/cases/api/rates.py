"""API of the three rates and the overdue list: the serializers and the work of the two
actions of CaseViewSet (`GET /api/v1/cases/rates/`, `GET /api/v1/cases/overdue/`).

Rates are fractions rounded to four places (null when there is nothing to rate), with the
counts they come from, so that a client can compute them exactly. Each row carries the
filters of `GET /api/v1/cases/` that list the cases behind it; add `response=on_time`,
`resolution=on_time`, `satisfaction=satisfied&satisfaction=basically` (or `response=any`,
`resolution=any`, `rated=true` for the denominators) to list those of one figure.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from yiwang.areas import selectors as areas
from yiwang.cases.selectors import rates
from yiwang.core.schema import MONTH_PATTERN


class FiguresSerializer(serializers.Serializer):
    cases = serializers.IntegerField(help_text="Cases reported in the period.")
    responded = serializers.IntegerField(help_text="Answered: accepted, rejected or merged.")
    responded_on_time = serializers.IntegerField(help_text="Answered in time.")
    response_rate = serializers.FloatField(
        allow_null=True, help_text="responded_on_time / responded; null when none answered."
    )
    resolved = serializers.IntegerField()
    resolved_on_time = serializers.IntegerField()
    on_time_rate = serializers.FloatField(
        allow_null=True, help_text="resolved_on_time / resolved; null when none resolved."
    )
    rated = serializers.IntegerField(help_text="With the reporter's satisfaction.")
    satisfied = serializers.IntegerField(help_text="Satisfied or basically satisfied.")
    satisfaction_rate = serializers.FloatField(
        allow_null=True, help_text="satisfied / rated; null when none rated."
    )

    def to_representation(self, figures):
        return figures.as_data()


class RateRowSerializer(serializers.Serializer):
    key = serializers.CharField(
        help_text="The child area's code, the department's or category's code, or YYYY-MM."
    )
    label = serializers.CharField()
    figures = FiguresSerializer()
    filters = serializers.DictField(
        child=serializers.CharField(), help_text="Filters of GET /api/v1/cases/ for its cases."
    )


class AreaBriefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()


class RatesSerializer(serializers.Serializer):
    area = AreaBriefSerializer()
    group_by = serializers.CharField()
    total = FiguresSerializer()
    rows = RateRowSerializer(many=True)

    def get_fields(self):
        fields = super().get_fields()
        # `from` and `to`, as the query says them (reserved words in Python).
        fields["from"] = serializers.SerializerMethodField(
            method_name="get_first", help_text="The first month, YYYY-MM."
        )
        fields["to"] = serializers.SerializerMethodField(
            method_name="get_last", help_text="The last month, YYYY-MM."
        )
        return fields

    def get_first(self, result) -> str:
        return f"{result.period.first:%Y-%m}"

    def get_last(self, result) -> str:
        return f"{result.period.last:%Y-%m}"


RATES_PARAMETERS = [
    OpenApiParameter(
        "area",
        OpenApiTypes.STR,
        description="An area code in your scope; by default the area of your post.",
    ),
    OpenApiParameter(
        "group_by",
        OpenApiTypes.STR,
        enum=list(rates.GROUP_BY),
        description="area (its children), department, category or month; area by default.",
    ),
    OpenApiParameter(
        "from",
        {"type": "string", "pattern": MONTH_PATTERN},
        description="The first month, YYYY-MM; by default eleven months before `to`.",
    ),
    OpenApiParameter(
        "to",
        {"type": "string", "pattern": MONTH_PATTERN},
        description="The last month, YYYY-MM; by default this month.",
    ),
]


def rates_response(request) -> Response:
    query = request.query_params
    group_by = query.get("group_by", "").strip() or "area"
    if group_by not in rates.GROUP_BY:
        choices = ", ".join(rates.GROUP_BY)
        raise ValidationError(
            {"group_by": [_("Choose one of: %(choices)s.") % {"choices": choices}]}
        )
    try:
        period = rates.parse_period(query.get("from", ""), query.get("to", ""))
    except ValueError as exc:
        raise ValidationError({name: [message] for name, message in exc.args[0].items()}) from None
    code = query.get("area", "").strip()
    area = areas.area_in_scope(request.user, code) if code else areas.default_area(request.user)
    if area is None:
        raise ValidationError({"area": [_("Your posts cover no area: give the code of an area.")]})
    return Response(RatesSerializer(rates.case_rates(area, group_by, period)).data)
