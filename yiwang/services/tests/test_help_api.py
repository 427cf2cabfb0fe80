"""API v1 of the catalogue and the help requests: the catalogue with its materials, a
request taken with a client uuid (201, then 200 with the stored one), its actions
(materials, advance, follow-up, steps), bad input answered 400 with the reason and
nothing changed, 404 outside the scope."""

import uuid

import pytest
from rest_framework.test import APIClient

from conftest import OTHER_UNIT, UNIT
from yiwang.services.models import HelpMaterial, HelpRequest, HelpStep
from yiwang.services.tests.rows import ID_NUMBER, PHONE, REISSUE, item, take

pytestmark = pytest.mark.django_db


def client(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def body(row_item, **more):
    return {
        "uuid": str(uuid.uuid4()),
        "item": row_item.pk,
        "area_code": UNIT,
        "applicant_name": "张三",
        "id_number": ID_NUMBER,
        "phone": PHONE,
        "matter": "身份证遗失补领",
        "channel": "worker",
        "materials": [{"material": m.pk} for m in row_item.materials.all()],
        **more,
    }


def counts():
    return (HelpRequest.objects.count(), HelpStep.objects.count(), HelpMaterial.objects.count())


def test_the_catalogue_lists_its_items_with_their_materials(worker):
    api = client(worker)
    listed = api.get("/api/v1/service-items/", {"mode": "proxy"})
    assert listed.status_code == 200
    codes = [row["code"] for row in listed.json()["results"]]
    assert REISSUE in codes and "marriage-registration" not in codes
    detail = api.get(f"/api/v1/service-items/{item().pk}/").json()
    assert detail["time_limit_days"] == 20 and detail["is_cross_province"] is True
    assert detail["materials"][0]["name"] == "户口簿"
    crossing = api.get("/api/v1/service-items/", {"is_cross_province": "true"}).json()
    assert crossing["count"] == 3
    assert api.get("/api/v1/service-items/", {"mode": "fax"}).status_code == 400
    assert APIClient().get("/api/v1/service-items/").status_code in (401, 403)


def test_a_request_sent_twice_with_its_uuid_is_stored_once(worker):
    api = client(worker)
    sent = body(item())
    first = api.post("/api/v1/help-requests/", sent, format="json")
    assert first.status_code == 201, first.content
    data = first.json()
    assert data["step"] == "entrusted" and data["number"].startswith("BD")
    assert data["id_number"] != ID_NUMBER and data["id_number"].endswith(ID_NUMBER[-4:])
    assert data["phone"] == "138****5678"
    assert len(data["materials"]) == 3
    assert first["Location"].endswith(f"/api/v1/help-requests/{data['id']}/")
    again = api.post("/api/v1/help-requests/", sent, format="json")
    assert again.status_code == 200 and again.json()["id"] == data["id"]
    assert counts() == (1, 1, 3)


def test_bad_input_is_answered_with_its_reason(worker):
    api = client(worker)
    before = counts()
    wrong = api.post(
        "/api/v1/help-requests/", body(item(), id_number="370830196003020117"), format="json"
    )
    assert wrong.status_code == 400 and "id_number" in wrong.json()
    unknown = api.post(
        "/api/v1/help-requests/", body(item(), materials=[{"material": 999999}]), format="json"
    )
    assert unknown.status_code == 400 and "materials" in unknown.json()
    assert counts() == before


def test_the_actions_take_a_request_to_its_follow_up(worker):
    api = client(worker)
    reissue = item()
    sent = body(reissue, materials=[{"material": reissue.materials.first().pk}])
    row = api.post("/api/v1/help-requests/", sent, format="json").json()
    url = f"/api/v1/help-requests/{row['id']}/"
    # Acceptance before the materials: 400 naming them, nothing changed.
    refused = api.post(url + "advance/", {"step": "accepted"}, format="json")
    assert refused.status_code == 400
    assert "身份证遗失情况说明" in " ".join(refused.json()["materials"])
    out_of_order = api.post(url + "advance/", {"step": "delivered"}, format="json")
    assert out_of_order.status_code == 400 and "step" in out_of_order.json()
    assert api.get(url).json()["step"] == "entrusted"
    for material in reissue.materials.all()[1:]:
        received = api.post(
            url + "materials/",
            {"material": material.pk, "document_number": "X1"},
            format="json",
        )
        assert received.status_code == 201, received.content
        assert received.json()["name"] == material.name
    twice = api.post(url + "materials/", {"material": material.pk}, format="json")
    assert twice.status_code == 400
    for step in ("accepted", "processing", "delivered", "archived"):
        moved = api.post(url + "advance/", {"step": step, "note": step}, format="json")
        assert moved.status_code == 200, moved.content
        assert moved.json()["step"] == step
    assert moved.json()["due_on"] is not None
    bad = api.post(url + "follow-up/", {"satisfaction": "great"}, format="json")
    assert bad.status_code == 400
    done = api.post(
        url + "follow-up/", {"satisfaction": "basically", "note": "稍慢"}, format="json"
    )
    assert done.status_code == 200 and done.json()["satisfaction"] == "basically"
    steps = api.get(url + "steps/")
    assert steps.status_code == 200
    assert [s["step"] for s in steps.json()] == [
        "entrusted",
        "accepted",
        "processing",
        "delivered",
        "archived",
        "followed_up",
    ]
    assert all(s["actor"] == worker.pk for s in steps.json())
    listed = api.get("/api/v1/help-requests/", {"step": "followed_up"}).json()
    assert [r["id"] for r in listed["results"]] == [row["id"]]


def test_outside_the_scope_is_not_found(worker, outsider):
    own = take(worker)
    foreign = take(outsider, area_code=OTHER_UNIT)
    api = client(worker)
    assert [r["id"] for r in api.get("/api/v1/help-requests/").json()["results"]] == [own.pk]
    base = f"/api/v1/help-requests/{foreign.pk}/"
    before = counts()
    assert api.get(base).status_code == 404
    assert api.get(base + "steps/").status_code == 404
    assert api.post(base + "advance/", {"step": "accepted"}, format="json").status_code == 404
    assert api.post(base + "materials/", {"name": "户口簿复印件"}, format="json").status_code == 404
    assert (
        api.post(base + "follow-up/", {"satisfaction": "satisfied"}, format="json").status_code
        == 404
    )
    # Taking one in the outsider's unit: 404, nothing stored.
    sent = body(item(), area_code=OTHER_UNIT)
    assert api.post("/api/v1/help-requests/", sent, format="json").status_code == 404
    assert counts() == before
    foreign.refresh_from_db()
    assert foreign.step == "entrusted"


def test_the_filters_of_the_list(worker):
    from yiwang.services.services import help as services

    open_row = take(worker)
    delivered = take(worker)
    for step in ("accepted", "processing", "delivered"):
        services.advance(actor=worker, request_id=delivered.pk, step=step)
    api = client(worker)

    def ids(**query):
        return {r["id"] for r in api.get("/api/v1/help-requests/", query).json()["results"]}

    assert ids(open="true") == {open_row.pk}
    assert ids(open="false") == {delivered.pk}
    assert ids(under=OTHER_UNIT) == set()
    assert ids(number=delivered.number) == {delivered.pk}
    assert ids(overdue="true") == set()
    assert api.get("/api/v1/help-requests/", {"open": "maybe"}).status_code == 400


def test_a_uuid_raced_by_another_request_is_refused_not_answered(worker, outsider, monkeypatch):
    """Two sends of one uuid at once: the first look finds no stored copy (the other not
    saved yet), the insert then meets it. The copy found is checked as the first look
    would have (someone else's request: a message, 400), not answered (500)."""
    from yiwang.services.services import help as services

    foreign = take(outsider, area_code=OTHER_UNIT)
    looks = []
    checked = services._stored

    def racing(actor, key, **more):
        looks.append(key)
        return None if len(looks) == 1 else checked(actor, key, **more)

    monkeypatch.setattr(services, "_stored", racing)
    before = counts()
    answer = client(worker).post(
        "/api/v1/help-requests/", body(item(), uuid=str(foreign.uuid)), format="json"
    )
    assert answer.status_code == 400, answer.content
    assert "uuid" in answer.json()
    assert len(looks) == 2
    assert counts() == before
    # The same matter raced by the same worker is answered with the stored copy.
    own = take(worker)
    looks.clear()
    again = client(worker).post(
        "/api/v1/help-requests/", body(item(), uuid=str(own.uuid)), format="json"
    )
    assert again.status_code == 200 and again.json()["id"] == own.pk
