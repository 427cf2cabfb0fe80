# ruff: noqa: F811 (the fixtures imported from outbox_server are arguments here)
"""Registering the groups' robots: who may, where; the address checked and never shown,
logged or audited; the pages and the API; announcements queued to the robots of their
areas, and the quiet hours."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client
from django.utils import translation

from conftest import GRID, OTHER_GRID, OTHER_VILLAGE, TOWN, VILLAGE
from yiwang.core.models import AuditEntry
from yiwang.notices.models import Announcement, Delivery, DeliveryStatus, Robot
from yiwang.notices.outbox import (
    clean_robot_url,
    queue_to_groups,
    register_robot,
    send_robot,
    update_robot,
)
from yiwang.notices.tasks import dispatch_outbox

from .outbox_scope_checks import OUTBOX_CHECKS
from .outbox_server import (
    DINGTALK_SECRET,
    DINGTALK_TOKEN,
    WECOM_KEY,
    make_robot,
    outbox_settings,  # noqa: F401 (an autouse fixture)
    vendor,  # noqa: F401 (a fixture)
)

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
WECOM = f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}"
DINGTALK = f"https://oapi.dingtalk.com/robot/send?access_token={DINGTALK_TOKEN}"
FEISHU = "https://open.feishu.cn/open-apis/bot/v2/hook/0123456789abcdef"


def _register(actor, area_code=VILLAGE, channel="wecom", url=WECOM, **values):
    return register_robot(
        actor=actor, area_code=area_code, channel=channel, name="南门社区群", url=url, **values
    )


# --- addresses ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "channel, url", [("wecom", WECOM), ("dingtalk", DINGTALK), ("feishu", FEISHU)]
)
def test_it_accepts_the_robot_services_addresses(channel, url):
    assert clean_robot_url(channel, f"  {url} ") == url


@pytest.mark.parametrize(
    "channel, url",
    [
        ("wecom", WECOM.replace("https:", "http:")),  # not https
        ("wecom", WECOM.replace("qyapi.weixin.qq.com", "qyapi.weixin.qq.com.evil.cn")),
        ("wecom", WECOM.replace("qyapi.weixin.qq.com", "evil.cn")),
        ("wecom", WECOM.replace("https://", "https://user@")),
        ("wecom", WECOM.replace("qq.com", "qq.com:8443")),
        ("wecom", WECOM + "&next=https://evil.cn/"),
        ("wecom", WECOM.replace("/send", "/upload_media")),
        ("wecom", DINGTALK),  # another channel's service
        ("dingtalk", DINGTALK.replace("/robot/send", "/robot/send/../../x")),
        ("feishu", FEISHU + "?redirect=https://evil.cn"),
        ("feishu", "javascript:alert(1)"),
        ("feishu", ""),
    ],
)
def test_it_refuses_what_is_not_the_channels_robot_service(channel, url):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        clean_robot_url(channel, url)
    message = error.value.messages[0]
    assert "机器人" in message
    assert WECOM_KEY not in message and "evil" not in message


def test_extra_hosts_are_accepted_over_http_too(settings):
    settings.NOTICE_ROBOT_EXTRA_HOSTS = ["gw.intranet", "127.0.0.1:8765"]
    assert clean_robot_url("wecom", f"http://gw.intranet/cgi-bin/webhook/send?key={WECOM_KEY}")
    assert clean_robot_url("feishu", "http://127.0.0.1:8765/open-apis/bot/v2/hook/abcdefgh12")
    with pytest.raises(ValidationError):
        clean_robot_url("feishu", "http://127.0.0.1:9999/open-apis/bot/v2/hook/abcdefgh12")


# --- who may register, and the audit ------------------------------------------------------


def test_a_chief_registers_robots_for_the_village_and_its_grids(chief):
    village = _register(chief)
    grid = _register(chief, area_code=GRID, channel="feishu", url=FEISHU)
    assert (village.area_code, grid.area_code) == (VILLAGE, GRID)
    assert Robot.objects.get(pk=village.pk).url == WECOM  # read back decrypted
    assert village.created_by == chief


def test_a_chief_cannot_register_for_another_village_or_above(chief):
    for code in (OTHER_VILLAGE, OTHER_GRID):
        with pytest.raises(Http404):
            _register(chief, area_code=code)
    with pytest.raises(Http404):
        _register(chief, area_code=TOWN)
    assert (
        not Robot.objects.exists() and not AuditEntry.objects.filter(action="robot.create").exists()
    )


def test_a_worker_cannot_register_and_admins_can_below_them(worker, town_admin, county_admin):
    # The grid lies above the worker's unit: outside their scope, as if it did not exist.
    with pytest.raises(Http404):
        _register(worker, area_code=GRID)
    # A group leader sees the grid but does not manage it.
    from yiwang.accounts.services import grant_post

    grant_post(actor=None, user=worker, role="group_leader", area_code=GRID)
    with pytest.raises(PermissionDenied):
        _register(worker, area_code=GRID)
    assert _register(town_admin).area_code == VILLAGE
    assert _register(county_admin, area_code=OTHER_GRID).area_code == OTHER_GRID


def test_a_robot_is_only_for_a_village_or_a_grid(county_admin):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        _register(county_admin, area_code=TOWN)
    assert "村" in str(error.value.message_dict["area_code"])


def test_a_bad_address_writes_nothing(chief):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        _register(chief, url="https://evil.cn/cgi-bin/webhook/send?key=0123456789")
    assert "url" in error.value.message_dict
    assert (
        not Robot.objects.exists() and not AuditEntry.objects.exists(action="robot.create")
        if False
        else True
    )
    assert not Robot.objects.exists()
    assert not AuditEntry.objects.filter(action="robot.create").exists()


def test_the_audit_says_configured_and_changed_never_the_address(chief):
    robot = _register(chief, channel="dingtalk", url=DINGTALK, secret=DINGTALK_SECRET)
    new_url = DINGTALK.replace(DINGTALK_TOKEN, "another-token-0123456789")
    update_robot(actor=chief, robot_id=robot.pk, url=new_url, secret="SECnew-secret-012345678")
    update_robot(actor=chief, robot_id=robot.pk, name="南门社区二群")
    created, changed, renamed = AuditEntry.objects.filter(action__startswith="robot.").order_by(
        "id"
    )
    assert created.after["url"] == "configured" and created.after["secret"] == "configured"
    assert changed.after == {"url": "changed", "secret": "changed"}
    assert changed.before == {}
    assert renamed.before == {"name": "南门社区群"} and renamed.after == {"name": "南门社区二群"}
    text = " ".join(str(e.before) + str(e.after) for e in (created, changed, renamed))
    for secret in (DINGTALK_TOKEN, DINGTALK_SECRET, "another-token", "SECnew-secret"):
        assert secret not in text
    robot.refresh_from_db()
    assert robot.url == new_url and robot.secret == "SECnew-secret-012345678"


def test_an_empty_address_or_secret_keeps_them(chief):
    robot = _register(chief, channel="dingtalk", url=DINGTALK, secret=DINGTALK_SECRET)
    update_robot(actor=chief, robot_id=robot.pk, url="", secret="")
    robot.refresh_from_db()
    assert robot.url == DINGTALK and robot.secret == DINGTALK_SECRET
    update_robot(actor=chief, robot_id=robot.pk, clear_secret=True)
    robot.refresh_from_db()
    assert robot.secret == ""


def test_the_secret_is_encrypted_at_rest(chief):
    from django.db import connection

    robot = _register(chief, channel="dingtalk", url=DINGTALK, secret=DINGTALK_SECRET)
    with connection.cursor() as cursor:
        cursor.execute("SELECT url, secret FROM notices_robot WHERE id = %s", [robot.pk])
        url, secret = cursor.fetchone()
    assert DINGTALK_TOKEN not in url and DINGTALK_SECRET not in secret


# --- the pages and the API ----------------------------------------------------------------


@pytest.fixture
def client_of():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


def test_the_pages_register_and_never_show_the_address(chief, client_of):
    client = client_of(chief)
    home = client.get("/")
    assert "/notices/robots/" in home.content.decode()  # in the menu
    page = client.get("/notices/robots/new/")
    assert page.status_code == 200
    assert f'value="{OTHER_VILLAGE}"' not in page.content.decode()
    answer = client.post(
        "/notices/robots/new/",
        {
            "area_code": GRID,
            "channel": "wecom",
            "name": "第一网格群",
            "url": WECOM,
            "is_active": "on",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    robot = Robot.objects.get()
    listing = client.get("/notices/robots/").content.decode()
    edit = client.get(f"/notices/robots/{robot.pk}/").content.decode()
    assert "第一网格群" in listing and "已配置" in listing
    for html in (listing, edit):
        assert WECOM_KEY not in html
    client.post(f"/notices/robots/{robot.pk}/", {"name": "第一网格群", "url": "", "is_active": ""})
    robot.refresh_from_db()
    assert robot.url == WECOM and not robot.is_active


def test_the_form_says_why_an_address_is_refused(chief, client_of):
    with translation.override("zh-hans"):
        answer = client_of(chief).post(
            "/notices/robots/new/",
            {"area_code": GRID, "channel": "wecom", "name": "群", "url": "http://evil.cn/x"},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
    assert answer.status_code == 200
    assert "机器人" in answer.content.decode()
    assert not Robot.objects.exists()


def test_others_are_refused_the_pages_and_robots_outside_the_scope(
    chief, worker, outsider, client_of
):
    robot = _register(chief)
    assert client_of(worker).get("/notices/robots/").status_code == 403
    assert "/notices/robots/" not in client_of(worker).get("/").content.decode()
    assert client_of(worker).get("/api/v1/robots/").status_code == 403
    other_chief = _other_chief(outsider)
    assert client_of(other_chief).get(f"/notices/robots/{robot.pk}/").status_code == 404
    assert client_of(other_chief).get(f"/api/v1/robots/{robot.pk}/").status_code == 404


def _other_chief(user):
    from yiwang.accounts.services import grant_post

    grant_post(actor=None, user=user, role="grid_chief", area_code=OTHER_VILLAGE)
    return user


def test_the_api_registers_and_lists_robots_and_deliveries(chief, client_of, vendor):
    client = client_of(chief)
    answer = client.post(
        "/api/v1/robots/",
        {
            "area_code": VILLAGE,
            "channel": "dingtalk",
            "name": "群",
            "url": DINGTALK,
            "secret": DINGTALK_SECRET,
        },
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["url_configured"] and body["secret_configured"]
    assert "url" not in body and "secret" not in body
    refused = client.post(
        "/api/v1/robots/",
        {"area_code": OTHER_VILLAGE, "channel": "wecom", "name": "群", "url": WECOM},
        content_type="application/json",
    )
    assert refused.status_code == 404
    bad = client.post(
        "/api/v1/robots/",
        {"area_code": VILLAGE, "channel": "wecom", "name": "群", "url": "https://evil.cn/"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "url" in bad.json()
    robot = make_robot(vendor, "wecom")
    Delivery.objects.create(
        channel="wecom", robot=robot, area_code=robot.area_code, title="通知", text="正文"
    )
    send_robot(robot.pk)
    listing = client.get("/api/v1/deliveries/").json()
    [delivery] = listing["results"]
    assert delivery["status"] == "sent" and delivery["attempt_log"][0]["ok"]
    listed = client.get("/api/v1/robots/").content.decode()
    assert DINGTALK_TOKEN not in listed and DINGTALK_SECRET not in listed


# --- announcements to the groups, quiet hours ---------------------------------------------


def _announcement(sender, areas, priority="routine"):
    return Announcement.objects.create(
        area_code="370830",
        title="冬季防火通知",
        body="请各网格排查火灾隐患。",
        sender=sender,
        audience_areas=areas,
        priority=priority,
    )


def test_an_announcement_is_queued_to_the_robots_under_its_areas(county_admin, vendor):
    village = make_robot(vendor, "wecom", area_code=VILLAGE)
    grid = make_robot(vendor, "feishu", area_code=GRID)
    make_robot(vendor, "dingtalk", area_code=OTHER_VILLAGE)
    Robot.objects.create(area_code=GRID, channel="wecom", name="无地址", url="")
    announcement = _announcement(county_admin, [VILLAGE])
    assert queue_to_groups(announcement) == 2
    assert queue_to_groups(announcement) == 0  # once per robot
    deliveries = Delivery.objects.filter(announcement=announcement)
    assert {d.robot_id for d in deliveries} == {village.pk, grid.pk}
    delivery = deliveries.first()
    assert delivery.link.endswith(f"/notices/announcements/{announcement.pk}/")
    assert delivery.title == "冬季防火通知" and not delivery.emergency


def test_queued_inside_a_transaction_they_go_on_commit(
    county_admin, vendor, django_capture_on_commit_callbacks
):
    make_robot(vendor, "wecom", area_code=VILLAGE)
    with django_capture_on_commit_callbacks(execute=True):
        queue_to_groups(_announcement(county_admin, [TOWN]))
        assert vendor.of("wecom") == []
    [record] = vendor.of("wecom")
    assert "冬季防火通知" in record.text
    assert Delivery.objects.get().status == DeliveryStatus.SENT


def test_routine_notices_wait_for_the_end_of_the_quiet_hours(county_admin, vendor, settings):
    settings.NOTICE_QUIET_HOURS = "21:00-07:00"
    robot = make_robot(vendor, "wecom", area_code=VILLAGE)
    night = datetime.datetime(2026, 12, 7, 22, 30, tzinfo=SHANGHAI)
    with time_machine.travel(night, tick=False):
        queue_to_groups(_announcement(county_admin, [VILLAGE]))
        delivery = Delivery.objects.get()
        assert delivery.not_before == datetime.datetime(2026, 12, 8, 7, 0, tzinfo=SHANGHAI)
        assert send_robot(robot.pk) == {"sent": 0}
        # Even when its time was set earlier, no routine message goes in the quiet hours.
        Delivery.objects.update(not_before=night - datetime.timedelta(hours=1))
        assert send_robot(robot.pk) == {"sent": 0}
        Delivery.objects.update(not_before=delivery.not_before)
    with time_machine.travel(night + datetime.timedelta(hours=8, minutes=31), tick=False):
        assert dispatch_outbox.call_local()["robots"] == 1
    assert len(vendor.of("wecom")) == 1
    assert Delivery.objects.get().status == DeliveryStatus.SENT


def test_an_emergency_goes_at_once_in_the_quiet_hours(
    county_admin, vendor, settings, django_capture_on_commit_callbacks
):
    settings.NOTICE_QUIET_HOURS = "21:00-07:00"
    make_robot(vendor, "dingtalk", area_code=VILLAGE)
    three_am = datetime.datetime(2026, 12, 7, 3, 0, tzinfo=SHANGHAI)
    with (
        time_machine.travel(three_am, tick=True),
        django_capture_on_commit_callbacks(execute=True),
    ):
        queue_to_groups(_announcement(county_admin, [VILLAGE], priority="emergency"))
    [record] = vendor.of("dingtalk")
    assert record.problems == [] and record.data["at"]["isAtAll"] is True
    assert Delivery.objects.get().emergency


def test_the_api_schema_documents_the_outbox():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/robots/"])
    assert "patch" in paths["/api/v1/robots/{id}/"]
    assert set(paths["/api/v1/deliveries/"]) == {"get"}
    for operations in (paths["/api/v1/robots/"], paths["/api/v1/deliveries/{id}/"]):
        for operation in operations.values():
            assert {"400", "401", "403", "404"} <= set(operation["responses"])
    robot = schema["components"]["schemas"]["Robot"]["properties"]
    assert "url" not in robot and "secret" not in robot


def test_the_deliveries_pages_show_the_attempts_and_send_a_failed_one_again(
    chief, outsider, client_of, vendor, settings
):
    settings.NOTICE_MAX_ATTEMPTS = 1
    vendor.modes["wecom"] = "error"
    robot = make_robot(vendor, "wecom", area_code=VILLAGE)
    delivery = Delivery.objects.create(
        channel="wecom", robot=robot, area_code=VILLAGE, title="停电通知", text="明天停电。"
    )
    send_robot(robot.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    client = client_of(chief)
    listing = client.get("/notices/deliveries/?status=failed").content.decode()
    assert "停电通知" in listing and "93000" in listing
    assert client.get("/notices/deliveries/?robot=abc").status_code == 400
    detail = client.get(f"/notices/deliveries/{delivery.pk}/").content.decode()
    assert "invalid webhook url" in detail and "delivery-retry" in detail
    assert WECOM_KEY not in listing + detail
    assert client_of(outsider).get(f"/notices/deliveries/{delivery.pk}/").status_code == 403
    other_chief = _other_chief(outsider)
    assert client_of(other_chief).get(f"/notices/deliveries/{delivery.pk}/").status_code == 404

    vendor.modes["wecom"] = "ok"
    answer = client.post(f"/notices/deliveries/{delivery.pk}/retry/")
    assert answer.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.QUEUED and delivery.attempts == 0
    send_robot(robot.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert AuditEntry.objects.filter(action="delivery.retry", object_id=str(delivery.pk)).exists()
    # A sent delivery is not sent again.
    again = client.post(f"/api/v1/deliveries/{delivery.pk}/retry/", content_type="application/json")
    assert again.status_code == 400


def test_the_lists_take_the_same_queries_for_more_rows(
    chief, client_of, vendor, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_of(chief)
    robot = make_robot(vendor, "wecom", area_code=VILLAGE)

    def add(count):
        for n in range(count):
            Delivery.objects.create(
                channel="wecom", robot=robot, area_code=VILLAGE, title=f"通知{n}", text="正文"
            )
        send_robot(robot.pk)

    def queries(path):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    add(2)
    few = [
        queries(p)
        for p in (
            "/api/v1/deliveries/",
            "/api/v1/robots/",
            "/notices/deliveries/",
            "/notices/robots/",
        )
    ]
    make_robot(vendor, "feishu", area_code=GRID)
    add(5)
    many = [
        queries(p)
        for p in (
            "/api/v1/deliveries/",
            "/api/v1/robots/",
            "/notices/deliveries/",
            "/notices/robots/",
        )
    ]
    assert many == few


@pytest.mark.parametrize("name", sorted(OUTBOX_CHECKS))
def test_the_scope_holds_on(name, chief, outsider, client_of):
    OUTBOX_CHECKS[name]({"client": client_of(chief), "foreign_user": outsider})
