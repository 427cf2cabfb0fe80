"""The people pages: visible users with masked phones."""

import pytest
from django.urls import reverse

from yiwang.accounts.models import User

pytestmark = pytest.mark.django_db


def test_it_lists_the_people_in_the_users_scope_with_masked_phones(client, personas):
    User.objects.filter(username="worker").update(phone="13812345678")
    client.force_login(personas["chief"])
    response = client.get(reverse("accounts:users"))
    assert response.status_code == 200
    assert [u.username for u in response.context["page_obj"]] == ["chief", "worker"]
    page = response.content.decode()
    assert "138****5678" in page
    assert "13812345678" not in page


def test_it_searches_people_by_name(client, personas):
    client.force_login(personas["county"])
    response = client.get(reverse("accounts:users"), {"q": "work"})
    assert [u.username for u in response.context["page_obj"]] == ["worker"]


def test_it_lists_people_in_a_few_queries(client, personas, django_assert_max_num_queries):
    client.force_login(personas["county"])
    with django_assert_max_num_queries(8):  # 7, and the unread case notices on the menu
        response = client.get(reverse("accounts:users"))
    assert len(response.context["page_obj"]) == 5


def test_it_shows_a_person_in_scope(client, personas):
    client.force_login(personas["chief"])
    response = client.get(reverse("accounts:user-detail", args=[personas["worker"].pk]))
    assert response.status_code == 200
    assert [p.area_code for p in response.context["posts"]] == ["370830001001001001"]


def test_it_answers_404_for_a_person_outside_the_scope(client, personas):
    client.force_login(personas["chief"])
    response = client.get(reverse("accounts:user-detail", args=[personas["outsider"].pk]))
    assert response.status_code == 404
    assert "未找到" in response.content.decode()
    assert client.get(reverse("accounts:user-detail", args=[999999])).status_code == 404
