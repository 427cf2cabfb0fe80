"""Model fields shared by the apps.

`EncryptedTextField` keeps a secret (a group robot's address, which carries its key, and
its signing secret) encrypted at rest with Fernet (AES-128-CBC with HMAC-SHA256, from the
`cryptography` package). The keys come from the setting FIELD_ENCRYPTION_KEYS (the
environment variable of that name: one or more URL-safe base64 Fernet keys separated by
commas, the first encrypts, every one decrypts, so a key can be rotated); without it, one
key is derived from SECRET_KEY by HKDF, which is enough on one machine. The value in Python
is the plain text; the column holds only the token.
"""

from __future__ import annotations

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@functools.cache
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    if not keys:
        derived = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=b"yiwang.fields", info=b"encrypted-field"
        ).derive(secret_key.encode())
        keys = (base64.urlsafe_b64encode(derived).decode(),)
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS: each key must be 32 url-safe base64-encoded bytes "
            "(cryptography.fernet.Fernet.generate_key())."
        ) from error


def fernet() -> MultiFernet:
    keys = tuple(k for k in getattr(settings, "FIELD_ENCRYPTION_KEYS", ()) if k)
    return _fernet(keys, settings.SECRET_KEY)


def encrypt(text: str) -> str:
    return fernet().encrypt(text.encode()).decode() if text else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ImproperlyConfigured(
            "An encrypted value cannot be read with the keys of FIELD_ENCRYPTION_KEYS "
            "(or SECRET_KEY): was a key changed without keeping the old one?"
        ) from error


class EncryptedTextField(models.TextField):
    """Text stored encrypted. It cannot be searched or ordered on in the database."""

    def from_db_value(self, value, expression, connection):
        return None if value is None else decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return value if value is None else encrypt(value)
