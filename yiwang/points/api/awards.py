"""API v1 of points: the awards, the final selections of the monthly evaluations in your
scope (what the honour list shows), each with its award, the month and the name as the
public notice gave it. The cockpit's "awards" figure is this list's count."""

from rest_framework import serializers

from yiwang.core.api import ScopedViewSet
from yiwang.points.filters.awards import AwardFilterSet
from yiwang.points.models import EvaluationStatus, Selection, SelectionStatus


def final_awards():
    """Every selection kept through the public notice of an evaluation made final."""
    return Selection.objects.filter(
        status=SelectionStatus.SELECTED, evaluation__status=EvaluationStatus.FINAL
    )


class AwardSerializer(serializers.ModelSerializer):
    month = serializers.DateField(source="evaluation.month", read_only=True)

    class Meta:
        model = Selection
        fields = ["id", "kind", "month", "grid_code", "public_name", "points", "area_code"]
        read_only_fields = fields


class AwardViewSet(ScopedViewSet):
    """Awards made final in your scope: red-flag grids, red pioneers, model villagers."""

    queryset = final_awards().select_related("evaluation").order_by("-evaluation__month", "id")
    serializer_class = AwardSerializer
    filterset_class = AwardFilterSet


def register(router) -> None:
    router.register("points/awards", AwardViewSet, basename="points-award")
