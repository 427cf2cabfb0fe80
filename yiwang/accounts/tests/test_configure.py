"""Who may configure the county's settings (the case categories and departments, the
ledger's tags, the outreach settings): `scope.can_configure` and `scope.require_configure`,
the one rule that the pages, the template tags and the services of every app ask."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation

from conftest import COUNTY
from yiwang.accounts import scope
from yiwang.accounts.models import Post, User
from yiwang.accounts.services import grant_post


def _superuser(*, active: bool) -> User:
    return User.objects.create_user("root", password="x", is_superuser=True, is_active=active)


def test_a_county_admin_may_configure(county_admin):
    assert scope.can_configure(county_admin)
    scope.require_configure(county_admin)
    scope.require_configure(county_admin, recheck=True)


@pytest.mark.parametrize("persona", ["town", "chief", "worker", "outsider"])
def test_no_one_below_the_county_may_configure(personas, persona):
    user = personas[persona]
    assert not scope.can_configure(user)
    with pytest.raises(PermissionDenied):
        scope.require_configure(user)
    with pytest.raises(PermissionDenied):
        scope.require_configure(user, recheck=True)


def test_an_active_superuser_may_configure(tree):
    root = _superuser(active=True)
    assert scope.can_configure(root)
    scope.require_configure(root, recheck=True)


def test_an_inactive_superuser_may_not(tree):
    """The copies disagreed: the ledger's tag pages and services and the cases' services let
    any superuser through; now a superuser passes only while active, as the cases' and the
    outreach pages already had it."""
    root = _superuser(active=False)
    assert not scope.can_configure(root)
    with pytest.raises(PermissionDenied):
        scope.require_configure(root)
    with pytest.raises(PermissionDenied):
        scope.require_configure(root, recheck=True)


def test_an_inactive_superuser_with_a_county_admin_post_passes_by_the_post(tree):
    root = _superuser(active=False)
    grant_post(actor=None, user=root, role="county_admin", area_code=COUNTY)
    assert scope.can_configure(root)


def test_no_one_signed_out_may_configure(tree):
    assert not scope.can_configure(AnonymousUser())
    assert not scope.can_configure(None)
    with pytest.raises(PermissionDenied):
        scope.require_configure(AnonymousUser())


def test_the_operator_at_the_command_line_passes_a_service(tree):
    scope.require_configure(None, recheck=True)


def test_the_refusal_says_what_the_caller_gives(worker):
    with pytest.raises(PermissionDenied, match="Only a county admin may configure the tags."):
        scope.require_configure(worker, message="Only a county admin may configure the tags.")
    with translation.override("en"), pytest.raises(PermissionDenied, match="^Your posts"):
        scope.require_configure(worker)


def test_a_service_reads_the_posts_again(county_admin, django_assert_num_queries):
    """A page asks the posts read once for the request; a service (recheck=True) reads them
    again, so a county-admin post that ended meanwhile no longer counts."""
    admin = User.objects.get(pk=county_admin.pk)
    assert scope.can_configure(admin)  # the posts now cached on the user
    Post.objects.filter(user=admin).update(
        starts_on=timezone.localdate() - datetime.timedelta(days=10),
        ends_on=timezone.localdate(),
    )
    with django_assert_num_queries(0):
        scope.require_configure(admin)  # the page's answer, from the request's posts
    with django_assert_num_queries(1), pytest.raises(PermissionDenied):
        scope.require_configure(admin, recheck=True)
    assert not scope.can_configure(admin)
