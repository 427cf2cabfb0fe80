"""A subtree is one range scan on an indexed code column, on SQLite and PostgreSQL."""

import pytest
from django.db import connection

from conftest import TOWN
from yiwang.accounts.models import Post
from yiwang.areas.models import Area


def _plan(queryset) -> str:
    return queryset.explain().lower()


@pytest.mark.django_db
def test_the_area_subtree_query_uses_the_code_index(tree):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # force the planner to show whether it can
            cursor.execute("SET enable_seqscan = off")
    plan = _plan(Area.objects.under(TOWN).values("code"))

    # SQLite: "SEARCH areas_area USING … INDEX … (code>? AND code<?)";
    # PostgreSQL: "Index Only Scan … Index Cond: ((code >= '370830001') AND (code < '370830002'))".
    assert "code>? and code<?" in plan or ("index cond:" in plan and "'370830002'" in plan)
    assert "like" not in str(Area.objects.under(TOWN).query).lower()


@pytest.mark.django_db
def test_the_scoped_rows_subtree_query_uses_the_area_code_index(chief):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")
    plan = _plan(Post.objects.under(TOWN).values("id"))

    assert "area_code>? and area_code<?" in plan or (
        "index cond:" in plan and "'370830002'" in plan
    )


def test_the_range_is_exactly_the_prefix_match():
    from yiwang.core.scoping import _next_prefix

    assert _next_prefix("370830001") == "370830002"
    assert _next_prefix("3708300019") == "370830002"
    assert _next_prefix("999") is None


@pytest.mark.django_db
def test_the_subtree_holds_under_a_linguistic_collation(tree):
    """Whatever the database's collation, the subtree of a town is its codes' prefix set."""
    expected = {c for c in Area.objects.values_list("code", flat=True) if c.startswith(TOWN)}

    assert set(Area.objects.under(TOWN).values_list("code", flat=True)) == expected
