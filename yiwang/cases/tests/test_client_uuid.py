"""A patrol report sent with the phone's UUID is stored once: sent again (its answer lost,
or queued offline and sent twice) it answers the case already stored; two sendings at once
on PostgreSQL store one case."""

import threading
import uuid

import pytest
from django.db import connection

from conftest import UNIT
from yiwang.cases import services
from yiwang.cases.models import Case, CaseEvent
from yiwang.core.models import AuditEntry

from .test_api import api_as

BODY = {"category": "sanitation", "text": "路口垃圾堆放", "unit_code": UNIT}


def test_the_same_report_sent_twice_is_stored_once(worker, tree):
    api = api_as(worker)
    body = {**BODY, "uuid": str(uuid.uuid4())}

    first = api.post("/api/v1/cases/", body, format="json")
    again = api.post("/api/v1/cases/", body, format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Case.objects.count() == 1 and CaseEvent.objects.count() == 1
    assert AuditEntry.objects.filter(action="case.create").count() == 1
    # Without a UUID, every sending is a report of its own.
    api.post("/api/v1/cases/", BODY, format="json")
    api.post("/api/v1/cases/", BODY, format="json")
    assert Case.objects.count() == 3


def test_a_uuid_of_another_users_report_is_refused(worker, chief, tree):
    body = {**BODY, "uuid": str(uuid.uuid4())}
    assert api_as(worker).post("/api/v1/cases/", body, format="json").status_code == 201

    response = api_as(chief).post("/api/v1/cases/", body, format="json")

    assert response.status_code == 400 and "uuid" in response.json()
    assert Case.objects.count() == 1


def test_only_a_patrol_report_carries_a_uuid(chief, tree):
    body = {**BODY, "source": "hotline", "phone": "13812345678", "uuid": str(uuid.uuid4())}

    response = api_as(chief).post("/api/v1/cases/", body, format="json")

    assert response.status_code == 400 and "uuid" in response.json()
    assert not Case.objects.exists()


def test_a_report_sent_again_is_answered_even_if_it_would_now_be_refused(worker, tree):
    """The first sending was valid; the second is answered with what was stored, not
    validated again (its category might have been switched off meanwhile)."""
    from yiwang.cases.models import Category

    body = {**BODY, "uuid": str(uuid.uuid4())}
    api = api_as(worker)
    assert api.post("/api/v1/cases/", body, format="json").status_code == 201
    Category.objects.filter(code="sanitation").update(is_active=False)

    assert api.post("/api/v1/cases/", body, format="json").status_code == 200
    assert Case.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_sendings_at_once_store_one_case(worker, tree, monkeypatch):
    body = {**BODY, "uuid": str(uuid.uuid4())}
    answers = []
    if connection.vendor != "postgresql":
        # SQLite takes one writer at a time: the second sending is played as if it had
        # looked before the first one committed, so that the constraint decides.
        monkeypatch.setattr(services, "stored_report", lambda **kwargs: None)
        for _ in range(2):
            answers.append(api_as(worker).post("/api/v1/cases/", body, format="json").status_code)
    else:
        barrier = threading.Barrier(2)

        def send():
            try:
                barrier.wait()
                answer = api_as(worker).post("/api/v1/cases/", body, format="json")
                answers.append(answer.status_code)
            finally:
                connection.close()

        threads = [threading.Thread(target=send) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert sorted(answers) == [200, 201]
    assert Case.objects.filter(client_uuid=body["uuid"]).count() == 1
    assert CaseEvent.objects.count() == 1
