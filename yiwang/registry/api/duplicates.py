"""API of likely duplicates: residents without an ID number, for review."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins, serializers, viewsets

from yiwang.core.api import ScopedViewSetMixin
from yiwang.registry.filters import ResidentFilterSet
from yiwang.registry.models import Resident
from yiwang.registry.selectors import duplicate_matches, likely_duplicates


class DuplicateMatchSerializer(serializers.ModelSerializer):
    household_number = serializers.CharField(source="household.number", read_only=True)
    id_number = serializers.CharField(source="masked_id_number", read_only=True)
    birth_date = serializers.CharField(
        source="masked_birth_date",
        read_only=True,
        help_text="Masked when there is an ID number: 1960-**-**.",
    )

    class Meta:
        model = Resident
        fields = ["id", "household", "household_number", "name", "birth_date", "id_number"]
        read_only_fields = fields


class LikelyDuplicateSerializer(serializers.ModelSerializer):
    household_number = serializers.CharField(source="household.number", read_only=True)
    matches = serializers.SerializerMethodField(
        help_text="The other residents with the same name, birth date and unit."
    )

    class Meta:
        model = Resident
        fields = [
            "id",
            "household",
            "household_number",
            "area_code",
            "name",
            "birth_date",
            "status",
            "matches",
        ]
        read_only_fields = fields

    @extend_schema_field(DuplicateMatchSerializer(many=True))
    def get_matches(self, resident):
        matches = self.context.get("matches", {}).get(resident.pk, [])
        return DuplicateMatchSerializer(matches, many=True).data


class LikelyDuplicateViewSet(ScopedViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Residents without an ID number who share name, birth date and unit with another
    resident: listed for review, never merged. Takes the resident filters."""

    queryset = Resident.objects.select_related("household")
    serializer_class = LikelyDuplicateSerializer
    filterset_class = ResidentFilterSet

    def filter_queryset(self, queryset):
        return likely_duplicates(super().filter_queryset(queryset))

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = {**self.get_serializer_context(), "matches": duplicate_matches(page)}
        return self.get_paginated_response(
            LikelyDuplicateSerializer(page, many=True, context=context).data
        )
