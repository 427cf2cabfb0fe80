"""API v1 of points: benefit passes.

- `GET /passes/` (`?household=ID`, `?month=YYYY-MM`, `?benefit=CODE`, `?grid=CODE`,
  `?revoked=true|false`) and `GET /passes/{id}/`: the passes of the caller's scope.
- `GET /passes/jwks/`: the public keys (JWKS, RFC 7517), open to anyone, cacheable.
- `POST /passes/verify/` `{"token"}` → `{"valid", "reason", "code", "claims"}` (200 for
  every answer about a token; 400 without one).
- `GET /passes/verifier-bundle/`: what a verifier keeps for working offline: the JWKS,
  the ids of the revoked passes not expired, the benefits, the device.
- `POST /passes/uses/` `{"uses": [{"uuid", "token", "used_at", "place", "device"}]}` →
  `{"stored", "known", "refused", "flagged"}`: idempotent by each use's uuid.

Who may call verify, the bundle and uses: a signed-in user (token or session), or a
registered verifier device sending `Authorization: Verifier <code>` (its code, given once
by the county admin). A device reads no pass and no household: only the three routes.
"""

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, permissions, serializers
from rest_framework.authentication import BaseAuthentication
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.settings import api_settings

from yiwang.core.api import BuiltOnceFieldsMixin, ScopedViewSet
from yiwang.points.filters.passes import PassFilterSet
from yiwang.points.models import Benefit, Pass
from yiwang.points.models.passes import Verifier
from yiwang.points.services import keys
from yiwang.points.services import passes as services


class VerifierAuthentication(BaseAuthentication):
    """`Authorization: Verifier <code>`: a registered verifier device. The request's user
    stays anonymous; `request.auth` is the device."""

    keyword = "Verifier"

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        word, _sep, code = header.partition(" ")
        if word != self.keyword:
            return None
        device = services.verifier_for_code(code.strip())
        if device is None:
            raise exceptions.AuthenticationFailed(
                _("This device's code is not valid (any more): ask the county admin.")
            )
        from django.contrib.auth.models import AnonymousUser

        return AnonymousUser(), device

    def authenticate_header(self, request):
        return self.keyword


class VerifierAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "yiwang.points.api.passes.VerifierAuthentication"
    name = "verifierCode"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Verifier <code>`: a verifier device's code.",
        }


class UserOrVerifier(permissions.BasePermission):
    def has_permission(self, request, view):
        return bool(
            getattr(request.user, "is_authenticated", False) or isinstance(request.auth, Verifier)
        )


# The routes a verifier device calls: the device's code first, since a phone may also hold
# a staff session, whose CSRF rule would refuse the device's POSTs.
DEVICE_OR_USER = [VerifierAuthentication, *api_settings.DEFAULT_AUTHENTICATION_CLASSES]


class PassSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    benefit = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Pass
        fields = [
            "id",
            "pass_id",
            "benefit",
            "grid_code",
            "household",
            "holder_masked",
            "valid_from",
            "valid_to",
            "token",
            "revoked_at",
            "area_code",
        ]
        read_only_fields = fields


class VerifySerializer(serializers.Serializer):
    token = serializers.CharField(help_text="The pass's JWS compact token (as in its QR code).")


class VerifyAnswer(serializers.Serializer):
    valid = serializers.BooleanField()
    reason = serializers.CharField(help_text="In the reader's language.")
    code = serializers.ChoiceField(
        choices=[
            "valid",
            "malformed",
            "unknown_key",
            "bad_signature",
            "not_yet_valid",
            "expired",
            "unknown_pass",
            "revoked",
        ]
    )
    claims = serializers.DictField(allow_null=True, help_text="Once the signature checked.")


class UsesSerializer(serializers.Serializer):
    uses = serializers.ListField(child=serializers.DictField(), allow_empty=True)


class UsesAnswer(serializers.Serializer):
    stored = serializers.ListField(child=serializers.CharField())
    known = serializers.ListField(child=serializers.CharField(), help_text="Sent before.")
    refused = serializers.DictField(child=serializers.CharField(), help_text="{uuid: reason}")
    flagged = serializers.ListField(child=serializers.CharField())


def _benefits() -> dict:
    return {
        b.code: {"name": b.name, "operator": b.operator}
        for b in Benefit.objects.all().only("code", "name", "operator")
    }


class PassViewSet(ScopedViewSet):
    """Benefit passes of your scope; the JWKS; verifying a token; the verifiers' bundle
    and their uses."""

    queryset = Pass.objects.select_related("benefit")
    serializer_class = PassSerializer
    filterset_class = PassFilterSet
    lookup_value_regex = r"\d+"

    def get_permissions(self):
        if self.action == "jwks":
            return [permissions.AllowAny()]
        if self.action in {"verify", "bundle", "uses"}:
            return [UserOrVerifier()]
        return super().get_permissions()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Pass.objects.none()
        return super().get_queryset().order_by("-valid_from", "area_code", "id")

    @extend_schema(
        auth=[],
        responses={
            200: inline_serializer(
                "JWKS", {"keys": serializers.ListField(child=serializers.DictField())}
            )
        },
    )
    @action(detail=False, methods=["get"], authentication_classes=[], filter_backends=[])
    def jwks(self, request):
        """The public keys that sign the passes (OKP / Ed25519, `use: sig`, `alg: EdDSA`,
        with their `kid`): a retired key stays until the last pass it signed expires."""
        response = Response(keys.jwks())
        response["Cache-Control"] = "public, max-age=300"
        return response

    @extend_schema(
        request=VerifySerializer,
        responses={
            200: VerifyAnswer,
            400: OpenApiResponse(description="No token: {token: [reason]}."),
        },
    )
    @action(
        detail=False,
        methods=["post"],
        filter_backends=[],
        authentication_classes=DEVICE_OR_USER,
    )
    def verify(self, request):
        """Checks a pass's token: answers `valid` and the `reason` (malformed, unknown key,
        bad signature, not valid yet, expired, revoked). Nothing changes."""
        data = VerifySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.verify_token(data.validated_data["token"])
        return Response(
            {
                "valid": result.valid,
                "reason": result.reason,
                "code": result.code,
                "claims": result.claims,
            }
        )

    @extend_schema(
        responses={
            200: inline_serializer(
                "VerifierBundle",
                {
                    "jwks": serializers.DictField(),
                    "revoked": serializers.ListField(child=serializers.CharField()),
                    "benefits": serializers.DictField(),
                    "device": serializers.DictField(allow_null=True),
                    "max_uses": serializers.IntegerField(
                        help_text="The most uses POST /passes/uses/ takes at a time: a verifier "
                        "sends its kept uses in batches of at most so many."
                    ),
                    "generated_at": serializers.DateTimeField(),
                },
            )
        }
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="verifier-bundle",
        filter_backends=[],
        authentication_classes=DEVICE_OR_USER,
    )
    def bundle(self, request):
        """What a verifier keeps to check passes offline: the JWKS, the ids of the revoked
        passes still valid, the benefits' names and operators, the device itself."""
        from django.utils import timezone

        device = request.auth if isinstance(request.auth, Verifier) else None
        response = Response(
            {
                "jwks": keys.jwks(),
                "revoked": services.revoked_ids(),
                "benefits": _benefits(),
                "device": (
                    {
                        "id": device.pk,
                        "name": device.name,
                        "operator": device.operator,
                        "place": device.place,
                    }
                    if device
                    else None
                ),
                "max_uses": services.MAX_USES_A_BATCH,
                "generated_at": timezone.now(),
            }
        )
        response["Cache-Control"] = "private, no-cache"
        return response

    @extend_schema(
        request=UsesSerializer,
        responses={
            200: UsesAnswer,
            400: OpenApiResponse(
                description="Not a list of uses, or more than the bundle's `max_uses` at once."
            ),
        },
    )
    @action(
        detail=False,
        methods=["post"],
        filter_backends=[],
        authentication_classes=DEVICE_OR_USER,
    )
    def uses(self, request):
        """Stores the uses a verifier kept, each once by its uuid (sent again: `known`);
        a use at another place within minutes of another use of the same pass flags both."""
        data = UsesSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        device = request.auth if isinstance(request.auth, Verifier) else None
        report = services.record_uses(request.user, data.validated_data["uses"], verifier=device)
        return Response(
            {
                "stored": report.stored,
                "known": report.known,
                "refused": report.refused,
                "flagged": report.flagged,
            }
        )


def register(router) -> None:
    """Adds this topic's viewsets to the router."""
    router.register("passes", PassViewSet, basename="pass")
