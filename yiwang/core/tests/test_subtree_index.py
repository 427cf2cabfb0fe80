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

    assert "index" in plan
    assert "scan areas_area" not in plan or "using" in plan  # SQLite: SEARCH … USING INDEX
    assert ">" in str(Area.objects.under(TOWN).query)  # a range, not LIKE
    assert "like" not in str(Area.objects.under(TOWN).query).lower()


@pytest.mark.django_db
def test_the_scoped_rows_subtree_query_uses_the_area_code_index(chief):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")
    plan = _plan(Post.objects.under(TOWN).values("id"))

    assert "index" in plan
