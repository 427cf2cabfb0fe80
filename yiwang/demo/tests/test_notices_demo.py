"""The demo county's announcements: a year of them with their receipts, written in bulk as
the sending service would have resolved them; and the `demo` command that builds them."""

import datetime
from collections import Counter, defaultdict

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from conftest import SHARED
from yiwang.accounts.models import Post, User
from yiwang.demo.areas import build_demo
from yiwang.demo.notices import build_demo_notices
from yiwang.notices import selectors
from yiwang.notices.models import Announcement, Notification, Receipt, Robot
from yiwang.notices.services import announcements as service
from yiwang.notices.services import receipts


@pytest.fixture
def built(db):
    # Built once a session on the town the other demo tests share, restored for each test
    # (tests/snapshots.py).
    SHARED.build_or_restore("demo-town", lambda: build_demo("town", seed=2026))
    return SHARED.build_or_restore(
        "demo-notices", lambda: build_demo_notices(seed=2026), reload=lambda counts: counts
    )


def test_it_builds_a_year_of_announcements_in_the_county_proportions(built):
    # The town scale's 1,092 units of the county's 7,849: 6,000 a year, scaled.
    assert built["announcements"] == round(6000 * 1092 / 7849) == 835
    assert Announcement.objects.count() == 835
    assert Receipt.objects.count() == built["receipts"]
    assert sum(Announcement.objects.values_list("recipient_count", flat=True)) == built["receipts"]
    # About 60 people an announcement: mostly a village's grid workers.
    assert 30 < built["receipts"] / 835 < 120
    now = timezone.now()
    sent = list(Announcement.objects.values_list("send_at", "sent_at", "status"))
    assert {status for _s, _t, status in sent} == {"sent"}
    assert all(send_at == sent_at <= now for send_at, sent_at, _s in sent)
    assert now - min(at for at, _t, _s in sent) < datetime.timedelta(days=366)
    assert len({timezone.localtime(at).month for at, _t, _s in sent}) == 12

    priorities = Counter(Announcement.objects.values_list("priority", flat=True))
    assert priorities["routine"] > 0.7 * 835
    assert 0.1 * 835 < priorities["important"] < 0.25 * 835
    assert 0 < priorities["emergency"] < 0.06 * 835
    assert Announcement.objects.filter(ack_by__isnull=False).count() > 0.7 * 835
    # Most acknowledged, some late, some never.
    total = built["receipts"]
    assert Receipt.objects.filter(acked_at__isnull=False).count() == built["acknowledged"]
    assert 0.75 * total < built["acknowledged"] < 0.95 * total
    assert built["late"] > 0.03 * total and built["overdue"] > 0.02 * total
    via = Counter(Receipt.objects.exclude(acked_via="").values_list("acked_via", flat=True))
    assert set(via) == {"app", "link"} and via["app"] > 5 * via["link"]


def test_the_times_of_each_receipt_follow_each_other(built):
    now = timezone.now()
    rows = Receipt.objects.values_list(
        "created_at", "read_at", "acked_at", "acked_via", "announcement__send_at"
    )
    for created, read, acked, via, send_at in rows:
        assert created == send_at
        assert read is None or created <= read <= now
        assert (acked is None) == (via == "")
        assert acked is None or (read is not None and read <= acked <= now)


def test_the_last_weeks_are_more_often_pending(built):
    now = timezone.now()
    recent = Receipt.objects.filter(created_at__gte=now - datetime.timedelta(days=21))
    older = Receipt.objects.filter(created_at__lt=now - datetime.timedelta(days=60))
    share = {
        name: rows.filter(acked_at__isnull=True).count() / rows.count()
        for name, rows in (("recent", recent), ("older", older))
    }
    assert share["recent"] > 1.5 * share["older"] > 0


def test_each_receipt_is_the_audience_the_service_resolves(built):
    posts = defaultdict(set)
    for user_id, role, code in Post.objects.current().values_list("user_id", "role", "area_code"):
        posts[user_id].add((role, code))
    got = defaultdict(dict)
    for announcement_id, user_id, code in Receipt.objects.values_list(
        "announcement_id", "user_id", "area_code"
    ):
        got[announcement_id][user_id] = code
    for announcement in Announcement.objects.all():
        people = got[announcement.pk]
        # The rule of notices.services.announcements: the current posts of the roles
        # under the areas, the deepest one's code, the sender left out.
        assert people == service.audience(announcement), announcement.pk
        assert announcement.sender_id not in people
        assert announcement.audience_areas == [announcement.area_code]
        for user_id, code in people.items():
            assert code.startswith(announcement.area_code)
            assert any(
                role in announcement.audience_roles and c == code for role, c in posts[user_id]
            )
        # Written from one of the sender's posts, whose area holds the audience.
        assert any(c == announcement.area_code for _r, c in posts[announcement.sender_id])
    senders = Counter(
        len(code) for code in Announcement.objects.values_list("area_code", flat=True)
    )
    # A few from the county, some from the towns, most from the villages.
    assert 0 < senders[6] < senders[9] < senders[12]
    assert senders[12] > 0.75 * 835


def test_the_demo_logins_have_something_to_do(built):
    worker = User.objects.get(username="worker")
    assert selectors.receipts_of(worker, "unread").count() >= 2
    assert selectors.pending_count(worker) >= 2
    chief = User.objects.get(username="chief")
    overdue = list(receipts.overdue_for(chief))
    assert len(overdue) >= 3
    (village,) = Post.objects.filter(user=chief).values_list("area_code", flat=True)
    assert all(r.area_code.startswith(village) and r.acked_at is None for r in overdue)


def test_the_sweeps_find_nothing_to_do_after_the_build(built):
    assert Announcement.objects.filter(chiefs_told_at__isnull=False).exists()
    assert Announcement.objects.filter(sms_queued_at__isnull=False).exists()
    assert receipts.tell_chiefs() == 0
    # The fallback SMS sweep's work (receipts.queue_fallback_sms): none due.
    delay = datetime.timedelta(hours=settings.NOTICE_SMS_AFTER_HOURS)
    assert not Announcement.objects.filter(
        status="sent", ack_by__lte=timezone.now() - delay, sms_queued_at__isnull=True
    ).exists()
    assert service.send_due() == 0
    # What the sweep would have told the grid chiefs at each deadline is in their inbox.
    assert (
        Notification.objects.filter(kind="notice.unacknowledged").count()
        == built["chiefs_told"]
        > 0
    )
    chief = User.objects.get(username="chief")
    assert selectors.notifications_of(chief).filter(kind="notice.unacknowledged").exists()


def test_each_village_has_a_group_robot_not_configured(built):
    robots = list(Robot.objects.all())
    assert built["robots"] == len(robots) == 50
    assert len({robot.area_code for robot in robots}) == 50
    assert all(len(robot.area_code) == 12 for robot in robots)
    assert all(robot.channel == "wecom" and robot.name.endswith("村网格群") for robot in robots)
    assert not any(robot.is_active or robot.is_configured for robot in robots)


def test_the_demo_command_builds_the_notices_unless_told_not_to(db, capsys):
    call_command(
        "demo", "--scale", "town", "--no-ledger", "--no-cases", "--no-notices", "--no-cockpit"
    )
    assert not Announcement.objects.exists() and not Robot.objects.exists()
    assert "notices" not in capsys.readouterr().out


def test_the_demo_command_builds_the_notices(db, capsys):
    call_command("demo", "--scale", "town", "--no-ledger", "--no-cases", "--no-cockpit")
    assert Announcement.objects.count() == 835
    out = capsys.readouterr().out
    assert "835 announcements" in out and "50 group robots" in out
