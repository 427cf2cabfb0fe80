"""API v1 of the outbox: the group robots (`/robots/`: list, detail, register, change) and
the deliveries with their attempts (`/deliveries/`, read only but for `retry/`), for grid chiefs and town
and county admins, each within their scope. The robot's address and secret are written,
never read back: `url_configured`, `secret_configured`.

`register(router)` adds the viewsets to the API's router."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from yiwang.core.api import ScopedViewSet
from yiwang.notices.models.outbox import ROBOT_CHANNELS, Delivery, DeliveryAttempt, Robot
from yiwang.notices.outbox import (
    may_manage_robots,
    register_robot,
    retry_delivery,
    update_robot,
)
from yiwang.notices.outbox.filters import DeliveryFilterSet


class MayManageRobots(permissions.BasePermission):
    def has_permission(self, request, view):
        if may_manage_robots(request.user):
            return True
        self.message = _("Only grid chiefs and town or county admins manage the group robots.")
        return False


class RobotSerializer(serializers.ModelSerializer):
    url_configured = serializers.BooleanField(source="is_configured", read_only=True)
    secret_configured = serializers.SerializerMethodField()

    class Meta:
        model = Robot
        fields = [
            "id",
            "area_code",
            "channel",
            "name",
            "is_active",
            "url_configured",
            "secret_configured",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_secret_configured(self, robot) -> bool:
        return bool(robot.secret)


class RobotCreateSerializer(serializers.Serializer):
    area_code = serializers.CharField(help_text="A village or grid you manage.")
    channel = serializers.ChoiceField(choices=[(c.value, c.label) for c in ROBOT_CHANNELS])
    name = serializers.CharField(max_length=60)
    url = serializers.CharField(
        max_length=500, write_only=True, help_text="The robot's webhook address (https)."
    )
    secret = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", write_only=True
    )
    is_active = serializers.BooleanField(default=True)


class RobotUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60, required=False)
    url = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="A new address; left out or empty, the address is kept.",
    )
    secret = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="A new secret; left out or empty, the secret is kept.",
    )
    clear_secret = serializers.BooleanField(required=False, default=False)
    is_active = serializers.BooleanField(required=False)


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliveryAttempt
        fields = ["id", "started_at", "finished_at", "ok", "status_code", "answer", "error"]
        read_only_fields = fields


class DeliverySerializer(serializers.ModelSerializer):
    attempt_log = AttemptSerializer(many=True, read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "channel",
            "robot",
            "user",
            "announcement",
            "area_code",
            "purpose",
            "title",
            "link",
            "emergency",
            "status",
            "not_before",
            "attempts",
            "digest",
            "last_error",
            "created_at",
            "sent_at",
            "attempt_log",
        ]
        read_only_fields = fields


class RobotViewSet(ScopedViewSet):
    """The group robots in your scope."""

    queryset = Robot.objects.all()
    serializer_class = RobotSerializer
    permission_classes = [permissions.IsAuthenticated, MayManageRobots]

    @extend_schema(request=RobotCreateSerializer, responses={201: RobotSerializer})
    def create(self, request):
        """Registers the robot of a village's or grid's chat group (one you manage)."""
        data = RobotCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        robot = register_robot(actor=request.user, **data.validated_data)
        return Response(RobotSerializer(robot).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RobotUpdateSerializer, responses=RobotSerializer)
    def partial_update(self, request, pk=None):
        """Renames, switches off, or gives a new address or secret to a robot."""
        robot = self.get_object()
        data = RobotUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        robot = update_robot(actor=request.user, robot_id=robot.pk, **data.validated_data)
        return Response(RobotSerializer(robot).data)


class DeliveryViewSet(ScopedViewSet):
    """The outbox's deliveries in your scope, newest first, each with its attempts."""

    queryset = Delivery.objects.prefetch_related("attempt_log").order_by("-created_at", "-id")
    serializer_class = DeliverySerializer
    filterset_class = DeliveryFilterSet
    permission_classes = [permissions.IsAuthenticated, MayManageRobots]

    @extend_schema(request=None, responses=DeliverySerializer)
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """Sends a failed delivery again (or an SMS whose sending is unknown, which may then
        arrive twice)."""
        delivery = self.get_object()
        retry_delivery(actor=request.user, delivery_id=delivery.pk)
        return Response(DeliverySerializer(self.get_queryset().get(pk=delivery.pk)).data)


def register(router) -> None:
    router.register("robots", RobotViewSet, basename="robot")
    router.register("deliveries", DeliveryViewSet, basename="delivery")
