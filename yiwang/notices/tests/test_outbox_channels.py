# ruff: noqa: F811 (the fixtures imported from outbox_server are arguments here)
"""The robot channels against a local server that checks each request as the vendor's
documentation describes it (signature recomputed from the secret, timestamp, byte
limits, JSON shape) and answers as the vendor does."""

import datetime
import logging

import pytest
from django.utils import timezone

from yiwang.core.models import AuditEntry
from yiwang.notices.models import Delivery, DeliveryAttempt, DeliveryStatus
from yiwang.notices.outbox import send_robot, sending, texts

from .outbox_server import (
    DINGTALK_SECRET,
    DINGTALK_TOKEN,
    FEISHU_HOOK,
    FEISHU_SECRET,
    WECOM_KEY,
    make_delivery,
    make_robot,
    outbox_settings,  # noqa: F401 (an autouse fixture)
    vendor,  # noqa: F401 (a fixture)
)

pytestmark = pytest.mark.django_db
CHANNELS = ["wecom", "dingtalk", "feishu"]
SECRETS = (WECOM_KEY, DINGTALK_TOKEN, DINGTALK_SECRET, FEISHU_HOOK, FEISHU_SECRET)
LIMITS = {"wecom": 4096, "dingtalk": 4096, "feishu": 20 * 1024}


@pytest.mark.parametrize("channel", CHANNELS)
def test_it_sends_a_message_the_service_accepts(tree, vendor, channel):
    robot = make_robot(vendor, channel)
    delivery = make_delivery(robot, title="停水通知", text="明天上午八点到十二点停水，请提前储水。")

    assert send_robot(robot.pk) == {"sent": 1, "digested": 0}

    [record] = vendor.of(channel)
    assert record.problems == []
    assert "停水通知" in record.text and "提前储水" in record.text
    assert record.text.rstrip(")").endswith(delivery.link)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 1 and delivery.sent_at is not None
    [attempt] = delivery.attempt_log.all()
    assert attempt.ok and attempt.status_code == 200 and attempt.robot_id == robot.pk
    assert attempt.answer.startswith("{") and attempt.finished_at is not None


