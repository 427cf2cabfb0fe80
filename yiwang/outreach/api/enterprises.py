"""API v1 of outreach: enterprises, within the scope; the contact's phone masked."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from yiwang.core.api import BuiltOnceFieldsMixin, ScopedViewSet
from yiwang.outreach.filters import EnterpriseFilterSet
from yiwang.outreach.models import Enterprise
from yiwang.outreach.services import enterprises as services


class EnterpriseSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    contact_phone = serializers.CharField(
        source="masked_contact_phone", read_only=True, help_text="Masked: 138****5678."
    )

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "name",
            "credit_code",
            "area_code",
            "industry",
            "address",
            "contact_name",
            "contact_phone",
            "is_active",
        ]
        read_only_fields = fields


class EnterpriseUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    credit_code = serializers.CharField(max_length=30, required=False)
    area_code = serializers.CharField(
        max_length=18, required=False, help_text="A village, grid or unit in your scope."
    )
    industry = serializers.CharField(max_length=50, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    contact_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=30, required=False, allow_blank=True)


class EnterpriseCreateSerializer(EnterpriseUpdateSerializer):
    name = serializers.CharField(max_length=100)
    credit_code = serializers.CharField(max_length=30)
    area_code = serializers.CharField(
        max_length=18, help_text="A village, grid or unit in your scope."
    )


class EnterpriseViewSet(ScopedViewSet):
    """Enterprises of the villages in your scope. Filter by `search` (name, credit code),
    `under` (an area code), `industry`, `is_active`."""

    queryset = Enterprise.objects.all()
    serializer_class = EnterpriseSerializer
    filterset_class = EnterpriseFilterSet

    @extend_schema(request=EnterpriseCreateSerializer, responses={201: EnterpriseSerializer})
    def create(self, request):
        """Registers an enterprise."""
        data = EnterpriseCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enterprise = services.create_enterprise(actor=request.user, **data.validated_data)
        return Response(EnterpriseSerializer(enterprise).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=EnterpriseUpdateSerializer, responses=EnterpriseSerializer)
    def partial_update(self, request, pk=None):
        """Corrects an enterprise; what is left out stays."""
        enterprise = self.get_object()
        data = EnterpriseUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enterprise = services.update_enterprise(
            actor=request.user, enterprise_id=enterprise.pk, **data.validated_data
        )
        return Response(EnterpriseSerializer(enterprise).data)

    @extend_schema(request=None, responses=EnterpriseSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        """Marks the enterprise inactive: no longer offered for pairing."""
        enterprise = self.get_object()
        enterprise = services.deactivate_enterprise(actor=request.user, enterprise_id=enterprise.pk)
        return Response(EnterpriseSerializer(enterprise).data)


def register(router) -> None:
    """Adds this module's viewsets to the API's router."""
    router.register("enterprises", EnterpriseViewSet, basename="enterprise")
