"""API of migrants (外来人员): the register and a migrant registered."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from yiwang.core.api import IdField, ScopedViewSet
from yiwang.registry import services
from yiwang.registry.filters import MigrantFilterSet
from yiwang.registry.models import Migrant


class MigrantSerializer(serializers.ModelSerializer):
    unit_code = serializers.CharField(source="area_code", read_only=True)
    id_number = serializers.CharField(source="masked_id_number", read_only=True)
    phone = serializers.CharField(source="masked_phone", read_only=True)

    class Meta:
        model = Migrant
        fields = [
            "id",
            "unit_code",
            "name",
            "id_number",
            "phone",
            "origin",
            "arrived_on",
            "expected_until",
            "host_household",
            "address",
            "left_on",
        ]
        read_only_fields = fields


class MigrantCreateSerializer(serializers.Serializer):
    unit_code = serializers.CharField(
        max_length=18,
        required=False,
        allow_blank=True,
        default="",
        help_text="The unit; may be left out when a host household is given.",
    )
    host_household = IdField(required=False, allow_null=True, default=None)
    name = serializers.CharField(max_length=50)
    origin = serializers.CharField(max_length=200)
    arrived_on = serializers.DateField()
    expected_until = serializers.DateField(required=False, allow_null=True, default=None)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    id_number = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")


class MigrantViewSet(ScopedViewSet):
    """Migrants (外来人员) registered in the units of your scope."""

    queryset = Migrant.objects.all()
    serializer_class = MigrantSerializer
    filterset_class = MigrantFilterSet

    @extend_schema(request=MigrantCreateSerializer, responses={201: MigrantSerializer})
    def create(self, request):
        """Registers a migrant in a unit of your scope, with a host household or an address."""
        data = MigrantCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        migrant = services.register_migrant(
            actor=request.user, host_household_id=values.pop("host_household"), **values
        )
        return Response(MigrantSerializer(migrant).data, status=status.HTTP_201_CREATED)
