"""Query counts of the API lists are pinned, so that an N+1 shows up as a failing test."""

import pytest
from rest_framework.test import APIClient

from conftest import COUNTY
from yiwang.accounts.services import create_user, grant_post
from yiwang.areas.models import Area


@pytest.fixture
def county_api(county_admin):
    api = APIClient()
    api.force_authenticate(county_admin)
    return api


@pytest.fixture
def crowded(tree):
    """Fifty more workers with posts, so that a per-row query would multiply."""
    units = list(Area.objects.filter(level="unit").values_list("code", flat=True))
    for i in range(50):
        user = create_user(actor=None, username=f"w{i}", password="Strong-pass-2026")
        grant_post(actor=None, user=user, role="grid_worker", area_code=units[i % len(units)])


# Each list costs: the posts of the viewer (scope), the count, the page (and no more).
@pytest.mark.parametrize(
    ("url", "queries"),
    [
        ("/api/v1/areas/?limit=200", 3),
        ("/api/v1/posts/?limit=200", 3),
        ("/api/v1/users/?limit=200", 3),
        ("/api/v1/audit/?limit=200", 3),
        (f"/api/v1/areas/{COUNTY}/rollup/", 5),
    ],
)
def test_api_lists_take_a_fixed_number_of_queries(
    county_api, crowded, url, queries, django_assert_num_queries
):
    with django_assert_num_queries(queries):
        response = county_api.get(url)

    assert response.status_code == 200


def test_passwords_are_hashed_with_argon2(tree, settings):
    from yiwang import settings as production

    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    user = create_user(actor=None, username="hashed", password="Strong-pass-2026")

    assert user.password.startswith("argon2")
