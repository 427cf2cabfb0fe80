"""API v1 of the case categories and the departments cases refer to: the county's, read
by every signed-in user."""

from rest_framework import serializers, viewsets

from yiwang.cases.filters import CategoryFilterSet
from yiwang.cases.models import Category, Department


class CategorySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)
    department = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Category
        fields = [
            "code",
            "name",
            "parent",
            "kind",
            "handling_level",
            "department",
            "is_urgent",
            "accept_minutes",
            "dispatch_minutes",
            "resolve_minutes",
            "is_active",
            "order",
        ]
        read_only_fields = fields


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["code", "name", "area_code", "is_active"]
        read_only_fields = fields


class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """The case categories. They are the county's, not an area's: every signed-in user
    reads them all (there is no scope to apply)."""

    queryset = Category.objects.select_related("parent", "department")
    serializer_class = CategorySerializer
    filterset_class = CategoryFilterSet
    lookup_field = "code"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"


class DepartmentViewSet(viewsets.ReadOnlyModelViewSet):
    """The departments cases can be dispatched to; the county's, read by every user."""

    queryset = Department.objects.filter(is_active=True)
    serializer_class = DepartmentSerializer
    lookup_field = "code"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
