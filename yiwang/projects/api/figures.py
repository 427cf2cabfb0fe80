"""API v1 of the battle map's lag figures: `GET /api/v1/project-figures/`.

The figures of the projects you see (the active ones: the county's command post every
one, a town its own and its parks', a special team's members theirs, a department's staff
those with a problem sent to it), as the battle map shows them
(yiwang.projects.selectors.battle_map):

- `funnel`: for each stage in order, the projects in it now and the days spent in it
  (`median`, `mean`, over `stints`: each time a project was in the stage);
- `causes`: for each cause of delay (`""` for late milestones not tagged yet), the late
  milestones (lag > 0 working days), of which still open, and the open problems;
- `departments`: for each department sent problems, its open ones, those past their due
  day, and those resolved;
- `colours`: the projects by colour (red, yellow, green, and `unknown` when the lag
  cannot be counted: a year whose holidays are not entered);
- `unknown_year`: the message of such a year, null when every year is known.

Read-only; one object, not a list.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from yiwang.projects.models import DelayCause, Stage
from yiwang.projects.selectors import battle_map as selectors

COLOUR_VALUES = [value for value, _label in selectors.COLOUR_CHOICES]


class ProjectFiguresStageSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices)
    label = serializers.CharField()
    count = serializers.IntegerField(help_text="The projects in the stage now.")
    stints = serializers.IntegerField(help_text="The times a project was in the stage.")
    median = serializers.FloatField(
        allow_null=True, help_text="Median days in the stage (null with no stint)."
    )
    mean = serializers.FloatField(
        allow_null=True, help_text="Mean days in the stage (null with no stint)."
    )


class ProjectFiguresCauseSerializer(serializers.Serializer):
    cause = serializers.CharField(
        allow_blank=True,
        help_text=f"A cause of delay ({', '.join(DelayCause.values)}); "
        '"" for late milestones not tagged yet.',
    )
    label = serializers.CharField(allow_null=True)
    late = serializers.IntegerField(help_text="Milestones late (lag > 0 working days).")
    late_open = serializers.IntegerField(help_text="Of which still open.")
    problems = serializers.IntegerField(help_text="Open problems of the cause.")


class ProjectFiguresDepartmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    open = serializers.IntegerField(help_text="Open problems sent to the department.")
    overdue = serializers.IntegerField(help_text="Of which past their due day.")
    resolved = serializers.IntegerField(help_text="Problems resolved.")


class ProjectFiguresColourSerializer(serializers.Serializer):
    colour = serializers.CharField(
        help_text=f'One of {", ".join(COLOUR_VALUES)}; "unknown": the lag cannot be '
        "counted (a year whose holidays are not entered).",
    )
    label = serializers.CharField()
    count = serializers.IntegerField()


@extend_schema_serializer(many=False)
class ProjectFiguresSerializer(serializers.Serializer):
    as_of = serializers.DateField(help_text="The day the lags are counted to (today).")
    funnel = ProjectFiguresStageSerializer(many=True)
    causes = ProjectFiguresCauseSerializer(many=True)
    departments = ProjectFiguresDepartmentSerializer(many=True)
    colours = ProjectFiguresColourSerializer(many=True)
    unknown_year = serializers.CharField(allow_null=True)


def figures(user, today) -> dict:
    """The figures of the projects `user` sees, counted to `today`."""
    labels = dict(selectors.COLOUR_CHOICES)
    found = selectors.battle_map(user, today=today)
    bottlenecks = selectors.bottlenecks(user, today=today)
    return {
        "as_of": today,
        "funnel": [
            {**row, "label": str(row["label"])} for row in selectors.funnel(user, today=today)
        ],
        "causes": [
            {**row, "label": None if row["label"] is None else str(row["label"])}
            for row in bottlenecks["causes"]
        ],
        "departments": bottlenecks["departments"],
        "colours": [
            {"colour": colour, "label": str(labels[colour]), "count": count}
            for colour, count in found["colours"].items()
        ],
        "unknown_year": found["unknown_year"] or bottlenecks["unknown_year"],
    }


class ProjectFiguresViewSet(viewsets.ViewSet):
    """The battle map's lag figures of the projects you see."""

    @extend_schema(responses=ProjectFiguresSerializer)
    def list(self, request):
        """The funnel, the bottlenecks and the projects by colour, for the projects you
        see (none: every figure 0)."""
        data = figures(request.user, timezone.localdate())
        return Response(ProjectFiguresSerializer(data).data)


def register(router) -> None:
    router.register("project-figures", ProjectFiguresViewSet, basename="project-figures")
