"""API v1 of the cooperatives themselves.

- `GET /coops/` (filters `under`, `mode`, `is_active`, `alliance`, `board_role`,
  `search`), `GET /coops/{id}/`: the cooperatives you see (those of the areas of your
  posts, and those on whose board you sit now), each with its charter's key terms; the
  detail with the board now.
- `POST /coops/` `{"area_code", "name", "credit_code", "reserve_rate", "holding_cap",
  "mode", "trading_share", "shares_per_yuan", "shares_per_mu", "shares_per_labour_day",
  "alliance"}`: 201 with the cooperative of a village you keep (county, town, the
  village's grid chief).
- `PATCH /coops/{id}/` with some of the charter's terms: 200 with the cooperative.
- `GET /coops/{id}/board/`: every seat, current and ended (the board's history).
- `POST /coops/{id}/appoint/` `{"role", "name", "user", "on"}`: 201 with the seat (one
  chair at a time); `POST /coops/{id}/end-seat/` `{"seat", "on", "reason"}`: 200.
- `GET /coops/{id}/distributions/`, `POST /coops/{id}/distributions/` `{"year",
  "surplus": "1160000.00"}`: the cooperative's distributions; the accountant's run, a
  draft (yiwang.coops.api.distributions).
400 with `{field: [reason]}` for bad input (nothing changes); 403 when your posts do not
allow it; 404 outside what you see.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from yiwang.coops import access
from yiwang.coops.api.distributions import CooperativeDistributionsMixin
from yiwang.coops.api.serializers import (
    CoopAppointSerializer,
    CoopBoardSeatSerializer,
    CoopCharterSerializer,
    CoopEndSeatSerializer,
    CooperativeCreateSerializer,
    CooperativeDetailSerializer,
    CooperativeSerializer,
)
from yiwang.coops.filters import CooperativeFilterSet
from yiwang.coops.models import BoardSeat, Cooperative
from yiwang.coops.services import coops as services

ERRORS = {
    400: OpenApiResponse(description="Bad input: {field: [reason]}; nothing changed."),
    403: OpenApiResponse(description="You do not keep this cooperative."),
    404: OpenApiResponse(description="No such cooperative among those you see."),
}


class CooperativeViewSet(CooperativeDistributionsMixin, viewsets.ReadOnlyModelViewSet):
    """The cooperatives you see, with their charter's terms. POST makes one of a village
    you keep, PATCH changes its charter; the actions read and change its board and run
    its year's distribution."""

    queryset = Cooperative.objects.none()
    serializer_class = CooperativeSerializer
    filterset_class = CooperativeFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Cooperative.objects.none()
        rows = access.visible_cooperatives(self.request.user)
        if self.action == "retrieve":
            rows = rows.prefetch_related(
                Prefetch("board", queryset=BoardSeat.objects.order_by("role", "appointed_on"))
            )
        return rows.order_by("area_code", "name", "id")

    def get_serializer_class(self):
        if self.action == "retrieve":
            return CooperativeDetailSerializer
        return CooperativeSerializer

    def _answer(self, coop, code=status.HTTP_200_OK):
        row = (
            Cooperative.objects.filter(pk=coop.pk)
            .prefetch_related(
                Prefetch("board", queryset=BoardSeat.objects.order_by("role", "appointed_on"))
            )
            .get()
        )
        return Response(CooperativeDetailSerializer(row).data, status=code)

    @extend_schema(
        request=CooperativeCreateSerializer,
        responses={201: CooperativeDetailSerializer, **ERRORS},
    )
    def create(self, request):
        """Makes the cooperative of a village you keep, with its charter's key terms."""
        data = CooperativeCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        coop = services.create_cooperative(
            actor=request.user,
            area_code=values.pop("area_code"),
            name=values.pop("name"),
            credit_code=values.pop("credit_code"),
            alliance_id=values.pop("alliance"),
            **values,
        )
        return self._answer(coop, status.HTTP_201_CREATED)

    @extend_schema(
        request=CoopCharterSerializer, responses={200: CooperativeDetailSerializer, **ERRORS}
    )
    def partial_update(self, request, pk=None):
        """Changes the charter's key terms given (the others stay)."""
        data = CoopCharterSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        coop = self.get_object()
        coop = services.set_charter(
            actor=request.user, cooperative_id=coop.pk, **data.validated_data
        )
        return self._answer(coop)

    @extend_schema(
        request=None,
        responses={
            200: CoopBoardSeatSerializer(many=True),
            404: ERRORS[404],
        },
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def board(self, request, pk=None):
        """The board's history: every seat, current and ended, the latest first."""
        coop = self.get_object()
        seats = coop.board.order_by("-appointed_on", "-id")
        return Response(CoopBoardSeatSerializer(seats, many=True).data)

    @extend_schema(
        request=CoopAppointSerializer, responses={201: CoopBoardSeatSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"])
    def appoint(self, request, pk=None):
        """Appoints a seat of the board (the chair's seat must be free)."""
        data = CoopAppointSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        coop = self.get_object()
        values = data.validated_data
        seat = services.appoint(
            actor=request.user,
            cooperative_id=coop.pk,
            role=values["role"],
            name=values["name"],
            user_id=values["user"],
            on=values["on"],
        )
        return Response(CoopBoardSeatSerializer(seat).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=CoopEndSeatSerializer, responses={200: CoopBoardSeatSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"], url_path="end-seat", url_name="end-seat")
    def end_seat(self, request, pk=None):
        """Ends a seat of the board, dated and with the reason (kept in the history)."""
        data = CoopEndSeatSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        coop = self.get_object()
        values = data.validated_data
        if not coop.board.filter(pk=values["seat"]).exists():
            raise Http404(_("No such seat."))
        seat = services.end_seat(
            actor=request.user, seat_id=values["seat"], on=values["on"], reason=values["reason"]
        )
        return Response(CoopBoardSeatSerializer(seat).data)


def register(router) -> None:
    router.register("coops", CooperativeViewSet, basename="coop-cooperative")
