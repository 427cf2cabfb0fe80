"""Photos of cases: the type read from the bytes (never the name or the browser's word),
the size and pixel count bounded, every piece of metadata dropped (EXIF with its GPS
position, XMP, ICC, comments) by re-encoding the pixels alone, and a thumbnail; and the
signed addresses under which the public sees them."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 9  # a report's photos, and a resolution's
# A 50-megapixel photo decodes to 150 MB; more is refused before anything is decoded
# (a small file can claim a huge canvas: a decompression bomb).
MAX_PIXELS = 50_000_000
THUMBNAIL_SIZE = 320
# Pillow's format name → (content type, file extension).
FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
# The modes each format keeps; anything else is converted (CMYK JPEGs to RGB, palettes
# and 16-bit PNGs to RGBA).
_MODES = {"JPEG": {"RGB", "L"}, "PNG": {"1", "L", "LA", "RGB", "RGBA"}, "WEBP": {"RGB", "RGBA"}}
_SAVE_OPTIONS = {
    "JPEG": {"quality": 85, "optimize": True},
    "PNG": {"optimize": True},
    "WEBP": {"quality": 85, "method": 4},
}
_SIGNING_SALT = "yiwang.cases.photo"


@dataclass(frozen=True)
class Photo:
    """A photo as it is stored: the re-encoded image and its JPEG thumbnail."""

    content: bytes
    thumbnail: bytes
    content_type: str
    extension: str
    width: int
    height: int


def _refuse(label: str, reason: str) -> ValidationError:
    return ValidationError(
        _("%(file)s: %(reason)s") % {"file": label, "reason": reason}, code="invalid"
    )


def _label(upload, number: int) -> str:
    name = str(getattr(upload, "name", "") or "")[:80]
    return (
        _("Photo %(n)d (%(name)s)") % {"n": number, "name": name}
        if name
        else _("Photo %(n)d") % {"n": number}
    )


def _pixels_only(image: Image.Image, format_name: str) -> Image.Image:
    """The pixels, turned upright, in a fresh image that carries no metadata at all."""
    image = ImageOps.exif_transpose(image)
    if image.mode not in _MODES[format_name]:
        has_alpha = "A" in image.getbands() or "transparency" in image.info
        if format_name == "JPEG":
            image = image.convert("RGB")
        else:
            image = image.convert("RGBA" if has_alpha else "RGB")
    return Image.frombytes(image.mode, image.size, image.tobytes())


def _encode(image: Image.Image, format_name: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format=format_name, **options)
    return out.getvalue()


def _thumbnail(image: Image.Image) -> bytes:
    thumb = image.copy()
    thumb.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
    if thumb.mode in ("LA", "RGBA"):  # transparent areas on white
        background = Image.new("RGB", thumb.size, "white")
        background.paste(thumb, mask=thumb.getchannel("A"))
        thumb = background
    elif thumb.mode != "RGB":
        thumb = thumb.convert("RGB")
    return _encode(thumb, "JPEG", quality=80, optimize=True)


def read_photo(upload, number: int = 1) -> Photo:
    """Reads one uploaded file as a photo, or raises a ValidationError that names it.
    Accepts JPEG, PNG and WebP by their bytes, whatever the file is called."""
    label = _label(upload, number)
    if getattr(upload, "size", 0) > MAX_BYTES:
        raise _refuse(label, _("larger than 10 MB; send a smaller photo."))
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _refuse(label, _("larger than 10 MB; send a smaller photo."))
    not_a_photo = _refuse(label, _("not a JPEG, PNG or WebP image."))
    too_large = _refuse(
        label,
        _("more than %(n)d megapixels, more than a photo needs; send a smaller one.")
        % {"n": MAX_PIXELS // 1_000_000},
    )
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb check only warns below twice its limit.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(FORMATS)) as probe:
                format_name = probe.format
                width, height = probe.size
                if width * height > MAX_PIXELS:
                    raise too_large
                probe.verify()
            # verify() leaves the image unusable: open it again to decode it.
            with Image.open(io.BytesIO(data), formats=[format_name]) as image:
                image.load()
                clean = _pixels_only(image, format_name)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise too_large from exc
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
        MemoryError,
    ) as exc:
        raise not_a_photo from exc
    content_type, extension = FORMATS[format_name]
    return Photo(
        content=_encode(clean, format_name, **_SAVE_OPTIONS[format_name]),
        thumbnail=_thumbnail(clean),
        content_type=content_type,
        extension=extension,
        width=clean.width,
        height=clean.height,
    )


def read_photos(files, already: int = 0) -> list[Photo]:
    """Reads the photos of one upload (at most MAX_FILES with the `already` stored), or
    raises a ValidationError on `files` listing every file that is refused. Call it
    before the transaction: decoding a large photo takes a while."""
    files = [f for f in files if f is not None]
    if already + len(files) > MAX_FILES:
        raise ValidationError(
            {
                "files": [
                    _("At most %(max)d photos; this would make %(n)d.")
                    % {"max": MAX_FILES, "n": already + len(files)}
                ]
            }
        )
    photos, errors = [], []
    for number, upload in enumerate(files, start=1):
        if isinstance(upload, Photo):
            photos.append(upload)
            continue
        try:
            photos.append(read_photo(upload, number))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError({"files": errors})
    return photos


# --- serving ----------------------------------------------------------------------------


def file_response(attachment, variant: str) -> FileResponse:
    """The stored photo (or its thumbnail), for a view that has checked who may see it.
    Private caching: the bytes behind an address never change."""
    if variant == "thumbnail":
        stored, content_type = attachment.thumbnail, "image/jpeg"
        filename = f"{attachment.case_id}-{attachment.pk}-thumbnail.jpg"
    else:
        stored, content_type = attachment.file, attachment.content_type
        filename = f"{attachment.case_id}-{attachment.pk}.{stored.name.rsplit('.', 1)[-1]}"
    response = FileResponse(stored.open("rb"), content_type=content_type, filename=filename)
    response["Cache-Control"] = "private, max-age=86400"
    return response


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
