"""Hardening: login throttling behind a proxy, capped API pages, JSON-only API, CSP."""

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.test import RequestFactory
from django.urls import reverse

from conftest import PASSWORD, VILLAGE
from yiwang.core.net import client_ip

CLIENT_IP_CALLABLE = "yiwang.core.net.client_ip"


def _request(**meta):
    return RequestFactory().get("/", **meta)


def test_it_takes_the_right_most_forwarded_address_as_the_client():
    request = _request(
        REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9,198.51.100.7"
    )
    assert client_ip(request) == "198.51.100.7"


def test_it_falls_back_to_the_remote_address_without_a_usable_forwarded_header():
    assert client_ip(_request(REMOTE_ADDR="10.0.0.1")) == "10.0.0.1"
    assert client_ip(_request(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="")) == "10.0.0.1"
    assert client_ip(_request(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="junk")) == "10.0.0.1"


def test_it_reads_ipv6_forwarded_addresses():
    request = _request(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="2001:db8::1")
    assert client_ip(request) == "2001:db8::1"


def _settings_behind_proxy(value: str) -> str:
    env = {**os.environ, "BEHIND_PROXY": value, "DJANGO_SETTINGS_MODULE": "yiwang.settings"}
    code = (
        "from django.conf import settings;print(getattr(settings, 'AXES_CLIENT_IP_CALLABLE', None))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_it_counts_logins_by_the_forwarded_address_only_behind_a_proxy():
    assert _settings_behind_proxy("1") == CLIENT_IP_CALLABLE
    assert _settings_behind_proxy("0") == "None"


@pytest.mark.django_db
def test_it_does_not_lock_out_one_client_behind_the_proxy_for_anothers_failures(
    client, settings, chief
):
    settings.AXES_CLIENT_IP_CALLABLE = CLIENT_IP_CALLABLE
    url = reverse("login")
    attacker = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.1"}
    statuses = [
        client.post(url, {"username": "chief", "password": "wrong"}, **attacker).status_code
        for _ in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]

    # Forging an address to the left of the proxy's does not get the attacker out.
    forged = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.5, 198.51.100.1"}
    response = client.post(url, {"username": "chief", "password": PASSWORD}, **forged)
    assert response.status_code == 429

    # The chief, on another address behind the same proxy, still logs in.
    chief_meta = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.2"}
    response = client.post(url, {"username": "chief", "password": PASSWORD}, **chief_meta)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:home")


@pytest.mark.django_db
def test_it_caps_the_page_size_of_the_api_at_500(client, county_admin):
    from yiwang.areas.services import import_areas

    rows = [(i, f"{VILLAGE}{i:03d}", f"网格{i}") for i in range(3, 203)]
    assert import_areas(actor=None, rows=rows).ok
    client.force_login(county_admin)

    response = client.get("/api/v1/areas/", {"limit": 100000})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] > 500
    assert len(body["results"]) == 500
    assert "limit=500" in body["next"]


@pytest.mark.django_db
def test_it_still_pages_the_api_by_50_by_default(client, county_admin):
    client.force_login(county_admin)

    body = client.get("/api/v1/areas/").json()

    assert len(body["results"]) == 50


@pytest.mark.django_db
def test_it_answers_the_api_in_json_even_to_a_browser(client, county_admin):
    client.force_login(county_admin)
    browser_accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

    response = client.get("/api/v1/areas/", HTTP_ACCEPT=browser_accept)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert client.get("/api/v1/areas/", {"format": "api"}).status_code == 404


@pytest.mark.django_db
def test_it_allows_inline_styles_on_the_api_docs_page_only(client, county_admin):
    client.force_login(county_admin)

    docs = client.get("/api/v1/docs/")
    area = client.get(reverse("areas:detail", args=[VILLAGE]))

    assert docs.status_code == 200
    assert "style-src 'self' 'unsafe-inline'" in docs["Content-Security-Policy"]
    assert "script-src 'self';" in docs["Content-Security-Policy"] + ";"
    assert area.status_code == 200
    assert "'unsafe-inline'" not in area["Content-Security-Policy"]


def test_it_does_not_compute_csp_nonces_for_templates():
    processors = django_settings.TEMPLATES[0]["OPTIONS"]["context_processors"]
    assert "csp.context_processors.nonce" not in processors
