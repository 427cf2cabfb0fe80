"""Photos of cases: told apart by their bytes, bounded in size, number and pixels, stored
with no metadata (no GPS) and upright, with a thumbnail; shown to staff in scope, and to
the public under a signed address only."""

import io
import struct
import zlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from PIL import ExifTags, Image

from yiwang.cases import attachments, services
from yiwang.cases.models import Attachment, Case, CaseEvent
from yiwang.core import audit
from yiwang.core.models import AuditEntry
from yiwang.core.photos import MAX_BYTES

from .conftest import new_case
from .test_api import api_as


def image_bytes(fmt="PNG", size=(40, 30), color="red", mode="RGB", **options) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, format=fmt, **options)
    return out.getvalue()


def upload(data: bytes, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def gps_jpeg(orientation: int = 1) -> bytes:
    """A JPEG as a phone writes it: maker, orientation, a GPS position, a comment."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Phone"
    exif[ExifTags.Base.Orientation] = orientation
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(
        {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: (35.0, 3.0, 0.0),
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: (116.0, 3.0, 0.0),
        }
    )
    return image_bytes("JPEG", size=(64, 48), exif=exif, comment=b"secret note")


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge canvas (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def stored(attachment, variant="file") -> Image.Image:
    with getattr(attachment, variant).open("rb") as f:
        return Image.open(io.BytesIO(f.read()))


def add(case, *files, actor=None, stage="report"):
    return services.add_attachments(actor=actor, case_id=case.pk, files=list(files), stage=stage)


def refused(case, *files, **kwargs) -> list[str]:
    with pytest.raises(ValidationError) as raised:
        add(case, *files, **kwargs)
    assert not Attachment.objects.filter(case=case).exists()
    assert not CaseEvent.objects.filter(case=case, kind="attached").exists()
    assert not AuditEntry.objects.filter(action="case.attach").exists()
    return raised.value.message_dict["files"]


# --- what is accepted ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF",
        "路口有垃圾，很臭。".encode(),
        b"",
        image_bytes("GIF"),  # an image, but not one of the three
        gps_jpeg()[:200],  # a JPEG cut short
    ],
    ids=["pdf", "text", "empty", "gif", "truncated-jpeg"],
)
def test_it_refuses_a_file_named_jpg_that_is_not_a_photo(tree, data):
    case = new_case()

    [message] = refused(case, upload(data, "photo.jpg", "image/jpeg"))

    assert "photo.jpg" in message


@pytest.mark.parametrize(
    ("data", "content_type", "extension"),
    [
        (image_bytes("PNG"), "image/png", "png"),
        (image_bytes("JPEG"), "image/jpeg", "jpg"),
        (image_bytes("WEBP"), "image/webp", "webp"),
    ],
)
def test_it_takes_the_type_from_the_bytes_not_the_name(tree, data, content_type, extension):
    case = new_case()

    [photo] = add(case, upload(data, "notes.txt", "text/plain"))

    assert photo.content_type == content_type
    assert photo.file.name.startswith(f"cases/{case.pk}/") and photo.file.name.endswith(
        f".{extension}"
    )
    assert "notes" not in photo.file.name
    assert stored(photo).format == content_type.split("/")[1].upper().replace("JPG", "JPEG")


def test_it_refuses_a_file_over_10_mb(tree):
    case = new_case()
    big = image_bytes("PNG") + b"\0" * MAX_BYTES

    [message] = refused(case, upload(big, "big.png", "image/png"))

    assert "10 MB" in message


def test_it_refuses_more_than_9_photos_at_once_or_in_all(tree):
    case = new_case()
    photos = [upload(image_bytes(), f"{i}.png") for i in range(10)]

    [message] = refused(case, *photos)
    assert "9" in message

    add(case, *photos[:5])
    with pytest.raises(ValidationError):
        add(case, *photos[5:])
    assert Attachment.objects.filter(case=case).count() == 5


@pytest.mark.parametrize("size", [(8_000, 7_000), (30_000, 30_000)])
def test_it_refuses_a_decompression_bomb_before_decoding_it(tree, size):
    """Beyond 50 megapixels (ours), and beyond Pillow's own limit, which refuses it
    as it opens the file."""
    case = new_case()

    [message] = refused(case, upload(png_claiming(*size), "bomb.png"))

    assert "bomb.png" in message and "50" in message


def test_it_names_every_file_it_refuses_and_keeps_none(tree):
    case = new_case()

    messages = refused(
        case,
        upload(image_bytes(), "good.png"),
        upload(b"not an image", "bad-1.jpg"),
        upload(b"%PDF-1.4", "bad-2.jpg"),
    )

    assert len(messages) == 2
    assert "bad-1.jpg" in messages[0] and "bad-2.jpg" in messages[1]


# --- what is stored -------------------------------------------------------------------------


def test_it_removes_the_gps_position_and_every_other_metadata(tree):
    case = new_case()
    original = gps_jpeg()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    [photo] = add(case, upload(original))

    image = stored(photo)
    assert not image.getexif()
    assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert not {"exif", "comment", "icc_profile", "xmp"} & set(image.info)
    with photo.file.open("rb") as f:
        data = f.read()
    assert b"Exif" not in data and b"secret note" not in data and b"Phone" not in data
    assert not stored(photo, "thumbnail").getexif()


def test_it_turns_the_photo_upright_before_dropping_the_orientation(tree):
    case = new_case()

    [photo] = add(case, upload(gps_jpeg(orientation=6)))  # "rotate 90°": 64 × 48 → 48 × 64

    assert (photo.width, photo.height) == (48, 64) == stored(photo).size


def test_it_makes_a_jpeg_thumbnail_of_at_most_320_px(tree):
    case = new_case()

    [wide] = add(case, upload(image_bytes("PNG", (1000, 500), mode="RGBA", color=(0, 0, 0, 0))))

    thumbnail = stored(wide, "thumbnail")
    assert thumbnail.format == "JPEG" and thumbnail.size == (320, 160)
    assert thumbnail.getpixel((10, 10)) == (255, 255, 255)  # transparency on white
    assert (wide.width, wide.height, wide.content_type) == (1000, 500, "image/png")


def test_it_records_the_photos_in_the_timeline_and_the_audit_log(chief, tree):
    case = new_case()

    photos = add(case, upload(image_bytes()), upload(image_bytes("JPEG")), actor=chief)

    [event] = CaseEvent.objects.filter(case=case, kind="attached")
    assert event.actor == chief and event.data == {"stage": "report", "count": 2}
    assert {p.event_id for p in photos} == {event.pk}
    assert {p.uploaded_by_id for p in photos} == {chief.pk}
    [entry] = AuditEntry.objects.filter(action="case.attach")
    assert entry.actor == chief and entry.object_id == str(case.pk)
    assert [a["id"] for a in entry.after["attachments"]] == [p.pk for p in photos]
    assert Case.objects.get(pk=case.pk).version == case.version  # no transition


def test_a_failed_write_leaves_no_file_behind(tree, monkeypatch):
    case = new_case()

    def fail(**kwargs):
        raise RuntimeError("the disk is full")

    folder = f"cases/{case.pk}"
    # The storage is the process's (in memory): a case of an earlier test had this id.
    before = default_storage.listdir(folder) if default_storage.exists(folder) else ([], [])
    monkeypatch.setattr(audit, "record", fail)
    with pytest.raises(RuntimeError):
        add(case, upload(image_bytes()), upload(image_bytes()))

    assert not Attachment.objects.exists()
    assert default_storage.listdir(folder) == before


# --- who, and when ------------------------------------------------------------------------


def test_resolution_photos_are_the_handlers(worker, town_admin, outsider, tree):
    case = new_case(stage="in_progress")  # dispatched to the worker's unit

    [photo] = add(case, upload(image_bytes()), actor=worker, stage="resolution")
    assert photo.stage == "resolution"

    town_case = new_case(stage="in_progress", area_code="370830001")
    with pytest.raises(PermissionDenied):
        add(town_case, upload(image_bytes()), actor=worker, stage="resolution")
    add(town_case, upload(image_bytes()), actor=town_admin, stage="resolution")
    with pytest.raises(Http404):
        add(case, upload(image_bytes()), actor=outsider)


def test_no_photos_are_added_to_a_finished_case_or_a_resolution_before_its_time(tree):
    reported = new_case()
    with pytest.raises(services.Conflict):
        add(reported, upload(image_bytes()), stage="resolution")
    services.reject(actor=None, case_id=reported.pk, reason="测试")
    with pytest.raises(services.Conflict):
        add(reported, upload(image_bytes()))

    assert not Attachment.objects.exists()


# --- the API and the pages ---------------------------------------------------------------


def test_the_api_takes_photos_and_lists_them_in_the_detail(worker, tree):
    case = new_case(stage="in_progress")
    api = api_as(worker)

    response = api.post(
        f"/api/v1/cases/{case.pk}/attachments/",
        {"files": [upload(gps_jpeg()), upload(image_bytes(), "b.png")], "stage": "resolution"},
        format="multipart",
    )

    assert response.status_code == 201, response.content
    assert [p["stage"] for p in response.json()] == ["resolution", "resolution"]
    detail = api.get(f"/api/v1/cases/{case.pk}/").json()
    [first, second] = detail["attachments"]
    assert first["content_type"] == "image/jpeg" and second["content_type"] == "image/png"
    image = api.get(first["image"])
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert b"Exif" not in b"".join(image.streaming_content)
    thumbnail = api.get(first["thumbnail"], HTTP_ACCEPT="image/webp,image/*")
    assert thumbnail.status_code == 200 and thumbnail["Content-Type"] == "image/jpeg"


def test_the_api_answers_what_is_wrong_with_a_file(worker, tree):
    case = new_case()

    response = api_as(worker).post(
        f"/api/v1/cases/{case.pk}/attachments/",
        {"files": [upload(b"%PDF-1.4", "scan.jpg")]},
        format="multipart",
    )

    assert response.status_code == 400
    assert "scan.jpg" in response.json()["files"][0]


def test_a_photo_of_a_case_out_of_scope_is_not_found(worker, outsider, tree):
    case = new_case()
    [photo] = add(case, upload(image_bytes()))

    api = api_as(outsider)
    assert api.get(f"/api/v1/cases/{case.pk}/attachments/").status_code == 404
    assert api.get(f"/api/v1/cases/{case.pk}/attachments/{photo.pk}/image/").status_code == 404
    other = new_case(unit="370830002002001001")
    response = api.get(f"/api/v1/cases/{other.pk}/attachments/{photo.pk}/thumbnail/")
    assert response.status_code == 404


def test_the_public_sees_a_photo_under_its_signed_address_only(client, tree):
    case = new_case()
    [photo] = add(case, upload(gps_jpeg()))
    urls = attachments.public_urls(photo)

    response = client.get(urls["thumbnail"])

    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert case.tracking_code not in urls["image"]
    image = client.get(urls["image"])
    assert b"Exif" not in b"".join(image.streaming_content)
    token = attachments.public_token(photo)
    forged = f"{photo.pk + 1}:{token.split(':', 1)[1]}"
    assert client.get(f"/public/photos/{forged}/image/").status_code == 404
    assert client.get(f"/public/photos/{token}/original/").status_code == 404


def test_the_case_page_shows_the_photos_and_takes_more(worker, tree):
    from django.test import Client

    case = new_case(stage="in_progress")
    [photo] = add(case, upload(image_bytes()))
    client = Client()
    client.force_login(worker)

    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert f"/api/v1/cases/{case.pk}/attachments/{photo.pk}/thumbnail/" in page
    assert 'value="resolution"' in page  # the handler may add the resolution's

    response = client.post(
        f"/cases/{case.pk}/photos/", {"files": [upload(image_bytes())], "stage": "resolution"}
    )
    assert response.status_code == 302
    assert Attachment.objects.filter(case=case, stage="resolution").count() == 1
    response = client.post(f"/cases/{case.pk}/photos/", {"files": [upload(b"x", "x.jpg")]})
    assert response.status_code == 302 and Attachment.objects.filter(case=case).count() == 2
