"""API v1 of announcements and the inbox: writing (scoped, bad input answered 400 with the
field), the receipts by area and the people, the inbox listing and acknowledging."""

import pytest
from rest_framework.test import APIClient

from conftest import OTHER_VILLAGE, TOWN, VILLAGE
from yiwang.notices.models import Announcement, Receipt

pytestmark = pytest.mark.django_db


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _post(user, **data):
    payload = {
        "title": "入户排查通知",
        "body": "请本周内完成。",
        "areas": [VILLAGE],
        "roles": ["grid_worker"],
        "priority": "important",
    } | data
    return _client(user).post("/api/v1/announcements/", payload, format="json")


def test_write_list_and_follow_receipts(personas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(personas["town"])
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["area_code"] == TOWN and body["areas"] == [VILLAGE]
    announcement = Announcement.objects.get(pk=body["id"])
    assert announcement.status == "sent" and announcement.recipient_count == 1

    listed = _client(personas["town"]).get("/api/v1/announcements/").json()
    assert [row["id"] for row in listed["results"]] == [announcement.pk]
    assert _client(personas["outsider"]).get("/api/v1/announcements/").json()["results"] == []

    inbox = _client(personas["worker"]).get("/api/v1/inbox/").json()
    assert inbox["count"] == 1 and inbox["pending"] == 1
    item = inbox["results"][0]
    assert item["type"] == "announcement" and item["title"] == "入户排查通知"

    # Another person's item cannot be acknowledged: 404, like one that does not exist.
    assert _client(personas["outsider"]).post(f"/api/v1/inbox/{item['id']}/ack/").status_code == 404
    acked = _client(personas["worker"]).post(f"/api/v1/inbox/{item['id']}/ack/")
    assert acked.status_code == 200 and acked.json()["acknowledged"] is True
    again = _client(personas["worker"]).post(f"/api/v1/inbox/{item['id']}/ack/")
    assert again.json()["acknowledged"] is False
    assert Receipt.objects.get().acked_via == "api"

    receipts = _client(personas["town"]).get(f"/api/v1/announcements/{announcement.pk}/receipts/")
    assert receipts.status_code == 200
    assert receipts.json()["total"] == {"total": 1, "read": 1, "acked": 1, "pending": 0}
    assert receipts.json()["areas"][0]["code"] == VILLAGE
    people = _client(personas["town"]).get(
        f"/api/v1/announcements/{announcement.pk}/receipts/people/?acked=true"
    )
    assert [p["user"] for p in people.json()["results"]] == [personas["worker"].pk]
    assert (
        _client(personas["outsider"])
        .get(f"/api/v1/announcements/{announcement.pk}/receipts/")
        .status_code
        == 404
    )


@pytest.mark.parametrize(
    "data, field",
    [
        ({"areas": [OTHER_VILLAGE]}, "areas"),
        ({"areas": [], "roles": []}, "areas"),
        ({"roles": ["mayor"]}, "roles"),
        ({"priority": "urgent"}, "priority"),
        ({"title": ""}, "title"),
        ({"ack_by": "tomorrow"}, "ack_by"),
    ],
)
def test_bad_input_answers_400_and_writes_nothing(personas, data, field):
    response = _post(personas["chief"], **data)
    assert response.status_code == 400
    assert field in response.json()
    assert not Announcement.objects.exists()


def test_inbox_bad_parameters(personas):
    client = _client(personas["worker"])
    assert client.get("/api/v1/inbox/?show=everything").status_code == 400
    assert client.get("/api/v1/inbox/?page=0").status_code == 400
    assert client.post("/api/v1/inbox/99999999999999999999/ack/").status_code in (400, 404)
