"""API v1 of wishes, funds, donations and pay-outs: the claim's 201, 200 and 409, the
fulfilment with photos, the statement, masked names, scope and pinned query counts."""

import uuid

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from conftest import OTHER_UNIT
from yiwang.volunteering.models import Fund, Wish, WishStatus

from .test_donations import give, make_fund
from .test_wishes import make_resident, make_wish, photo

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _claim(client, wish, key=None, name="李爱心"):
    return client.post(
        f"/api/v1/wishes/{wish.pk}/claim/",
        {"uuid": str(key or uuid.uuid4()), "kind": "party_member", "claimer_name": name},
        format="json",
    )


def test_a_wish_is_recorded_and_listed_with_the_recipient_masked(worker):
    recipient = make_resident(name="王小明")
    client = api(worker)
    made = client.post(
        "/api/v1/wishes/",
        {"recipient": recipient.pk, "title": "一张书桌", "value": "180"},
        format="json",
    )
    assert made.status_code == 201, made.content
    assert made.json()["recipient_name"] == "王*明"
    listed = client.get("/api/v1/wishes/?status=open").json()["results"]
    assert [w["number"] for w in listed] == [made.json()["number"]]
    assert "王小明" not in client.get("/api/v1/wishes/").content.decode()


def test_a_bad_value_answers_400_with_the_field(worker):
    recipient = make_resident()
    answer = api(worker).post(
        "/api/v1/wishes/",
        {"recipient": recipient.pk, "title": "书桌", "value": "-5"},
        format="json",
    )
    assert answer.status_code == 400 and "value" in answer.json()


def test_a_claim_answers_201_then_200_then_409_to_another(worker, chief):
    wish = make_wish(worker)
    key = uuid.uuid4()
    first = _claim(api(worker), wish, key)
    again = _claim(api(worker), wish, key)
    other = _claim(api(chief), wish, name="张热心")
    assert first.status_code == 201, first.content
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert other.status_code == 409
    assert "李*心" in other.json()["detail"] and "李爱心" not in other.json()["detail"]
    detail = api(worker).get(f"/api/v1/wishes/{wish.pk}/").json()
    assert detail["status"] == "claimed" and detail["claim"]["claimer_name"] == "李*心"


def test_a_claim_outside_the_scope_answers_404(worker, outsider):
    wish = make_wish(worker)
    assert _claim(api(outsider), wish).status_code == 404
    assert Wish.objects.get(pk=wish.pk).status == WishStatus.OPEN


def test_a_claim_of_a_fulfilled_wish_answers_400(worker):
    wish = make_wish(worker)
    client = api(worker)
    _claim(client, wish)
    done = client.post(
        f"/api/v1/wishes/{wish.pk}/fulfil/",
        {"photos": [photo()], "confirmed_by": "王妈妈"},
        format="multipart",
    )
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "fulfilled"
    assert done.json()["confirmed_by_recipient"] == "王*妈"  # masked by default
    answer = _claim(client, wish)
    assert answer.status_code == 400 and "wish" in answer.json()


def test_a_fulfilment_with_a_file_that_is_not_an_image_answers_400(worker):
    wish = make_wish(worker)
    client = api(worker)
    _claim(client, wish)
    fake = SimpleUploadedFile("a.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")
    answer = client.post(
        f"/api/v1/wishes/{wish.pk}/fulfil/",
        {"photos": [fake], "confirmed_by": "王妈妈"},
        format="multipart",
    )
    assert answer.status_code == 400 and "photos" in answer.json()
    assert Wish.objects.get(pk=wish.pk).status == WishStatus.CLAIMED


