"""Announcements: the audience by areas × roles and by name, the writer's scope, bad
input, sending now and later, acknowledgement in the app and by the signed link, the
sender's receipts by area, the grid chief's list of those who let the deadline pass."""

import datetime
import io

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from conftest import COUNTY, OTHER_TOWN, OTHER_VILLAGE, TOWN, UNIT, VILLAGE
from yiwang.accounts.models import Role
from yiwang.core.models import AuditEntry
from yiwang.notices import selectors
from yiwang.notices.models import Announcement, Notification, Receipt
from yiwang.notices.services import announcements as services
from yiwang.notices.services import receipts as receipt_services

pytestmark = pytest.mark.django_db


def _write(actor, areas, roles, **kwargs):
    kwargs.setdefault("title", "防汛值班通知")
    kwargs.setdefault("body", "请各网格员今晚到岗。")
    announcement = services.create_announcement(actor=actor, areas=areas, roles=roles, **kwargs)
    services.send_announcement(announcement.pk)
    announcement.refresh_from_db()
    return announcement


def _recipients(announcement):
    return set(
        Receipt.objects.filter(announcement=announcement).values_list("user__username", flat=True)
    )


def test_audience_by_area_and_role(personas):
    to_workers = _write(personas["town"], [VILLAGE], [Role.GRID_WORKER])
    assert _recipients(to_workers) == {"worker"}
    assert to_workers.recipient_count == 1
    assert to_workers.area_code == TOWN
    receipt = Receipt.objects.get(announcement=to_workers)
    assert receipt.area_code == UNIT  # the worker's post: receipts roll up the tree

    both = _write(personas["town"], [VILLAGE], [Role.GRID_WORKER, Role.GRID_CHIEF])
    assert _recipients(both) == {"worker", "chief"}

    county_wide = _write(personas["county"], [COUNTY], [Role.GRID_WORKER])
    assert _recipients(county_wide) == {"worker", "outsider"}


def test_audience_by_name_and_the_sender_left_out(personas):
    named = _write(personas["chief"], [], [], users=[personas["worker"].pk, personas["chief"].pk])
    assert _recipients(named) == {"worker"}
    assert named.area_code == VILLAGE


def test_a_post_that_ends_leaves_the_audience(personas):
    post = personas["worker"].posts.get()
    post.ends_on = timezone.localdate()
    post.save()
    announcement = _write(personas["town"], [VILLAGE], [Role.GRID_WORKER])
    assert _recipients(announcement) == set()


@pytest.mark.parametrize(
    "writer, areas",
    [
        ("chief", [OTHER_VILLAGE]),  # a chief cannot write to another village
        ("town", [OTHER_TOWN]),
        ("town", [VILLAGE, OTHER_VILLAGE]),  # one area outside is enough
    ],
)
def test_nobody_writes_outside_their_scope(personas, english, writer, areas):
    with pytest.raises(ValidationError) as error:
        services.create_announcement(
            actor=personas[writer], title="t", body="b", areas=areas, roles=[Role.GRID_WORKER]
        )
    assert "only write to the areas of your posts" in str(error.value)
    assert not Announcement.objects.exists()


def test_named_people_outside_the_scope_refused(personas, english):
    with pytest.raises(ValidationError) as error:
        services.create_announcement(
            actor=personas["chief"], title="t", body="b", users=[personas["outsider"].pk]
        )
    assert "outside your areas" in str(error.value)
    assert not Announcement.objects.exists()


def test_a_grid_worker_writes_none(personas, english):
    with pytest.raises(ValidationError) as error:
        services.create_announcement(
            actor=personas["worker"], title="t", body="b", areas=[UNIT], roles=[Role.GRID_WORKER]
        )
    assert "do not allow writing announcements" in str(error.value)


