"""The wish's claim page records every claim: an enterprise of outreach found by name,
any registered volunteer of the scope found by name (not the first 200 of a list), each
search a plain GET form whose hits link back with the one chosen (no JavaScript needed)."""

import re
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import OTHER_UNIT, UNIT
from yiwang.outreach.services.enterprises import create_enterprise
from yiwang.volunteering.models import Volunteer, WishClaim, WishStatus

from .test_wishes import make_wish

pytestmark = pytest.mark.django_db


def signed_in(user, language="zh-hans") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def make_enterprise(name="汶上爱心企业", code="91110000600037341L", unit=UNIT):
    return create_enterprise(actor=None, name=name, credit_code=code, area_code=unit)


def make_volunteers(names, unit=UNIT):
    """Volunteers with an account each (no resident), made in two queries a kind."""
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"v-{uuid.uuid4().hex[:12]}") for _name in names
    )
    now = timezone.now()
    return Volunteer.objects.bulk_create(
        Volunteer(user=user, name=name, area_code=unit, consent_at=now)
        for user, name in zip(users, names, strict=True)
    )


def page(client, wish, **query):
    return client.get(reverse("volunteering:wish", args=[wish.pk]), query).content.decode()


def test_an_enterprise_found_by_name_claims_the_wish_from_its_page(worker):
    wish = make_wish(worker)
    enterprise = make_enterprise()
    make_enterprise(name="他村爱心企业", code="91370830MA3C4KXX48", unit=OTHER_UNIT)
    client = signed_in(worker)

    found = page(client, wish, eq="爱心企业")
    assert f'href="?enterprise={enterprise.pk}&amp;kind=enterprise#claim-form"' in found
    assert "他村爱心企业" not in found  # outside the worker's scope
    chosen = page(client, wish, enterprise=enterprise.pk, kind="enterprise")
    assert f'name="enterprise" value="{enterprise.pk}"' in chosen
    assert '<option value="enterprise" selected>' in chosen

    sent = client.post(
        reverse("volunteering:wish-claim", args=[wish.pk]),
        {"uuid": str(uuid.uuid4()), "kind": "enterprise", "enterprise": enterprise.pk},
    )

    assert sent.status_code == 302
    claim = WishClaim.objects.get(wish=wish)
    assert (claim.kind, claim.enterprise, claim.claimer_name) == (
        "enterprise",
        enterprise,
        "汶上爱心企业",
    )


def test_an_enterprise_out_of_scope_or_none_is_said_on_the_form(worker):
    wish = make_wish(worker)
    there = make_enterprise(name="他村爱心企业", code="91370830MA3C4KXX48", unit=OTHER_UNIT)
    client = signed_in(worker, "en")
    for enterprise, message in ((there.pk, "Choose the enterprise from the list."), ("", None)):
        sent = client.post(
            reverse("volunteering:wish-claim", args=[wish.pk]),
            {"uuid": str(uuid.uuid4()), "kind": "enterprise", "enterprise": enterprise},
        )
        text = sent.content.decode()
        assert sent.status_code == 400 and 'id="id_enterprise_errors"' in text
        assert (message or "Choose the enterprise that claims the wish.") in text
    assert wish.__class__.objects.get(pk=wish.pk).status == WishStatus.OPEN


def test_any_volunteer_of_the_scope_is_found_by_name_not_the_first_200(worker):
    wish = make_wish(worker)
    make_volunteers([f"志愿者{i:03d}" for i in range(200)])
    [last] = make_volunteers(["志愿者999"], unit=UNIT)
    make_volunteers(["志愿者998"], unit=OTHER_UNIT)  # another village's
    client = signed_in(worker)

    found = page(client, wish, vq="志愿者99")
    assert f'href="?volunteer={last.pk}&amp;kind=volunteer#claim-form"' in found
    assert "志愿者998" not in found
    chosen = page(client, wish, volunteer=last.pk, kind="volunteer")
    assert 'id="claim-volunteer-chosen">志愿者999' in chosen
    assert f'name="volunteer" value="{last.pk}"' in chosen

    sent = client.post(
        reverse("volunteering:wish-claim", args=[wish.pk]),
        {"uuid": str(uuid.uuid4()), "kind": "volunteer", "volunteer": last.pk},
    )

    assert sent.status_code == 302
    assert WishClaim.objects.get(wish=wish).volunteer == last


def test_the_searches_work_without_javascript_and_say_when_none_matches(worker):
    wish = make_wish(worker)
    text = page(signed_in(worker, "en"), wish, vq="无此人")
    # Each search a GET form of its own, its field inside the claim form's block.
    assert '<form method="get" action="#claim-form" id="volunteer-search"' in text
    assert 'name="vq" id="volunteer-q" value="无此人" form="volunteer-search"' in text
    assert 'name="eq" id="enterprise-q" value="" form="enterprise-search"' in text
    assert 'type="submit" class="btn btn-outline-primary" form="enterprise-search"' in text
    assert "No registered volunteer of your area has this name" in text
    # The blocks say their kinds for wish_claim.js; without it every block shows.
    assert 'data-claim-kinds="volunteer party_member"' in text
    assert 'data-claim-kinds="enterprise"' in text and 'data-claim-kinds="group"' in text
    assert "volunteering/wish_claim.js" in text
    assert not re.search(r"<div[^>]*data-claim-kinds[^>]*\bhidden\b", text)


@pytest.mark.parametrize("asked", ["¹", "abc", "-3", "999999"])
def test_a_chosen_id_that_is_none_is_ignored(worker, asked):
    wish = make_wish(worker)
    answer = signed_in(worker).get(
        reverse("volunteering:wish", args=[wish.pk]),
        {"volunteer": asked, "enterprise": asked, "kind": "nonsense"},
    )
    text = answer.content.decode()
    assert answer.status_code == 200 and 'id="volunteer-q"' in text and 'id="enterprise-q"' in text
