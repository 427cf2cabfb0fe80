# ruff: noqa: F811 (the fixtures imported from outbox_server are arguments here)
"""SMS: queued once per receipt, refused without a mobile number, sent through the log or
through Aliyun's SendSms (signed, checked by the local gateway), and never sent twice for
one delivery, however often its task runs."""

import json
import logging
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from yiwang.accounts.models import User
from yiwang.notices.models import Announcement, Delivery, DeliveryAttempt, DeliveryStatus, Receipt
from yiwang.notices.outbox import claim_due, queue_sms, recover_stale, send_sms, sending
from yiwang.notices.tasks import dispatch_outbox, send_sms_delivery

from .outbox_server import outbox_settings, vendor  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db
PHONE = "13812345678"
UNIT = "370830001001001001"


@pytest.fixture
def person(worker):
    User.objects.filter(pk=worker.pk).update(phone=PHONE)
    worker.refresh_from_db()
    return worker


@pytest.fixture
def receipt(person, county_admin):
    announcement = Announcement.objects.create(
        area_code="370830", title="防汛通知", body="请做好防汛准备。", sender=county_admin
    )
    return Receipt.objects.create(announcement=announcement, user=person, area_code=UNIT)


@pytest.fixture
def aliyun(vendor, settings):
    settings.SMS_BACKEND = "aliyun"
    return vendor


def _queue(person, **values):
    return queue_sms(
        user=person,
        title=values.pop("title", "防汛通知"),
        text=values.pop("text", "请于今晚前确认收到。"),
        link=values.pop("link", "http://127.0.0.1:8000/n/abc/"),
        area_code=UNIT,
        **values,
    )


def test_it_refuses_a_person_without_a_mobile_number(worker):
    for phone in ["", "0537-7212345", "12345"]:
        User.objects.filter(pk=worker.pk).update(phone=phone)
        worker.refresh_from_db()
        with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
            _queue(worker)
        assert "手机号码" in error.value.messages[0]
    assert not Delivery.objects.exists()


def test_it_queues_once_per_receipt_and_purpose(person, receipt):
    first = _queue(person, receipt=receipt, purpose="fallback")
    again = _queue(person, receipt=receipt, purpose="fallback")
    other = _queue(person, receipt=receipt, purpose="reminder")
    assert again.pk == first.pk and other.pk != first.pk
    assert Delivery.objects.filter(receipt=receipt).count() == 2
    assert first.announcement_id == receipt.announcement_id


def test_the_log_backend_writes_the_masked_number(person, caplog):
    caplog.set_level(logging.INFO)
    delivery = _queue(person)
    assert send_sms(delivery.pk) == DeliveryStatus.SENT
    assert "138****5678" in caplog.text and PHONE not in caplog.text
    assert "防汛通知" in caplog.text  # the title; never the body, which may hold a link
    attempt = delivery.attempt_log.get()
    assert attempt.ok and "138****5678" in attempt.answer and PHONE not in attempt.answer


def test_aliyun_sendsms_is_signed_as_documented(person, aliyun):
    delivery = _queue(person, title="关于开展冬季消防安全大检查的紧急通知（第二批）")
    assert send_sms(delivery.pk) == DeliveryStatus.SENT
    [record] = aliyun.of("sms")
    assert record.problems == []
    form = record.data
    assert form["PhoneNumbers"] == PHONE
    assert form["OutId"] == str(delivery.attempt_key)
    assert form["SignName"] == "一网" and form["TemplateCode"] == "SMS_123456789"
    params = json.loads(form["TemplateParam"])
    assert params["link"] == delivery.link and len(params["title"]) <= 35
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1


def test_a_wrong_aliyun_secret_is_refused_and_not_uncertain(person, aliyun, settings):
    settings.SMS_ALIYUN = {**settings.SMS_ALIYUN, "access_key_secret": "not-the-secret"}
    delivery = _queue(person)
    assert send_sms(delivery.pk) == DeliveryStatus.QUEUED
    assert any("signature" in p for p in aliyun.of("sms")[0].problems)
    delivery.refresh_from_db()
    assert "SignatureDoesNotMatch" in delivery.last_error
    assert "not-the-secret" not in delivery.attempt_log.get().answer


