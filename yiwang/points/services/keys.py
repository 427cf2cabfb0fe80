"""The signing keys of the benefit passes, and the compact JWS (RFC 7515) they sign.

One small interface holds the algorithm (`Algorithm`: generate, sign, verify, the public
JWK): Ed25519 (`EdDSA`, RFC 8037) today; where a commercial-cryptography review (密评)
requires SM2, an SM2 class with the same four methods replaces `ALGORITHM`, and nothing
else changes.

- A key's private half is kept encrypted (Fernet, core.fields: FIELD_ENCRYPTION_KEYS or a
  key derived from SECRET_KEY); its public half in base64url.
- `current_key()` is the newest key not retired, made on first use.
- `rotate_key(actor)` (the county admin; `manage.py points_rotate_key`) makes a new key and
  retires the others: a retired key signs nothing more, but stays in the JWKS until every
  pass it signed has expired, so the passes it signed stay valid until their end.
- Public keys are cached in the process by `kid` (a kid's key never changes), private keys
  too once decrypted, so that verifying and issuing in bulk touch the database little.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.core import audit
from yiwang.core.fields import decrypt, encrypt
from yiwang.points.models import Pass, SigningKey


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """base64url without padding (RFC 7515 §2); ValueError on anything else."""
    if not isinstance(text, str) or "=" in text:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Ed25519:
    """EdDSA over Ed25519 (RFC 8037): 32-byte keys, 64-byte signatures."""

    alg = "EdDSA"

    def generate(self) -> tuple[bytes, bytes]:
        private = Ed25519PrivateKey.generate()
        raw = private.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        public = private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return raw, public

    def signer(self, private: bytes):
        return Ed25519PrivateKey.from_private_bytes(private)

    def verifier(self, public: bytes):
        return Ed25519PublicKey.from_public_bytes(public)

    def sign(self, signer, data: bytes) -> bytes:
        return signer.sign(data)

    def verify(self, verifier, signature: bytes, data: bytes) -> bool:
        try:
            verifier.verify(signature, data)
        except InvalidSignature:
            return False
        return True

    def jwk(self, public: bytes) -> dict:
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url(public)}


ALGORITHM = Ed25519()

_public_keys: dict[str, object] = {}
_private_keys: dict[str, object] = {}


def thumbprint(jwk: dict) -> str:
    """The key's RFC 7638 thumbprint (SHA-256 of its required members, in order)."""
    members = {
        name: jwk[name] for name in sorted(jwk) if name in {"crv", "kty", "x", "y", "e", "n"}
    }
    digest = hashlib.sha256(json.dumps(members, separators=(",", ":")).encode()).digest()
    return b64url(digest)


def _snapshot(key: SigningKey) -> dict:
    return {"kid": key.kid, "created_at": key.created_at, "retired_at": key.retired_at}


def _new_key() -> SigningKey:
    private, public = ALGORITHM.generate()
    # The thumbprint's first 16 characters (96 bits), and a random tail against a clash.
    kid = f"{thumbprint(ALGORITHM.jwk(public))[:16]}{secrets.token_hex(2)}"
    return SigningKey.objects.create(
        kid=kid, public_key=b64url(public), private_key=encrypt(b64url(private))
    )


def current_key() -> SigningKey:
    """The key that signs new passes: the newest not retired; one is made if none."""
    key = SigningKey.objects.filter(retired_at__isnull=True).order_by("-created_at", "-id").first()
    if key is not None:
        return key
    with transaction.atomic():
        # Two issuers at the very same first moment may each make one: the newest signs,
        # and both are published.
        key = _new_key()
        audit.record(actor=None, action="pass.key_create", obj=key, after=_snapshot(key))
        return key


@transaction.atomic
def rotate_key(actor) -> SigningKey:
    """A new signing key (the county admin; None at the command line); every other key is
    retired: it signs nothing more and stays published until its last pass has expired."""
    scope.require_configure(
        actor, message=_("Only the county admin may rotate the signing keys."), recheck=True
    )
    now = timezone.now()
    old = list(SigningKey.objects.select_for_update().filter(retired_at__isnull=True))
    for key in old:
        before = _snapshot(key)
        key.retired_at = now
        key.save(update_fields=["retired_at"])
        audit.record(
            actor=actor, action="pass.key_retire", obj=key, before=before, after=_snapshot(key)
        )
    key = _new_key()
    audit.record(actor=actor, action="pass.key_rotate", obj=key, after=_snapshot(key))
    return key


def published_keys(today=None):
    """The keys a verifier needs: those not retired, and the retired ones that signed a
    pass not expired yet."""
    today = today or timezone.localdate()
    live = Pass.objects.filter(key=OuterRef("pk"), valid_to__gte=today)
    return SigningKey.objects.filter(Q(retired_at__isnull=True) | Q(Exists(live))).order_by(
        "-created_at", "-id"
    )


def public_jwk(key: SigningKey) -> dict:
    return {
        **ALGORITHM.jwk(b64url_decode(key.public_key)),
        "kid": key.kid,
        "use": "sig",
        "alg": ALGORITHM.alg,
    }


def jwks(today=None) -> dict:
    """The JWKS (RFC 7517) of the published keys."""
    return {"keys": [public_jwk(key) for key in published_keys(today)]}


def verifier_for(kid: str):
    """The public key of `kid`, ready to verify (cached in the process), or None for a kid
    this system never made."""
    found = _public_keys.get(kid)
    if found is None:
        text = SigningKey.objects.filter(kid=kid).values_list("public_key", flat=True).first()
        if text is None:
            return None
        found = _public_keys[kid] = ALGORITHM.verifier(b64url_decode(text))
    return found


def _signer(key: SigningKey):
    found = _private_keys.get(key.kid)
    if found is None:
        found = _private_keys[key.kid] = ALGORITHM.signer(b64url_decode(decrypt(key.private_key)))
    return found


def _json(value: dict) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def sign(payload: dict, key: SigningKey, typ: str = "JWT") -> str:
    """The compact JWS of `payload`, signed with `key` (which must not be retired)."""
    if key.retired_at is not None:
        raise ValueError(f"the key {key.kid} is retired and signs nothing more")
    header = {"alg": ALGORITHM.alg, "kid": key.kid, "typ": typ}
    signing_input = f"{b64url(_json(header))}.{b64url(_json(payload))}"
    signature = ALGORITHM.sign(_signer(key), signing_input.encode("ascii"))
    return f"{signing_input}.{b64url(signature)}"


def verify_signature(verifier, signature: bytes, signing_input: bytes) -> bool:
    return ALGORITHM.verify(verifier, signature, signing_input)
