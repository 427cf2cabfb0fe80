"""Benefit passes (权益卡): signed tokens a bus conductor or a gate keeper checks offline.

A pass is a JWS compact token signed with Ed25519 (`EdDSA`, with the key's `kid`). The
private keys are kept encrypted with a key derived from SECRET_KEY; the public keys are
published as a JWKS. A retired key signs nothing more but stays published until the last
pass it signed has expired, so a rotation keeps old passes valid.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yiwang.core.models import ScopedModel, TimeStampedModel
from yiwang.points.models.evaluation import AwardKind
from yiwang.points.models.lists import TEXT_MAX


class Benefit(TimeStampedModel):
    """What the residents of a winning grid get for the next month (county buses, a
    scenic spot), and the operator whose conductors or gate keepers check it."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    operator = models.CharField(_("operator"), max_length=100)
    award = models.CharField(
        _("for the award"),
        max_length=20,
        choices=AwardKind.choices,
        default=AwardKind.RED_FLAG_GRID,
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("benefit")
        verbose_name_plural = _("benefits")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class SigningKey(models.Model):
    """An Ed25519 key pair; `private_key` is encrypted (Fernet, from SECRET_KEY)."""

    kid = models.CharField(_("key id"), max_length=40, unique=True)
    public_key = models.CharField(_("public key (base64url)"), max_length=60)
    private_key = models.TextField(_("private key (encrypted)"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.kid


class Pass(ScopedModel):
    """A household's pass to one benefit for a period (`area_code`: the household's
    unit). `token` is the signed JWS; `pass_id` its `jti`."""

    pass_id = models.UUIDField(_("pass id"), unique=True, default=uuid.uuid4, editable=False)
    benefit = models.ForeignKey(
        Benefit, verbose_name=_("benefit"), on_delete=models.PROTECT, related_name="passes"
    )
    selection = models.ForeignKey(
        "points.Selection",
        verbose_name=_("award"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="passes",
    )
    grid_code = models.CharField(_("grid"), max_length=18)
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="passes",
    )
    holder_masked = models.CharField(_("holder"), max_length=60)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    key = models.ForeignKey(
        SigningKey, verbose_name=_("signed with"), on_delete=models.PROTECT, related_name="+"
    )
    token = models.TextField(_("token"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoke_reason = models.CharField(_("reason for revoking"), max_length=TEXT_MAX, blank=True)

    class Meta:
        verbose_name = _("benefit pass")
        verbose_name_plural = _("benefit passes")
        ordering = ["-valid_from", "area_code", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["benefit", "household", "valid_from"], name="points_pass_once"
            ),
        ]
        indexes = [
            models.Index(fields=["valid_to", "area_code"], name="points_pass_valid"),
        ]


class PassUse(models.Model):
    """One use of a pass as a verifier recorded it (offline, sent when back online).
    `uuid` is the verifier's, so a use sent twice is kept once; `flagged` when the same
    pass was used at another place within minutes."""

    uuid = models.UUIDField(_("UUID"), unique=True)
    benefit_pass = models.ForeignKey(
        Pass, verbose_name=_("pass"), on_delete=models.PROTECT, related_name="uses"
    )
    used_at = models.DateTimeField(_("used at"))
    place = models.CharField(_("place"), max_length=100)
    device = models.CharField(_("device"), max_length=60, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    flagged = models.BooleanField(_("flagged"), default=False)

    class Meta:
        verbose_name = _("pass use")
        verbose_name_plural = _("pass uses")
        ordering = ["-used_at", "-id"]
        indexes = [
            models.Index(fields=["benefit_pass", "used_at"], name="points_pass_use"),
        ]

    def __str__(self) -> str:
        return f"{self.used_at:%Y-%m-%d %H:%M} {self.place}"


class Verifier(models.Model):
    """A registered verifier device (a bus conductor's or a gate keeper's phone) of an
    operator. The county admin registers it and is shown its code once; the device sends
    the code (`Authorization: Verifier <code>`) to fetch the keys and the revocation list
    and to send its uses. Only the code's SHA-256 is kept: the code is random (80 bits),
    so a hash without salt is enough, and one indexed lookup finds the device."""

    name = models.CharField(_("name"), max_length=60)
    operator = models.CharField(_("operator"), max_length=100)
    place = models.CharField(_("place"), max_length=100, blank=True)
    code_hash = models.CharField(_("code (SHA-256)"), max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("last seen at"), null=True, blank=True)

    class Meta:
        verbose_name = _("pass verifier")
        verbose_name_plural = _("pass verifiers")
        ordering = ["operator", "name", "id"]

    def __str__(self) -> str:
        return self.name
