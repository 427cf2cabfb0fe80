"""API v1 of supplies.

- `GET /stores/`, `GET /stores/{id}/`: the stores you see (in your scope, or kept by you).
- `GET /goods/`, `GET /goods/{id}/`: the kinds of goods (shared by every store).
- `GET /stock/` (filters `store`, `good`): how much of each good each store you see holds.
- `GET /stock-moves/` (filters `store`, `good`, `kind`), `GET /stock-moves/{id}/`: the
  moves of the stores you see.
- `POST /stock-moves/` `{"uuid", "kind": "received"|"handed_out", "store", "good",
  "quantity", …}`: 201 with the move; the same `uuid` again answers 200 with the stored
  move (400 when sent with another store, goods, quantity or recipient). A hand-out names
  one recipient: `household`, `to_store` (a transfer: that store's stock grows) or
  `to_place`; `signature` is the receiver's signature as a PNG data URL. 409
  `{"detail", "quantity"}` when the store holds less than asked for: nothing changed.
- `POST /stock-moves/` `{"uuid", "kind": "adjusted", "store", "good", "counted",
  "note"}`: the stock counted again (a stocktake, `note` the reason, required): the
  store's stock becomes `counted`, the difference recorded; 400 when the count matches.
"""

from __future__ import annotations

import django_filters
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from yiwang.core.api import BuiltOnceFieldsMixin, IdField
from yiwang.core.filters import AreaCodeFilter, FilterSet, IdFilter, under
from yiwang.duty.models import Good, MoveKind, Stock, StockMove, Store
from yiwang.duty.selectors import supplies as selectors
from yiwang.duty.services import supplies as services

# --- filters ----------------------------------------------------------------------------


class StockFilterSet(FilterSet):
    store = IdFilter(field_name="store", label=_("store"))
    good = IdFilter(field_name="good", label=_("kind of goods"))

    class Meta:
        model = Stock
        fields = ["store", "good"]


class StockMoveFilterSet(FilterSet):
    store = IdFilter(field_name="store", label=_("store"))
    good = IdFilter(field_name="good", label=_("kind of goods"))
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=MoveKind.choices)
    under = AreaCodeFilter(label=_("area"), method=under)

    class Meta:
        model = StockMove
        fields = ["store", "good", "kind", "under"]


# --- serializers ------------------------------------------------------------------------


class DutyStoreSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Store
        fields = ["id", "area_code", "name", "kind", "address", "keeper", "is_active"]
        read_only_fields = fields


class DutyGoodSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Good
        fields = ["id", "name", "unit", "category"]
        read_only_fields = fields


class DutyStockSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    store_name = serializers.CharField(source="store.name", read_only=True)
    good_name = serializers.CharField(source="good.name", read_only=True)
    unit = serializers.CharField(source="good.unit", read_only=True)

    class Meta:
        model = Stock
        fields = ["id", "store", "store_name", "good", "good_name", "unit", "quantity", "area_code"]
        read_only_fields = fields


class DutyStockMoveSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    has_signature = serializers.SerializerMethodField()

    class Meta:
        model = StockMove
        fields = [
            "id",
            "uuid",
            "area_code",
            "store",
            "good",
            "kind",
            "quantity",
            "counted",
            "source",
            "to_household",
            "to_store",
            "to_place",
            "receiver_name",
            "has_signature",
            "note",
            "at",
            "actor",
        ]
        read_only_fields = fields

    def get_has_signature(self, move) -> bool:
        return bool(move.signature)


class DutyStockMoveCreateSerializer(serializers.Serializer):
    uuid = serializers.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Made by the client: sending it again changes nothing and answers the "
        "stored move.",
    )
    kind = serializers.ChoiceField(
        choices=[
            (MoveKind.RECEIVED, "received"),
            (MoveKind.HANDED_OUT, "handed_out"),
            (MoveKind.ADJUSTED, "adjusted"),
        ],
        help_text="received, handed_out (with to_store: a transfer to that store), or "
        "adjusted (the stock counted again: `counted` and a `note`).",
    )
    store = IdField()
    good = IdField()
    quantity = serializers.IntegerField(
        min_value=1,
        max_value=services.QUANTITY_MAX,
        required=False,
        allow_null=True,
        default=None,
        help_text="Received or handed out (not for adjusted).",
    )
    counted = serializers.IntegerField(
        min_value=0,
        max_value=services.QUANTITY_MAX,
        required=False,
        allow_null=True,
        default=None,
        help_text="adjusted: the stock counted, which the store's stock becomes.",
    )
    source = serializers.CharField(
        max_length=services.LINE_MAX, required=False, allow_blank=True, default=""
    )
    household = IdField(required=False, allow_null=True, default=None)
    to_store = IdField(required=False, allow_null=True, default=None)
    to_place = serializers.CharField(
        max_length=services.LINE_MAX, required=False, allow_blank=True, default=""
    )
    receiver_name = serializers.CharField(
        max_length=services.RECEIVER_MAX, required=False, allow_blank=True, default=""
    )
    signature = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=services.SIGNATURE_MAX_BYTES * 2,
        help_text="The receiver's signature: a PNG data URL (data:image/png;base64,…).",
    )
    note = serializers.CharField(
        max_length=services.NOTE_MAX, required=False, allow_blank=True, default=""
    )
    at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="Now unless given."
    )


