"""API v1 of micro-wishes (微心愿).

- `GET /wishes/` (filters `status`, `under`, `raised`), `GET /wishes/{id}/`: the wishes of
  your scope; the recipient's and the claimer's names masked, and the name of who
  confirmed it fulfilled (`confirmed_by_recipient`) unless you may reveal personal data.
- `POST /wishes/` `{"recipient", "title", "description", "value"}`: records a wish on a
  resident's behalf (201).
- `POST /wishes/{id}/claim/` `{"uuid", "kind", "volunteer", "enterprise", "claimer_name",
  "group_members"}`: 201 with the claim; the same `uuid` again answers 200 with the stored
  claim; 409 `{"detail": …}` when someone else claimed it first (their name masked); 400
  for a wish fulfilled or cancelled and for bad input; 404 outside your scope.
- `POST /wishes/{id}/fulfil/` multipart `photos` (one or more) and `confirmed_by`: 200 with
  the wish fulfilled; 400 when a file is not an image (nothing changes); 409 when it was
  fulfilled already.
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from yiwang.core.api import BuiltOnceFieldsMixin, IdField, NumberOrTextField, ScopedViewSet
from yiwang.core.masking import mask_name
from yiwang.core.parsers import DepthLimitedJSONParser
from yiwang.volunteering.api.fields import UUIDTextField
from yiwang.volunteering.filters.wishes import WishFilterSet
from yiwang.volunteering.models import ClaimerKind, Wish, WishClaim
from yiwang.volunteering.services import wishes as services

# --- serializers ------------------------------------------------------------------------


class WishClaimSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    claimer_name = serializers.SerializerMethodField(help_text="Masked: 李*心.")

    class Meta:
        model = WishClaim
        fields = [
            "id",
            "uuid",
            "wish",
            "kind",
            "volunteer",
            "enterprise",
            "claimer_name",
            "claimed_at",
        ]
        read_only_fields = fields

    def get_claimer_name(self, claim) -> str:
        return mask_name(claim.claimer_name)


class WishSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    recipient_name = serializers.SerializerMethodField(help_text="Masked: 王*明.")
    confirmed_by_recipient = serializers.SerializerMethodField(
        help_text="Who confirmed it fulfilled (the recipient or their guardian): masked "
        "(王*妈), in full for someone who may reveal personal data."
    )
    claim = serializers.SerializerMethodField()

    class Meta:
        model = Wish
        fields = [
            "id",
            "number",
            "area_code",
            "recipient",
            "recipient_name",
            "title",
            "description",
            "value",
            "status",
            "claim",
            "raised_at",
            "fulfilled_at",
            "confirmed_by_recipient",
            "story",
            "created_at",
        ]
        read_only_fields = fields

    def get_recipient_name(self, wish) -> str:
        return mask_name(wish.recipient.name)

    def get_confirmed_by_recipient(self, wish) -> str:
        # Without a request (no user): masked.
        request = self.context.get("request")
        return services.confirmed_by_shown(
            getattr(request, "user", None), wish.confirmed_by_recipient
        )

    @extend_schema_field(WishClaimSerializer(allow_null=True))
    def get_claim(self, wish):
        try:
            claim = wish.claim  # read with the wish (select_related)
        except WishClaim.DoesNotExist:
            return None
        return WishClaimSerializer(claim).data


class WishCreateSerializer(serializers.Serializer):
    recipient = IdField(help_text="The resident whose wish it is, from /api/v1/residents/.")
    title = serializers.CharField(
        max_length=services.TITLE_MAX,
        help_text="Public (the wish wall): what is wished for, never the person's name.",
    )
    description = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="For those who work in the area only, never on the wish wall.",
    )
    value = NumberOrTextField(
        required=False,
        allow_null=True,
        allow_blank=True,
        default=None,
        help_text="Estimated value in yuan, e.g. 180 or 35.50.",
    )


class ClaimSerializer(serializers.Serializer):
    uuid = UUIDTextField(
        help_text="Made by the client for each claim (a UUID): sending it again changes "
        "nothing and answers the stored claim."
    )
    kind = serializers.ChoiceField(choices=ClaimerKind.choices)
    volunteer = IdField(required=False, allow_null=True, default=None)
    enterprise = IdField(required=False, allow_null=True, default=None)
    claimer_name = serializers.CharField(required=False, allow_blank=True, default="")
    group_members = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="A group's claim: its members."
    )


class FulfilSerializer(serializers.Serializer):
    photos = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True),
        min_length=1,
        max_length=9,
        help_text="One to 9 JPEG, PNG or WebP photos of the wish fulfilled.",
    )
    confirmed_by = serializers.CharField(
        allow_blank=True, help_text="The recipient, or their guardian, who confirmed it."
    )


class RefusedSerializer(serializers.Serializer):
    detail = serializers.CharField()


ERRORS = {
    400: OpenApiResponse(description="Bad input: {field: [reason]}."),
    403: OpenApiResponse(description="You do not record in the wish's area."),
    404: OpenApiResponse(description="No such wish in your scope."),
}


# --- viewsets ---------------------------------------------------------------------------


class WishViewSet(ScopedViewSet):
    """The micro-wishes of your scope. POST records one; `claim/` claims it (one claim
    wins, idempotent on its `uuid`); `fulfil/` records it fulfilled with photos."""

    queryset = Wish.objects.none()  # the model, for the schema
    serializer_class = WishSerializer
    filterset_class = WishFilterSet
    parser_classes = [DepthLimitedJSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Wish.objects.none()
        return (
            Wish.objects.visible_to(self.request.user)
            .select_related("recipient", "claim")
            .order_by("-created_at", "-id")
        )

    def handle_exception(self, exc):
        if isinstance(exc, services.Conflict):
            return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_409_CONFLICT)
        return super().handle_exception(exc)

    def _answer(self, wish, code=status.HTTP_200_OK):
        wish = self.get_queryset().get(pk=wish.pk)
        return Response(
            WishSerializer(wish, context=self.get_serializer_context()).data,
            status=code,
            headers={"Location": reverse("api:wish-detail", args=[wish.pk])},
        )

    @extend_schema(
        request=WishCreateSerializer,
        responses={201: WishSerializer, **ERRORS, 409: OpenApiResponse(RefusedSerializer)},
    )
    def create(self, request):
        """Records a wish on behalf of a resident of your scope."""
        data = WishCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        wish = services.record_wish(request.user, **data.validated_data)
        return self._answer(wish, status.HTTP_201_CREATED)

    @extend_schema(
        request=ClaimSerializer,
        responses={
            201: WishClaimSerializer,
            200: OpenApiResponse(WishClaimSerializer, description="Sent before: the stored claim."),
            **ERRORS,
            409: OpenApiResponse(
                RefusedSerializer, description="Someone else claimed it first: nothing changed."
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None):
        """Claims the wish for a volunteer, a party member, an enterprise or a group."""
        data = ClaimSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        made, created = services.claim_wish(request.user, pk, **data.validated_data)
        return Response(
            WishClaimSerializer(made).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        request={"multipart/form-data": FulfilSerializer},
        responses={
            200: WishSerializer,
            **ERRORS,
            409: OpenApiResponse(RefusedSerializer, description="Fulfilled already."),
        },
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def fulfil(self, request, pk=None):
        """Records the claimed wish fulfilled, with photos and the recipient's confirmation."""
        data = FulfilSerializer(
            data={
                "photos": request.FILES.getlist("photos"),
                "confirmed_by": request.data.get("confirmed_by", ""),
            }
        )
        data.is_valid(raise_exception=True)
        wish = services.fulfil_wish(request.user, pk, **data.validated_data)
        return self._answer(wish)


def register(router) -> None:
    """Adds this topic's viewsets to the router."""
    router.register("wishes", WishViewSet, basename="wish")
