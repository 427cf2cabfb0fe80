"""API of the notices: `GET /api/v1/notices/` lists yours, newest first (`?unread=true` for
the unread ones only), and `POST /api/v1/notices/read/` marks them read, those of `ids` or
all of them.

The notices are the notifications of the one inbox (notices.Notification), of every kind;
those about a case give its id and number (`case`, `case_number`), the others null. Yours
are those addressed to the areas of your posts, to your departments, or to you by name
(Notification.objects.for_user). An id that is not yours is passed over, exactly like one
that does not exist: the answer counts only what was marked.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from yiwang.cases import selectors, services
from yiwang.core.api import BuiltOnceFieldsMixin, IdField
from yiwang.core.filters import FilterSet
from yiwang.notices.models import Notification

IDS_MAX = 500


class NoticeFilterSet(FilterSet):
    unread = django_filters.BooleanFilter(
        label=_("unread"),
        method="filter_unread",
        help_text=_("true: the unread notices only; false: the read ones only."),
    )

    class Meta:
        model = Notification
        fields = ["unread"]

    def filter_unread(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(read_at__isnull=value)


class NoticeSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    case = serializers.IntegerField(
        source="case_id",
        read_only=True,
        allow_null=True,
        help_text="The case it is about; null for a notice about something else.",
    )
    case_number = serializers.CharField(
        read_only=True, allow_null=True, help_text="The number of the case."
    )
    kind = serializers.CharField(
        read_only=True,
        help_text='The kind, prefixed by the module that sends it ("case.overdue").',
    )

    class Meta:
        model = Notification
        fields = ["id", "case", "case_number", "kind", "text", "created_at", "read_at"]
        read_only_fields = fields


class NoticeReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=IdField(),
        required=False,
        allow_null=True,
        max_length=IDS_MAX,
        help_text="The notices to mark read; leave out (or null) to mark all yours read.",
    )


class NoticeReadResultSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many unread notices were marked read.")


class NoticeViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Your notices, newest first: about cases, reminders before a stage is due, escalations
    (to the level that let it lapse and to the level above), merges (to the reporters); and
    the other modules' notifications."""

    queryset = Notification.objects.none()  # the model, for the schema; see get_queryset
    serializer_class = NoticeSerializer
    filterset_class = NoticeFilterSet

    def get_queryset(self):
        return selectors.notifications(self.request.user).only(
            "id", "kind", "object_type", "object_id", "text", "created_at", "read_at"
        )

    @extend_schema(
        request=NoticeReadSerializer,
        responses={
            200: NoticeReadResultSerializer,
            400: OpenApiResponse(description="Bad input: {field: [reason]}."),
        },
    )
    @action(detail=False, methods=["post"])
    def read(self, request):
        """Marks your unread notices read: those of `ids`, or all of them without `ids`.
        Ids that are not yours are passed over; answers how many were marked."""
        data = NoticeReadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marked = services.mark_notices_read(
            actor=request.user, notice_ids=data.validated_data.get("ids")
        )
        return Response(NoticeReadResultSerializer({"marked": marked}).data)
