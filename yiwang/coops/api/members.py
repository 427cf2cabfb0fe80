"""API v1 of the cooperatives' members, their contributions and their trading.

- `GET /coop-members/` (filters `under`, `cooperative`, `kind`, `household`, `current`,
  `search`: a member's number, their household's number or, where read in full, a name),
  `GET /coop-members/{id}/`: the members of the cooperatives you see, with their shares
  (the register's balance); names in full for those who keep the cooperative, masked
  (张*三) for the others. `POST /coop-members/` `{"cooperative", "kind", "household",
  "name", "joined_on"}`: 201 with the member (a household of the cooperative's village).
- `GET /coop-contributions/` (filters `under`, `cooperative`, `member`, `kind`, `since`,
  `until`); `POST /coop-contributions/` `{"uuid", "cooperative", "member", "kind",
  "amount" | "area_mu" | "days", "on", "note"}`: 201 with the contribution and the shares
  it was worth (under the charter's cap on one member's holding); the same `uuid` again
  answers 200 with the stored contribution.
- `GET /coop-trading/` (filters `under`, `cooperative`, `member`, `year`); `POST
  /coop-trading/` `{"cooperative", "member", "year", "produce_sold", "services_bought"}`:
  201 with the member's trading of the year (200 when it replaced the year's figures).
400 with `{field: [reason]}` for bad input (nothing changes); 403 when you do not keep
the cooperative; 404 outside what you see.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.response import Response

from yiwang.coops import access
from yiwang.coops.api.serializers import (
    CoopContributionCreateSerializer,
    CoopContributionSerializer,
    CoopMemberCreateSerializer,
    CoopMemberSerializer,
    CoopTradingCreateSerializer,
    CoopTradingSerializer,
)
from yiwang.coops.filters import ContributionFilterSet, MemberFilterSet, TradingFilterSet
from yiwang.coops.models import Contribution, Cooperative, Member, Trading
from yiwang.coops.services import members as services

ERRORS = {
    400: OpenApiResponse(description="Bad input: {field: [reason]}; nothing changed."),
    403: OpenApiResponse(description="You do not keep this cooperative."),
    404: OpenApiResponse(description="No such cooperative among those you see."),
}


def of_visible_cooperatives(model, user):
    """The rows of `model` (with a `cooperative`) of the cooperatives `user` reads."""
    q = access.cooperative_q(user)
    rows = model.objects.all()
    if q is None:
        return rows
    return rows.filter(cooperative__in=Cooperative.objects.filter(q).values("pk"))


def _create_schema(create_serializer, serializer, stored: str):
    """The schema of a POST answering 201 with the new row, or 200 with `stored`."""
    return extend_schema(
        request=create_serializer,
        responses={
            201: serializer,
            200: OpenApiResponse(serializer, description=stored),
            **ERRORS,
        },
    )


# The POST's fields that the services name otherwise.
ARGUMENTS = {"cooperative": "cooperative_id", "member": "member_id", "household": "household_id"}


def _validated(serializer_class, request) -> dict:
    """The POST's body read by `serializer_class` (400 with {field: [reason]}), as the
    service's keyword arguments, the user acting."""
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return {
        "actor": request.user,
        **{ARGUMENTS.get(key, key): value for key, value in data.validated_data.items()},
    }


def _answer(serializer_class, row, created: bool) -> Response:
    return Response(
        serializer_class(row).data,
        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
    )


class _CooperativeRowsViewSet(viewsets.ReadOnlyModelViewSet):
    model = None
    ordering = ("id",)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return of_visible_cooperatives(self.model, self.request.user).order_by(*self.ordering)


class MemberViewSet(_CooperativeRowsViewSet):
    """The members of the cooperatives you see. POST adds one."""

    model = Member
    ordering = ("cooperative_id", "id")
    queryset = Member.objects.none()
    serializer_class = CoopMemberSerializer
    filterset_class = MemberFilterSet

    @extend_schema(
        request=CoopMemberCreateSerializer, responses={201: CoopMemberSerializer, **ERRORS}
    )
    def create(self, request):
        """Adds a member: the village collective, a household of the village's ledger, or
        another member."""
        member = services.add_member(**_validated(CoopMemberCreateSerializer, request))
        return Response(
            CoopMemberSerializer(member, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


class ContributionViewSet(_CooperativeRowsViewSet):
    """The contributions to the cooperatives you see. POST records one (idempotent on
    its `uuid`)."""

    model = Contribution
    ordering = ("cooperative_id", "on", "id")
    queryset = Contribution.objects.none()
    serializer_class = CoopContributionSerializer
    filterset_class = ContributionFilterSet

    @_create_schema(
        CoopContributionCreateSerializer,
        CoopContributionSerializer,
        "Sent before: the stored contribution.",
    )
    def create(self, request):
        """Records a contribution of money, land, labour or the collective's assets,
        turned into shares at the charter's rates."""
        row, created = services.contribute(**_validated(CoopContributionCreateSerializer, request))
        return _answer(CoopContributionSerializer, row, created)


class TradingViewSet(_CooperativeRowsViewSet):
    """The members' trading with the cooperatives you see, by year. POST records a
    member's year."""

    model = Trading
    ordering = ("cooperative_id", "-year", "member_id")
    queryset = Trading.objects.none()
    serializer_class = CoopTradingSerializer
    filterset_class = TradingFilterSet

    @_create_schema(
        CoopTradingCreateSerializer,
        CoopTradingSerializer,
        "The member's year replaced with these figures.",
    )
    def create(self, request):
        """Records a member's trading of a year (replacing what was recorded for it)."""
        values = _validated(CoopTradingCreateSerializer, request)
        existed = Trading.objects.filter(
            member_id=values["member_id"], year=values["year"]
        ).exists()
        row = services.record_trading(**values)
        return _answer(CoopTradingSerializer, row, not existed)


def register(router) -> None:
    router.register("coop-members", MemberViewSet, basename="coop-member")
    router.register("coop-contributions", ContributionViewSet, basename="coop-contribution")
    router.register("coop-trading", TradingViewSet, basename="coop-trading")
