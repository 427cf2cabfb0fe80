"""API of the one inbox: `GET /api/v1/inbox/` lists your announcements and notifications,
newest first (`?show=unread|pending|announcements|notifications`), and
`POST /api/v1/inbox/{id}/ack/` acknowledges the announcement of an item of type
"announcement" (its `id`)."""

from __future__ import annotations

import math

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from yiwang.core.api import IdField
from yiwang.core.schema import AutoSchema
from yiwang.core.scoping import get_or_404
from yiwang.notices import selectors
from yiwang.notices.models import Receipt
from yiwang.notices.models.announcements import AckChannel
from yiwang.notices.services import receipts as receipt_services


class InboxItemSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=[selectors.ANNOUNCEMENT, selectors.NOTIFICATION])
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    title = serializers.CharField()
    text = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    priority = serializers.CharField()
    read = serializers.BooleanField()
    acked = serializers.BooleanField(allow_null=True)
    ack_by = serializers.DateTimeField(allow_null=True)
    url = serializers.CharField()
    announcement_id = serializers.IntegerField(allow_null=True)


class InboxPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    unread = serializers.IntegerField()
    pending = serializers.IntegerField()
    results = InboxItemSerializer(many=True)


class AckSerializer(serializers.Serializer):
    acknowledged = serializers.BooleanField(help_text="False when it was acknowledged before.")
    acked_at = serializers.DateTimeField()


class InboxSchema(AutoSchema):
    """The inbox's list answers one page object (counts and results), not an array."""

    def _is_list_view(self, serializer=None) -> bool:
        return False


class InboxViewSet(viewsets.GenericViewSet):
    """Your inbox: announcements sent to you and the notifications of every module."""

    schema = InboxSchema()

    serializer_class = InboxItemSerializer
    queryset = Receipt.objects.none()
    pagination_class = None
    lookup_value_converter = "int"
    filter_backends = []

    @extend_schema(
        parameters=[
            OpenApiParameter("show", str, enum=list(selectors.FILTERS)),
            OpenApiParameter("page", int),
        ],
        responses={200: InboxPageSerializer, 400: OpenApiResponse()},
    )
    def list(self, request):
        which = request.query_params.get("show", "all")
        if which not in selectors.FILTERS:
            raise ValidationError({"show": [f"One of {', '.join(selectors.FILTERS)}."]})
        raw = request.query_params.get("page", "1")
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= selectors.MAX_PAGE:
            raise ValidationError({"page": [f"A page from 1 to {selectors.MAX_PAGE}."]})
        figures = selectors.counts(request.user)  # one query for every figure
        count = figures.of(which)
        items = selectors.page(request.user, which, int(raw))
        return Response(
            InboxPageSerializer(
                {
                    "count": count,
                    "page": int(raw),
                    "pages": max(
                        1, min(math.ceil(count / selectors.PAGE_SIZE), selectors.MAX_PAGE)
                    ),
                    "unread": figures.unread,
                    "pending": figures.pending,
                    "results": items,
                }
            ).data
        )

    @extend_schema(
        request=None,
        responses={
            200: AckSerializer,
            400: OpenApiResponse(description="Bad input: {field: [reason]}."),
            404: OpenApiResponse(description="Not one of your items."),
        },
    )
    @action(detail=True, methods=["post"])
    def ack(self, request, pk=None):
        """已收到: acknowledges the announcement of this inbox item (type "announcement")."""
        receipt_id = IdField().to_internal_value(pk)
        receipt = get_or_404(
            Receipt.objects.for_user(request.user)
            .exclude(announcement__status="cancelled")
            .select_related("announcement"),
            pk=receipt_id,
        )
        done = receipt_services.acknowledge(receipt=receipt, via=AckChannel.API, actor=request.user)
        receipt.refresh_from_db()
        return Response(AckSerializer({"acknowledged": done, "acked_at": receipt.acked_at}).data)
