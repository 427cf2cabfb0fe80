"""Changing one's password: a page for everyone signed in (from the menu), the old password
checked, the new one validated in Chinese (not like the username), the change audited and
the API tokens revoked."""

import pytest
from axes.models import AccessAttempt
from django.core.exceptions import ValidationError
from django.urls import reverse
from knox.models import AuthToken

from conftest import PASSWORD
from yiwang.accounts import services
from yiwang.accounts.models import User
from yiwang.core.models import AuditEntry

pytestmark = pytest.mark.django_db

NEW = "Huang-he-2027!"


def change(client, old=PASSWORD, new=NEW, again=None):
    return client.post(
        reverse("accounts:password"),
        {"old_password": old, "new_password1": new, "new_password2": again or new},
    )


def test_every_signed_in_person_reaches_the_page_from_the_menu(client, worker):
    client.force_login(worker)
    home = client.get(reverse("accounts:home")).content.decode()
    assert f'href="{reverse("accounts:password")}"' in home

    page = client.get(reverse("accounts:password"))

    assert page.status_code == 200
    text = page.content.decode()
    assert "修改密码" in text and "旧密码" in text and "新密码确认" in text


def test_it_asks_who_is_not_signed_in_to_log_in(client, tree):
    assert client.get(reverse("accounts:password"))["Location"].startswith(reverse("login"))


def test_it_changes_the_password_audits_it_and_revokes_the_tokens(client, worker):
    services.issue_token(user=worker)
    client.force_login(worker)

    response = change(client)

    assert response["Location"] == reverse("accounts:me")
    worker.refresh_from_db()
    assert worker.check_password(NEW)
    entry = AuditEntry.objects.get(action="user.password_change")
    assert entry.actor == worker and entry.object_id == str(worker.pk)
    assert "password" not in str(entry.before) + str(entry.after)
    assert not AuthToken.objects.filter(user=worker).exists()
    assert AuditEntry.objects.filter(action="token.revoke").count() == 1
    # Still signed in with the new password's session hash.
    assert client.get(reverse("accounts:home")).status_code == 200


def test_it_refuses_a_wrong_old_password_in_chinese(client, worker):
    client.force_login(worker)

    response = change(client, old="wrong-one")

    assert response.status_code == 200
    assert "你的旧密码不正确" in response.content.decode()
    assert User.objects.get(pk=worker.pk).check_password(PASSWORD)
    assert not AuditEntry.objects.filter(action="user.password_change").exists()
    # The failed attempt is kept for the lock-out, without the passwords typed.
    kept = " ".join(AccessAttempt.objects.values_list("post_data", flat=True))
    assert kept and "wrong-one" not in kept and NEW not in kept


def test_it_refuses_a_password_like_the_username_in_chinese(client, tree):
    user = services.create_user(actor=None, username="zhangjianguo", password=PASSWORD)
    client.force_login(user)

    response = change(client, new="zhangjianguo1")

    assert response.status_code == 200
    assert "密码跟 用户名 太相似了" in response.content.decode()
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)


def test_new_accounts_cannot_have_a_password_like_their_name(tree):
    with pytest.raises(ValidationError) as refused:
        services.create_user(actor=None, username="lixiaoming", password="lixiaoming88")

    assert "太相似" in str(refused.value.message_dict["password"])
    assert not User.objects.filter(username="lixiaoming").exists()


def test_the_validators_speak_chinese(client, worker):
    client.force_login(worker)

    text = change(client, new="12345678").content.decode()

    assert "这个密码太常见了" in text and "密码只包含数字" in text
    assert "This password" not in text


def test_guessing_the_old_password_is_throttled_like_a_login(client, worker):
    client.force_login(worker)

    statuses = [change(client, old=f"guess-{n}").status_code for n in range(5)]

    assert statuses == [200, 200, 200, 200, 429]
    assert change(client).status_code == 429
    assert User.objects.get(pk=worker.pk).check_password(PASSWORD)