class DutyShortStockSerializer(serializers.Serializer):
    detail = serializers.CharField()
    quantity = serializers.ListField(child=serializers.CharField())


# --- viewsets ---------------------------------------------------------------------------


class DutyStoreViewSet(viewsets.ReadOnlyModelViewSet):
    """The stores you see: in your scope, or kept by you."""

    queryset = Store.objects.none()  # the model, for the schema
    serializer_class = DutyStoreSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Store.objects.none()
        return selectors.visible_stores(self.request.user).order_by("area_code", "name", "id")


class DutyGoodViewSet(viewsets.ReadOnlyModelViewSet):
    """The kinds of goods, shared by every store."""

    queryset = Good.objects.none()
    serializer_class = DutyGoodSerializer

    def get_queryset(self):
        return Good.objects.order_by("category", "name", "id")


class DutyStockViewSet(viewsets.ReadOnlyModelViewSet):
    """How much of each good the stores you see hold."""

    queryset = Stock.objects.none()
    serializer_class = DutyStockSerializer
    filterset_class = StockFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Stock.objects.none()
        return (
            selectors.visible_stock(self.request.user)
            .select_related("store", "good")
            .order_by("store_id", "good_id")
        )


class DutyStockMoveViewSet(viewsets.ReadOnlyModelViewSet):
    """The moves of the stores you see. POST records goods received or handed out,
    idempotent on its `uuid`."""

    queryset = StockMove.objects.none()
    serializer_class = DutyStockMoveSerializer
    filterset_class = StockMoveFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return StockMove.objects.none()
        return selectors.visible_moves(self.request.user).order_by("-at", "-id")

    def handle_exception(self, exc):
        if isinstance(exc, services.ShortStock):
            return Response(
                {"detail": " ".join(exc.messages), "quantity": exc.messages},
                status=status.HTTP_409_CONFLICT,
            )
        return super().handle_exception(exc)

    @extend_schema(
        request=DutyStockMoveCreateSerializer,
        responses={
            201: DutyStockMoveSerializer,
            200: OpenApiResponse(
                DutyStockMoveSerializer, description="Sent before: the stored move."
            ),
            400: OpenApiResponse(description="Bad input: {field: [reason]}."),
            403: OpenApiResponse(description="You neither keep the store nor admin its area."),
            404: OpenApiResponse(description="No such store, goods or household you see."),
            409: OpenApiResponse(
                DutyShortStockSerializer,
                description="The store holds less than asked for: nothing changed.",
            ),
        },
    )
    def create(self, request):
        """Records goods received into a store, or handed out of it (to a household, a
        place or another store), taken with one conditional update: never below zero; or
        the stock counted again (kind adjusted)."""
        data = DutyStockMoveCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if values["kind"] == MoveKind.ADJUSTED:
            move, created = services.count_stock(
                actor=request.user,
                store_id=values["store"],
                good_id=values["good"],
                counted=values["counted"],
                note=values["note"],
                uuid=values["uuid"],
            )
            return self._answer(move, created)
        common = {
            "actor": request.user,
            "store_id": values["store"],
            "good_id": values["good"],
            "quantity": values["quantity"],
            "note": values["note"],
            "uuid": values["uuid"],
            "at": values["at"],
        }
        if values["kind"] == MoveKind.RECEIVED:
            move, created = services.receive(**common, source=values["source"])
        else:
            move, created = services.hand_out(
                **common,
                household_id=values["household"],
                to_store_id=values["to_store"],
                to_place=values["to_place"],
                receiver_name=values["receiver_name"],
                signature=values["signature"] or None,
            )
        return self._answer(move, created)

    def _answer(self, move, created: bool) -> Response:
        return Response(
            DutyStockMoveSerializer(move).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            headers={"Location": reverse("api:duty-stock-move-detail", args=[move.pk])},
        )


def register(router) -> None:
    """Adds this topic's viewsets to the router."""
    router.register("stores", DutyStoreViewSet, basename="duty-store")
    router.register("goods", DutyGoodViewSet, basename="duty-good")
    router.register("stock", DutyStockViewSet, basename="duty-stock")
    router.register("stock-moves", DutyStockMoveViewSet, basename="duty-stock-move")
