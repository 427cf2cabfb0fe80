"""API v1 for users and posts, and login throttling through the token endpoint."""

import pytest
from rest_framework.test import APIClient

from conftest import COUNTY, OTHER_UNIT, PASSWORD, TOWN, UNIT, VILLAGE
from yiwang.accounts.models import Post, User
from yiwang.areas.services import close_area, create_area
from yiwang.core.models import AuditEntry


def client_for(user):
    api = APIClient()
    token = api.post(
        "/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}, format="json"
    )
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    return api


@pytest.fixture
def town_api(town_admin):
    return client_for(town_admin)


def test_it_lists_posts_in_scope_only(town_api, worker, outsider, chief):
    codes = {p["area_code"] for p in town_api.get("/api/v1/posts/").json()["results"]}

    assert codes == {TOWN, VILLAGE, UNIT}


def test_it_gives_and_ends_a_post_with_audit_entries(town_api, town_admin):
    user = town_api.post(
        "/api/v1/users/",
        {
            "username": "newbie",
            "password": "Strong-pass-2026",
            "full_name": "张三",
            "phone": "13812345678",
            "area_code": UNIT,
        },
        format="json",
    )
    assert user.status_code == 201 and user.json()["phone"] == "138****5678"

    post = town_api.post(
        "/api/v1/posts/",
        {"username": "newbie", "role": "grid_worker", "area_code": UNIT},
        format="json",
    )
    assert post.status_code == 201, post.content
    ended = town_api.post(f"/api/v1/posts/{post.json()['id']}/end/", {}, format="json")

    assert ended.status_code == 200 and ended.json()["is_current"] is False
    actions = list(AuditEntry.objects.filter(source="api").values_list("action", flat=True))
    assert {"user.create", "post.grant", "post.end"} <= set(actions)


def test_a_town_admin_cannot_give_a_county_post_or_a_post_elsewhere(town_api, worker):
    county = town_api.post(
        "/api/v1/posts/",
        {"username": "worker", "role": "county_admin", "area_code": COUNTY},
        format="json",
    )
    other = town_api.post(
        "/api/v1/posts/",
        {"username": "worker", "role": "grid_worker", "area_code": OTHER_UNIT},
        format="json",
    )

    assert county.status_code == 404 and other.status_code == 404
    assert Post.objects.filter(user=worker).count() == 1


def test_a_post_must_match_the_level_of_its_area(town_api, worker):
    response = town_api.post(
        "/api/v1/posts/",
        {"username": "worker", "role": "grid_worker", "area_code": VILLAGE},
        format="json",
    )

    assert response.status_code == 400 and list(response.json()) == ["role"]


def test_a_post_on_a_closed_area_is_refused(town_api, worker):
    unit = create_area(actor=None, parent_code=UNIT[:-3], name="将关闭")
    close_area(actor=None, code=unit.code)

    response = town_api.post(
        "/api/v1/posts/",
        {"username": "worker", "role": "grid_worker", "area_code": unit.code},
        format="json",
    )

    assert response.status_code == 400 and "area" in response.json()
    assert "关闭" in response.json()["area"][0]


def test_users_in_scope_only_with_masked_phones(town_api, worker, outsider):
    User.objects.filter(pk=worker.pk).update(phone="13912345678")

    users = {u["username"]: u for u in town_api.get("/api/v1/users/").json()["results"]}

    assert set(users) == {"town", "worker"}
    assert users["worker"]["phone"] == "139****5678"
    assert "13912345678" not in town_api.get(f"/api/v1/users/{worker.pk}/").content.decode()
    assert town_api.get(f"/api/v1/users/{outsider.pk}/").status_code == 404


def test_repeated_failed_logins_lock_the_token_endpoint(chief):
    api = APIClient()
    for _ in range(5):
        api.post("/api/v1/auth/token/", {"username": "chief", "password": "wrong"}, format="json")

    locked = api.post(
        "/api/v1/auth/token/", {"username": "chief", "password": PASSWORD}, format="json"
    )

    assert locked.status_code == 429
    assert "detail" in locked.json()
