"""The login page, the language switch, logging out and the lockout after failed logins."""

import json

import pytest
from django.test import RequestFactory
from django.urls import reverse

from conftest import PASSWORD
from yiwang.accounts.views import locked_out

pytestmark = pytest.mark.django_db


def test_it_renders_the_login_page_in_chinese_by_default(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()
    assert "登录" in response.content.decode()
    assert "Log in" not in response.content.decode()


def test_it_renders_the_login_page_in_english_after_switching(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    page = client.get(reverse("login")).content.decode()
    assert '<html lang="en">' in page
    assert "Log in" in page
    # The switcher offers the way back.
    assert 'value="zh-hans"' in page


def test_it_logs_in_and_lands_on_the_users_area(client, chief):
    response = client.post(reverse("login"), {"username": "chief", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:home")
    response = client.get(reverse("areas:home"))
    assert response["Location"] == reverse("areas:detail", args=["370830001001"])


def test_it_shows_a_chinese_error_for_a_wrong_password(client, chief):
    response = client.post(reverse("login"), {"username": "chief", "password": "wrong"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def test_it_locks_the_account_after_five_failed_logins(client, chief):
    statuses = [
        client.post(reverse("login"), {"username": "chief", "password": "wrong"}).status_code
        for _ in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]
    # Even the right password is refused now.
    response = client.post(reverse("login"), {"username": "chief", "password": PASSWORD})
    assert response.status_code == 429
    page = response.content.decode()
    assert "登录失败次数过多，账号已被锁定，请 15 分钟后再试。" in page
    assert "_auth_user_id" not in client.session


def test_it_answers_a_locked_out_api_client_with_json_in_chinese():
    request = RequestFactory().post("/api/v1/auth/token/")
    response = locked_out(request, None, {"username": "chief"})
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {
        "detail": "登录失败次数过多，账号已被锁定，请 15 分钟后再试。"
    }


def test_it_logs_out_with_post_only(client, chief):
    client.force_login(chief)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get(reverse("areas:home")).status_code == 302


def test_it_sends_an_anonymous_visitor_to_the_login_page(client, tree):
    response = client.get(reverse("areas:detail", args=["370830"]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")
