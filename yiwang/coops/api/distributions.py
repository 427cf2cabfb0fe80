"""API v1 of the year's distributions.

- `POST /coops/{id}/distributions/` `{"year": 2025, "surplus": "1160000.00"}`: the
  cooperative's accountant runs the year's distribution: 201 with the draft, its reserve,
  pools, the steps that explain them and one line a member (the names in full for the
  cooperative's keepers and board, masked for other readers), every
  amount as text with two decimals. A newer draft replaces the year's older drafts. The
  surplus is text: a JSON number with decimals is refused (it is inexact); a negative
  surplus, one beyond 999,999,999,999.99, a year already final, or no trading in the year
  in the statutory mode, 400 and
  nothing is written.
- `GET /coops/{id}/distributions/`: the cooperative's runs, the latest year first.
- `GET /coop-distributions/` (filters `under`, `cooperative`, `year`, `status`, `mode`),
  `GET /coop-distributions/{id}/`: the runs of the cooperatives you see; the detail with
  its steps and lines.
- `POST /coop-distributions/{id}/approve/`: the chair approves the draft on the board's
  behalf: 200 with the run, final; 403 to anyone else; 400 when it is final already.
"""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from yiwang.coops import access
from yiwang.coops.api.serializers import (
    CoopDistributionDetailSerializer,
    CoopDistributionRunSerializer,
    CoopDistributionSerializer,
)
from yiwang.coops.filters import DistributionFilterSet
from yiwang.coops.models import Cooperative, Distribution, DistributionLine
from yiwang.coops.services import distributions as services

ERRORS = {
    400: OpenApiResponse(
        description="Bad input (a surplus sent as a number, negative, not to the fen; a "
        "year final already; no trading recorded): {field: [reason]}; nothing is written."
    ),
    403: OpenApiResponse(description="Only the accountant runs it, only the chair approves."),
    404: OpenApiResponse(description="Not among the cooperatives you see."),
}

RUN_EXAMPLE = OpenApiExample(
    "The year's surplus",
    value={"year": 2025, "surplus": "1160000.00"},
    request_only=True,
)


def visible_distributions(user):
    """The runs of the cooperatives `user` reads."""
    q = access.cooperative_q(user)
    rows = Distribution.objects.all()
    if q is None:
        return rows
    return rows.filter(cooperative__in=Cooperative.objects.filter(q).values("pk"))


def _with_lines(rows):
    return rows.prefetch_related(
        Prefetch(
            "lines",
            queryset=DistributionLine.objects.select_related("member").order_by("member_id"),
        )
    )


def _detail(request, run, code=status.HTTP_200_OK) -> Response:
    row = _with_lines(Distribution.objects.filter(pk=run.pk)).get()
    data = CoopDistributionDetailSerializer(row, context={"request": request}).data
    return Response(data, status=code)


class CooperativeDistributionsMixin:
    """`/coops/{id}/distributions/` on the cooperatives' viewset."""

    @extend_schema(
        methods=["GET"],
        request=None,
        responses={200: CoopDistributionSerializer(many=True), 404: ERRORS[404]},
    )
    @extend_schema(
        methods=["POST"],
        request=CoopDistributionRunSerializer,
        responses={201: CoopDistributionDetailSerializer, **ERRORS},
        examples=[RUN_EXAMPLE],
    )
    @action(
        detail=True,
        methods=["get", "post"],
        filterset_class=None,
        pagination_class=None,
        url_path="distributions",
        url_name="distributions",
    )
    def distributions(self, request, pk=None):
        """GET: the cooperative's distributions, the latest year first. POST: the
        accountant runs the year's distribution from the members' shares now and the
        year's trading: a draft for the chair to approve."""
        coop = self.get_object()
        if request.method == "GET":
            rows = coop.distributions.order_by("-year", "-id")
            return Response(CoopDistributionSerializer(rows, many=True).data)
        data = CoopDistributionRunSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run = services.run_distribution(
            actor=request.user,
            cooperative_id=coop.pk,
            year=data.validated_data["year"],
            surplus=data.validated_data["surplus"],
        )
        return _detail(request, run, status.HTTP_201_CREATED)


class DistributionViewSet(viewsets.ReadOnlyModelViewSet):
    """The distributions of the cooperatives you see; the chair approves a draft."""

    queryset = Distribution.objects.none()
    serializer_class = CoopDistributionSerializer
    filterset_class = DistributionFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Distribution.objects.none()
        rows = visible_distributions(self.request.user)
        if self.action == "retrieve":
            rows = _with_lines(rows)
        return rows.order_by("-year", "area_code", "-id")

    def get_serializer_class(self):
        if self.action == "retrieve":
            return CoopDistributionDetailSerializer
        return CoopDistributionSerializer

    @extend_schema(request=None, responses={200: CoopDistributionDetailSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """The chair approves the draft on the board's behalf: it becomes final and
        unchangeable, the year's one final distribution."""
        run = self.get_object()
        run = services.approve_distribution(actor=request.user, distribution_id=run.pk)
        return _detail(request, run)


def register(router) -> None:
    router.register("coop-distributions", DistributionViewSet, basename="coop-distribution")
