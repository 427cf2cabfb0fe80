"""API v1 for the audit log (read-only, within scope)."""

from rest_framework import serializers

from yiwang.core.api import ScopedViewSet
from yiwang.core.filters import AuditEntryFilterSet
from yiwang.core.models import AuditEntry


class AuditEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "at",
            "actor_username",
            "source",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "area_code",
            "before",
            "after",
        ]
        read_only_fields = fields


class AuditEntryViewSet(ScopedViewSet):
    queryset = AuditEntry.objects.all()
    serializer_class = AuditEntrySerializer
    filterset_class = AuditEntryFilterSet