@pytest.mark.parametrize(
    "kwargs, field, text",
    [
        ({"areas": [], "roles": []}, "areas", "audience is empty"),
        ({"areas": [VILLAGE], "roles": []}, "areas", "audience is empty"),
        ({"areas": ["9999"], "roles": [Role.GRID_WORKER]}, "areas", "No such area"),
        ({"areas": ["37x"], "roles": [Role.GRID_WORKER]}, "areas", "not an area code"),
        ({"areas": [VILLAGE], "roles": ["mayor"]}, "roles", "not a role"),
        ({"areas": [VILLAGE], "roles": [Role.GRID_WORKER], "priority": "x"}, "priority", ""),
        ({"areas": [VILLAGE], "roles": [Role.GRID_WORKER], "ack_by": "soon"}, "ack_by", ""),
        ({"areas": [VILLAGE], "roles": [Role.GRID_WORKER], "title": " "}, "title", ""),
    ],
)
def test_bad_input_changes_nothing(personas, english, kwargs, field, text):
    kwargs = {"title": "t", "body": "b", **kwargs}
    with pytest.raises(ValidationError) as error:
        services.create_announcement(actor=personas["town"], **kwargs)
    assert field in error.value.message_dict
    assert text in " ".join(error.value.message_dict[field])
    assert not Announcement.objects.exists()
    assert not AuditEntry.objects.filter(action="announcement.create").exists()


def test_ack_deadline_before_sending_refused(personas, english):
    with pytest.raises(ValidationError) as error:
        services.create_announcement(
            actor=personas["town"],
            title="t",
            body="b",
            areas=[VILLAGE],
            roles=[Role.GRID_WORKER],
            send_at=timezone.now() + datetime.timedelta(days=2),
            ack_by=timezone.now() + datetime.timedelta(days=1),
        )
    assert "ack_by" in error.value.message_dict


@pytest.mark.parametrize(
    "name, content, text",
    [
        ("run.exe", b"MZ\x90\x00", "cannot be attached"),
        ("notice.pdf", b"<html>not a pdf</html>", "is not the file its name says"),
    ],
)
def test_an_attachment_not_allowed(personas, english, name, content, text):
    with pytest.raises(ValidationError) as error:
        services.create_announcement(
            actor=personas["town"],
            title="t",
            body="b",
            areas=[VILLAGE],
            roles=[Role.GRID_WORKER],
            attachments=[SimpleUploadedFile(name, content)],
        )
    assert text in " ".join(error.value.message_dict["attachments"])
    assert not Announcement.objects.exists()


