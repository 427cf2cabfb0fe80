"""Serializers of the cooperatives' API: what it answers (read-only model serializers,
amounts as text with two decimals) and what it reads (plain serializers whose values go
to the services, which check them again and name the field at fault)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from types import SimpleNamespace

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from yiwang.coops import access
from yiwang.coops.forms.distributions import LARGEST
from yiwang.coops.models import (
    BoardRole,
    BoardSeat,
    Contribution,
    ContributionKind,
    Cooperative,
    Distribution,
    DistributionLine,
    DistributionMode,
    Member,
    MemberKind,
    Trading,
)
from yiwang.core.api import BuiltOnceFieldsMixin, IdField
from yiwang.core.masking import mask_name

MONEY_PATTERN = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"


RATE_PATTERN = r"^[0-9](\.[0-9]{1,3})?$"
MU_PATTERN = r"^[0-9]{1,8}(\.[0-9]{1,2})?$"


def _decimal_field(pattern: str, max_digits: int, decimal_places: int, nullable: bool):
    """A DecimalField whose schema says what it reads: digits, a point and decimals (the
    generated pattern would let an empty text through)."""
    schema = {"type": "string", "format": "decimal", "pattern": pattern}
    if nullable:
        schema["nullable"] = True

    @extend_schema_field(schema)
    class Field(serializers.DecimalField):
        def __init__(self, **kwargs):
            super().__init__(max_digits=max_digits, decimal_places=decimal_places, **kwargs)

    return Field


_FIELDS = {
    (kind, nullable): _decimal_field(pattern, digits, places, nullable)
    for kind, pattern, digits, places in (
        ("money", MONEY_PATTERN, 14, 2),
        ("rate", RATE_PATTERN, 4, 3),
        ("mu", MU_PATTERN, 10, 2),
    )
    for nullable in (False, True)
}


def _money(**kwargs):
    """Yuan to the fen, read as text ("1160000.00")."""
    return _FIELDS["money", bool(kwargs.get("allow_null"))](**kwargs)


def _rate(**kwargs):
    """A share of one, to three decimals ("0.100")."""
    return _FIELDS["rate", bool(kwargs.get("allow_null"))](**kwargs)


def _mu(**kwargs):
    """Mu of land to two decimals."""
    return _FIELDS["mu", bool(kwargs.get("allow_null"))](**kwargs)


# --- names: one rule, access.sees_member_names -------------------------------------------


def shows_names(context, cooperative_id: int, area_code: str) -> bool:
    """Whether the reader reads the members' names of the cooperative in full: the rule of
    the pages, access.sees_member_names (its keepers and its current board; everyone else
    reads them masked, 张*三). Memoised per cooperative in the serializer's context; no
    query of its own (the cooperative's id and village are on every member's row)."""
    request = context.get("request")
    if request is None:
        return False
    memo = context.setdefault("_sees_names", {})
    if cooperative_id not in memo:
        memo[cooperative_id] = access.sees_member_names(
            request.user, SimpleNamespace(pk=cooperative_id, area_code=area_code)
        )
    return memo[cooperative_id]


def member_name(context, member) -> str:
    if shows_names(context, member.cooperative_id, member.area_code):
        return member.name
    return mask_name(member.name)


# --- cooperatives and their board -------------------------------------------------------


class CoopBoardSeatSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = BoardSeat
        fields = ["id", "role", "name", "user", "appointed_on", "left_on", "left_reason"]
        read_only_fields = fields


class CooperativeSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Cooperative
        fields = [
            "id",
            "area_code",
            "name",
            "credit_code",
            "registered_on",
            "alliance",
            "reserve_rate",
            "holding_cap",
            "mode",
            "trading_share",
            "shares_per_yuan",
            "shares_per_mu",
            "shares_per_labour_day",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CooperativeDetailSerializer(CooperativeSerializer):
    """A cooperative with its board now (`board`: the current seats)."""

    board = serializers.SerializerMethodField(help_text="The seats held now.")

    class Meta(CooperativeSerializer.Meta):
        fields = [*CooperativeSerializer.Meta.fields, "board"]
        read_only_fields = fields

    @extend_schema_field(CoopBoardSeatSerializer(many=True))
    def get_board(self, coop) -> list:
        seats = [seat for seat in coop.board.all() if seat.left_on is None]
        return CoopBoardSeatSerializer(seats, many=True).data


class CoopCharterSerializer(serializers.Serializer):
    """The charter's key terms; on a change, only those given."""

    reserve_rate = _rate(
        required=False,
        min_value=Decimal(0),
        help_text="Taken from the surplus first: at least 0 and below 1 (0.100 for 10%).",
    )
    holding_cap = _rate(
        required=False,
        allow_null=True,
        help_text="The most one member may hold, a share of all shares (0.200); null: none.",
    )
    mode = serializers.ChoiceField(choices=DistributionMode.choices, required=False)
    trading_share = _rate(
        required=False,
        help_text="Returned by trading in the statutory mode: 0.600 to 1 (Art. 44).",
    )
    shares_per_yuan = serializers.IntegerField(required=False, min_value=1, max_value=10**6)
    shares_per_mu = serializers.IntegerField(required=False, min_value=1, max_value=10**8)
    shares_per_labour_day = serializers.IntegerField(required=False, min_value=1, max_value=10**6)


class CooperativeCreateSerializer(CoopCharterSerializer):
    area_code = serializers.CharField(max_length=18, help_text="The village's code.")
    name = serializers.CharField(max_length=100)
    credit_code = serializers.CharField(
        max_length=18,
        required=False,
        allow_blank=True,
        default="",
        help_text="The unified social credit code, if registered.",
    )
    alliance = IdField(required=False, allow_null=True, default=None)


class CoopAppointSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=BoardRole.choices)
    name = serializers.CharField(max_length=50)
    user = IdField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Their account (the accountant runs the distribution, the chair approves it).",
    )
    on = serializers.DateField(help_text="Appointed on.")


class CoopEndSeatSerializer(serializers.Serializer):
    seat = IdField(help_text="A current seat of the cooperative's board.")
    on = serializers.DateField(help_text="Left on.")
    reason = serializers.CharField(max_length=200)


# --- members, contributions, trading ----------------------------------------------------


class CoopMemberSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField(
        help_text="In full for the cooperative's keepers and board; masked (张*三) otherwise."
    )

    class Meta:
        model = Member
        fields = [
            "id",
            "cooperative",
            "kind",
            "household",
            "name",
            "joined_on",
            "left_on",
            "shares",
            "area_code",
        ]
        read_only_fields = fields

    def get_name(self, member) -> str:
        return member_name(self.context, member)


class CoopMemberCreateSerializer(serializers.Serializer):
    cooperative = IdField()
    kind = serializers.ChoiceField(choices=MemberKind.choices)
    household = IdField(
        required=False,
        allow_null=True,
        default=None,
        help_text="A household of the cooperative's village (kind household only).",
    )
    name = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="Left empty: the household's head, or the village collective.",
    )
    joined_on = serializers.DateField()


class CoopContributionSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Contribution
        fields = [
            "id",
            "uuid",
            "cooperative",
            "member",
            "kind",
            "amount",
            "area_mu",
            "days",
            "shares",
            "on",
            "note",
            "area_code",
            "created_at",
        ]
        read_only_fields = fields


class CoopContributionCreateSerializer(serializers.Serializer):
    uuid = serializers.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Made by the client: sending it again changes nothing and answers the "
        "stored contribution.",
    )
    cooperative = IdField()
    member = IdField()
    kind = serializers.ChoiceField(choices=ContributionKind.choices)
    amount = _money(
        required=False,
        allow_null=True,
        default=None,
        min_value=Decimal(0),
        help_text="Yuan, for money and the collective's assets.",
    )
    area_mu = _mu(
        required=False,
        allow_null=True,
        default=None,
        min_value=Decimal(0),
        help_text="Mu, for land.",
    )
    days = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=10**6
    )
    on = serializers.DateField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class CoopTradingSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Trading
        fields = [
            "id",
            "cooperative",
            "member",
            "year",
            "produce_sold",
            "services_bought",
            "area_code",
            "updated_at",
        ]
        read_only_fields = fields


class CoopTradingCreateSerializer(serializers.Serializer):
    cooperative = IdField()
    member = IdField()
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    produce_sold = _money(required=False, default="0", min_value=Decimal(0))
    services_bought = _money(required=False, default="0", min_value=Decimal(0))


# --- distributions ------------------------------------------------------------------------


@extend_schema_field(
    {
        "type": "string",
        "pattern": MONEY_PATTERN,
        "example": "1160000.00",
        "description": "Yuan to the fen, as text: a JSON number is refused.",
    }
)
class AmountTextField(serializers.Field):
    """An amount of yuan sent as text, handed to the service as sent: the service refuses
    a JSON number with decimals (a float, inexact) with its own message, and reads the
    text itself (a number, not negative, to the fen)."""

    def to_internal_value(self, data):
        if isinstance(data, str | float):
            return data
        raise serializers.ValidationError(_("Give the surplus in yuan as text, to the fen."))

    def to_representation(self, value):
        return str(value)


class CoopDistributionRunSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    surplus = AmountTextField(help_text='The year\'s surplus in yuan, as text: "1160000.00".')

    def validate_surplus(self, value):
        """A surplus beyond what a distribution's amounts hold is refused here, as by the
        page's form; everything else is the service's to read."""
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            return value
        if number.is_finite() and abs(number) > LARGEST:
            raise serializers.ValidationError(_("The surplus is at most 999,999,999,999.99 yuan."))
        return value


class CoopDistributionLineSerializer(serializers.ModelSerializer):
    member_name = serializers.SerializerMethodField(
        help_text="In full for the cooperative's keepers and board; masked (张*三) otherwise."
    )

    class Meta:
        model = DistributionLine
        fields = ["member", "member_name", "shares", "trading", "by_trading", "by_shares", "total"]
        read_only_fields = fields

    def get_member_name(self, line) -> str:
        return member_name(self.context, line.member)


class CoopDistributionSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    """A run without its lines (the lists)."""

    departs_from_art44 = serializers.SerializerMethodField(
        help_text="True when all goes by shares: Art. 44 returns at least 60% by trading."
    )

    class Meta:
        model = Distribution
        fields = [
            "id",
            "cooperative",
            "year",
            "status",
            "surplus",
            "reserve_rate",
            "reserve",
            "distributable",
            "trading_pool",
            "shares_pool",
            "mode",
            "trading_share",
            "departs_from_art44",
            "area_code",
            "created_by",
            "created_at",
            "approved_by",
            "approved_at",
        ]
        read_only_fields = fields

    def get_departs_from_art44(self, run) -> bool:
        return run.mode == DistributionMode.BY_SHARES


class CoopDistributionDetailSerializer(CoopDistributionSerializer):
    """A run with the steps that explain it and one line a member."""

    steps = serializers.ListField(
        child=serializers.CharField(),
        source="step_texts",
        read_only=True,
        help_text="Each step in words, in the request's language.",
    )
    lines = CoopDistributionLineSerializer(many=True, read_only=True)

    class Meta(CoopDistributionSerializer.Meta):
        fields = [*CoopDistributionSerializer.Meta.fields, "steps", "lines"]
        read_only_fields = fields
