"""Photos as every module stores them (core/photos.py): read without their metadata,
stored under a random name with a thumbnail, removed again when the write fails, served
with private caching. The cases' and the visits' tests check the same through their
services."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from yiwang.core import photos


class _StoredFile:
    """What `store` and `file_response` use of a FileField's value."""

    def __init__(self, folder: str):
        self.folder, self.name = folder, ""

    def save(self, name, content, save):
        assert save is False  # the row is the caller's to save
        self.name = default_storage.save(f"{self.folder}/{name}", content)

    def open(self, mode):
        return default_storage.open(self.name, mode)


class _Row:
    def __init__(self, **values):
        self.file, self.thumbnail = _StoredFile("core-test"), _StoredFile("core-test")
        self.__dict__.update(values)


def _jpeg_with_gps() -> SimpleUploadedFile:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Phone"
    exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] = "N"
    out = io.BytesIO()
    Image.new("RGB", (640, 480), "red").save(out, format="JPEG", exif=exif)
    return SimpleUploadedFile("IMG_0001.jpg", out.getvalue(), content_type="image/jpeg")


def test_it_stores_a_photo_without_its_metadata_under_a_name_of_its_own():
    [photo] = photos.read_photos([_jpeg_with_gps()])
    row = _Row(**photos.row_values(photo))
    stored: list[str] = []

    photos.store(row, photo, stored)

    assert stored == [row.file.name, row.thumbnail.name]
    assert row.file.name.endswith(".jpg") and "IMG_0001" not in row.file.name
    assert row.thumbnail.name == row.file.name[: -len(".jpg")] + "-thumb.jpg"
    with Image.open(default_storage.open(row.file.name)) as image:
        assert image.size == (640, 480) and not image.getexif()
    with Image.open(default_storage.open(row.thumbnail.name)) as thumbnail:
        assert max(thumbnail.size) == photos.THUMBNAIL_SIZE
    assert (row.content_type, row.width, row.height) == ("image/jpeg", 640, 480)
    assert row.size == len(photo.content)


def test_a_failed_write_removes_the_files_it_stored_and_a_good_one_keeps_them():
    [photo] = photos.read_photos([_jpeg_with_gps()])
    kept, dropped = _Row(), _Row()

    with photos.removed_on_failure() as stored:
        photos.store(kept, photo, stored)
    with pytest.raises(RuntimeError), photos.removed_on_failure() as stored:
        photos.store(dropped, photo, stored)
        raise RuntimeError("the commit failed")

    assert default_storage.exists(kept.file.name) and default_storage.exists(kept.thumbnail.name)
    assert not default_storage.exists(dropped.file.name)
    assert not default_storage.exists(dropped.thumbnail.name)


def test_it_refuses_what_is_not_a_photo_by_its_bytes_whatever_its_name():
    fake = SimpleUploadedFile("photo.jpg", b"%PDF-1.7 not a photo", content_type="image/jpeg")

    with pytest.raises(ValidationError) as raised:
        photos.read_photos([fake])
    assert "photo.jpg" in raised.value.message_dict["files"][0]


def test_it_serves_the_photo_or_its_thumbnail_privately():
    [photo] = photos.read_photos([_jpeg_with_gps()])
    row = _Row(**photos.row_values(photo))
    photos.store(row, photo, [])

    image = photos.file_response(row, "image", "7-1.jpg")
    thumbnail = photos.file_response(row, "thumbnail")

    assert (
        image["Content-Type"] == "image/jpeg"
        and 'filename="7-1.jpg"' in image["Content-Disposition"]
    )
    assert thumbnail["Content-Type"] == "image/jpeg"
    assert b"".join(thumbnail.streaming_content) == default_storage.open(row.thumbnail.name).read()
    assert image["Cache-Control"] == thumbnail["Cache-Control"] == "private, max-age=86400"