def test_the_sms_is_sent_once_when_its_task_runs_twice(person, aliyun):
    delivery = _queue(person)
    assert send_sms_delivery.call_local(delivery.pk) == "sent"
    assert send_sms_delivery.call_local(delivery.pk) == "sent"
    assert len(aliyun.of("sms")) == 1
    assert DeliveryAttempt.objects.filter(delivery=delivery).count() == 1


def test_a_claim_found_in_sending_after_a_call_is_uncertain_and_not_sent(person, aliyun):
    delivery = _queue(person)
    # A consumer claimed it, started the call and died.
    claimed_at = timezone.now()
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, claim=uuid.uuid4(), claimed_at=claimed_at
    )
    DeliveryAttempt.objects.create(delivery=delivery, started_at=claimed_at)

    assert send_sms(delivery.pk) == DeliveryStatus.UNCERTAIN
    assert send_sms(delivery.pk) == DeliveryStatus.UNCERTAIN
    assert aliyun.of("sms") == []
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.UNCERTAIN and delivery.last_error


def test_a_sweep_claim_not_yet_taken_is_left_to_its_task(person, aliyun):
    delivery = _queue(person)
    claimed = claim_due()
    [(delivery_id, token)] = claimed["sms"]
    # A stray call meanwhile finds it in sending, with no call made: it leaves it.
    assert send_sms(delivery.pk) == DeliveryStatus.SENDING
    assert send_sms(delivery_id, token) == DeliveryStatus.SENT
    assert send_sms(delivery_id, token) == DeliveryStatus.SENT
    assert len(aliyun.of("sms")) == 1


def test_a_stale_claim_is_recovered(person, aliyun):
    called, untouched = _queue(person), _queue(person, title="另一条")
    long_ago = timezone.now() - sending.stale_after() * 2
    Delivery.objects.filter(pk__in=[called.pk, untouched.pk]).update(
        status=DeliveryStatus.SENDING, claim=uuid.uuid4(), claimed_at=long_ago
    )
    DeliveryAttempt.objects.create(delivery=called, started_at=long_ago)
    assert recover_stale() == {"requeued": 1, "uncertain": 1}
    assert Delivery.objects.get(pk=called.pk).status == DeliveryStatus.UNCERTAIN
    assert Delivery.objects.get(pk=untouched.pk).status == DeliveryStatus.QUEUED


def test_a_gateway_that_hangs_leaves_the_sms_uncertain(person, aliyun, settings):
    settings.NOTICE_HTTP_TIMEOUT = 0.5
    aliyun.modes["sms"] = "hang"
    aliyun.hang_seconds = 1.5
    delivery = _queue(person)
    assert send_sms(delivery.pk) == DeliveryStatus.UNCERTAIN
    Delivery.objects.filter(pk=delivery.pk).update(not_before=timezone.now())
    assert send_sms(delivery.pk) == DeliveryStatus.UNCERTAIN
    assert len(aliyun.of("sms")) == 1


def test_queueing_inside_a_transaction_sends_on_commit(
    person, aliyun, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        delivery = _queue(person)
        assert aliyun.of("sms") == []
    assert len(aliyun.of("sms")) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT


def test_the_sweep_claims_each_due_delivery_once(person, aliyun):
    first, second = _queue(person), _queue(person, title="第二条")
    assert dispatch_outbox.call_local() == {"robots": 0, "sms": 2, "requeued": 0, "uncertain": 0}
    assert dispatch_outbox.call_local() == {"robots": 0, "sms": 0, "requeued": 0, "uncertain": 0}
    assert len(aliyun.of("sms")) == 2
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert {r.data["OutId"] for r in aliyun.of("sms")} == {
        str(first.attempt_key),
        str(second.attempt_key),
    }


def test_the_text_is_cut_to_the_sms_limit_and_keeps_the_link():
    from yiwang.notices.outbox import sms

    link = "http://127.0.0.1:8000/n/abcdef/"
    body = sms.Sms(PHONE, "防汛通知", "请各户于本周五前完成医保缴费。" * 100, link, "key").body()
    assert len(body.encode()) <= 300 and body.endswith("\n" + link)
    assert "…" in body
