"""The post pages: the list, giving a post, ending one."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import GRID, OTHER_UNIT, PASSWORD, UNIT, VILLAGE
from yiwang.accounts.models import Post, User
from yiwang.areas.models import Area
from yiwang.core.models import AuditEntry

pytestmark = pytest.mark.django_db

POSTS = reverse("accounts:posts")
GIVE = reverse("accounts:post-give")


def _end(post):
    return reverse("accounts:post-end", args=[post.pk])


def test_it_lists_the_current_posts_in_the_users_scope(client, personas):
    client.force_login(personas["town"])
    response = client.get(POSTS)
    assert response.status_code == 200
    assert {p.user.username for p in response.context["page_obj"]} == {"town", "chief", "worker"}


def test_it_lists_every_post_to_the_county_admin(client, personas):
    client.force_login(personas["county"])
    response = client.get(POSTS)
    assert len(response.context["page_obj"]) == 5


def test_it_filters_by_role_and_code_prefix(client, personas):
    client.force_login(personas["county"])
    response = client.get(POSTS, {"role": "grid_worker"})
    assert {p.user.username for p in response.context["page_obj"]} == {"worker", "outsider"}
    response = client.get(POSTS, {"role": "grid_worker", "under": VILLAGE})
    assert [p.user.username for p in response.context["page_obj"]] == ["worker"]


def test_it_hides_ended_posts_unless_asked(client, personas):
    post = Post.objects.get(user=personas["worker"])
    Post.objects.filter(pk=post.pk).update(
        starts_on=timezone.localdate() - datetime.timedelta(days=10),
        ends_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    client.force_login(personas["chief"])
    response = client.get(POSTS)
    assert [p.user.username for p in response.context["page_obj"]] == ["chief"]
    response = client.get(POSTS, {"ended": "on"})
    assert [p.user.username for p in response.context["page_obj"]] == ["chief", "worker"]


def test_it_paginates_the_list_in_a_few_queries(
    client, county_admin, tree, django_assert_max_num_queries
):
    # Straight to the tables: sixty password hashes would only slow the test down.
    users = User.objects.bulk_create(
        User(username=f"w{i:02d}", full_name=f"w{i:02d}", phone="13800000000") for i in range(60)
    )
    unit = Area.objects.get(code=UNIT)
    Post.objects.bulk_create(
        Post(user=user, role="grid_worker", area=unit, area_code=UNIT) for user in users
    )
    client.force_login(county_admin)
    # Session, user, the viewer's posts, the count, the page with users and areas; the
    # count of unread case notices on the menu.
    with django_assert_max_num_queries(7):
        response = client.get(POSTS)
    assert len(response.context["page_obj"]) == 50
    assert response.context["page_obj"].paginator.count == 61
    with django_assert_max_num_queries(7):
        response = client.get(POSTS, {"page": 2})
    assert len(response.context["page_obj"]) == 11


def test_it_forbids_the_post_pages_to_a_worker(client, worker):
    client.force_login(worker)
    for url in (POSTS, GIVE):
        response = client.get(url)
        assert response.status_code == 403
        assert "您的岗位不允许管理岗位。" in response.content.decode()


def test_it_offers_only_the_roles_the_user_may_give(client, chief):
    client.force_login(chief)
    choices = [value for value, _label in client.get(GIVE).context["form"].fields["role"].choices]
    assert choices == ["", "group_leader", "grid_worker"]


def test_it_gives_a_post_to_a_new_account(client, chief):
    client.force_login(chief)
    response = client.post(
        GIVE,
        {
            "new_username": "wang",
            "full_name": "王芳",
            "phone": "13912345678",
            "password": PASSWORD,
            "role": "group_leader",
            "area_code": GRID,
            "starts_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    assert response["Location"] == POSTS
    wang = User.objects.get(username="wang")
    assert wang.full_name == "王芳"
    assert wang.check_password(PASSWORD)
    post = Post.objects.get(user=wang)
    assert (post.role, post.area_code) == ("group_leader", GRID)
    grant = AuditEntry.objects.get(action="post.grant", object_id=str(post.pk))
    assert (grant.source, grant.actor) == ("web", chief)
    assert AuditEntry.objects.get(action="user.create", object_id=str(wang.pk)).source == "web"
    page = client.get(POSTS).content.decode()
    assert "王芳" in page


def test_it_gives_a_post_to_an_existing_visible_person(client, town_admin, worker):
    client.force_login(town_admin)
    response = client.post(
        GIVE,
        {
            "username": "worker",
            "role": "group_leader",
            "area_code": GRID,
            "starts_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    assert worker.posts.filter(role="group_leader", area_code=GRID).exists()


def test_it_does_not_find_a_person_outside_the_scope(client, chief, outsider):
    client.force_login(chief)
    response = client.post(
        GIVE,
        {
            "username": "outsider",
            "role": "grid_worker",
            "area_code": UNIT,
            "starts_on": "2026-01-01",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["username"] == [
        "您的区域内没有用户名为 outsider 的人员。"
    ]


def test_it_does_not_find_an_area_outside_the_scope(client, chief, outsider):
    client.force_login(chief)
    response = client.post(
        GIVE,
        {
            "new_username": "li",
            "password": PASSWORD,
            "role": "grid_worker",
            "area_code": OTHER_UNIT,
            "starts_on": "2026-01-01",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["area_code"] == [
        f"您的区域内没有代码为 {OTHER_UNIT} 的区域。"
    ]
    assert not User.objects.filter(username="li").exists()


def test_it_shows_a_post_on_the_wrong_level_in_chinese_and_keeps_no_account(client, chief):
    client.force_login(chief)
    response = client.post(
        GIVE,
        {
            "new_username": "zhao",
            "password": PASSWORD,
            "role": "grid_worker",
            "area_code": GRID,
            "starts_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["role"] == [
        "网格员岗位设在单元网格上，而不是二级网格上。"
    ]
    # The new account went with the refused post.
    assert not User.objects.filter(username="zhao").exists()
    assert not AuditEntry.objects.filter(action="user.create", object_repr="zhao").exists()


def test_it_shows_a_weak_password_on_the_password_field(client, chief):
    client.force_login(chief)
    response = client.post(
        GIVE,
        {
            "new_username": "qian",
            "password": "123",
            "role": "grid_worker",
            "area_code": UNIT,
            "starts_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["password"]
    assert not User.objects.filter(username="qian").exists()


def test_it_asks_for_an_existing_or_a_new_person(client, chief):
    client.force_login(chief)
    response = client.post(
        GIVE, {"role": "grid_worker", "area_code": UNIT, "starts_on": "2026-01-01"}
    )
    assert response.context["form"].non_field_errors() == [
        "请填写已有人员的用户名，或填写新用户名和密码。"
    ]


def test_it_asks_before_ending_a_post(client, chief, worker):
    post = Post.objects.get(user=worker)
    client.force_login(chief)
    response = client.get(_end(post))
    assert response.status_code == 200
    assert "结束岗位后不能撤销" in response.content.decode()
    post.refresh_from_db()
    assert post.ends_on is None


def test_it_ends_a_post_with_an_audit_entry(client, chief, worker):
    post = Post.objects.get(user=worker)
    client.force_login(chief)
    today = timezone.localdate()
    response = client.post(_end(post), {"ends_on": today.isoformat()})
    assert response.status_code == 302
    assert response["Location"] == POSTS
    post.refresh_from_db()
    assert post.ends_on == today
    entry = AuditEntry.objects.get(action="post.end", object_id=str(post.pk))
    assert (entry.source, entry.actor) == ("web", chief)
    assert entry.changed_fields == ["ends_on"]
    assert post not in client.get(POSTS).context["page_obj"].object_list


def test_it_shows_the_services_error_when_ending_before_the_start(client, chief, worker):
    post = Post.objects.get(user=worker)
    client.force_login(chief)
    response = client.post(_end(post), {"ends_on": "2000-01-01"})
    assert response.status_code == 200
    assert response.context["form"].errors["ends_on"] == ["岗位不能在开始之前结束。"]


def test_it_refuses_to_end_a_post_the_user_may_not_give(client, town_admin, chief):
    post = Post.objects.get(user=chief)
    client.force_login(chief)
    assert client.get(_end(post)).context["can_end"] is False
    response = client.post(_end(post), {"ends_on": timezone.localdate().isoformat()})
    assert response.status_code == 403
    post.refresh_from_db()
    assert post.ends_on is None


def test_it_answers_404_for_ending_a_post_outside_the_scope(client, chief, outsider):
    post = Post.objects.get(user=outsider)
    client.force_login(chief)
    assert client.get(_end(post)).status_code == 404
    assert client.post(_end(post), {"ends_on": "2026-01-01"}).status_code == 404
