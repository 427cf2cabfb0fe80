"""An import's error file: in full for its uploader and for who may reveal personal data,
masked for anyone else allowed to download it, every download in the audit log; the
uploaded file and the error file removed IMPORT_KEEP_DAYS after the import finished."""

import datetime
import io

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from conftest import UNIT
from yiwang.core import import_files
from yiwang.core.models import AuditEntry, ImportJob
from yiwang.core.services import commit_preview, start_import
from yiwang.core.tasks import purge_expired_import_files

from .conftest import make_id

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = "户编号,单元网格编码,姓名,公民身份号码,与户主关系,性别,出生日期,联系电话\n"
NUMBER = make_id("19560604", "777", "370830")
PHONE = "13912345678"


def _preview(uploader) -> ImportJob:
    """A preview with one good row and one rejected row (an unknown relation)."""
    text = (
        HEADER
        + f"101,{UNIT},赵一,{make_id('19700101', '015')},户主,,,\n"
        + f"102,{UNIT},孙七,{NUMBER},朋友,男,1956-06-04,{PHONE}\n"
    )
    start_import(
        actor=uploader,
        kind="ledger",
        filename="ledger.csv",
        data=text.encode(),
        area_code=UNIT,
        dry_run=True,
    )
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.PARTIAL and job.error_file is not None
    return job


def _allow(user, codename: str):
    user.user_permissions.add(Permission.objects.get(codename=codename))
    return type(user).objects.get(pk=user.pk)


