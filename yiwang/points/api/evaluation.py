"""API v1 of points: evaluation — the monthly evaluations in your scope with their
selections, the objections to them (answered by the board) and the reward funds
(read-only).

The standings are the board's: an evaluation's `standings` is given only to a member of
its village's review board (or to all in scope when the county shows rankings); its
`minutes` to the board while it is open, to all in scope once on public notice; an
objection's `contact_name` and `contact_phone` (masked) to the board only.
Outside the scope answers 404, like missing; bad input 400 with `{field: [reason]}`.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from yiwang.core.api import ScopedViewSet
from yiwang.core.masking import mask_phone
from yiwang.points import access
from yiwang.points.filters.evaluation import EvaluationFilterSet, ObjectionFilterSet
from yiwang.points.models import Evaluation, EvaluationStatus, Fund, Objection, Selection
from yiwang.points.selectors import evaluation as selectors
from yiwang.points.services import decisions
from yiwang.points.services import evaluation as services


class SelectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Selection
        fields = [
            "id",
            "kind",
            "grid_code",
            "resident",
            "household",
            "public_name",
            "points",
            "reason",
            "status",
            "area_code",
        ]
        read_only_fields = fields


def _is_member(serializer, village_code: str) -> bool:
    """Whether the request's user is on the village's review board (asked once a village
    for a whole list)."""
    request = serializer.context.get("request")
    user = getattr(request, "user", None)
    if user is None:
        return False
    known = serializer.context.setdefault("_board_of", {})
    if village_code not in known:
        known[village_code] = access.is_board_member(user, village_code)
    return known[village_code]


class EvaluationSerializer(serializers.ModelSerializer):
    selections = SelectionSerializer(many=True, read_only=True)
    standings = serializers.SerializerMethodField()
    minutes = serializers.SerializerMethodField()

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "area_code",
            "month",
            "status",
            "computed_at",
            "met_on",
            "minutes",
            "notice_from",
            "notice_until",
            "finalised_at",
            "selections",
            "standings",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.JSONField(allow_null=True))
    def get_standings(self, evaluation):
        """The month's standings, to a member of the village's board (or to all in scope
        when the county shows rankings); null otherwise."""
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is not None and selectors.may_see_standings(user, evaluation):
            return evaluation.standings
        return None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_minutes(self, evaluation):
        """The minutes: to the village's board while the month is open; to all in scope
        once on public notice (they never hold the standings); null otherwise."""
        if evaluation.status != EvaluationStatus.OPEN or _is_member(self, evaluation.area_code):
            return evaluation.minutes
        return None


class EvaluationListSerializer(EvaluationSerializer):
    """The list leaves the standings out (open one evaluation for them)."""

    class Meta(EvaluationSerializer.Meta):
        fields = [f for f in EvaluationSerializer.Meta.fields if f != "standings"]
        read_only_fields = fields


class ObjectionSerializer(serializers.ModelSerializer):
    evaluation = serializers.IntegerField(source="selection.evaluation_id", read_only=True)
    contact_name = serializers.SerializerMethodField()
    contact_phone = serializers.SerializerMethodField()

    class Meta:
        model = Objection
        fields = [
            "id",
            "evaluation",
            "selection",
            "reason",
            "contact_name",
            "contact_phone",
            "answer",
            "upheld",
            "answered_at",
            "created_at",
        ]
        read_only_fields = fields

    def _board(self, objection) -> bool:
        return _is_member(self, objection.selection.area_code[: services.VILLAGE_LENGTH])

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_contact_name(self, objection):
        """Who objected: to the village's review board only; null to others."""
        return objection.contact_name if self._board(objection) else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_contact_phone(self, objection):
        """The objector's phone, masked: to the village's review board only."""
        return mask_phone(objection.contact_phone) if self._board(objection) else None


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=services.OBJECTION_MAX)
    upheld = serializers.BooleanField()


class FundSerializer(serializers.ModelSerializer):
    class Meta:
        model = Fund
        fields = ["id", "area_code", "name", "balance"]
        read_only_fields = fields


class EvaluationViewSet(ScopedViewSet):
    """The monthly evaluations of the villages in your scope, newest month first, with
    their selections; filter by status, month, area."""

    queryset = (
        Evaluation.objects.defer("standings")
        .prefetch_related("selections")
        .order_by("-month", "area_code")
    )
    serializer_class = EvaluationSerializer
    filterset_class = EvaluationFilterSet

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "retrieve":
            queryset = queryset.defer(None)
        return queryset

    def get_serializer_class(self):
        return EvaluationListSerializer if self.action == "list" else EvaluationSerializer


class ObjectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Objections to the selections in your scope (phones masked); the board answers each."""

    serializer_class = ObjectionSerializer
    filterset_class = ObjectionFilterSet

    def get_queryset(self):
        return (
            decisions.objections_visible_to(self.request.user)
            .select_related("selection")
            .order_by("-created_at", "-id")
        )

    @extend_schema(
        request=AnswerSerializer,
        responses={
            200: ObjectionSerializer,
            400: OpenApiResponse(description="Bad input, or already answered."),
            403: OpenApiResponse(description="Only the review board answers."),
            404: OpenApiResponse(description="No such objection in your scope."),
        },
    )
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        """Answers the objection; `upheld: true` withdraws the selection."""
        objection = self.get_object()
        data = AnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decisions.answer_objection(
            actor=request.user,
            objection_id=objection.pk,
            answer=data.validated_data["answer"],
            upheld=data.validated_data["upheld"],
        )
        answered = self.get_queryset().get(pk=objection.pk)
        return Response(ObjectionSerializer(answered, context=self.get_serializer_context()).data)


class FundViewSet(ScopedViewSet):
    """The reward funds of the county or towns in your scope, with their balance."""

    queryset = Fund.objects.order_by("area_code", "id")
    serializer_class = FundSerializer


def register(router) -> None:
    """Adds this topic's viewsets to the router."""
    router.register("points/evaluations", EvaluationViewSet, basename="points-evaluation")
    router.register("points/objections", ObjectionViewSet, basename="points-objection")
    router.register("points/funds", FundViewSet, basename="points-fund")
