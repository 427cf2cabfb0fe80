"""Photos, as every module stores them (a case's, a visit's): read with the type taken
from the bytes (never the name or the browser's word), the size and pixel count bounded,
every piece of metadata dropped (EXIF with its GPS position, XMP, ICC, comments) by
re-encoding the pixels alone, with a thumbnail; stored under a random name, the files
removed again when the write that stored them fails; and served to a view that has
checked who may see them.

A module's photo model has `file` and `thumbnail` (FileFields with its own `upload_to`),
`content_type`, `size`, `width` and `height`. Read the uploads with `read_photos` before
the transaction (decoding takes a while); inside it, `store` each photo into its row,
within `removed_on_failure()` put around the transaction.
"""

from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.http import FileResponse
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from yiwang.core import storage

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 9  # photos in one upload: a report's, a resolution's, a visit's
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


# --- storing ----------------------------------------------------------------------------


# The files a write stored, deleted again when it fails (see yiwang.core.storage).
removed_on_failure = storage.removed_on_failure


def row_values(photo: Photo) -> dict:
    """What a photo row records of the photo besides its files."""
    return {
        "content_type": photo.content_type,
        "size": len(photo.content),
        "width": photo.width,
        "height": photo.height,
    }


def store(row, photo: Photo, stored: list[str]) -> None:
    """Saves a photo and its thumbnail into the `file` and `thumbnail` fields of `row` (not
    the row itself) under a random name (never the uploader's), and notes both files in
    `stored` (see removed_on_failure)."""
    name = secrets.token_hex(16)
    with storage.guarded():  # the store down: StorageUnavailable, a Chinese message
        row.file.save(f"{name}.{photo.extension}", ContentFile(photo.content), save=False)
        stored.append(row.file.name)
        row.thumbnail.save(f"{name}-thumb.jpg", ContentFile(photo.thumbnail), save=False)
        stored.append(row.thumbnail.name)


# --- serving ----------------------------------------------------------------------------


def file_response(row, variant: str, filename: str = "") -> FileResponse:
    """The stored photo of `row` (or its JPEG thumbnail, `variant` "thumbnail"), for a view
    that has checked who may see it; `filename` for the download. Private caching: the
    bytes behind an address never change."""
    if variant == "thumbnail":
        stored, content_type = row.thumbnail, "image/jpeg"
    else:
        stored, content_type = row.file, row.content_type
    with storage.guarded():  # read here, so that the store down is a 503, not a 500
        response = FileResponse(stored.open("rb"), content_type=content_type, filename=filename)
    response["Cache-Control"] = "private, max-age=86400"
    return response
