"""Pages of wishes and funds: the public wall masks the person, the worker records,
claims and fulfils a wish with a photo from the phone, a second claimer is told, a fund's
page keeps its money and the public statement shows sums only."""

import uuid

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import OTHER_UNIT
from yiwang.volunteering.models import Fund, Wish, WishPhoto, WishStatus

from .test_donations import give, make_fund, pay
from .test_wishes import claim, make_resident, make_wish, photo

pytestmark = pytest.mark.django_db


def signed_in(user, language="zh-hans") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def test_the_public_wall_shows_the_wish_and_village_never_the_full_name(worker):
    recipient = make_resident(name="王小明")
    open_wish = make_wish(worker, recipient=recipient, title="一张书桌")
    taken = make_wish(worker, recipient=recipient, title="一个书包")
    claim(worker, taken)
    done = make_wish(worker, recipient=recipient, title="一双鞋")
    claim(worker, done)
    Wish.objects.filter(pk=done.pk).update(status=WishStatus.FULFILLED)

    page = Client().get(reverse("volunteering-public:wall"))

    text = page.content.decode()
    assert page.status_code == 200
    assert open_wish.title in text and taken.title in text and done.title not in text
    assert "南门社区" in text  # the village's name, not its code
    assert "王*明" in text and "王小明" not in text


def test_a_worker_records_claims_and_fulfils_a_wish_from_the_phone(worker):
    recipient = make_resident(name="王小明")
    client = signed_in(worker)
    found = client.get(reverse("volunteering:wish-create"), {"q": "小明"})
    assert f"?recipient={recipient.pk}" in found.content.decode()
    made = client.post(
        reverse("volunteering:wish-create"),
        {"recipient": recipient.pk, "title": "一张书桌", "value": "180"},
    )
    wish = Wish.objects.get()
    assert made.status_code == 302 and made["Location"] == reverse(
        "volunteering:wish", args=[wish.pk]
    )

    page = client.get(reverse("volunteering:wish", args=[wish.pk])).content.decode()
    assert 'id="claim-form"' in page
    client.post(
        reverse("volunteering:wish-claim", args=[wish.pk]),
        {"uuid": str(uuid.uuid4()), "kind": "party_member", "claimer_name": "李爱心"},
    )
    page = client.get(reverse("volunteering:wish", args=[wish.pk])).content.decode()
    assert 'accept="image/*" capture="environment"' in page
    assert "李*心" in page and "李爱心" not in page  # names masked by default
    assert "李*心" in client.get(reverse("volunteering:wishes")).content.decode()

    done = client.post(
        reverse("volunteering:wish-fulfil", args=[wish.pk]),
        {"photos": [photo()], "confirmed_by": "王妈妈"},
    )
    assert done.status_code == 302
    assert Wish.objects.get().status == WishStatus.FULFILLED
    [stored] = WishPhoto.objects.all()
    thumbnail = client.get(
        reverse("volunteering:wish-photo", args=[wish.pk, stored.pk, "thumbnail"])
    )
    assert thumbnail.status_code == 200 and thumbnail["Content-Type"] == "image/jpeg"


def test_a_file_that_is_not_an_image_comes_back_with_its_message(worker):
    wish = make_wish(worker)
    claim(worker, wish)
    fake = SimpleUploadedFile("wish.jpg", b"not an image", content_type="image/jpeg")
    answer = signed_in(worker).post(
        reverse("volunteering:wish-fulfil", args=[wish.pk]),
        {"photos": [fake], "confirmed_by": "王妈妈"},
    )
    assert answer.status_code == 400 and 'id="wish-photo-errors"' in answer.content.decode()
    assert Wish.objects.get().status == WishStatus.CLAIMED


def test_a_second_claimer_is_told_on_the_page(worker, chief):
    wish = make_wish(worker)
    claim(worker, wish, name="李爱心")
    Wish.objects.filter(pk=wish.pk).update(status=WishStatus.OPEN)  # as the page showed it
    answer = signed_in(chief).post(
        reverse("volunteering:wish-claim", args=[wish.pk]),
        {"uuid": str(uuid.uuid4()), "kind": "party_member", "claimer_name": "张热心"},
    )
    text = answer.content.decode()
    assert answer.status_code == 400 and "李*心" in text


def test_each_persona_sees_the_wishes_of_its_scope(
    county_admin, town_admin, chief, worker, outsider
):
    here = make_wish(worker, title="本村心愿")
    there = make_wish(
        outsider, recipient=make_resident(unit=OTHER_UNIT, number="909"), title="他村心愿"
    )
    for user, seen, unseen in [
        (county_admin, [here, there], []),
        (town_admin, [here], [there]),
        (chief, [here], [there]),
        (worker, [here], [there]),
        (outsider, [there], [here]),
    ]:
        client = signed_in(user)
        text = client.get(reverse("volunteering:wishes")).content.decode()
        assert all(w.title in text for w in seen), user
        assert not any(w.title in text for w in unseen), user
        for wish in unseen:
            assert client.get(reverse("volunteering:wish", args=[wish.pk])).status_code == 404


