"""API v1 of funds, donations and pay-outs.

- `GET /funds/`, `GET /funds/{id}/`: the funds of your scope with their balance;
  `GET /funds/{id}/statement/?year=2026`: each month's money in, goods in (at their
  value), money out and the balance at the month's end.
- `GET /donations/`, `POST /donations/` `{"uuid", "fund" or "wish", "donor", "kind",
  "description", "value", "received_on"}`: 201 with the donation; the same `uuid` again
  answers 200 with the stored one; a value not above 0 answers 400.
  `POST /donations/{id}/confirm/` confirms it received.
- `GET /payouts/`, `POST /payouts/` `{"uuid", "fund", "recipient", "purpose", "amount",
  "paid_on", "wish"}`: 201, 200 for a repeat, 409 `{"detail": …}` when the balance is
  short, today or on a day since `paid_on` (a pay-out dated back: the message names the
  day); nothing changes: the balance never goes below zero, nor any month's end.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from yiwang.core.api import BuiltOnceFieldsMixin, IdField, NumberOrTextField, ScopedViewSet
from yiwang.volunteering.api.fields import UUIDTextField
from yiwang.volunteering.api.wishes import RefusedSerializer
from yiwang.volunteering.filters.donations import (
    DonationFilterSet,
    FundFilterSet,
    PayoutFilterSet,
)
from yiwang.volunteering.models import Donation, DonationKind, Fund, Payout
from yiwang.volunteering.selectors.donations import monthly_statement
from yiwang.volunteering.services import donations as services

# --- serializers ------------------------------------------------------------------------


class DonationFundSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Fund
        fields = ["id", "name", "area_code", "balance", "is_active", "created_at"]
        read_only_fields = fields


class DonationSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Donation
        fields = [
            "id",
            "uuid",
            "fund",
            "wish",
            "donor",
            "kind",
            "description",
            "value",
            "received_on",
            "received_by",
            "confirmed_by",
            "confirmed_at",
            "area_code",
            "created_at",
        ]
        read_only_fields = fields


class PayoutSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Payout
        fields = [
            "id",
            "uuid",
            "fund",
            "wish",
            "recipient",
            "purpose",
            "amount",
            "paid_on",
            "paid_by",
            "area_code",
            "created_at",
        ]
        read_only_fields = fields


class DonationCreateSerializer(serializers.Serializer):
    uuid = UUIDTextField(
        help_text="Made by the client for each donation (a UUID): sending it again changes "
        "nothing and answers the stored donation."
    )
    fund = IdField(required=False, allow_null=True, default=None)
    wish = IdField(required=False, allow_null=True, default=None)
    donor = serializers.CharField(max_length=services.DONOR_MAX)
    kind = serializers.ChoiceField(choices=DonationKind.choices)
    description = serializers.CharField(max_length=services.DESCRIPTION_MAX)
    value = NumberOrTextField(help_text="Yuan, above 0, e.g. 500 or 35.50.")
    received_on = serializers.CharField(help_text="ISO date, e.g. 2026-03-01.")


class PayoutCreateSerializer(serializers.Serializer):
    uuid = UUIDTextField(
        help_text="Made by the client for each pay-out (a UUID): sending it again changes "
        "nothing and answers the stored pay-out."
    )
    fund = IdField()
    wish = IdField(required=False, allow_null=True, default=None)
    recipient = serializers.CharField(max_length=services.RECIPIENT_MAX)
    purpose = serializers.CharField(max_length=services.PURPOSE_MAX)
    amount = NumberOrTextField(help_text="Yuan, above 0 and at most the fund's balance.")
    paid_on = serializers.CharField(help_text="ISO date, e.g. 2026-03-01.")


class MonthSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    came_in = serializers.DecimalField(max_digits=14, decimal_places=2)
    goods_in = serializers.DecimalField(max_digits=14, decimal_places=2)
    went_out = serializers.DecimalField(max_digits=14, decimal_places=2)
    balance = serializers.DecimalField(max_digits=14, decimal_places=2)


class StatementSerializer(serializers.Serializer):
    fund = serializers.IntegerField()
    year = serializers.IntegerField()
    opening = serializers.DecimalField(max_digits=14, decimal_places=2)
    came_in = serializers.DecimalField(max_digits=14, decimal_places=2)
    goods_in = serializers.DecimalField(max_digits=14, decimal_places=2)
    went_out = serializers.DecimalField(max_digits=14, decimal_places=2)
    closing = serializers.DecimalField(max_digits=14, decimal_places=2)
    months = MonthSerializer(many=True)


def _errors(subject: str) -> dict:
    return {
        400: OpenApiResponse(description="Bad input: {field: [reason]}."),
        403: OpenApiResponse(description="You do not keep this fund's money."),
        404: OpenApiResponse(description=f"No such {subject} in your scope."),
    }


# --- viewsets ---------------------------------------------------------------------------


class FundViewSet(ScopedViewSet):
    """The programmes' funds of your scope, with their balance; `statement/` gives a
    year's months."""

    queryset = Fund.objects.all()
    serializer_class = DonationFundSerializer
    filterset_class = FundFilterSet

    def get_queryset(self):
        return super().get_queryset().order_by("area_code", "name", "id")

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "year",
                {"type": "integer", "minimum": 2000, "maximum": 2100},
                description="The year; the current one when left out.",
            )
        ],
        responses={200: StatementSerializer, **_errors("fund")},
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def statement(self, request, pk=None):
        """The fund's monthly statement of a year: its ends equal the fund's balance."""
        fund = self.get_object()
        text = request.query_params.get("year") or ""
        year = int(text) if text.isascii() and text.isdigit() and len(text) == 4 else None
        if text and (year is None or not 2000 <= year <= 2100):
            raise serializers.ValidationError({"year": [_("Give a year, e.g. 2026.")]})
        statement = monthly_statement(fund, year or timezone.localdate().year)
        return Response(
            StatementSerializer(
                {
                    "fund": fund.pk,
                    "year": statement.year,
                    "opening": statement.opening,
                    "came_in": statement.came_in,
                    "goods_in": statement.goods_in,
                    "went_out": statement.went_out,
                    "closing": statement.closing,
                    "months": [
                        {**vars(m), "month": m.month.strftime("%Y-%m")} for m in statement.months
                    ],
                }
            ).data
        )


