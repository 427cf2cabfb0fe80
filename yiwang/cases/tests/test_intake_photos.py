"""Photos at intake: the grid worker's report form and the resident's request page take up
to 9 photos, stored with the case's "reported" entry in the same transaction, with no
metadata (no GPS); a refused photo is named on the form's field, nothing is created,
no file is left behind and the rest of the form stays as it was typed."""

import io

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from PIL import ExifTags, Image

from conftest import UNIT
from yiwang.cases import attachments, services
from yiwang.cases.models import Attachment, Case, CaseEvent, Source
from yiwang.core import audit
from yiwang.core.models import AuditEntry
from yiwang.core.photos import read_photos

from .test_attachments import gps_jpeg, image_bytes, upload
from .test_public import REQUEST_URL, request_data

CREATE_URL = "/cases/new/"
TEXT = "路口垃圾堆放，已经三天没人清理"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """The photos go to files under a MEDIA_ROOT of the test's own (not the process's
    in-memory storage), so that a test sees every file left behind. The public page's
    limits and spent challenges live in the cache: each test starts afresh."""
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    cache.clear()
    yield tmp_path
    cache.clear()


def files_in(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()]


def report(worker, photos, **changes):
    client = Client()
    client.force_login(worker)
    data = {"source": "patrol", "category": "sanitation", "text": TEXT, "unit_code": UNIT}
    return client.post(CREATE_URL, {**data, "photos": photos, **changes})


def send_request(photos, **changes):
    return Client().post(REQUEST_URL, {**request_data(**changes), "photos": photos})


def without_metadata(attachment) -> bool:
    with attachment.file.open("rb") as f:
        data = f.read()
    image = Image.open(io.BytesIO(data))
    return (
        not image.getexif()
        and not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        and not {"exif", "comment", "xmp"} & set(image.info)
        and b"Exif" not in data
        and b"Phone" not in data
    )


# --- what is taken --------------------------------------------------------------------------


@pytest.mark.parametrize("url", [CREATE_URL, REQUEST_URL])
def test_the_intake_forms_offer_a_multiple_photo_field(worker, url):
    client = Client()
    client.force_login(worker)

    body = client.get(url).content.decode()

    assert 'enctype="multipart/form-data"' in body
    [field] = [tag for tag in body.split("<input")[1:] if 'name="photos"' in tag]
    assert 'type="file"' in field and " multiple" in field
    # On a phone it opens the back camera.
    assert 'accept="image/*"' in field and 'capture="environment"' in field


def test_a_worker_reports_with_two_photos_stored_with_the_report(worker, media):
    response = report(worker, [upload(gps_jpeg()), upload(image_bytes("PNG"), "b.png")])

    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    reported = CaseEvent.objects.get(case=case, kind="reported")
    photos = list(Attachment.objects.filter(case=case).order_by("id"))
    assert [(p.stage, p.event_id) for p in photos] == [("report", reported.pk)] * 2
    assert [p.content_type for p in photos] == ["image/jpeg", "image/png"]
    assert {p.uploaded_by_id for p in photos} == {worker.pk}
    assert all(without_metadata(p) for p in photos)
    assert not CaseEvent.objects.filter(case=case, kind="attached").exists()
    entries = AuditEntry.objects.filter(action__startswith="case.").order_by("id")
    assert [e.action for e in entries] == ["case.create", "case.attach"]
    assert [a["id"] for a in entries[1].after["attachments"]] == [p.pk for p in photos]
    assert len(files_in(media)) == 4  # each photo and its thumbnail


def test_a_resident_sends_a_photo_that_keeps_no_gps_position(tree):
    original = gps_jpeg()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    response = send_request([upload(original, "IMG_0001.jpg")])

    assert response.status_code == 200 and 'id="public-request-form"' not in (
        response.content.decode()
    )
    case = Case.objects.get(source=Source.PUBLIC)
    [photo] = case.attachments.all()
    assert (photo.stage, photo.uploaded_by) == ("report", None)
    assert photo.event == CaseEvent.objects.get(case=case, kind="reported")
    assert without_metadata(photo)
    # The public copy under its signed address is the same stripped file.
    image = Client().get(attachments.public_urls(photo)["image"])
    assert b"Exif" not in b"".join(image.streaming_content)


def test_a_hotline_call_takes_photos_read_before_the_transaction(tree):
    photos = read_photos([upload(gps_jpeg())])

    case = services.record_hotline_call(
        actor=None, category="complaint", text="噪音", unit_code=UNIT, photos=photos
    )

    [photo] = case.attachments.all()
    assert photo.event.kind == "reported" and without_metadata(photo)


# --- what is refused --------------------------------------------------------------------------


@pytest.fixture(params=["worker", "public"])
def page(request, tree):
    """Posts photos with an otherwise good form, to the worker's page or the public one."""
    if request.param == "worker":
        worker = request.getfixturevalue("worker")
        return lambda photos: report(worker, photos)
    return send_request


def refused(response, media) -> list[str]:
    """The page came back with the photos' errors and what was typed; nothing was made."""
    assert response.status_code == 200
    form = response.context["form"]
    body = response.content.decode()
    assert set(form.errors) == {"photos"}
    assert 'id="id_photos_errors"' in body and 'id="photos-again"' in body
    assert form["text"].value() == form.data["text"] and form.data["text"] in body
    assert not Case.objects.exists() and not Attachment.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="case.").exists()
    assert files_in(media) == []
    return form.errors["photos"]


def test_a_text_file_named_jpg_is_refused_and_nothing_created(page, media):
    photos = [upload(image_bytes("PNG"), "good.png"), upload(TEXT.encode(), "notes.jpg")]

    [error] = refused(page(photos), media)

    assert "notes.jpg" in error and "不是 JPEG、PNG 或 WebP" in error


def test_ten_photos_are_refused(page, media):
    [error] = refused(page([upload(image_bytes(), f"{i}.png") for i in range(10)]), media)

    assert "最多 9 张照片" in error


def test_a_refused_photo_does_not_spend_a_request_of_the_limit(tree, settings):
    settings.CASES_PUBLIC_REQUEST_LIMIT = (1, 600)
    client = Client()

    bad = client.post(REQUEST_URL, {**request_data(), "photos": [upload(b"x", "x.jpg")]})
    good = client.post(REQUEST_URL, {**request_data(), "photos": [upload(image_bytes())]})

    assert bad.status_code == 200 and bad.context["form"].errors["photos"]
    assert good.status_code == 200 and Case.objects.get().attachments.count() == 1


def test_a_failed_intake_leaves_no_photo_file_behind(worker, media, monkeypatch):
    record = audit.record

    def fail_on_attach(**kwargs):
        if kwargs["action"] == "case.attach":
            raise RuntimeError("the disk is full")
        return record(**kwargs)

    monkeypatch.setattr(audit, "record", fail_on_attach)
    photos = read_photos([upload(image_bytes()), upload(image_bytes("JPEG"))])
    with pytest.raises(RuntimeError):
        services.report_case(
            actor=worker, category="sanitation", text=TEXT, unit_code=UNIT, photos=photos
        )

    assert not Case.objects.exists() and not Attachment.objects.exists()
    assert files_in(media) == []


def test_the_service_counts_the_photos_too(worker, media):
    photos = read_photos([upload(image_bytes())]) * 10

    with pytest.raises(ValidationError) as raised:
        services.report_case(
            actor=worker, category="sanitation", text=TEXT, unit_code=UNIT, photos=photos
        )

    assert list(raised.value.message_dict) == ["files"]
    assert not Case.objects.exists() and files_in(media) == []
