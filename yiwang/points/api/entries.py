"""API v1 of points: the ledger's entries.

`POST /api/v1/points/entries/` records an entry, idempotent on the client's `uuid`: 201
with the new entry, or 200 with the entry stored before under that UUID (nothing is
stored again). `POST …/{id}/approve/` and `…/{id}/reject/` `{"reason"}` decide a pending
entry (never the recorder's own). A subject or entry outside the scope answers 404; bad
input 400 with `{field: [reason]}`; a decision the caller's posts do not allow 403.
"""

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from yiwang.core.api import BuiltOnceFieldsMixin, IdField, NumberOrTextField, ScopedViewSet
from yiwang.core.parsers import DepthLimitedJSONParser
from yiwang.outreach.api.visits import UUIDTextField
from yiwang.points.filters.entries import EntryFilterSet
from yiwang.points.models import Entry
from yiwang.points.services import entries as services


class EntrySerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    kind = serializers.CharField(source="item.duty_list.kind", read_only=True)
    article = serializers.CharField(source="item.article", read_only=True)
    version = serializers.IntegerField(source="item.duty_list.version", read_only=True)

    class Meta:
        model = Entry
        fields = [
            "id",
            "uuid",
            "item",
            "kind",
            "article",
            "version",
            "household",
            "resident",
            "month",
            "points",
            "evidence",
            "visit",
            "case",
            "meeting",
            "event",
            "source",
            "reverses",
            "recorded_by",
            "status",
            "decided_by",
            "decided_at",
            "reject_reason",
            "area_code",
            "created_at",
        ]
        read_only_fields = fields


class EntryCreateSerializer(serializers.Serializer):
    uuid = UUIDTextField(
        help_text="Made by the client for each entry: sending it again stores nothing."
    )
    household = IdField(required=False, allow_null=True, default=None, help_text="Or `resident`.")
    resident = IdField(
        required=False, allow_null=True, default=None, help_text="A party member (a Resident)."
    )
    item = IdField(help_text="From /api/v1/points/items/ (the village's list in force).")
    month = serializers.CharField(help_text="YYYY-MM; not in the future, not closed.")
    points = NumberOrTextField(
        required=False,
        allow_null=True,
        allow_blank=True,
        default=None,
        help_text="Only for an item with a range; otherwise the item's points.",
    )
    evidence = serializers.CharField(required=False, allow_blank=True, default="")
    visit = IdField(required=False, allow_null=True, default=None)
    case = IdField(required=False, allow_null=True, default=None)
    meeting = IdField(required=False, allow_null=True, default=None)
    event = IdField(required=False, allow_null=True, default=None)
    photos = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True),
        required=False,
        default=list,
        help_text="Multipart only: up to 9 JPEG, PNG or WebP photos.",
    )


class EntryCreateJSONSerializer(EntryCreateSerializer):
    photos = None


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField()


class EntryViewSet(ScopedViewSet):
    """Points entries of your scope. POST records one, idempotent on its `uuid`."""

    queryset = Entry.objects.select_related("item", "item__duty_list").order_by("-month", "-id")
    serializer_class = EntrySerializer
    filterset_class = EntryFilterSet
    parser_classes = [DepthLimitedJSONParser, MultiPartParser, FormParser]

    @extend_schema(
        request={
            "application/json": EntryCreateJSONSerializer,
            "multipart/form-data": EntryCreateSerializer,
        },
        responses={
            201: EntrySerializer,
            200: OpenApiResponse(EntrySerializer, description="Sent before: the stored entry."),
            400: OpenApiResponse(description="Bad input: {field: [reason]}."),
            404: OpenApiResponse(description="No such household or party member in your scope."),
        },
    )
    def create(self, request):
        """Records an entry, pending until a second person approves it. The same `uuid`
        again answers 200 with the stored entry and stores nothing."""
        data = EntryCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry, created = services.record_entry(actor=request.user, **data.validated_data)
        return Response(
            EntrySerializer(entry).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            headers={"Location": reverse("api:points-entry-detail", args=[entry.pk])},
        )

    @extend_schema(request=None, responses={200: EntrySerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approves a pending entry (not one you recorded)."""
        entry = self.get_object()
        return Response(EntrySerializer(services.approve_entry(request.user, entry.pk)).data)

    @extend_schema(request=RejectSerializer, responses={200: EntrySerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Rejects a pending entry, with the reason."""
        entry = self.get_object()
        data = RejectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.reject_entry(request.user, entry.pk, data.validated_data["reason"])
        return Response(EntrySerializer(entry).data)


def register(router) -> None:
    """Adds this topic's viewsets to the router."""
    router.register("points/entries", EntryViewSet, basename="points-entry")
