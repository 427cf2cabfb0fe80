"""Error pages in Chinese, and pages that keep to the Content-Security-Policy."""

import re

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views import defaults

from conftest import GRID, PASSWORD, VILLAGE

pytestmark = pytest.mark.django_db


def test_it_renders_the_500_page_in_chinese():
    response = defaults.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "服务器出错" in response.content.decode()


def test_it_renders_the_400_page_in_chinese():
    response = defaults.bad_request(RequestFactory().get("/"), Exception())
    assert response.status_code == 400
    assert "请求有误" in response.content.decode()


def test_it_explains_a_failed_csrf_check_in_chinese(tree):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "chief", "password": PASSWORD})
    assert response.status_code == 403
    assert "表单已失效" in response.content.decode()


def test_it_sends_a_content_security_policy(client, chief):
    client.force_login(chief)
    policy = client.get(reverse("areas:detail", args=[VILLAGE]))["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy


INLINE = [
    re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),  # inline script
    re.compile(r"<style", re.I),
    re.compile(r"\sstyle=", re.I),
    re.compile(r"\son[a-z]+=", re.I),  # onclick= and the like
    re.compile(r"https?://(?!testserver)", re.I),  # nothing from another origin (no CDN)
]


@pytest.mark.parametrize(
    "url",
    [
        reverse("login"),
        reverse("areas:detail", args=[VILLAGE]),
        reverse("areas:detail", args=[GRID]),
        reverse("accounts:posts"),
        reverse("accounts:post-give"),
        reverse("accounts:users"),
        reverse("core:audit"),
        reverse("areas:detail", args=["999"]),
    ],
)
def test_it_keeps_pages_free_of_inline_script_and_style(client, chief, worker, url):
    if url != reverse("login"):
        client.force_login(chief)
    page = client.get(url).content.decode()
    for pattern in INLINE:
        assert not pattern.search(page), (url, pattern.pattern, pattern.search(page))
    # htmx would inject an indicator <style> without this setting.
    assert '"includeIndicatorStyles":false' in page
    assert 'name="viewport"' in page
