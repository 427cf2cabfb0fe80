"""Who may see which account, what the log keeps of a person, and post dates."""

import datetime

import pytest
import time_machine
from django.http import Http404
from django.utils import timezone
from rest_framework.test import APIClient

from conftest import OTHER_UNIT, UNIT, VILLAGE
from yiwang.accounts import scope
from yiwang.accounts.models import Post, User
from yiwang.accounts.services import create_user, end_post, grant_post
from yiwang.areas.models import Area
from yiwang.core.models import AuditEntry


def test_it_hides_accounts_without_a_post_that_belong_elsewhere(chief, town_admin, outsider):
    end_post(actor=None, post_id=Post.objects.get(user=outsider).pk)  # a former worker elsewhere
    root = User.objects.create_superuser("root", password="x")
    mine = create_user(
        actor=town_admin, username="newcomer", password="Strong-pass-2026", area_code=UNIT
    )

    seen_by_chief = set(User.objects.visible_to(chief).values_list("username", flat=True))

    assert "newcomer" in seen_by_chief
    assert "outsider" not in seen_by_chief and root.username not in seen_by_chief
    api = APIClient()
    api.force_authenticate(chief)
    assert api.get(f"/api/v1/users/{outsider.pk}/").status_code == 404
    assert (
        api.post(
            "/api/v1/posts/",
            {"username": "root", "role": "grid_worker", "area_code": UNIT},
            format="json",
        ).status_code
        == 400
    )
    assert mine.area_code == UNIT


def test_it_refuses_a_post_for_an_account_outside_the_scope(chief, outsider):
    with pytest.raises(Http404):
        grant_post(actor=chief, user=outsider, role="grid_worker", area_code=UNIT)

    assert not Post.objects.filter(user=outsider, area_code=UNIT).exists()


def test_it_cannot_create_an_account_outside_the_scope(chief):
    with pytest.raises(Http404):
        create_user(
            actor=chief, username="elsewhere", password="Strong-pass-2026", area_code=OTHER_UNIT
        )


def test_the_log_of_a_new_account_is_scoped_and_masks_the_phone(county_admin, town_admin):
    user = create_user(
        actor=town_admin,
        username="newbie",
        password="Strong-pass-2026",
        phone="13812345678",
        area_code=UNIT,
    )

    entry = AuditEntry.objects.get(action="user.create", object_id=str(user.pk))
    assert entry.area_code == UNIT
    assert entry.after["phone"] == "138****5678"
    assert {"password", "last_login", "is_superuser", "is_staff"}.isdisjoint(entry.after)
    assert AuditEntry.objects.visible_to(county_admin).filter(pk=entry.pk).exists()


def test_a_post_on_an_area_that_closes_later_still_counts(worker):
    Area.objects.filter(code=UNIT).update(
        closed_on=timezone.localdate() + datetime.timedelta(days=30)
    )

    assert scope.scope_codes(User.objects.get(pk=worker.pk)) == (UNIT,)


def test_it_accepts_a_post_that_ends_before_the_same_post_begins(town_admin, worker):
    today = timezone.localdate()
    later = grant_post(
        actor=None,
        user=worker,
        role="group_leader",
        area_code=UNIT[:-3],
        starts_on=today + datetime.timedelta(days=400),
    )

    earlier = grant_post(
        actor=None,
        user=worker,
        role="group_leader",
        area_code=UNIT[:-3],
        starts_on=today,
        ends_on=today + datetime.timedelta(days=30),
    )

    assert earlier.ends_on < later.starts_on


def test_a_post_ends_at_midnight_in_the_countys_time_zone(worker):
    # Held tomorrow only (it ends the day after): after the worker's post and the tree are
    # made, whatever the date.
    last = timezone.localdate() + datetime.timedelta(days=1)
    post = Post.objects.get(user=worker)
    Post.objects.filter(pk=post.pk).update(
        starts_on=last, ends_on=last + datetime.timedelta(days=1)
    )

    with time_machine.travel(
        datetime.datetime.combine(
            last, datetime.time(23, 59), tzinfo=datetime.timezone(datetime.timedelta(hours=8))
        )
    ):
        assert scope.scope_codes(User.objects.get(pk=worker.pk)) == (UNIT,)
    # 16:00 UTC on the last day is already the next day in Asia/Shanghai.
    with time_machine.travel(
        datetime.datetime.combine(last, datetime.time(16), tzinfo=datetime.UTC)
    ):
        assert scope.scope_codes(User.objects.get(pk=worker.pk)) == ()


def test_the_write_rechecks_posts_that_ended_since_they_were_read(chief, county_admin):
    assert scope.can_manage_area(chief, VILLAGE)  # read and cached, as a request would
    end_post(actor=county_admin, post_id=Post.objects.get(user=chief).pk)

    from yiwang.areas.services import create_area

    with pytest.raises(Http404):
        create_area(actor=chief, parent_code=VILLAGE, name="迟到的网格")
    assert not Area.objects.filter(name="迟到的网格").exists()
