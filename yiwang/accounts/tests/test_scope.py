"""The scope rule: what lies under a user's current posts, and nothing else."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from conftest import COUNTY, GRID, OTHER_UNIT, TOWN, UNIT, VILLAGE
from yiwang.accounts import scope
from yiwang.accounts.models import Post, User
from yiwang.accounts.services import end_post, grant_post
from yiwang.areas.models import Area
from yiwang.core.models import AuditEntry
from yiwang.core.scoping import minimal_prefixes


def test_minimal_prefixes_drop_nested_codes():
    assert minimal_prefixes(["370830001001", "370830001", "370830002", "370830001"]) == (
        "370830001",
        "370830002",
    )


def test_each_persona_sees_the_subtree_of_its_post(personas):
    def visible(user):
        return set(Area.objects.visible_to(user).values_list("code", flat=True))

    assert len(visible(personas["county"])) == Area.objects.count()
    assert all(c.startswith(TOWN) for c in visible(personas["town"]))
    assert visible(personas["chief"]) == set(
        Area.objects.under(VILLAGE).values_list("code", flat=True)
    )
    assert visible(personas["worker"]) == {UNIT}
    assert visible(personas["outsider"]) == {OTHER_UNIT}


def test_an_ended_or_future_post_gives_no_scope(chief):
    post = Post.objects.get(user=chief)
    today = timezone.localdate()
    Post.objects.filter(pk=post.pk).update(
        starts_on=today - datetime.timedelta(days=10), ends_on=today
    )
    chief = User.objects.get(pk=chief.pk)
    assert scope.scope_codes(chief) == ()

    Post.objects.filter(pk=post.pk).update(
        starts_on=today + datetime.timedelta(days=1), ends_on=None
    )
    chief = User.objects.get(pk=chief.pk)
    assert not Area.objects.visible_to(chief).exists()


def test_a_post_on_a_closed_area_gives_no_scope(worker):
    Area.objects.filter(code=UNIT).update(closed_on=timezone.localdate())
    worker = User.objects.get(pk=worker.pk)

    assert scope.scope_codes(worker) == ()


def test_a_user_with_no_post_sees_nothing(tree):
    nobody = User.objects.create_user("nobody", password="x")

    assert not Area.objects.visible_to(nobody).exists()
    assert list(User.objects.visible_to(nobody)) == [nobody]


def test_a_town_admin_cannot_give_a_county_admin_post(town_admin, worker):
    with pytest.raises(Http404):
        grant_post(actor=town_admin, user=worker, role="county_admin", area_code=COUNTY)

    assert not Post.objects.filter(user=worker, role="county_admin").exists()


def test_a_chief_cannot_make_another_chief(chief, worker):
    with pytest.raises(PermissionDenied):
        grant_post(actor=chief, user=worker, role="grid_chief", area_code=VILLAGE)

    assert not Post.objects.filter(user=worker, role="grid_chief").exists()


def test_a_chief_gives_a_group_leader_post_in_the_village(chief, worker):
    post = grant_post(actor=chief, user=worker, role="group_leader", area_code=GRID)

    assert post.area_code == GRID and post.is_current
    entry = AuditEntry.objects.get(action="post.grant", object_id=str(post.pk))
    assert entry.actor == chief and entry.after["role"] == "group_leader"


def test_a_second_identical_current_post_is_refused(town_admin, worker):
    with pytest.raises(ValidationError) as exc:
        grant_post(actor=town_admin, user=worker, role="grid_worker", area_code=UNIT)

    assert "role" in exc.value.message_dict


def test_ending_a_post_removes_the_scope_at_once(town_admin, worker):
    post = Post.objects.get(user=worker)
    assert scope.in_scope(worker, UNIT)

    end_post(actor=town_admin, post_id=post.pk)

    assert not scope.in_scope(User.objects.get(pk=worker.pk), UNIT)
    entry = AuditEntry.objects.get(action="post.end")
    assert (
        entry.before["ends_on"] is None
        and entry.after["ends_on"] == timezone.localdate().isoformat()
    )


def test_ending_a_post_outside_the_scope_is_not_found(town_admin, outsider):
    post = Post.objects.get(user=outsider)

    with pytest.raises(Http404):
        end_post(actor=town_admin, post_id=post.pk)
    assert Post.objects.get(pk=post.pk).ends_on is None


def test_the_scope_is_computed_once_per_request_user(chief, django_assert_num_queries):
    chief = User.objects.get(pk=chief.pk)
    with django_assert_num_queries(1):
        scope.scope_codes(chief)
        scope.scope_codes(chief)
        scope.in_scope(chief, VILLAGE)
