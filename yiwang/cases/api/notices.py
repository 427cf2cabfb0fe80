"""API of the notices about cases: `GET /api/v1/notices/` lists yours, newest first
(`?unread=true` for the unread ones only), and `POST /api/v1/notices/read/` marks them
read, those of `ids` or all of them.

Yours are those addressed to the areas of your posts, to your departments, or to you by
name (Notice.objects.for_user). An id that is not yours is passed over, exactly like one
that does not exist: the answer counts only what was marked.
"""

from __future__ import annotations

import django_filters
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from yiwang.cases import services
from yiwang.cases.models import Case, Notice
from yiwang.core.api import BuiltOnceFieldsMixin, IdField
from yiwang.core.filters import FilterSet

IDS_MAX = 500


class NoticeFilterSet(FilterSet):
    unread = django_filters.BooleanFilter(
        label=_("unread"),
        method="filter_unread",
        help_text=_("true: the unread notices only; false: the read ones only."),
    )

    class Meta:
        model = Notice
        fields = ["unread"]

    def filter_unread(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(read_at__isnull=value)


class NoticeSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    case_number = serializers.CharField(read_only=True, help_text="The number of the case.")

    class Meta:
        model = Notice
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
    """Your notices about cases, newest first: reminders before a stage is due, escalations
    (to the level that let it lapse and to the level above), merges (to the reporters)."""

    queryset = Notice.objects.none()  # the model, for the schema; see get_queryset
    serializer_class = NoticeSerializer
    filterset_class = NoticeFilterSet

    def get_queryset(self):
        # A subquery, not a join: the count of the pagination leaves it out.
        number = Case.objects.filter(pk=OuterRef("case_id")).order_by().values("number")
        return (
            Notice.objects.for_user(self.request.user)
            .only("id", "case_id", "kind", "text", "created_at", "read_at")
            .annotate(case_number=Subquery(number))
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
