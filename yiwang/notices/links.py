"""The signed personal link (/n/<token>/) that acknowledges an announcement without
logging in: from a chat message or an SMS. Signed with the site's key and its own salt
over the receipt and its person, dated: it works for NOTICE_ACK_LINK_DAYS days."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse

from yiwang.notices.models import AnnouncementStatus, Receipt

LINK_SALT = "yiwang.notices.ack"


def link_token(receipt: Receipt) -> str:
    """A token for the receipt's person only, signed with the site's key and dated: the
    link works without logging in, for LINK_DAYS days (settings.NOTICE_ACK_LINK_DAYS)."""
    return signing.TimestampSigner(salt=LINK_SALT).sign(f"{receipt.pk}.{receipt.user_id}")


def link_url(receipt: Receipt) -> str:
    return settings.SITE_URL + reverse("notices:ack-link", args=[link_token(receipt)])


def receipt_of_token(token: str) -> Receipt | None:
    """The receipt a link names, or None for a forged, altered or expired one."""
    max_age = datetime.timedelta(days=settings.NOTICE_ACK_LINK_DAYS)
    try:
        value = signing.TimestampSigner(salt=LINK_SALT).unsign(str(token)[:200], max_age=max_age)
    except signing.BadSignature:
        return None
    receipt_id, _sep, user_id = value.partition(".")
    if not (receipt_id.isdigit() and user_id.isdigit()):
        return None
    return (
        Receipt.objects.select_related("announcement", "user")
        .filter(pk=int(receipt_id), user_id=int(user_id), user__is_active=True)
        .exclude(announcement__status=AnnouncementStatus.CANCELLED)
        .first()
    )
