"""API v1 of the points shop: the shops and their goods (read), a household's balance,
the redemptions.

- `GET /points/balances/?household=ID` → `{"balance": N}`; a household outside the scope
  answers 404.
- `POST /points/redemptions/` `{"uuid", "household", "goods", "quantity"}`: 201 with the
  new redemption; the same `uuid` again with the same content answers 200 with the stored
  one (nothing changes); with other content 400. 409 `{"detail": …, "short": [...]}` when
  the household's balance or the goods' stock is short (nothing changes); 400 for bad
  input; 404 for a household or goods outside the scope; 403 for someone who neither
  keeps the goods' shop nor records points over the household.

Scope: a user's own scope, the shop of the village it lies in, and the shops they keep
with their villages' households (yiwang.points.services.shop).
"""

from decimal import Decimal

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from yiwang.core.api import BuiltOnceFieldsMixin, IdField
from yiwang.core.validators import MAX_ID, read_id
from yiwang.points.filters.shop import GoodsFilterSet, RedemptionFilterSet, ShopFilterSet
from yiwang.points.models import Goods, Redemption, Shop
from yiwang.points.services import shop as services

# --- serializers ------------------------------------------------------------------------


@extend_schema_field({"type": "string", "format": "uuid"})
class UUIDTextField(serializers.CharField):
    """A UUID as text (the service reads it), described as one."""


class ShopSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Shop
        fields = ["id", "name", "area_code", "is_active", "keepers", "created_at"]
        read_only_fields = fields


class GoodsSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Goods
        fields = ["id", "shop", "name", "price", "stock", "is_active", "area_code"]
        read_only_fields = fields


class RedemptionSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Redemption
        fields = [
            "id",
            "uuid",
            "household",
            "goods",
            "quantity",
            "points",
            "redeemed_by",
            "area_code",
            "created_at",
        ]
        read_only_fields = fields


class RedemptionCreateSerializer(serializers.Serializer):
    uuid = UUIDTextField(
        help_text="Made by the client for each redemption (a UUID): sending it again with "
        "the same content changes nothing and answers the stored redemption."
    )
    household = IdField(help_text="From /api/v1/households/.")
    goods = IdField(help_text="From /api/v1/points/goods/.")
    quantity = serializers.IntegerField(
        min_value=1, max_value=services.QUANTITY_MAX, help_text="How many of the goods."
    )


class BalanceSerializer(serializers.Serializer):
    balance = serializers.DecimalField(
        max_digits=8, decimal_places=1, coerce_to_string=False, help_text="Points, 0 at least."
    )
    owed = serializers.DecimalField(
        max_digits=8,
        decimal_places=1,
        coerce_to_string=False,
        help_text=(
            "Points owed, 0 at least: what deductions approved after a redemption took below "
            "the points redeemed. The balance stays 0 until they are earned back."
        ),
    )


class ShortSerializer(serializers.Serializer):
    detail = serializers.CharField()
    short = serializers.ListField(child=serializers.CharField())


# --- viewsets ---------------------------------------------------------------------------


class ShopViewSet(viewsets.ReadOnlyModelViewSet):
    """The points shops of your scope, of the village your scope lies in, and those you
    keep."""

    queryset = Shop.objects.none()  # the model, for the schema
    serializer_class = ShopSerializer
    filterset_class = ShopFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Shop.objects.none()
        return (
            services.shops_visible_to(self.request.user)
            .prefetch_related("keepers")
            .order_by("area_code", "id")
        )


class GoodsViewSet(viewsets.ReadOnlyModelViewSet):
    """Goods of the shops you see, with their price in points and their stock."""

    queryset = Goods.objects.none()  # the model, for the schema
    serializer_class = GoodsSerializer
    filterset_class = GoodsFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Goods.objects.none()
        return services.goods_visible_to(self.request.user).order_by("shop_id", "name", "id")


def _number(value: Decimal):
    return int(value) if value == value.to_integral_value() else float(value)


class BalanceViewSet(viewsets.ViewSet):
    """A household's points balance: approved points less redeemed, 0 at least; and the
    points it owes (`owed`), when deductions approved after a redemption took its approved
    points below those it redeemed."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "household",
                {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                required=True,
                description="The household's id.",
            )
        ],
        responses={
            200: BalanceSerializer,
            400: OpenApiResponse(description="No household given."),
            404: OpenApiResponse(description="No such household in your scope."),
        },
    )
    def list(self, request):
        pk = read_id(request.query_params.get("household"))
        if pk is None:
            raise serializers.ValidationError(
                {"household": [_("Give the household's id: ?household=12.")]}
            )
        found = services.points_of(request.user, pk)
        if found is None:
            raise Http404(_("Not found."))
        balance, owed = found
        return Response({"balance": _number(balance), "owed": _number(owed)})


class RedemptionViewSet(viewsets.ReadOnlyModelViewSet):
    """Redemptions of the households of your scope and at the shops you keep. POST
    redeems a household's points for goods, idempotent on its `uuid`."""

    queryset = Redemption.objects.none()  # the model, for the schema
    serializer_class = RedemptionSerializer
    filterset_class = RedemptionFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Redemption.objects.none()
        return services.redemptions_visible_to(self.request.user).order_by("-created_at", "-id")

    def handle_exception(self, exc):
        if isinstance(exc, services.Short):
            return Response(
                {"detail": " ".join(exc.messages), "short": exc.messages},
                status=status.HTTP_409_CONFLICT,
            )
        return super().handle_exception(exc)

    @extend_schema(
        request=RedemptionCreateSerializer,
        responses={
            201: RedemptionSerializer,
            200: OpenApiResponse(
                RedemptionSerializer, description="Sent before: the stored redemption."
            ),
            400: OpenApiResponse(description="Bad input: {field: [reason]}."),
            403: OpenApiResponse(description="You neither keep the shop nor record points here."),
            404: OpenApiResponse(description="No such household or goods in your scope."),
            409: OpenApiResponse(
                ShortSerializer, description="The balance or the stock is short: nothing changed."
            ),
        },
    )
    def create(self, request):
        """Redeems points for goods: the household's account debited and the stock taken,
        or nothing at all. The same `uuid` again answers 200 with the stored redemption."""
        data = RedemptionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        redemption, created = services.redeem(
            request.user,
            uuid=values["uuid"],
            household=values["household"],
            goods=values["goods"],
            quantity=values["quantity"],
        )
        return Response(
            RedemptionSerializer(redemption).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            headers={"Location": reverse("api:points-redemption-detail", args=[redemption.pk])},
        )


def register(router) -> None:
    """Adds this topic's viewsets to the router."""
    router.register("points/shops", ShopViewSet, basename="points-shop")
    router.register("points/goods", GoodsViewSet, basename="points-goods")
    router.register("points/balances", BalanceViewSet, basename="points-balance")
    router.register("points/redemptions", RedemptionViewSet, basename="points-redemption")
