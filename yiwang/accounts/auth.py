"""API token authentication: django-rest-knox's hashed, expiring tokens, refused once the
user holds no current post; and how the OpenAPI schema describes them."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox import auth as knox_auth
from rest_framework import exceptions

from yiwang.accounts import scope


def may_use_tokens(user) -> bool:
    """An active account with a current post (or an active superuser)."""
    if not user.is_active:
        return False
    return user.is_superuser or bool(scope.current_posts(user))


class TokenAuthentication(knox_auth.TokenAuthentication):
    """`Authorization: Token <key>`. The key is looked up by its first characters and
    compared by digest (knox); an expired key is deleted and refused."""

    def validate_user(self, auth_token):
        user = auth_token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("This account is disabled."))
        if not may_use_tokens(user):
            raise exceptions.AuthenticationFailed(
                _("Your posts have ended: your API tokens can no longer be used.")
            )
        return user, auth_token

    def _cleanup_token(self, auth_token) -> bool:
        # Only the token in hand: knox also reads all the user's other tokens on every
        # request to delete expired ones; issuing a token does that instead.
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False

    def authenticate_credentials(self, token: bytes):
        # A key that is not text (bytes that are no UTF-8) is no key: 401, never a 500.
        try:
            token.decode("utf-8")
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        return super().authenticate_credentials(token)

    def authenticate_key(self, key: str):
        """(user, token) for a key that came by another way than the header (Open311)."""
        return self.authenticate_credentials(key.encode("utf-8"))


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "yiwang.accounts.auth.TokenAuthentication"
    match_subclasses = True
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        scheme = build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix="Token"
        )
        scheme["description"] = (
            'An API token from POST /api/v1/auth/token/, sent as "Token <key>"; it expires '
            "and can be revoked (DELETE /api/v1/auth/token/)."
        )
        return scheme
