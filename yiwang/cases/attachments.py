"""Photos of cases as they are served: the file of an attachment with its download name,
and the signed addresses under which the public sees them. The photos themselves are
read, stored and served by yiwang.core.photos."""

from __future__ import annotations

from django.core import signing
from django.http import FileResponse
from django.urls import reverse

from yiwang.core import photos

_SIGNING_SALT = "yiwang.cases.photo"


def file_response(attachment, variant: str) -> FileResponse:
    """The stored photo (or its thumbnail), for a view that has checked who may see it,
    named after the case and the attachment."""
    if variant == "thumbnail":
        filename = f"{attachment.case_id}-{attachment.pk}-thumbnail.jpg"
    else:
        extension = attachment.file.name.rsplit(".", 1)[-1]
        filename = f"{attachment.case_id}-{attachment.pk}.{extension}"
    return photos.file_response(attachment, variant, filename)


def public_token(attachment) -> str:
    """What the public address of a photo carries instead of the case's tracking code,
    which stays out of addresses and logs: the attachment's id, signed."""
    return signing.Signer(salt=_SIGNING_SALT).sign(str(attachment.pk))


def attachment_from_token(token: str) -> int | None:
    try:
        return int(signing.Signer(salt=_SIGNING_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None


def public_urls(attachment) -> dict:
    """The addresses under which anyone who holds them sees the public copy of a photo:
    for the tracking page (and Open311's media_url)."""
    token = public_token(attachment)
    return {
        "image": reverse("cases:public-photo", args=[token, "image"]),
        "thumbnail": reverse("cases:public-photo", args=[token, "thumbnail"]),
    }
