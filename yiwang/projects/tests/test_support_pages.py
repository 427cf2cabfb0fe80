"""The pages of enterprise support, in Chinese: the requests' list with its filters, a
request's page with its clock and the forms each viewer may use, recording a request,
the finance-counsellor page, and the command post's team forms."""

import datetime
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from yiwang.projects.models import CounsellorTeam, EnterpriseRequest, RequestStatus
from yiwang.projects.services import support as services
from yiwang.projects.tests.factories import make_department
from yiwang.projects.tests.support_rows import make_support, on

pytestmark = pytest.mark.django_db


def client_of(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


@pytest.fixture
def support(personas):
    return make_support()


def _receive(support, enterprise=None, department=None, day=datetime.date(2025, 9, 30)):
    row, _ = services.receive_request(
        None,
        enterprise=(enterprise or support.enterprise).pk,
        kind="finance",
        text="流动资金贷款",
        department=(department or support.department).pk,
        received_on=day,
    )
    return row


def test_the_list_filters_and_shows_names(support, personas):
    old = _receive(support)
    other = make_department(code="land", name="县自然资源局")
    fresh = _receive(support, support.lonely_enterprise, other, day=datetime.date.today())
    services.begin_verifying(None, fresh.pk)
    page = client_of(personas["town"]).get(reverse("projects:support-requests"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "企业诉求" in body and old.number in body and fresh.number in body
    assert "鲁南机械有限公司" in body and "县地方金融服务中心" in body and "已超期" in body
    for query, shown in [
        ({"status": "verifying"}, {fresh.number}),
        ({"overdue": "true"}, {old.number}),
        ({"department": other.pk}, {fresh.number}),
        ({"kind": "land"}, set()),
        ({"open": "true", "under": "370830001001"}, {old.number, fresh.number}),
        ({"open": "false"}, set()),
        ({"under": "370830002"}, set()),
    ]:
        body = client_of(personas["town"]).get(reverse("projects:support-requests"), query)
        text = body.content.decode()
        assert {n for n in (old.number, fresh.number) if n in text} == shown, query
    outsider = client_of(personas["outsider"]).get(reverse("projects:support-requests"))
    assert old.number not in outsider.content.decode()


def test_the_request_page_shows_the_clock_and_the_forms_by_permission(support, personas):
    row = _receive(support)
    services.sweep_requests(datetime.date(2025, 10, 10))
    url = reverse("projects:support-request", args=[row.pk])
    body = client_of(support.clerk).get(url).content.decode()
    for text in ("工作日时限", "2025-10-09", "2025-10-11", "2025-10-28", "超期", "乡镇（街道）"):
        assert text in body, text
    assert 'id="step-verify"' in body and 'id="step-extend"' in body
    banker = client_of(support.counsellor).get(url).content.decode()
    assert row.number in banker and 'id="step-verify"' not in banker
    assert client_of(personas["outsider"]).get(url).status_code == 404
    assert client_of(personas["chief"]).get(url).status_code == 404


def test_the_steps_from_the_page(support, personas):
    row = _receive(support, day=datetime.date(2025, 9, 30))
    clerk = client_of(support.clerk)
    step = lambda name: reverse("projects:support-request-step", args=[row.pk, name])  # noqa: E731
    with on(datetime.date(2025, 10, 9)):
        assert clerk.post(step("verify")).status_code == 302
        empty = clerk.post(step("reply"), {"reply": ""})
        assert empty.status_code == 400 and "必填" in empty.content.decode()
        assert clerk.post(step("reply"), {"reply": "已对接银行"}).status_code == 302
        assert clerk.post(step("resolve"), {"resolution": "已放款"}).status_code == 302
    row.refresh_from_db()
    assert row.status == RequestStatus.RESOLVED and not row.verify_late
    refused = client_of(support.counsellor).post(step("rate"), {"satisfaction": "satisfied"})
    assert refused.status_code == 403
    town = client_of(personas["town"])
    assert town.post(step("rate"), {"satisfaction": "satisfied"}).status_code == 302
    row.refresh_from_db()
    assert row.satisfaction == "satisfied"
    assert "满意" in town.get(reverse("projects:support-request", args=[row.pk])).content.decode()
    assert client_of(personas["outsider"]).post(step("verify")).status_code == 404


def test_recording_a_request_from_the_form(support, personas):
    banker = client_of(support.counsellor)
    form = banker.get(reverse("projects:support-request-create"))
    body = form.content.decode()
    assert form.status_code == 200 and "鲁南机械有限公司" in body
    assert "南门食品有限公司" not in body  # no counsellor's enterprise of theirs
    key = str(uuid.uuid4())
    data = {
        "uuid": key,
        "enterprise": support.enterprise.pk,
        "kind": "finance",
        "text": "需要贷款",
        "department": support.department.pk,
        "received_on": "2025-09-30",
    }
    made = banker.post(reverse("projects:support-request-create"), data)
    assert made.status_code == 302
    again = banker.post(reverse("projects:support-request-create"), data)
    assert again.status_code == 302 and EnterpriseRequest.objects.count() == 1
    assert (
        client_of(personas["worker"]).get(reverse("projects:support-request-create")).status_code
        == 403
    )


def test_the_counsellor_page_and_team_forms(support, personas):
    from yiwang.outreach.models import Visit

    county = client_of(personas["county"])
    body = county.get(reverse("projects:support-counsellors")).content.decode()
    for text in ("金融辅导", "农商银行第一辅导队", "汶上农商银行", "李辅导", "鲁南机械有限公司"):
        assert text in body, text
    assert "未走访" in body and "南门食品有限公司" in body and "汶上纺织有限公司" in body
    for day in (2, 9):  # the last of the enterprise's visits
        Visit.objects.create(
            enterprise=support.enterprise,
            area_code=support.enterprise.area_code,
            visitor=support.sponsor,
            visited_at=datetime.datetime(2026, 3, day, 10, 0, tzinfo=datetime.UTC),
        )
    body = county.get(reverse("projects:support-counsellors")).content.decode()
    assert "2026-03-09" in body and "2026-03-02" not in body and "未走访" not in body
    made = county.post(
        reverse("projects:support-team-create"),
        {
            "name": "建行辅导队",
            "bank": "建设银行",
            "members": [support.counsellor.pk],
            "is_active": "on",
        },
    )
    assert made.status_code == 302
    team = CounsellorTeam.objects.get(name="建行辅导队")
    edit = reverse("projects:support-team-edit", args=[team.pk])
    assert county.get(edit).status_code == 200
    saved = county.post(edit, {"name": "建行辅导队", "bank": "中国建设银行", "is_active": ""})
    assert saved.status_code == 302
    team.refresh_from_db()
    assert team.bank == "中国建设银行" and not team.is_active and not team.members.exists()
    town = client_of(personas["town"])
    assert town.get(reverse("projects:support-team-create")).status_code == 403
    assert town.post(edit, {"name": "x", "bank": "y"}).status_code == 403
    town_body = town.get(reverse("projects:support-counsellors")).content.decode()
    assert "南门食品有限公司" in town_body and "汶上纺织有限公司" not in town_body


def test_the_menu_lists_the_pages(support, personas):
    body = client_of(personas["worker"]).get(reverse("accounts:home")).content.decode()
    assert reverse("projects:support-requests") in body
    assert reverse("projects:support-counsellors") in body
    assert "挂图作战" in body
