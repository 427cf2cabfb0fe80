"""Files in S3-compatible object storage (a moto S3 server on this machine, a bucket of each
test's own): a case photo sent through the API or the page lands in the bucket and is
served back by the scoped views; an export and an announcement's attachment too; the
store down makes an upload fail with a Chinese message, a download a 503, with no row
pointing at a missing object and no object left behind by a write that failed; /readyz
names the store when it is down, and answers within seconds."""

import io
import time

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from PIL import Image
from rest_framework.test import APIClient

from conftest import UNIT, VILLAGE
from yiwang.accounts.models import Role
from yiwang.cases import attachments as case_files
from yiwang.cases import services as case_services
from yiwang.cases.models import Attachment, CaseEvent
from yiwang.cases.tests.conftest import new_case
from yiwang.core import audit, export_services, storage
from yiwang.core.models import AuditEntry, ExportJob
from yiwang.notices.models import Announcement, AnnouncementAttachment
from yiwang.notices.services import announcements as announcement_services

pytestmark = pytest.mark.django_db

DOWN = "文件存储"  # the store-down message, in Chinese: "文件存储暂时无法访问…"


def _photo(name="photo.png", color="red") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def _keys(s3) -> set[str]:
    client, bucket = s3
    return {item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", [])}


def _object(s3, key: str) -> bytes:
    client, bucket = s3
    return client.get_object(Bucket=bucket, Key=key)["Body"].read()


def _api(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(type(user).objects.get(pk=user.pk))
    return api


def test_the_settings_make_a_private_s3_storage_with_short_timeouts(object_storage):
    assert storage.uses_object_storage()
    assert default_storage.default_acl is None and default_storage.querystring_auth
    assert not default_storage.file_overwrite
    config = default_storage.client_config
    assert config.connect_timeout <= 3 and config.read_timeout <= 10
    assert config.retries["max_attempts"] <= 2


def test_a_case_photo_sent_through_the_api_is_in_the_bucket_and_served_back(
    object_storage, worker, tree
):
    case = new_case(stage="in_progress")
    api = _api(worker)

    response = api.post(
        f"/api/v1/cases/{case.pk}/attachments/",
        {"files": [_photo()], "stage": "resolution"},
        format="multipart",
    )

    assert response.status_code == 201, response.content
    attachment = Attachment.objects.get(case=case)
    assert _keys(object_storage) == {attachment.file.name, attachment.thumbnail.name}
    [listed] = api.get(f"/api/v1/cases/{case.pk}/").json()["attachments"]
    image = api.get(listed["image"])
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert b"".join(image.streaming_content) == _object(object_storage, attachment.file.name)
    # The public's copy, under its signed address, read from the bucket too.
    public = Client().get(case_files.public_urls(attachment)["thumbnail"])
    assert public.status_code == 200
    assert b"".join(public.streaming_content) == _object(object_storage, attachment.thumbnail.name)


def test_a_case_photo_added_on_the_page_is_in_the_bucket(object_storage, client, chief, tree):
    case = new_case()
    client.force_login(chief)

    response = client.post(
        reverse("cases:photos", args=[case.pk]), {"files": [_photo()], "stage": "report"}
    )

    assert response.status_code == 302
    attachment = Attachment.objects.get(case=case)
    assert attachment.file.name in _keys(object_storage)


def test_an_export_is_written_to_the_bucket_and_downloads(
    object_storage, client, chief, tree, django_capture_on_commit_callbacks
):
    new_case(UNIT)
    with django_capture_on_commit_callbacks(execute=True):
        job = export_services.start_export(actor=chief, kind="cases.cases", params={})
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.error
    assert _keys(object_storage) == {job.file_name}

    client.force_login(chief)
    response = client.get(reverse("core:export-download", args=[job.pk]))
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert content == _object(object_storage, job.file_name)
    assert load_workbook(io.BytesIO(content)).worksheets[0]["A1"].value == "编号"


def test_an_announcement_attachment_is_in_the_bucket_and_served_to_its_audience(
    object_storage, personas, client
):
    pdf = SimpleUploadedFile("会议通知.pdf", b"%PDF-1.4 in the bucket")
    announcement = announcement_services.create_announcement(
        actor=personas["town"],
        title="防汛值班通知",
        body="请各网格员今晚到岗。",
        areas=[VILLAGE],
        roles=[Role.GRID_WORKER],
        attachments=[pdf],
    )
    announcement_services.send_announcement(announcement.pk)
    stored = announcement.attachments.get()
    assert _keys(object_storage) == {stored.file.name}
    client.force_login(personas["worker"])
    response = client.get(reverse("notices:attachment", args=[announcement.pk, stored.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 in the bucket"


def _report(actor, capture):
    from yiwang.areas.models import Area
    from yiwang.cockpit import reports

    with capture(execute=True):
        report = reports.request_report(
            actor, Area.objects.get(code=VILLAGE), reports.latest_month()
        )
    report.refresh_from_db()
    return report


def test_a_monthly_report_is_made_into_the_bucket_and_downloads(
    object_storage, client, chief, tree, django_capture_on_commit_callbacks
):
    from yiwang.cockpit.models import ReportStatus

    report = _report(chief, django_capture_on_commit_callbacks)
    assert report.status == ReportStatus.READY, report.error
    assert _keys(object_storage) == {report.file.name}
    client.force_login(chief)
    response = client.get(reverse("cockpit:report-download", args=[report.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == _object(object_storage, report.file.name)


# --- the store down -----------------------------------------------------------------------


def _nothing_attached(case) -> None:
    assert not Attachment.objects.filter(case=case).exists()
    assert not CaseEvent.objects.filter(case=case, kind="attached").exists()
    assert not AuditEntry.objects.filter(action="case.attach").exists()


def test_the_store_down_the_api_answers_503_in_chinese_and_keeps_nothing(
    object_storage_down, worker, tree
):
    case = new_case(stage="in_progress")

    started = time.monotonic()
    response = _api(worker).post(
        f"/api/v1/cases/{case.pk}/attachments/",
        {"files": [_photo()], "stage": "resolution"},
        format="multipart",
    )

    assert time.monotonic() - started < 10
    assert response.status_code == 503
    assert DOWN in response.json()["detail"]
    assert "127.0.0.1" not in response.content.decode()
    _nothing_attached(case)


def test_the_store_down_the_page_says_so_in_chinese_and_keeps_nothing(
    object_storage_down, client, chief, tree
):
    case = new_case()
    client.force_login(chief)

    response = client.post(
        reverse("cases:photos", args=[case.pk]), {"files": [_photo()]}, follow=True
    )

    assert response.status_code == 200
    assert DOWN in response.content.decode()
    _nothing_attached(case)


def test_the_store_down_an_announcement_with_attachments_is_not_written(
    object_storage_down, personas
):
    with pytest.raises(storage.StorageUnavailable) as raised:
        announcement_services.create_announcement(
            actor=personas["town"],
            title="防汛值班通知",
            body="请各网格员今晚到岗。",
            areas=[VILLAGE],
            roles=[Role.GRID_WORKER],
            attachments=[SimpleUploadedFile("通知.pdf", b"%PDF-1.4 x")],
        )
    assert DOWN in raised.value.messages[0]
    assert not Announcement.objects.exists() and not AnnouncementAttachment.objects.exists()


def test_the_store_down_an_export_fails_saying_why(
    object_storage_down, chief, tree, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = export_services.start_export(actor=chief, kind="cases.cases", params={})
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED
    assert DOWN in job.error and not job.file_name


def test_the_store_going_down_a_download_answers_503_in_chinese(
    object_storage, settings, client, worker, tree
):
    case = new_case()
    [photo] = case_services.add_attachments(
        actor=None, case_id=case.pk, files=[_photo()], stage="report"
    )
    options = settings.STORAGES["default"]["OPTIONS"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": storage.s3_backend(
            bucket=options["bucket_name"],
            endpoint_url="http://127.0.0.1:9",  # the store went away
            access_key="testing",
            secret_key="testing",
            connect_timeout=1,
        ),
    }

    response = _api(worker).get(f"/api/v1/cases/{case.pk}/attachments/{photo.pk}/image/")
    assert response.status_code == 503 and DOWN in response.json()["detail"]
    page = Client().get(case_files.public_urls(photo)["image"])
    assert page.status_code == 503 and DOWN in page.content.decode()
    assert "Traceback" not in page.content.decode()


def test_a_write_that_fails_after_storing_its_photos_takes_them_out_of_the_bucket(
    object_storage, tree, monkeypatch
):
    case = new_case()

    def fail(**kwargs):
        raise RuntimeError("the database refused the write")

    monkeypatch.setattr(audit, "record", fail)
    with pytest.raises(RuntimeError):
        case_services.add_attachments(
            actor=None, case_id=case.pk, files=[_photo(), _photo(color="blue")], stage="report"
        )

    assert not Attachment.objects.filter(case=case).exists()
    assert _keys(object_storage) == set()


def test_an_announcement_that_fails_after_storing_its_attachments_leaves_none(
    object_storage, personas, monkeypatch
):
    def fail(**kwargs):
        raise RuntimeError("the database refused the write")

    monkeypatch.setattr(audit, "record", fail)
    with pytest.raises(RuntimeError):
        announcement_services.create_announcement(
            actor=personas["town"],
            title="防汛值班通知",
            body="请各网格员今晚到岗。",
            areas=[VILLAGE],
            roles=[Role.GRID_WORKER],
            attachments=[
                SimpleUploadedFile("一.pdf", b"%PDF-1.4 one"),
                SimpleUploadedFile("二.pdf", b"%PDF-1.4 two"),
            ],
        )
    assert not Announcement.objects.exists()
    assert _keys(object_storage) == set()


def test_the_store_down_a_monthly_report_fails_saying_why(
    object_storage_down, chief, tree, django_capture_on_commit_callbacks
):
    from yiwang.cockpit.models import ReportStatus

    report = _report(chief, django_capture_on_commit_callbacks)
    assert report.status == ReportStatus.FAILED
    assert DOWN in report.error and not report.file


def test_a_write_within_a_write_that_fails_leaves_none_of_the_inner_writes_files(
    object_storage, tree
):
    """As when a visit reports a case with photos: the case's write stores them, then the
    visit's own write fails; the case's photos go too."""
    case = new_case()
    with pytest.raises(RuntimeError), storage.removed_on_failure():
        case_services.add_attachments(actor=None, case_id=case.pk, files=[_photo()], stage="report")
        assert len(_keys(object_storage)) == 2
        raise RuntimeError("the outer write failed")
    assert _keys(object_storage) == set()


# --- readiness ----------------------------------------------------------------------------


def test_readiness_writes_its_probe_into_the_bucket(object_storage, settings):
    settings.REDIS_URL = ""
    response = Client().get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"]["storage"]["ok"] is True
    assert _keys(object_storage) == set()  # the probe removed again


def test_readiness_names_the_store_when_it_is_down_and_answers_fast(object_storage_down, settings):
    settings.REDIS_URL = ""
    started = time.monotonic()
    response = Client().get("/readyz")
    assert time.monotonic() - started < 10
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["storage"]["ok"] is False
    assert body["checks"]["storage"]["error"] == "EndpointConnectionError"
    assert body["checks"]["database"]["ok"] is True
    assert "127.0.0.1" not in response.content.decode()
