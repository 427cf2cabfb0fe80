"""API of announcements: `POST /api/v1/announcements/` writes one (sent at once, or at
`send_at`), `GET` lists those written in your areas, and
`GET /api/v1/announcements/{id}/receipts/` gives its receipts by area (`?area=` a child
area to go down), with `…/receipts/people/?area=&acked=` the people behind a figure."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from yiwang.core.scoping import is_area_code
from yiwang.notices.models import Announcement, Priority, Receipt
from yiwang.notices.services import announcements as services
from yiwang.notices.services import receipts as receipt_services


class AnnouncementSerializer(serializers.ModelSerializer):
    areas = serializers.ListField(
        child=serializers.CharField(max_length=18),
        source="audience_areas",
        required=False,
        max_length=services.AREAS_MAX,
        help_text="Area codes: each with the areas below it.",
    )
    roles = serializers.ListField(
        child=serializers.ChoiceField(
            choices=[(r.value, r.label) for r in services.AUDIENCE_ROLES]
        ),
        source="audience_roles",
        required=False,
        max_length=len(services.AUDIENCE_ROLES),
    )
    users = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        source="audience_users",
        required=False,
        max_length=services.LIST_MAX,
        help_text="People named one by one (user ids), besides or instead of areas × roles.",
    )
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.ROUTINE)
    sender_name = serializers.CharField(source="sender.__str__", read_only=True)

    class Meta:
        model = Announcement
        fields = [
            "id",
            "title",
            "body",
            "areas",
            "roles",
            "users",
            "priority",
            "ack_by",
            "send_at",
            "status",
            "sent_at",
            "recipient_count",
            "area_code",
            "sender",
            "sender_name",
        ]
        read_only_fields = ["status", "sent_at", "recipient_count", "area_code", "sender"]
        extra_kwargs = {"send_at": {"required": False}}


class ReceiptAreaSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    total = serializers.IntegerField()
    read = serializers.IntegerField()
    acked = serializers.IntegerField()
    pending = serializers.IntegerField()
    has_children = serializers.BooleanField()


class ReceiptTotalSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    read = serializers.IntegerField()
    acked = serializers.IntegerField()
    pending = serializers.IntegerField()


class ReceiptSummarySerializer(serializers.Serializer):
    parent = serializers.CharField()
    total = ReceiptTotalSerializer()
    areas = ReceiptAreaSerializer(many=True)


class ReceiptPersonSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="user.__str__", read_only=True)

    class Meta:
        model = Receipt
        fields = ["id", "user", "name", "area_code", "read_at", "acked_at", "acked_via"]
        read_only_fields = fields


AREA = OpenApiParameter("area", str, description="An area code under the announcement's area.")


class AnnouncementViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Announcements written in your areas. Writing one needs a county-admin, town-admin,
    grid-chief or cadre post over every area of the audience."""

    serializer_class = AnnouncementSerializer
    queryset = Announcement.objects.none()

    def get_queryset(self):
        return services.visible_announcements(self.request.user).select_related("sender")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            announcement = services.create_announcement(
                actor=request.user,
                title=data["title"],
                body=data["body"],
                areas=data.get("audience_areas", []),
                roles=data.get("audience_roles", []),
                users=data.get("audience_users", []),
                priority=data.get("priority", Priority.ROUTINE),
                ack_by=data.get("ack_by"),
                send_at=data.get("send_at"),
            )
        except DjangoValidationError as error:
            raise ValidationError(
                error.message_dict if hasattr(error, "error_dict") else {"detail": error.messages}
            ) from None
        announcement.refresh_from_db()
        return Response(self.get_serializer(announcement).data, status=status.HTTP_201_CREATED)

    def _area(self, announcement):
        area = self.request.query_params.get("area", "")
        if not area:
            return announcement.area_code
        if not (is_area_code(area) and area.startswith(announcement.area_code)):
            raise ValidationError({"area": ["Not an area under the announcement's area."]})
        return area

    @extend_schema(parameters=[AREA], responses={200: ReceiptSummarySerializer})
    @action(detail=True, methods=["get"])
    def receipts(self, request, pk=None):
        """Receipts in all and by child area of `area` (the announcement's area by default)."""
        announcement = self.get_object()
        return Response(
            ReceiptSummarySerializer(
                receipt_services.summary(announcement, self._area(announcement))
            ).data
        )

    @extend_schema(
        parameters=[
            AREA,
            OpenApiParameter("acked", bool, description="true: acknowledged; false: not yet."),
        ],
        responses={200: ReceiptPersonSerializer(many=True), 400: OpenApiResponse()},
    )
    @action(detail=True, methods=["get"], url_path="receipts/people")
    def receipt_people(self, request, pk=None):
        """The people behind a figure of the receipts."""
        announcement = self.get_object()
        acked = {"true": True, "false": False, "": None}.get(
            request.query_params.get("acked", "").lower(), "bad"
        )
        if acked == "bad":
            raise ValidationError({"acked": ["true or false."]})
        people = receipt_services.people(announcement, self._area(announcement), acked)
        page = self.paginate_queryset(people)
        return self.get_paginated_response(ReceiptPersonSerializer(page, many=True).data)
