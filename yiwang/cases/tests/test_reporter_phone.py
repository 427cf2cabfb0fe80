"""Calling a reporter back: the full number only after a reason, as a tel: link, the look
in the audit log (a case out of scope answers 404: tests/test_routes_scope.py)."""

import pytest
from django.urls import reverse

from yiwang.cases.tests.conftest import new_case
from yiwang.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_the_handler_reveals_the_reporters_phone_and_calls(client, worker, tree):
    case = new_case(stage="dispatched")
    client.force_login(worker)
    detail = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "13812345678" not in detail
    assert f'href="{reverse("cases:phone", args=[case.pk])}"' in detail

    page = client.get(reverse("cases:phone", args=[case.pk])).content.decode()
    assert "13812345678" not in page and "tel:" not in page

    page = client.post(reverse("cases:phone", args=[case.pk]), {"reason": "回拨核实情况"})
    assert 'href="tel:13812345678"' in page.content.decode()
    entry = AuditEntry.objects.get(action="case.reveal_phone")
    assert entry.actor_id == worker.pk and entry.object_id == str(case.pk)
    assert "回拨核实情况" in str(entry.after)


def test_a_short_reason_is_refused_with_a_message(client, worker, tree):
    case = new_case(stage="dispatched")
    client.force_login(worker)
    page = client.post(reverse("cases:phone", args=[case.pk]), {"reason": "打"}).content.decode()
    assert "tel:" not in page and "至少 4 个字" in page
    assert not AuditEntry.objects.filter(action="case.reveal_phone").exists()