def _rejected_row(content: bytes) -> list[str]:
    rows = list(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert rows[0][:8] == tuple(HEADER.strip().split(","))
    (row,) = [r for r in rows[1:] if r[2] == "孙七"]
    return list(row)


def _downloads(user, job) -> list[bytes]:
    """The error file from the page and from the API."""
    page, api = Client(), APIClient()
    page.force_login(user)
    api.force_authenticate(user)
    answers = [
        page.get(f"/imports/{job.pk}/errors.xlsx"),
        api.get(f"/api/v1/imports/{job.pk}/error-file/"),
    ]
    assert [a.status_code for a in answers] == [200, 200]
    return [a.content for a in answers]


def _download_entries(user):
    return list(
        AuditEntry.objects.filter(action="import.download_errors", actor=user).order_by("id")
    )


def test_it_masks_another_users_rejected_rows_and_audits_the_download(worker, chief):
    job = _preview(worker)
    chief = _allow(chief, "export_personal_data")  # may download, may not reveal

    for content in _downloads(chief, job):
        row = _rejected_row(content)
        assert row[3] == "3708**********7777"
        assert row[6] == "1956-**-**"
        assert row[7] == "139****5678"
        assert row[4] == "朋友"  # the rest as the file had it, to be fixed
    entries = _download_entries(chief)
    assert len(entries) == 2
    assert entries[0].object_type == "core.importjob" and entries[0].object_id == str(job.pk)
    assert entries[0].area_code == UNIT
    assert entries[0].after == {"filename": "ledger.csv", "kind": "ledger", "full": False}


def test_the_uploader_gets_their_own_rows_in_full_and_the_download_is_audited(worker):
    job = _preview(worker)

    for content in _downloads(worker, job):
        row = _rejected_row(content)
        assert (row[3], row[6], row[7]) == (NUMBER, "1956-06-04", PHONE)
    assert [e.after["full"] for e in _download_entries(worker)] == [True, True]


def test_whoever_may_reveal_personal_data_gets_them_in_full(worker, chief):
    job = _preview(worker)
    chief = _allow(_allow(chief, "export_personal_data"), "reveal_personal_data")

    for content in _downloads(chief, job):
        assert _rejected_row(content)[3] == NUMBER
    assert [e.after["full"] for e in _download_entries(chief)] == [True, True]


def test_someone_else_without_the_permission_still_cannot_download(worker, chief):
    job = _preview(worker)
    page = Client()
    page.force_login(chief)

    assert page.get(f"/imports/{job.pk}/errors.xlsx").status_code == 403
    assert not _download_entries(chief)


def test_the_files_go_after_the_days_they_are_kept_for(worker, settings):
    settings.IMPORT_KEEP_DAYS = 3
    job = _preview(worker)
    kept = job.finished_at + datetime.timedelta(days=3)

    assert import_files.purge_expired(now=kept - datetime.timedelta(minutes=1)) == 0
    job.refresh_from_db()
    assert job.files_removed_at is None and bytes(job.data) and job.error_file is not None

    assert import_files.purge_expired(now=kept) == 1
    assert import_files.purge_expired(now=kept) == 0  # once
    job.refresh_from_db()
    assert job.files_removed_at == kept
    assert bytes(job.data) == b"" and job.error_file is None
    assert job.status == ImportJob.Status.PARTIAL and job.result["households"]["new"] == 1


def test_the_job_says_until_when_its_files_are_kept(worker, settings):
    settings.IMPORT_KEEP_DAYS = 3
    job = _preview(worker)
    page = Client()
    page.force_login(worker)

    detail = page.get(f"/imports/{job.pk}/").content.decode()

    until = timezone.localtime(job.finished_at + datetime.timedelta(days=3))
    assert 'id="import-files-kept"' in detail and f"保留至 {until:%Y-%m-%d}" in detail


def test_the_job_says_its_files_were_removed(worker, settings):
    settings.IMPORT_KEEP_DAYS = 3
    job = _preview(worker)
    import_files.purge_expired(now=timezone.now() + datetime.timedelta(days=4))
    page, api = Client(), APIClient()
    page.force_login(worker)
    api.force_authenticate(worker)

    detail = page.get(f"/imports/{job.pk}/").content.decode()
    assert 'id="import-files-removed"' in detail and "3 天后删除" in detail
    assert 'id="import-error-file"' not in detail and 'id="import-commit"' not in detail
    assert 'id="import-files-kept"' not in detail
    gone = page.get(f"/imports/{job.pk}/errors.xlsx")
    assert gone.status_code == 410 and 'id="import-files-removed"' in gone.content.decode()
    gone = api.get(f"/api/v1/imports/{job.pk}/error-file/")
    assert gone.status_code == 410 and "3 天后删除" in gone.json()["detail"]
    with pytest.raises(ValidationError, match="3 天后删除"):
        commit_preview(actor=worker, job_id=job.pk)
    assert ImportJob.objects.count() == 1
    assert not _download_entries(worker)


def test_a_job_no_worker_ran_is_failed_and_its_file_removed(worker, settings):
    settings.IMPORT_KEEP_DAYS = 3
    job = ImportJob.objects.create(
        kind="ledger", filename="l.csv", data=b"x", created_by=worker, area_code=UNIT
    )
    now = job.created_at + datetime.timedelta(days=3)

    assert import_files.purge_expired(now=now) == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.files_removed_at == now
    assert bytes(job.data) == b"" and "3 天后删除" in job.errors[0]


def test_a_running_job_keeps_its_file(worker, settings):
    settings.IMPORT_KEEP_DAYS = 3
    job = ImportJob.objects.create(
        kind="ledger",
        filename="l.csv",
        data=b"x",
        created_by=worker,
        area_code=UNIT,
        status=ImportJob.Status.RUNNING,
        started_at=timezone.now(),
    )

    assert import_files.purge_expired(now=timezone.now() + datetime.timedelta(hours=1)) == 0
    job.refresh_from_db()
    assert bytes(job.data) == b"x"


def test_the_hourly_task_removes_them(worker, settings):
    settings.IMPORT_KEEP_DAYS = 1
    job = _preview(worker)
    ImportJob.objects.filter(pk=job.pk).update(
        finished_at=timezone.now() - datetime.timedelta(days=2)
    )

    assert purge_expired_import_files.call_local() == 1
    assert ImportJob.objects.get(pk=job.pk).files_removed_at is not None
