"""Scope checks of the points routes: entries (recorded, listed, decided, corrected, their
photos; the API), for the route walk of tests/test_routes_scope.py. The rows are those of
checks_lists.seed: an entry on each side, the own one recorded by the own grid worker
(so that the chief may decide it) with a photo."""

import uuid

from django.urls import reverse
from django.utils import timezone

from conftest import OTHER_VILLAGE
from yiwang.points.tests.checks_lists import (
    JSON,
    detail,
    page_list,
    pk,
    refused,
    seed,
    shows_nothing_foreign,
    state,
)


def _to_entry(w, side):
    return reverse("points:entry-detail", args=[pk(side, "entry")(w)])


def _create(w):
    rows = seed(w)
    c = w["client"]
    assert c.get(reverse("points:entry-create")).status_code == 200
    assert c.get(reverse("points:entry-create"), {"village": OTHER_VILLAGE}).status_code == 404
    data = {
        "subject": f"h:{rows['foreign_household'].pk}",
        "item": rows["foreign_item"].pk,
        "month": timezone.localdate().strftime("%Y-%m"),
    }
    response = refused(w, reverse("points:entry-create"), data, status=200)
    assert response.context["form"].errors


def _post(name, data):
    def check(w):
        rows = seed(w)
        refused(w, reverse(name, args=[rows["foreign_entry"].pk]), data)
        response = w["client"].post(reverse(name, args=[rows["own_entry"].pk]), data)
        assert response.status_code == 302

    return check


def _correct(w):
    rows = seed(w)
    refused(w, reverse("points:entry-correct", args=[rows["foreign_entry"].pk]), {"reason": "x"})
    # The own entry is pending: the page says why it is not corrected, nothing changes.
    before = state()
    response = w["client"].post(
        reverse("points:entry-correct", args=[rows["own_entry"].pk]), {"reason": "记错"}
    )
    assert response.status_code == 302 and state() == before


def _photo(w):
    rows = seed(w)
    c = w["client"]
    for variant in ("image", "thumbnail"):
        assert (
            c.get(reverse("points:entry-photo", args=[rows["own_photo"].pk, variant])).status_code
            == 200
        )
    from yiwang.points.models import EntryPhoto

    foreign = EntryPhoto.objects.create(
        entry=rows["foreign_entry"],
        file=rows["own_photo"].file.name,
        thumbnail=rows["own_photo"].thumbnail.name,
        content_type="image/png",
        size=1,
        width=1,
        height=1,
    )
    assert c.get(reverse("points:entry-photo", args=[foreign.pk, "image"])).status_code == 404


def _api_list(w):
    seed(w)
    response = w["client"].get(reverse("api:points-entry-list"), {"limit": 500})
    assert response.status_code == 200
    ids = [row["id"] for row in response.json()["results"]]
    assert pk("own", "entry")(w) in ids and pk("foreign", "entry")(w) not in ids
    shows_nothing_foreign(response.content.decode(), "api:points-entry-list")
    under = w["client"].get(reverse("api:points-entry-list"), {"under": OTHER_VILLAGE})
    assert under.json()["results"] == []


def _api_create(w):
    rows = seed(w)
    body = {
        "uuid": str(uuid.uuid4()),
        "household": rows["foreign_household"].pk,
        "item": rows["foreign_item"].pk,
        "month": timezone.localdate().strftime("%Y-%m"),
    }
    refused(w, reverse("api:points-entry-list"), body, content_type=JSON)
    # The uuid of the foreign entry is no way into it.
    replay = {**body, "uuid": str(rows["foreign_entry"].uuid)}
    refused(w, reverse("api:points-entry-list"), replay, status=400, content_type=JSON)


def _api_action(name, data):
    def check(w):
        rows = seed(w)
        refused(w, reverse(name, args=[rows["foreign_entry"].pk]), data, content_type=JSON)
        response = w["client"].post(
            reverse(name, args=[rows["own_entry"].pk]), data, content_type=JSON
        )
        assert response.status_code == 200, response.content[:300]

    return check


CHECKS = {
    "points:entries": page_list("points:entries", _to_entry),
    "points:queue": page_list("points:queue", _to_entry),
    "points:entry-create": _create,
    "points:entry-detail": detail(
        "points:entry-detail",
        lambda w: [pk("own", "entry")(w)],
        lambda w: [pk("foreign", "entry")(w)],
    ),
    "points:entry-approve": _post("points:entry-approve", {}),
    "points:entry-reject": _post("points:entry-reject", {"reason": "证据不足"}),
    "points:entry-correct": _correct,
    "points:entry-photo": _photo,
    "api:points-entry-list GET": _api_list,
    "api:points-entry-list POST": _api_create,
    "api:points-entry-detail GET": detail(
        "api:points-entry-detail",
        lambda w: [pk("own", "entry")(w)],
        lambda w: [pk("foreign", "entry")(w)],
    ),
    "api:points-entry-approve POST": _api_action("api:points-entry-approve", {}),
    "api:points-entry-reject POST": _api_action("api:points-entry-reject", {"reason": "证据不足"}),
}
PUBLIC: set = set()
