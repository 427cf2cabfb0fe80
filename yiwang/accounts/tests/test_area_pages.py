"""The area tree's pages and roll-up as the posts make them: the roots a user's posts
give, and the grid workers of the roll-up (accounts registers them in areas.panels)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import GRID, OTHER_VILLAGE, UNIT, VILLAGE
from yiwang.accounts.models import Post
from yiwang.areas.models import Area
from yiwang.areas.selectors import rollup

pytestmark = pytest.mark.django_db


def _by_code(rows):
    return {row["code"]: row for row in rows}


def test_it_lists_the_roots_of_a_user_with_posts_in_two_places(client, worker, outsider):
    from yiwang.accounts.services import grant_post

    grant_post(actor=None, user=worker, role="grid_worker", area_code=OTHER_VILLAGE + "001001")
    client.force_login(worker)
    response = client.get(reverse("areas:home"))
    assert response.status_code == 200
    assert [a.code for a in response.context["roots"]] == [UNIT, OTHER_VILLAGE + "001001"]


def test_it_tells_a_user_without_posts_that_there_is_nothing_to_show(client, tree):
    from yiwang.accounts.services import create_user

    nobody = create_user(actor=None, username="nobody", password="Yiwang-test-2026")
    client.force_login(nobody)
    response = client.get(reverse("areas:home"))
    assert response.status_code == 200
    assert "您在区域树上没有岗位" in response.content.decode()


def test_it_skips_closed_areas_and_ended_posts_but_lists_closed_children(worker):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    second_grid = VILLAGE + "002"
    Area.objects.filter(code__in=[second_grid, second_grid + "002"]).update(
        closed_on=timezone.localdate()
    )
    Post.objects.filter(user=worker).update(
        starts_on=yesterday - datetime.timedelta(days=1), ends_on=yesterday
    )
    rows = _by_code(rollup(Area.objects.get(code=VILLAGE)))
    assert rows[GRID]["units"] == 2
    assert rows[GRID]["workers"] == 0
    # The closed grid is still listed; its closed unit is not counted, its open one is.
    assert rows[second_grid]["units"] == 1


def test_an_area_on_which_someone_holds_a_post_does_not_close(worker):
    from django.core.exceptions import ValidationError

    from yiwang.areas.services import close_area

    with pytest.raises(ValidationError) as exc:
        close_area(actor=None, code=UNIT)

    assert exc.value.message_dict == {"closed_on": ["请先结束此区域上的岗位。"]}
    assert Area.objects.get(code=UNIT).closed_on is None
