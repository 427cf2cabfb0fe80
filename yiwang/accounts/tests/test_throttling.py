"""Login throttling by address: one address failing with many usernames is paused
(AXES_ADDRESS_FAILURE_LIMIT), on the login page and the token endpoint alike, with a
message in Chinese; other addresses log in as usual."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from conftest import PASSWORD

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.9"
OFFICE = "198.51.100.7"


def test_forty_accounts_times_four_passwords_from_one_address_are_stopped(chief, settings):
    client = Client(REMOTE_ADDR=ATTACKER)
    statuses = [
        client.post(reverse("login"), {"username": f"user{n}", "password": f"guess{i}"}).status_code
        for n in range(40)
        for i in range(4)
    ]

    limit = settings.AXES_ADDRESS_FAILURE_LIMIT
    assert 4 < limit < 160
    assert statuses[: limit - 1] == [200] * (limit - 1)
    assert set(statuses[limit - 1 :]) == {429}
    # The right password of another account is refused from that address, with the reason.
    refused = client.post(reverse("login"), {"username": "chief", "password": PASSWORD})
    assert refused.status_code == 429
    assert "来自您网络地址的登录失败次数过多" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    # From another address the account logs in.
    office = Client(REMOTE_ADDR=OFFICE)
    assert (
        office.post(reverse("login"), {"username": "chief", "password": PASSWORD}).status_code
        == 302
    )


def test_the_token_endpoint_counts_the_same_failures(chief, settings):
    settings.AXES_ADDRESS_FAILURE_LIMIT = 6
    api = APIClient(REMOTE_ADDR=ATTACKER)
    for n in range(3):
        Client(REMOTE_ADDR=ATTACKER).post(reverse("login"), {"username": f"u{n}", "password": "x"})
    statuses = [
        api.post(
            "/api/v1/auth/token/", {"username": f"v{n}", "password": "x"}, format="json"
        ).status_code
        for n in range(4)
    ]

    # The sixth failure from the address (the third here) is answered as locked.
    assert statuses == [400, 400, 429, 429]
    refused = api.post(
        "/api/v1/auth/token/", {"username": "chief", "password": PASSWORD}, format="json"
    )
    assert refused.status_code == 429
    assert "来自您网络地址的登录失败次数过多" in refused.json()["detail"]
    other = APIClient(REMOTE_ADDR=OFFICE).post(
        "/api/v1/auth/token/", {"username": "chief", "password": PASSWORD}, format="json"
    )
    assert other.status_code == 200


def test_the_limit_is_a_setting(tree, settings):
    settings.AXES_ADDRESS_FAILURE_LIMIT = 2
    client = Client(REMOTE_ADDR=ATTACKER)

    statuses = [
        client.post(reverse("login"), {"username": name, "password": "x"}).status_code
        for name in ("a", "b", "c")
    ]

    assert statuses == [200, 429, 429]


def test_a_few_failures_of_a_shared_office_address_are_not_stopped(chief):
    client = Client(REMOTE_ADDR=OFFICE)
    for name in ("li", "wang", "zhang"):
        client.post(reverse("login"), {"username": name, "password": "typo"})

    assert (
        client.post(reverse("login"), {"username": "chief", "password": PASSWORD}).status_code
        == 302
    )