def test_an_attachment_is_kept_and_served_to_the_audience_only(
    personas, client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    pdf = SimpleUploadedFile("会议通知.pdf", b"%PDF-1.4 test")
    announcement = _write(personas["town"], [VILLAGE], [Role.GRID_WORKER], attachments=[pdf])
    stored = announcement.attachments.get()
    assert stored.name == "会议通知.pdf" and stored.content_type == "application/pdf"
    url = reverse("notices:attachment", args=[announcement.pk, stored.pk])
    client.force_login(personas["worker"])
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"
    client.force_login(personas["outsider"])
    assert client.get(url).status_code == 404


def test_scheduled_announcement_waits_for_its_time(personas):
    later = timezone.now() + datetime.timedelta(hours=3)
    announcement = services.create_announcement(
        actor=personas["town"],
        title="t",
        body="b",
        areas=[VILLAGE],
        roles=[Role.GRID_WORKER],
        send_at=later,
    )
    assert services.send_due() == 0
    assert not Receipt.objects.exists()
    with time_machine.travel(later + datetime.timedelta(minutes=1)):
        assert services.send_due() == 1
        assert services.send_due() == 0  # once, however often the sweep runs
        assert services.send_announcement(announcement.pk) == 0
    assert _recipients(announcement) == {"worker"}


def test_acknowledged_once_and_read_is_not_acknowledged(personas):
    announcement = _write(personas["town"], [VILLAGE], [Role.GRID_WORKER])
    receipt = Receipt.objects.get(announcement=announcement)
    assert receipt_services.mark_read(actor=personas["worker"], receipt=receipt)
    receipt.refresh_from_db()
    assert receipt.read_at is not None and receipt.acked_at is None
    assert receipt_services.acknowledge(receipt=receipt, via="app", actor=personas["worker"])
    assert not receipt_services.acknowledge(receipt=receipt, via="app", actor=personas["worker"])
    receipt.refresh_from_db()
    assert receipt.acked_via == "app"
    assert AuditEntry.objects.filter(action="receipt.acknowledge").count() == 1


def test_signed_link_acknowledges_without_logging_in(personas, client):
    announcement = _write(personas["town"], [VILLAGE], [Role.GRID_WORKER])
    receipt = Receipt.objects.get(announcement=announcement)
    url = reverse("notices:ack-link", args=[receipt_services.link_token(receipt)])
    page = client.get(url)
    assert page.status_code == 200 and "防汛值班通知" in page.content.decode()
    receipt.refresh_from_db()
    assert receipt.acked_at is None  # a preview of the link acknowledges nothing
    assert client.post(url).status_code == 200
    receipt.refresh_from_db()
    assert receipt.acked_at is not None and receipt.acked_via == "link"


def test_forged_or_expired_link_refused(personas, client):
    announcement = _write(personas["town"], [VILLAGE], [Role.GRID_WORKER])
    receipt = Receipt.objects.get(announcement=announcement)
    token = receipt_services.link_token(receipt)
    value, _ts, signature = token.rsplit(":", 2)
    other = Receipt(pk=receipt.pk + 1, user_id=receipt.user_id)
    forged = [
        token[:-1] + ("A" if token[-1] != "A" else "B"),
        token.replace(value, f"{receipt.pk + 1}.{receipt.user_id}"),
        receipt_services.link_token(other).replace(str(receipt.pk + 1), str(receipt.pk), 1),
        "nonsense",
    ]
    for bad in forged:
        assert receipt_services.receipt_of_token(bad) is None
        response = client.post(reverse("notices:ack-link", args=[bad]))
        assert response.status_code == 404
    with time_machine.travel(timezone.now() + datetime.timedelta(days=31)):
        assert receipt_services.receipt_of_token(token) is None
        assert client.post(reverse("notices:ack-link", args=[token])).status_code == 404
    receipt.refresh_from_db()
    assert receipt.acked_at is None
    assert receipt_services.receipt_of_token(token) == receipt


def test_receipts_by_area_open_the_people(personas, client):
    announcement = _write(personas["county"], [COUNTY], [Role.GRID_WORKER])
    worker_receipt = Receipt.objects.get(announcement=announcement, user=personas["worker"])
    receipt_services.acknowledge(receipt=worker_receipt, via="app")
    summary = receipt_services.summary(announcement)
    assert summary["total"] == {"total": 2, "read": 1, "acked": 1, "pending": 1}
    by_town = {row["code"]: row for row in summary["areas"]}
    assert by_town[TOWN]["acked"] == 1 and by_town[TOWN]["pending"] == 0
    assert by_town[OTHER_TOWN]["acked"] == 0 and by_town[OTHER_TOWN]["pending"] == 1
    down = receipt_services.summary(announcement, TOWN)
    assert [row["code"] for row in down["areas"]] == [VILLAGE]

    client.force_login(personas["county"])
    people = client.get(
        reverse("notices:announcement-people", args=[announcement.pk]),
        {"area": OTHER_TOWN, "acked": "0"},
    )
    assert list(people.context["page_obj"]) == [
        Receipt.objects.get(announcement=announcement, user=personas["outsider"])
    ]
    # The town admin of another town sees neither the county's announcement's figures…
    client.force_login(personas["town"])
    assert (
        client.get(reverse("notices:announcement-people", args=[announcement.pk])).status_code
        == 404
    )


def test_the_chief_lists_those_past_the_deadline(personas, client):
    deadline = timezone.now() + datetime.timedelta(hours=2)
    announcement = _write(
        personas["town"], [TOWN], [Role.GRID_WORKER, Role.GRID_CHIEF], ack_by=deadline
    )
    assert not receipt_services.overdue_for(personas["chief"]).exists()
    with time_machine.travel(deadline + datetime.timedelta(minutes=5)):
        overdue = list(receipt_services.overdue_for(personas["chief"]))
        assert [r.user.username for r in overdue] == ["chief", "worker"] or {
            r.user.username for r in overdue
        } == {"chief", "worker"}
        assert receipt_services.tell_chiefs() == 1
        assert receipt_services.tell_chiefs() == 0  # once
        told = Notification.objects.get(kind="notice.unacknowledged")
        assert told.area_code == VILLAGE and "2" in told.text
        assert Notification.objects.for_user(personas["chief"]).filter(pk=told.pk).exists()
        assert not Notification.objects.for_user(personas["outsider"]).exists()
        client.force_login(personas["chief"])
        page = client.get(reverse("notices:overdue"))
        assert page.status_code == 200 and "防汛值班通知" in page.content.decode()
        # The outsider's chief would see nobody of this village.
        assert not receipt_services.overdue_for(personas["outsider"]).exists()
    worker_receipt = Receipt.objects.get(announcement=announcement, user=personas["worker"])
    receipt_services.acknowledge(receipt=worker_receipt, via="app")
    with time_machine.travel(deadline + datetime.timedelta(minutes=10)):
        assert {r.user.username for r in receipt_services.overdue_for(personas["chief"])} == {
            "chief"
        }


def test_the_inbox_merges_announcements_and_notifications(personas):
    worker = personas["worker"]
    first = _write(personas["town"], [VILLAGE], [Role.GRID_WORKER], title="第一条")
    Notification.objects.create(kind="notice.unacknowledged", recipient=worker, text="提醒")
    second = _write(personas["chief"], [VILLAGE], [Role.GRID_WORKER], title="第二条")
    items = selectors.page(worker)
    assert [(i.type, i.title) for i in items][:1] == [("announcement", "第二条")]
    assert {i.type for i in items} == {"announcement", "notification"}
    assert selectors.count(worker) == 3
    assert selectors.unread_count(worker) == 3
    assert selectors.pending_count(worker) == 2
    assert selectors.count(worker, "notifications") == 1
    assert selectors.count(personas["outsider"]) == 0
    receipt = Receipt.objects.get(announcement=first, user=worker)
    receipt_services.acknowledge(receipt=receipt, via="app")
    assert selectors.pending_count(worker) == 1
    assert [i.announcement_id for i in selectors.page(worker, "pending")] == [second.pk]


def test_the_inbox_page_and_its_acknowledge_button(personas, client):
    announcement = _write(personas["town"], [VILLAGE], [Role.GRID_WORKER])
    client.force_login(personas["worker"])
    page = client.get(reverse("notices:inbox"))
    assert page.status_code == 200
    assert "防汛值班通知" in page.content.decode()
    client.post(reverse("notices:announcement-ack", args=[announcement.pk]), {"back": "inbox"})
    assert Receipt.objects.get(announcement=announcement).acked_at is not None
    client.force_login(personas["outsider"])
    assert "防汛值班通知" not in client.get(reverse("notices:inbox")).content.decode()
    assert client.get(reverse("notices:announcement", args=[announcement.pk])).status_code == 404
    assert (
        client.post(reverse("notices:announcement-ack", args=[announcement.pk])).status_code == 404
    )


def test_the_form_sends_to_the_areas_offered(personas, client):
    client.force_login(personas["town"])
    form_page = client.get(reverse("notices:announcement-create"))
    codes = [code for code, _label in form_page.context["form"].fields["areas"].choices]
    assert VILLAGE in codes and OTHER_VILLAGE not in codes
    response = client.post(
        reverse("notices:announcement-create"),
        {
            "title": "通知",
            "body": "正文",
            "areas": [VILLAGE],
            "roles": [Role.GRID_WORKER],
            "priority": "important",
            "attachments": [io.BytesIO(b"")][:0],
        },
    )
    announcement = Announcement.objects.get()
    assert response.status_code == 302
    assert announcement.priority == "important" and announcement.audience_areas == [VILLAGE]
    assert client.get(reverse("notices:announcements")).status_code == 200
    client.force_login(personas["worker"])  # reads announcements in the inbox; writes none
    assert client.get(reverse("notices:announcements")).status_code == 403


def test_read_when_opened_not_when_kept_ahead(personas, client):
    announcement = _write(personas["town"], [VILLAGE], [Role.GRID_WORKER])
    client.force_login(personas["worker"])
    url = reverse("notices:announcement", args=[announcement.pk])
    # The service worker fetches the page to keep it: not read yet.
    assert client.get(url, headers={"Sec-Fetch-Mode": "same-origin"}).status_code == 200
    assert Receipt.objects.get(announcement=announcement).read_at is None
    assert client.get(url, headers={"Sec-Fetch-Mode": "navigate"}).status_code == 200
    assert Receipt.objects.get(announcement=announcement).read_at is not None


def test_the_fallback_sms_goes_once_to_each_who_has_not_acknowledged(
    personas, settings, django_capture_on_commit_callbacks, monkeypatch
):
    from yiwang.accounts.models import User
    from yiwang.notices.models import Delivery, DeliveryAttempt
    from yiwang.notices.outbox import send_sms
    from yiwang.notices.outbox.channels import Answer

    settings.NOTICE_QUIET_HOURS = ""
    settings.NOTICE_SMS_AFTER_HOURS = 24
    User.objects.filter(username__in=["worker", "chief"]).update(phone="13812345678")
    User.objects.filter(username="outsider").update(phone="0537-7212345")  # not a mobile
    deadline = timezone.now() + datetime.timedelta(hours=2)
    announcement = _write(
        personas["county"],
        [COUNTY],
        [Role.GRID_WORKER, Role.GRID_CHIEF],
        ack_by=deadline,
    )
    chief_receipt = Receipt.objects.get(announcement=announcement, user=personas["chief"])
    receipt_services.acknowledge(receipt=chief_receipt, via="app")
    with time_machine.travel(deadline + datetime.timedelta(hours=1)):
        assert receipt_services.queue_fallback_sms() == 0  # not yet: a further delay
    with time_machine.travel(deadline + datetime.timedelta(hours=25)):
        with django_capture_on_commit_callbacks(execute=False):
            assert receipt_services.queue_fallback_sms() == 1
            assert receipt_services.queue_fallback_sms() == 0  # the sweep again
            # Even with the announcement's mark undone, a receipt gets one SMS.
            Announcement.objects.filter(pk=announcement.pk).update(sms_queued_at=None)
            assert receipt_services.queue_fallback_sms() == 0
        sms = Delivery.objects.get(channel="sms")
        worker_receipt = Receipt.objects.get(announcement=announcement, user=personas["worker"])
        assert sms.receipt == worker_receipt and sms.user == personas["worker"]
        # The personal link is a credential: never stored with the delivery, made when sent.
        assert sms.link == "" and "/n/" not in sms.text
        sent = []
        monkeypatch.setattr(
            "yiwang.notices.outbox.sms.LogBackend.send",
            lambda self, message: sent.append(message.body()) or Answer(True, body="ok"),
        )
        # Sent once, however often its task runs.
        send_sms(sms.pk)
        send_sms(sms.pk)
        sms.refresh_from_db()
        assert sms.status == "sent"
        assert DeliveryAttempt.objects.filter(delivery=sms).count() == 1
        assert len(sent) == 1 and receipt_services.link_url(worker_receipt) in sent[0]
        assert "/n/" not in DeliveryAttempt.objects.get(delivery=sms).answer


def test_the_fallback_sms_is_not_sent_once_acknowledged(
    personas, settings, django_capture_on_commit_callbacks
):
    from yiwang.accounts.models import User
    from yiwang.notices.models import Delivery, DeliveryAttempt
    from yiwang.notices.outbox import send_sms

    settings.NOTICE_QUIET_HOURS = ""
    User.objects.filter(username="worker").update(phone="13812345678")
    deadline = timezone.now() + datetime.timedelta(hours=2)
    announcement = _write(personas["town"], [VILLAGE], [Role.GRID_WORKER], ack_by=deadline)
    with time_machine.travel(deadline + datetime.timedelta(hours=25)):
        with django_capture_on_commit_callbacks(execute=False):
            assert receipt_services.queue_fallback_sms() == 1
        receipt = Receipt.objects.get(announcement=announcement)
        receipt_services.acknowledge(receipt=receipt, via="app")  # before the SMS went
        sms = Delivery.objects.get(channel="sms")
        assert send_sms(sms.pk) == "skipped"
        assert not DeliveryAttempt.objects.filter(delivery=sms).exists()


def test_sending_queues_the_groups_of_the_audience(
    personas, settings, django_capture_on_commit_callbacks
):
    from yiwang.notices.models import Delivery
    from yiwang.notices.outbox import queue_to_groups, register_robot

    own = register_robot(
        actor=personas["chief"],
        area_code=VILLAGE,
        channel="wecom",
        name="南门社区网格群",
        url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0123456789abcdef",
    )
    register_robot(
        actor=personas["county"],
        area_code=OTHER_VILLAGE,
        channel="wecom",
        name="外村网格群",
        url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=fedcba9876543210",
    )
    with django_capture_on_commit_callbacks(execute=False):
        # Sending queues the group of the village, not the other village's.
        announcement = _write(personas["town"], [VILLAGE], [Role.GRID_WORKER])
        assert queue_to_groups(announcement) == 0  # once a group
        # An announcement for the chiefs, or for people named, stays out of the groups.
        _write(personas["town"], [VILLAGE], [Role.GRID_CHIEF])
        _write(personas["chief"], [], [], users=[personas["worker"].pk])
    delivery = Delivery.objects.get()
    assert delivery.robot == own and delivery.announcement == announcement
    assert delivery.link.endswith(f"/notices/announcements/{announcement.pk}/")