def test_donations_pay_outs_and_the_statement(chief):
    fund = make_fund(chief)
    client = api(chief)
    today = timezone.localdate().isoformat()
    key = str(uuid.uuid4())
    body = {
        "uuid": key,
        "fund": fund.pk,
        "donor": "爱心企业",
        "kind": "money",
        "description": "捐款",
        "value": "1000",
        "received_on": today,
    }
    assert client.post("/api/v1/donations/", body, format="json").status_code == 201
    assert client.post("/api/v1/donations/", body, format="json").status_code == 200
    negative = client.post(
        "/api/v1/donations/", {**body, "uuid": str(uuid.uuid4()), "value": "-1"}, format="json"
    )
    assert negative.status_code == 400 and "value" in negative.json()
    payout = {
        "uuid": str(uuid.uuid4()),
        "fund": fund.pk,
        "recipient": "王小明家",
        "purpose": "书桌",
        "amount": "400",
        "paid_on": today,
    }
    assert client.post("/api/v1/payouts/", payout, format="json").status_code == 201
    short = client.post(
        "/api/v1/payouts/", {**payout, "uuid": str(uuid.uuid4()), "amount": "700"}, format="json"
    )
    assert short.status_code == 409 and "600.00" in short.json()["detail"]
    assert Fund.objects.get(pk=fund.pk).balance == 600

    statement = client.get(f"/api/v1/funds/{fund.pk}/statement/").json()
    assert statement["closing"] == "600.00"
    month = statement["months"][timezone.localdate().month - 1]
    assert (month["came_in"], month["went_out"], month["balance"]) == (
        "1000.00",
        "400.00",
        "600.00",
    )
    assert client.get(f"/api/v1/funds/{fund.pk}/statement/?year=abc").status_code == 400


def test_each_persona_lists_the_wishes_and_funds_of_its_scope(
    county_admin, town_admin, chief, worker, outsider
):
    here = make_wish(worker)
    there = make_wish(outsider, recipient=make_resident(unit=OTHER_UNIT, number="909"))
    fund = make_fund(chief)
    give(chief, fund, "100")
    for user, wishes, funds in [
        (county_admin, {here.pk, there.pk}, {fund.pk}),
        (town_admin, {here.pk}, {fund.pk}),
        (chief, {here.pk}, {fund.pk}),
        (worker, {here.pk}, set()),
        (outsider, {there.pk}, set()),
    ]:
        client = api(user)
        assert {w["id"] for w in client.get("/api/v1/wishes/").json()["results"]} == wishes
        assert {f["id"] for f in client.get("/api/v1/funds/").json()["results"]} == funds
        donations = client.get("/api/v1/donations/").json()["results"]
        assert len(donations) == len(funds)
    assert api(outsider).get(f"/api/v1/wishes/{here.pk}/").status_code == 404
    assert api(worker).get(f"/api/v1/funds/{fund.pk}/statement/").status_code == 404


def test_the_lists_take_a_fixed_number_of_queries(worker, chief, django_assert_max_num_queries):
    recipient = make_resident()
    fund = make_fund(chief)
    for i in range(6):
        wish = make_wish(worker, recipient=recipient, title=f"心愿{i}")
        if i % 2:
            _claim(api(worker), wish, name=f"爱心人{i}")
        give(chief, fund, "10")
    # Fulfilled, confirmed by a name: masked after one look at the permission (2 queries).
    Wish.objects.filter(claim__isnull=False).update(
        status=WishStatus.FULFILLED, confirmed_by_recipient="王妈妈"
    )
    client = api(chief)
    for url, most in (
        ("/api/v1/wishes/", 5),
        ("/api/v1/funds/", 3),
        ("/api/v1/donations/", 3),
        ("/api/v1/payouts/", 3),
    ):
        with django_assert_max_num_queries(most):
            assert client.get(url).status_code == 200


def test_who_confirmed_a_wish_is_masked_but_for_who_may_reveal_personal_data(worker, chief):
    wish = make_wish(worker)
    _claim(api(worker), wish)
    Wish.objects.filter(pk=wish.pk).update(
        status=WishStatus.FULFILLED, confirmed_by_recipient="王小明妈妈"
    )
    chief.user_permissions.add(Permission.objects.get(codename="reveal_personal_data"))
    for user, shown in ((worker, "王***妈"), (chief, "王小明妈妈")):
        client = api(user)
        [listed] = client.get("/api/v1/wishes/").json()["results"]
        one = client.get(f"/api/v1/wishes/{wish.pk}/").json()
        assert listed["confirmed_by_recipient"] == one["confirmed_by_recipient"] == shown, user
    assert "王小明妈妈" not in api(worker).get("/api/v1/wishes/").content.decode()