class DonationViewSet(ScopedViewSet):
    """Money and goods given to the funds and wishes of your scope. POST records one,
    idempotent on its `uuid`; `confirm/` confirms it received."""

    queryset = Donation.objects.all()
    serializer_class = DonationSerializer
    filterset_class = DonationFilterSet

    def get_queryset(self):
        return super().get_queryset().order_by("-received_on", "-id")

    @extend_schema(
        request=DonationCreateSerializer,
        responses={
            201: DonationSerializer,
            200: OpenApiResponse(DonationSerializer, description="Sent before: the stored one."),
            **_errors("fund or wish"),
            409: OpenApiResponse(RefusedSerializer),
        },
    )
    def create(self, request):
        """Records a gift of money or goods to a fund or a wish."""
        data = DonationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        donation, created = services.record_donation(request.user, **data.validated_data)
        return Response(
            DonationSerializer(donation).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        request=None,
        responses={
            200: DonationSerializer,
            **_errors("donation"),
            409: OpenApiResponse(RefusedSerializer),
        },
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """Confirms the donation received (once; again changes nothing)."""
        return Response(DonationSerializer(services.confirm_donation(request.user, pk)).data)


class PayoutViewSet(ScopedViewSet):
    """What the funds of your scope paid out. POST pays out of a fund, idempotent on its
    `uuid`; never more than the balance."""

    queryset = Payout.objects.all()
    serializer_class = PayoutSerializer
    filterset_class = PayoutFilterSet

    def get_queryset(self):
        return super().get_queryset().order_by("-paid_on", "-id")

    def handle_exception(self, exc):
        if isinstance(exc, services.Short):
            return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_409_CONFLICT)
        return super().handle_exception(exc)

    @extend_schema(
        request=PayoutCreateSerializer,
        responses={
            201: PayoutSerializer,
            200: OpenApiResponse(PayoutSerializer, description="Sent before: the stored one."),
            **_errors("fund"),
            409: OpenApiResponse(
                RefusedSerializer, description="The balance is short: nothing changed."
            ),
        },
    )
    def create(self, request):
        """Pays an amount out of a fund to someone, for something."""
        data = PayoutCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payout, created = services.pay_out(request.user, **data.validated_data)
        return Response(
            PayoutSerializer(payout).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


def register(router) -> None:
    """Adds this topic's viewsets to the router."""
    router.register("funds", FundViewSet, basename="fund")
    router.register("donations", DonationViewSet, basename="donation")
    router.register("payouts", PayoutViewSet, basename="payout")
