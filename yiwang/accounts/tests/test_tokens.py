"""API tokens: stored as a digest, shown once, expiring, revoked by their owner (API and
page, after a confirmation) or by an admin in scope, refused once the user's posts end;
the plain tokens of before hashed by the migration."""

import datetime
import importlib

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from knox.crypto import hash_token
from knox.models import AuthToken
from rest_framework.test import APIClient

from conftest import PASSWORD, VILLAGE
from yiwang.accounts import selectors, services
from yiwang.accounts.models import Post
from yiwang.core.models import AuditEntry

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


def issue(user) -> str:
    response = APIClient().post(
        TOKEN_URL, {"username": user.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    return response.json()["token"]


def api_as(key: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def test_it_stores_only_a_digest_and_the_first_characters_of_the_key(chief):
    key = issue(chief)

    token = AuthToken.objects.get(user=chief)
    assert token.digest == hash_token(key) and key not in token.digest
    assert key.startswith(token.token_key) and len(token.token_key) < len(key) / 2
    entry = AuditEntry.objects.get(action="token.issue", actor=chief)
    assert key not in str(entry.after) and token.digest not in str(entry.after)
    assert entry.after["prefix"] == key[: selectors.TOKEN_PREFIX_LENGTH]


def test_each_login_gives_a_new_key_shown_once(chief):
    first, second = issue(chief), issue(chief)

    assert first != second
    assert api_as(first).get(f"/api/v1/areas/{VILLAGE}/").status_code == 200
    assert api_as(second).get(f"/api/v1/areas/{VILLAGE}/").status_code == 200


def test_a_token_expires_after_the_configured_days(chief, settings):
    key = issue(chief)
    token = AuthToken.objects.get(user=chief)
    lifetime = token.expiry - token.created
    assert abs(lifetime - datetime.timedelta(days=settings.API_TOKEN_DAYS)).total_seconds() < 60

    AuthToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - datetime.timedelta(1))

    assert api_as(key).get(f"/api/v1/areas/{VILLAGE}/").status_code == 401
    assert not AuthToken.objects.filter(pk=token.pk).exists()


def test_the_lifetime_is_a_setting(chief, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": datetime.timedelta(days=2)}

    response = APIClient().post(
        TOKEN_URL, {"username": "chief", "password": PASSWORD}, format="json"
    )

    token = AuthToken.objects.get(user=chief)
    assert abs(token.expiry - token.created - datetime.timedelta(days=2)).total_seconds() < 60
    assert response.json()["expiry"]


def test_delete_revokes_the_token_it_is_sent_with(chief):
    key, other = issue(chief), issue(chief)
    api = api_as(key)

    assert api.delete(TOKEN_URL).status_code == 204

    assert api.get(f"/api/v1/areas/{VILLAGE}/").status_code == 401
    assert api_as(other).get(f"/api/v1/areas/{VILLAGE}/").status_code == 200
    entry = AuditEntry.objects.get(action="token.revoke")
    assert entry.actor == chief and entry.before["prefix"] == key[:8]


def test_delete_needs_the_token(chief):
    assert APIClient().delete(TOKEN_URL).status_code == 401
    assert api_as("nonsense").delete(TOKEN_URL).status_code == 401


def test_a_token_is_refused_once_the_users_posts_have_ended(worker):
    key = issue(worker)
    post = Post.objects.get(user=worker)

    services.end_post(actor=None, post_id=post.pk)

    response = api_as(key).get("/api/v1/areas/")
    assert response.status_code == 401
    assert "岗位已全部结束" in response.json()["detail"]


def test_no_token_is_issued_to_someone_without_a_current_post(worker):
    Post.objects.filter(user=worker).update(ends_on=timezone.localdate())

    response = APIClient().post(
        TOKEN_URL, {"username": "worker", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 400
    assert "没有在任的岗位" in response.json()["non_field_errors"][0]
    assert not AuthToken.objects.filter(user=worker).exists()


def test_the_page_makes_a_token_shown_once(client, chief):
    client.force_login(chief)

    made = client.post(reverse("accounts:tokens"), {"password": PASSWORD})

    page = made.content.decode()
    assert "no-store" in made["Cache-Control"]
    token = AuthToken.objects.get(user=chief)
    key = page.split('id="new-token-key">')[1].split("<")[0]
    assert token.digest == hash_token(key)
    again = client.get(reverse("accounts:tokens")).content.decode()
    assert key not in again and token.token_key[:8] in again


def test_the_page_wants_the_password_to_make_a_token(client, chief):
    client.force_login(chief)

    response = client.post(reverse("accounts:tokens"), {"password": "wrong"})

    assert response.status_code == 200
    assert "密码不正确" in response.content.decode()
    assert not AuthToken.objects.filter(user=chief).exists()


def test_the_owner_revokes_a_token_on_the_page_after_confirming(client, chief):
    key = issue(chief)
    token_id = selectors.token_id(AuthToken.objects.get(user=chief))
    client.force_login(chief)
    listing = client.get(reverse("accounts:tokens")).content.decode()
    url = reverse("accounts:token-revoke", args=[token_id])
    assert url in listing

    confirm = client.get(url)

    assert confirm.status_code == 200 and "吊销令牌" in confirm.content.decode()
    assert api_as(key).get(f"/api/v1/areas/{VILLAGE}/").status_code == 200
    assert client.post(url)["Location"] == reverse("accounts:tokens")
    assert api_as(key).get(f"/api/v1/areas/{VILLAGE}/").status_code == 401
    assert AuditEntry.objects.filter(action="token.revoke", actor=chief).count() == 1


def test_an_admin_revokes_the_tokens_of_people_in_scope(client, county_admin, chief):
    key = issue(chief)
    token_id = selectors.token_id(AuthToken.objects.get(user=chief))
    client.force_login(county_admin)
    listing = client.get(reverse("accounts:tokens-all"))
    assert listing.status_code == 200 and "chief" in listing.content.decode()

    response = client.post(reverse("accounts:token-revoke", args=[token_id]))

    assert response["Location"] == reverse("accounts:tokens-all")
    assert api_as(key).get(f"/api/v1/areas/{VILLAGE}/").status_code == 401
    entry = AuditEntry.objects.get(action="token.revoke")
    assert entry.actor == county_admin and entry.before["user"] == "chief"


def test_no_one_else_sees_or_revokes_a_token(client, town_admin, worker, chief):
    key = issue(chief)
    url = reverse("accounts:token-revoke", args=[selectors.token_id(AuthToken.objects.get())])
    for other in (town_admin, worker):
        client.force_login(other)
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    client.force_login(town_admin)
    assert client.get(reverse("accounts:tokens-all")).status_code == 403
    assert client.get(reverse("accounts:token-revoke", args=["zz"])).status_code == 404
    assert api_as(key).get(f"/api/v1/areas/{VILLAGE}/").status_code == 200


def test_the_migration_hashes_the_plain_tokens_of_before(chief, county_admin):
    migration = importlib.import_module("yiwang.accounts.migrations.0004_hashed_api_tokens")
    old_key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute(
            'CREATE TABLE authtoken_token ("key" varchar(40) PRIMARY KEY, user_id bigint,'
            " created timestamp)"
        )
        cursor.execute(
            'INSERT INTO authtoken_token ("key", user_id, created) VALUES (%s, %s, %s)',
            [old_key, chief.pk, timezone.now()],
        )

    migration.move_plain_tokens(django_apps, connection)

    assert "authtoken_token" not in connection.introspection.table_names()
    token = AuthToken.objects.get(user=chief)
    assert token.digest == hash_token(old_key) and token.expiry > timezone.now()
    assert api_as(old_key).get(f"/api/v1/areas/{VILLAGE}/").status_code == 200


def test_a_key_that_is_not_text_is_refused_not_an_error(chief):
    api = APIClient()
    response = api.get("/api/v1/cases/", HTTP_AUTHORIZATION=b"Token \xe9abc".decode("latin-1"))
    assert response.status_code == 401
