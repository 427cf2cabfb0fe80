"""One row within the user's scope, or 404: `get_in_scope` and `get_or_404`, which every
page and service that loads a row by its id (or code) asks."""

import datetime

import pytest
from django.db import connection, transaction
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext

from conftest import OTHER_UNIT, UNIT
from yiwang.core import access
from yiwang.core.models import AuditEntry
from yiwang.core.scoping import get_in_scope, get_or_404


@pytest.fixture
def entries(tree):
    """An audit entry in the worker's unit, and one in the outsider's."""
    return {
        code: AuditEntry.objects.create(action="test", object_type="test", area_code=code)
        for code in (UNIT, OTHER_UNIT)
    }


def _refusal(call) -> str:
    with pytest.raises(Http404) as refused:
        call()
    return str(refused.value)


def test_a_row_in_scope_is_found(worker, entries):
    mine = entries[UNIT]
    assert get_in_scope(AuditEntry.objects, worker, pk=mine.pk) == mine
    assert get_in_scope(AuditEntry.objects.all(), worker, area_code=UNIT) == mine


def test_not_yours_answers_exactly_like_missing(worker, entries):
    """The copies disagreed: the pages answered Django's "No … matches the given query.",
    the services "Not found."; now every one answers the services' 404."""
    theirs = entries[OTHER_UNIT]
    missing = max(e.pk for e in entries.values()) + 1
    out_of_scope = _refusal(lambda: get_in_scope(AuditEntry.objects, worker, pk=theirs.pk))
    not_there = _refusal(lambda: get_in_scope(AuditEntry.objects, worker, pk=missing))
    assert out_of_scope == not_there == gettext("Not found.")


def test_the_operator_at_the_command_line_reaches_every_row(entries, monkeypatch):
    monkeypatch.setattr(access, "recheck", _must_not_run)
    for entry in entries.values():
        assert get_in_scope(AuditEntry.objects, None, recheck=True, pk=entry.pk) == entry


def _must_not_run(actor):
    raise AssertionError("the operator has no posts to read again")


def test_a_service_reads_the_posts_again_first(worker, entries, monkeypatch):
    """recheck=True (a service): the actor's posts are read again, locked, before the row
    is looked up in them; a page (the default) uses the request's."""
    calls = []
    monkeypatch.setattr(access, "recheck", calls.append)
    get_in_scope(AuditEntry.objects, worker, pk=entries[UNIT].pk)
    assert calls == []
    get_in_scope(AuditEntry.objects, worker, recheck=True, pk=entries[UNIT].pk)
    assert calls == [worker]
    with pytest.raises(Http404):
        get_in_scope(AuditEntry.objects, worker, recheck=True, pk=entries[OTHER_UNIT].pk)
    assert calls == [worker, worker]


def test_a_scope_that_ended_under_a_service_is_not_found(worker, entries):
    """What the service reads again counts, not what the request cached."""
    assert get_in_scope(AuditEntry.objects, worker, pk=entries[UNIT].pk)
    today = timezone.localdate()
    worker.posts.update(starts_on=today - datetime.timedelta(days=10), ends_on=today)
    assert get_in_scope(AuditEntry.objects, worker, pk=entries[UNIT].pk)  # the page's
    with transaction.atomic(), pytest.raises(Http404):
        get_in_scope(AuditEntry.objects, worker, recheck=True, pk=entries[UNIT].pk)


def test_one_query_for_the_row(worker, entries, django_assert_num_queries):
    get_in_scope(AuditEntry.objects, worker, pk=entries[UNIT].pk)  # the posts, once
    with django_assert_num_queries(1):
        get_in_scope(AuditEntry.objects, worker, pk=entries[UNIT].pk)
    with django_assert_num_queries(1), pytest.raises(Http404):
        get_in_scope(AuditEntry.objects, worker, pk=entries[OTHER_UNIT].pk)


def test_a_locked_row_is_locked_for_update_alone(worker, entries):
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        found = get_in_scope(
            AuditEntry.objects.select_related("actor"), worker, lock=True, pk=entries[UNIT].pk
        )
    assert found == entries[UNIT]
    if connection.features.has_select_for_update_of:
        assert 'FOR UPDATE OF "core_auditentry"' in queries[-1]["sql"]
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        get_in_scope(AuditEntry.objects, worker, pk=entries[UNIT].pk)
    assert "FOR UPDATE" not in queries[-1]["sql"]


def test_a_scope_of_its_own_answers_the_same(entries):
    """get_or_404 over a queryset that is already what the user may see (a scope of its
    own: sponsored households, a meeting's decisions)."""
    narrowed = AuditEntry.objects.filter(area_code=UNIT)
    assert get_or_404(narrowed, pk=entries[UNIT].pk) == entries[UNIT]
    with transaction.atomic():
        assert get_or_404(narrowed, lock=True, pk=entries[UNIT].pk) == entries[UNIT]
    assert _refusal(lambda: get_or_404(narrowed, pk=entries[OTHER_UNIT].pk)) == _refusal(
        lambda: get_or_404(narrowed, pk=0)
    )