def test_the_wishes_list_filters_by_status(worker):
    wish = make_wish(worker, title="书桌")
    make_wish(worker, recipient=wish.recipient, title="书包")
    claim(worker, wish)
    text = signed_in(worker).get(reverse("volunteering:wishes"), {"status": "claimed"})
    assert "书桌" in text.content.decode() and "书包" not in text.content.decode()


def test_a_fund_keeps_its_money_on_its_page_and_states_it_in_public(chief, worker):
    client = signed_in(chief)
    opened = client.post(
        reverse("volunteering:fund-create"),
        {"name": "爱心妈妈基金", "area_code": chief.posts.get().area_code},
    )
    fund = Fund.objects.get()
    assert opened.status_code == 302
    today = timezone.localdate().isoformat()
    client.post(
        reverse("volunteering:fund-donation", args=[fund.pk]),
        {
            "uuid": str(uuid.uuid4()),
            "donor": "汶上爱心企业",
            "kind": "money",
            "description": "捐款",
            "value": "900",
            "received_on": today,
        },
    )
    short = client.post(
        reverse("volunteering:fund-payout", args=[fund.pk]),
        {
            "uuid": str(uuid.uuid4()),
            "recipient": "王小明家",
            "purpose": "书桌",
            "amount": "1000",
            "paid_on": today,
        },
    )
    assert short.status_code == 400 and "900.00" in short.content.decode()
    assert Fund.objects.get().balance == 900
    assert signed_in(worker).get(reverse("volunteering:fund", args=[fund.pk])).status_code == 404

    statement = Client().get(reverse("volunteering-public:statement", args=[fund.pk]))
    text = statement.content.decode()
    assert statement.status_code == 200 and "900.00" in text
    assert "汶上爱心企业" not in text


def test_the_public_statement_ends_with_the_balance(chief):
    fund = make_fund(chief)
    give(chief, fund, "500")
    pay(chief, fund, "120")
    text = Client().get(reverse("volunteering-public:statement", args=[fund.pk])).content.decode()
    assert 'id="statement-closing">380.00<' in text


@pytest.mark.parametrize("asked", ["¹", "١٢", "12abc", "-1", "0", "9" * 25])
def test_a_recipient_that_is_no_id_is_said_never_a_500(worker, asked):
    make_resident(name="王小明")
    client = signed_in(worker, "en")
    shown = client.get(reverse("volunteering:wish-create"), {"recipient": asked})
    sent = client.post(
        reverse("volunteering:wish-create"), {"recipient": asked, "title": "一张书桌"}
    )
    for answer in (shown, sent):
        text = answer.content.decode()
        assert answer.status_code == 200 and 'id="resident-search"' in text
        assert "not among the living residents of your area" in text
    assert not Wish.objects.exists()


def test_a_recipient_of_no_resident_is_said_and_not_found_when_sent(worker):
    client = signed_in(worker, "en")
    shown = client.get(reverse("volunteering:wish-create"), {"recipient": "999999"})
    assert "not among the living residents of your area" in shown.content.decode()
    sent = client.post(
        reverse("volunteering:wish-create"), {"recipient": "999999", "title": "书桌"}
    )
    assert sent.status_code == 404 and not Wish.objects.exists()


@pytest.mark.parametrize("year", ["0000", "٢٠٢٦", "1999", "20261"])
def test_a_statement_of_a_year_that_is_none_is_not_found(chief, year):
    fund = make_fund(chief)
    answer = Client().get(reverse("volunteering-public:statement", args=[fund.pk]), {"year": year})
    assert answer.status_code == 404


def test_the_public_wall_never_shows_the_description(worker):
    wish = make_wish(worker, title="一张书桌")
    Wish.objects.filter(pk=wish.pk).update(description="实验小学三年级，父母在外打工")
    text = Client().get(reverse("volunteering-public:wall")).content.decode()
    assert "一张书桌" in text
    assert "实验小学" not in text and "父母在外打工" not in text


def test_the_wish_form_says_the_title_is_public_and_names_nobody(worker):
    recipient = make_resident(name="王小明")
    text = (
        signed_in(worker, "en")
        .get(reverse("volunteering:wish-create"), {"recipient": recipient.pk})
        .content.decode()
    )
    assert "Public: shown on the wish wall with the village." in text
    assert "never the person&#x27;s name, school or family." in text
    assert "Seen only by those who work in the area, never on the wish wall." in text


def test_who_confirmed_a_wish_is_masked_on_its_page_but_for_who_may_reveal(worker, chief):
    wish = make_wish(worker)
    claim(worker, wish)
    Wish.objects.filter(pk=wish.pk).update(
        status=WishStatus.FULFILLED,
        fulfilled_at=timezone.now(),
        confirmed_by_recipient="王小明妈妈",
    )
    chief.user_permissions.add(Permission.objects.get(codename="reveal_personal_data"))
    for user, shown in ((worker, "王***妈"), (chief, "王小明妈妈")):
        text = signed_in(user).get(reverse("volunteering:wish", args=[wish.pk])).content.decode()
        assert f'id="wish-confirmed-by">{shown}<' in text, user
        if shown != "王小明妈妈":
            assert "王小明妈妈" not in text