def test_it_reads_feishu_older_answers(tree, vendor):
    vendor.feishu_old_answer = True
    robot = make_robot(vendor, "feishu")
    delivery = make_delivery(robot)
    send_robot(robot.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert "StatusCode" in delivery.attempt_log.get().answer


@pytest.mark.parametrize("channel", ["dingtalk", "feishu"])
def test_a_wrong_secret_is_refused_by_the_service_and_retried(tree, vendor, channel):
    robot = make_robot(vendor, channel, secret="SECnot-the-right-one-0123456789")
    delivery = make_delivery(robot)
    before = timezone.now()

    assert send_robot(robot.pk) == {"failed": 0, "retrying": 1}

    [record] = vendor.of(channel)
    assert any("sign" in p for p in record.problems)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.QUEUED and delivery.attempts == 1
    assert delivery.not_before >= before + datetime.timedelta(seconds=60)
    assert "310000" in delivery.last_error or "19021" in delivery.last_error


def test_a_dingtalk_robot_without_secret_is_not_signed(tree, vendor):
    vendor.secrets["dingtalk"] = ""
    robot = make_robot(vendor, "dingtalk", secret="")
    make_delivery(robot)
    send_robot(robot.pk)
    [record] = vendor.of("dingtalk")
    assert record.problems == [] and "sign=" not in record.query


def test_an_emergency_goes_to_wecom_as_text_to_everyone(tree, vendor):
    robot = make_robot(vendor, "wecom")
    make_delivery(robot, title="防汛紧急通知", text="河道水位超警戒。" * 400, emergency=True)
    send_robot(robot.pk)
    [record] = vendor.of("wecom")
    assert record.problems == []
    assert record.data["msgtype"] == "text"
    assert record.data["text"]["mentioned_list"] == ["@all"]
    assert len(record.text.encode()) <= 2048


@pytest.mark.parametrize("channel", CHANNELS)
def test_long_chinese_text_is_cut_on_a_character_to_the_limit_and_keeps_its_link(
    tree, vendor, channel
):
    robot = make_robot(vendor, channel)
    body = "网格员请于本周内完成独居老人走访，并在系统中登记走访记录。" * 800  # ~70 KB
    link = "http://127.0.0.1:8000/notices/announcements/12345/"
    make_delivery(robot, title="走访通知", text=body, link=link)

    send_robot(robot.pk)

    [record] = vendor.of(channel)
    assert record.problems == []
    text = record.text
    assert len(text.encode()) <= LIMITS[channel]
    assert len(record.body) <= 20 * 1024 or channel != "feishu"
    assert link in text and text.rstrip(")").endswith(link)
    kept = text.split("【走访通知】\n", 1)[1].split(texts.ELLIPSIS, 1)[0]
    assert body.startswith(kept) and len(kept) > 100


def test_fit_cuts_on_a_character_boundary():
    link = "https://yw.example.cn/notices/announcements/7/"
    for limit in range(len(link) + 5, len(link) + 40):
        text = texts.fit("一二三四五六七八九十" * 5, limit, link)
        assert len(text.encode()) <= limit
        assert text.endswith("\n" + link)
        assert text.encode().decode() == text  # whole characters only
    assert texts.fit("短", 100, link) == "短\n" + link
    assert texts.cut_bytes("汉字", 5) == "汉"


def test_several_queued_deliveries_go_as_one_digest(tree, vendor):
    robot = make_robot(vendor, "dingtalk")
    first = make_delivery(robot, title="停水通知", link="http://t/1/")
    second = make_delivery(robot, title="防火检查", link="http://t/2/")
    third = make_delivery(robot, title="疫苗接种", link="http://t/3/")

    assert send_robot(robot.pk) == {"sent": 1, "digested": 2}

    [record] = vendor.of("dingtalk")
    assert record.problems == []
    for title, link in [
        ("停水通知", "http://t/1/"),
        ("防火检查", "http://t/2/"),
        ("疫苗接种", "http://t/3/"),
    ]:
        assert f"[{title}]({link})" in record.text
    first.refresh_from_db()
    assert first.status == DeliveryStatus.SENT
    assert {d.status for d in Delivery.objects.filter(pk__in=[second.pk, third.pk])} == {
        DeliveryStatus.DIGESTED
    }
    assert set(
        Delivery.objects.filter(pk__in=[second.pk, third.pk]).values_list("digest", flat=True)
    ) == {first.pk}
    assert DeliveryAttempt.objects.filter(robot=robot).count() == 1
    # Nothing left to send.
    assert send_robot(robot.pk) == {"sent": 0}


def test_a_digest_is_cut_to_the_limit_and_counts_the_rest(tree, vendor):
    robot = make_robot(vendor, "wecom")
    for n in range(300):
        make_delivery(
            robot, title=f"第{n}号通知：关于做好冬季安全生产工作的通知", link=f"http://t/{n}/"
        )
    send_robot(robot.pk)
    [record] = vendor.of("wecom")
    assert record.problems == []
    assert len(record.text.encode()) <= 4096
    assert "第0号通知" in record.text and texts.list_link() in record.text
    assert Delivery.objects.filter(status=DeliveryStatus.DIGESTED).count() == 299


def test_a_redirect_is_not_followed_and_counts_as_a_failure(tree, vendor):
    vendor.modes["wecom"] = "redirect"
    robot = make_robot(vendor, "wecom")
    delivery = make_delivery(robot)
    send_robot(robot.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.QUEUED
    attempt = delivery.attempt_log.get()
    assert attempt.status_code == 302 and not attempt.ok
    assert "302" in attempt.error
    assert len(vendor.of("wecom")) == 1


def test_a_robot_that_does_not_answer_is_retried_with_backoff_then_failed(tree, vendor, settings):
    settings.NOTICE_HTTP_TIMEOUT = 0.5
    settings.NOTICE_MAX_ATTEMPTS = 3
    vendor.modes["feishu"] = "hang"
    vendor.hang_seconds = 1.5
    robot = make_robot(vendor, "feishu")
    delivery = make_delivery(robot)
    waits = []
    for _ in range(3):
        started = timezone.now()
        send_robot(robot.pk)
        delivery.refresh_from_db()
        if delivery.status == DeliveryStatus.QUEUED:
            waits.append((delivery.not_before - started).total_seconds())
            Delivery.objects.filter(pk=delivery.pk).update(not_before=timezone.now())
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 3
    assert "0.5" in delivery.last_error
    # 60 s after the first failure, 120 s after the second.
    assert 60 <= waits[0] < 62 and 120 <= waits[1] < 122
    assert [a.error != "" for a in delivery.attempt_log.all()] == [True, True, True]


def test_an_error_answer_is_retried_then_failed_with_its_reason(tree, vendor, settings):
    settings.NOTICE_MAX_ATTEMPTS = 2
    vendor.modes["wecom"] = "error"
    robot = make_robot(vendor, "wecom")
    delivery = make_delivery(robot)
    send_robot(robot.pk)
    Delivery.objects.filter(pk=delivery.pk).update(not_before=timezone.now())
    send_robot(robot.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert "93000" in delivery.last_error and "invalid webhook url" in delivery.last_error
    assert len(vendor.of("wecom")) == 2


def test_backoff_doubles_up_to_an_hour(settings):
    settings.NOTICE_RETRY_SECONDS = 60
    assert [sending.backoff(n).total_seconds() for n in (1, 2, 3, 4, 7, 20)] == [
        60,
        120,
        240,
        480,
        3600,
        3600,
    ]


def test_secrets_are_never_logged_stored_or_audited(tree, vendor, settings, caplog):
    caplog.set_level(logging.DEBUG)
    settings.NOTICE_HTTP_TIMEOUT = 0.5
    vendor.hang_seconds = 1
    robots = {c: make_robot(vendor, c) for c in CHANNELS}
    for channel, mode in [("wecom", "echo"), ("dingtalk", "hang"), ("feishu", "ok")]:
        vendor.modes[channel] = mode
        make_delivery(robots[channel])
        send_robot(robots[channel].pk)
    assert len(vendor.records) == 3
    stored = " ".join(f"{a.answer} {a.error}" for a in DeliveryAttempt.objects.all()) + " ".join(
        Delivery.objects.values_list("last_error", flat=True)
    )
    audit = " ".join(str(e.before) + str(e.after) for e in AuditEntry.objects.all())
    assert "Group robot" in caplog.text  # the failures were logged
    assert "key=***" in stored  # the key the service repeated, blanked
    for secret in SECRETS:
        assert secret not in caplog.text
        assert secret not in stored
        assert secret not in audit


def test_without_its_rate_store_a_robot_waits_and_sends_nothing(tree, vendor, settings, caplog):
    settings.NOTICE_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    robot = make_robot(vendor, "wecom")
    delivery = make_delivery(robot)
    assert send_robot(robot.pk) == {"waiting": 1}
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.QUEUED and delivery.attempts == 0
    assert delivery.not_before > timezone.now()
    assert vendor.records == []
