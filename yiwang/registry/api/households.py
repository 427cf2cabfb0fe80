"""API of households: each with its members, created, and the ledger roll-up of an area."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from yiwang.areas.models import Area
from yiwang.core.api import ScopedViewSet
from yiwang.core.schema import area_code_parameter
from yiwang.registry import services
from yiwang.registry.api.tags import CurrentTagSerializer
from yiwang.registry.filters import HouseholdFilterSet
from yiwang.registry.models import Household, Resident
from yiwang.registry.selectors import ledger_rollup, with_current_tags


class MemberSerializer(serializers.ModelSerializer):
    """A member as the household card lists them: masked, with their current tags."""

    id_number = serializers.CharField(source="masked_id_number", read_only=True)
    birth_date = serializers.CharField(
        source="masked_birth_date",
        read_only=True,
        help_text="Masked when there is an ID number: 1960-**-**.",
    )
    tags = CurrentTagSerializer(source="current_tags", many=True, read_only=True)

    class Meta:
        model = Resident
        fields = ["id", "name", "relation", "sex", "birth_date", "id_number", "status", "tags"]
        read_only_fields = fields


class HouseholdSerializer(serializers.ModelSerializer):
    unit_code = serializers.CharField(source="area_code", read_only=True)
    members = MemberSerializer(many=True, read_only=True)

    class Meta:
        model = Household
        fields = [
            "id",
            "unit_code",
            "number",
            "address",
            "door_number",
            "category",
            "category_override",
            "category_reason",
            "status",
            "members",
        ]
        read_only_fields = fields


class HouseholdCreateSerializer(serializers.Serializer):
    unit_code = serializers.CharField(max_length=18)
    number = serializers.CharField(max_length=30)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    door_number = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")


class LedgerRollupSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()
    households = serializers.IntegerField(help_text="Active households.")
    key_households = serializers.IntegerField()
    residents = serializers.IntegerField(help_text="Residents living here.")
    tags = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="For each active tag's code, the living residents who carry it now.",
    )


def _members():
    return Prefetch(
        "residents",
        queryset=with_current_tags(Resident.objects.order_by("id")),
        to_attr="members",
    )


class HouseholdViewSet(ScopedViewSet):
    """Households of the units in your scope, each with its members."""

    queryset = Household.objects.all()
    serializer_class = HouseholdSerializer
    filterset_class = HouseholdFilterSet

    def get_queryset(self):
        # The members' current tags are the request's day's, not the day the class was made.
        return super().get_queryset().prefetch_related(_members())

    @extend_schema(request=HouseholdCreateSerializer, responses={201: HouseholdSerializer})
    def create(self, request):
        """Creates an empty household in a unit; add its head via POST /residents/."""
        data = HouseholdCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        household = services.create_household(actor=request.user, **data.validated_data)
        household = self.get_queryset().get(pk=household.pk)
        return Response(HouseholdSerializer(household).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        filters=False,
        parameters=[
            area_code_parameter(required=True, description="The code of an area."),
        ],
        responses=LedgerRollupSerializer(many=True),
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def rollup(self, request):
        """For each child of the area: households, key households, residents and each tag."""
        code = request.query_params.get("area", "").strip()
        if not code:
            raise serializers.ValidationError({"area": [_("Give the code of an area.")]})
        area = get_object_or_404(Area.objects.visible_to(request.user), code=code)
        return Response(LedgerRollupSerializer(ledger_rollup(area), many=True).data)
