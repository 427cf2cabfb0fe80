"""The Chinese of the case labels: the stages, timeline entries, sources, levels and ratings
have their own message context, so that they are not translated as another app's word
with the same English (an area's "Closed" is 已撤销, a case's 已结案)."""

import re

from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from yiwang.cases import services
from yiwang.cases.forms import ReasonForm
from yiwang.cases.models import (
    AssigneeLevel,
    Attachment,
    Case,
    CaseEvent,
    Category,
    EventKind,
    Satisfaction,
    Source,
    Status,
)

from .conftest import new_case


def test_case_stages_have_the_words_of_case_handling():
    with translation.override("zh-hans"):
        assert Status.REJECTED.label == "不予受理"
        assert Status.CLOSED.label == "已结案"
        assert [str(label) for label in Status.labels] == [
            "已上报",
            "已受理",
            "不予受理",
            "已合并",
            "已派遣",
            "处置中",
            "已办结",
            "已回访",
            "已结案",
        ]
        assert EventKind.REJECTED.label == "不予受理"
        assert EventKind.CLOSED.label == "已结案"


def test_the_other_apps_keep_their_own_words():
    with translation.override("zh-hans"):
        # An area that is no longer in use (areas), a ledger row the import refused (core).
        assert gettext("Closed") == "已撤销"
        assert gettext("Rejected") == "被拒绝"
        # The registry's resident event, address and reason.
        assert gettext("event") == "变动类型"
        assert gettext("address") == "住址"
        assert gettext("Reason") == "事由"
        assert gettext("parent") == "上级区域"


def test_case_fields_choices_and_forms_say_what_they_mean_in_a_case():
    with translation.override("zh-hans"):
        assert Category._meta.get_field("parent").verbose_name == "上级类别"
        assert Case._meta.get_field("address").verbose_name == "地址"
        assert Case._meta.get_field("result").verbose_name == "办理结果"
        assert CaseEvent._meta.get_field("kind").verbose_name == "操作"
        assert Attachment._meta.get_field("event").verbose_name == "办理记录"
        assert Source.HOTLINE.label == "热线来电"
        assert AssigneeLevel.TOWN.label == "镇（街道）"
        assert [str(label) for label in Satisfaction.labels] == ["满意", "基本满意", "不满意"]
        assert ReasonForm().fields["reason"].label == "理由"


def test_the_english_stays_the_same():
    with translation.override("en"):
        assert Status.REJECTED.label == "Rejected"
        assert Status.CLOSED.label == "Closed"
        assert EventKind.CLOSED.label == "Closed"
        assert Category._meta.get_field("parent").verbose_name == "parent"


def _status_badge(body: str) -> str:
    return re.search(r'id="case-status">([^<]*)<', body).group(1)


def test_the_case_page_shows_rejected_and_closed_cases_in_chinese(county_admin):
    rejected = new_case()
    services.reject(actor=None, case_id=rejected.pk, reason="不属于网格事项")
    closed = new_case(stage="followed_up")
    services.close(actor=None, case_id=closed.pk)
    client = Client()
    client.force_login(county_admin)

    body = client.get(f"/cases/{rejected.pk}/").content.decode()
    assert _status_badge(body) == "不予受理"
    assert "被拒绝" not in body

    body = client.get(f"/cases/{closed.pk}/").content.decode()
    assert _status_badge(body) == "已结案"
    assert "已撤销" not in body
    assert "上报时间" in body
