"""Scope checks of the points routes: lists (the duty lists, their templates and the
proposal rules, the party members' accounts), for the route walk of
tests/test_routes_scope.py.

The viewer is the grid chief of 南门社区 (`client`). `seed` adopts the county's templates
in the chief's village and in the outsider's, links a party member of each side to a user
account, and records an entry on each side (the own one with a photo, recorded by the
own grid worker so that the chief may decide it). A foreign village's pages answer 404 and
a write aimed at it changes nothing; lists show the own rows and none of the foreign; the
settings are the county admin's: the chief is refused (403) and nothing changes.
"""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from conftest import OTHER_VILLAGE, VILLAGE
from yiwang.accounts.models import User
from yiwang.points.models import DutyList, Entry, ListItem, ProposalRule, TemplateItem
from yiwang.points.models.entries import MemberAccount
from yiwang.points.services import entries as entry_services
from yiwang.points.services import lists as list_services
from yiwang.registry.models import Resident

JSON = "application/json"
OWN_NAME, FOREIGN_NAME = "南门社区", "西门社区"


def _photo():
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, format="PNG")
    return SimpleUploadedFile("photo.png", out.getvalue(), content_type="image/png")


def seed(w) -> dict:
    """The own and the foreign rows of the points routes, made once per test (in `w`)."""
    if "points" in w:
        return w["points"]
    operator = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser(
        "points-operator", password="x-Yiwang-2026"
    )
    day = timezone.localdate().replace(day=1)
    rows: dict = {}
    sides = [
        ("own", VILLAGE, w["own_household"], w["own_resident"], w["own_user"]),
        (
            "foreign",
            OTHER_VILLAGE,
            w["foreign_household"],
            w["foreign_resident"],
            w["foreign_user"],
        ),
    ]
    for side, village, household, resident, recorder in sides:
        lists = {}
        for kind in ("party_member", "household", "cadre"):
            lists[kind] = list_services.adopt_list(
                operator, village, kind, day, list_services.items_from("template", village, kind)
            )
        rows[f"{side}_list"] = lists["household"]
        rows[f"{side}_item"] = lists["household"].items.get(article="1")
        Resident.objects.filter(pk=resident.pk).update(is_party_member=True)
        rows[f"{side}_account"] = MemberAccount.objects.create(
            user=recorder, resident=resident, area_code=resident.area_code
        )
        entry, _created = entry_services.record_entry(
            actor=recorder,
            household=household.pk,
            item=rows[f"{side}_item"].pk,
            month=day,
            photos=[_photo()] if side == "own" else [],
        )
        rows[f"{side}_entry"] = entry
        rows[f"{side}_household"] = household
        rows[f"{side}_resident"] = resident
    rows["own_photo"] = rows["own_entry"].photos.get()
    w["points"] = rows
    return rows


def pk(side: str, kind: str):
    return lambda w: seed(w)[f"{side}_{kind}"].pk


def state():
    """Every row of the points routes: what a refused write leaves as it was."""
    return (
        list(
            DutyList.objects.order_by("id").values_list(
                "id", "area_code", "version", "superseded_on"
            )
        ),
        ListItem.objects.count(),
        list(
            Entry.objects.order_by("id").values_list(
                "id", "status", "points", "area_code", "reverses_id", "decided_by_id"
            )
        ),
        list(MemberAccount.objects.order_by("id").values_list("id", "user_id", "resident_id")),
        list(TemplateItem.objects.order_by("id").values_list("id", "text", "points", "is_active")),
        list(ProposalRule.objects.order_by("id").values_list("id", "template_id", "is_active")),
    )


def refused(w, url, data=None, *, status=404, method="post", content_type=None):
    before = state()
    kwargs = {"content_type": content_type} if content_type else {}
    response = getattr(w["client"], method)(url, data or {}, **kwargs)
    assert response.status_code == status, (url, response.status_code, response.content[:300])
    assert state() == before, f"{url} changed something"
    return response


def shows_nothing_foreign(body: str, name: str) -> None:
    for foreign in (FOREIGN_NAME, OTHER_VILLAGE, "outsider", "外101", "王五"):
        assert foreign not in body, f"{name} shows the foreign {foreign!r}"


def page_list(name, link):
    def check(w):
        seed(w)
        response = w["client"].get(reverse(name))
        assert response.status_code == 200
        body = response.content.decode()
        assert link(w, "own") in body, f"{name} does not show the own row"
        assert link(w, "foreign") not in body
        shows_nothing_foreign(body, name)

    return check


def detail(name, own, foreign):
    """GET of the own object works; of the foreign one, 404."""

    def check(w):
        seed(w)
        c = w["client"]
        assert c.get(reverse(name, args=own(w))).status_code == 200
        assert c.get(reverse(name, args=foreign(w))).status_code == 404

    return check


def settings_page(name, args=lambda w: [], data=None):
    """The county admin's settings: the chief is refused (403) and nothing changes."""

    def check(w):
        seed(w)
        url = reverse(name, args=args(w))
        if data is None or data.get("get", True):
            assert w["client"].get(url).status_code in (403, 405)
        refused(w, url, (data or {}).get("post", {}), status=403)

    return check


def _village_page(name, kind=None):
    def args(code):
        return [code, kind] if kind else [code]

    def check(w):
        seed(w)
        c = w["client"]
        assert c.get(reverse(name, args=args(VILLAGE))).status_code == 200
        assert c.get(reverse(name, args=args(OTHER_VILLAGE))).status_code == 404

    return check


def _adopt(w):
    _village_page("points:adopt", "household")(w)
    item = seed(w)["foreign_item"]
    data = {
        "adopted_on": timezone.localdate().isoformat(),
        "rows": 1,
        "item-0-keep": "on",
        "item-0-article": "1",
        "item-0-text": item.text,
        "item-0-points": "9",
    }
    refused(w, reverse("points:adopt", args=[OTHER_VILLAGE, "household"]), data)


def _members(w):
    rows = seed(w)
    page_list("points:members", lambda w, side: rows[f"{side}_resident"].name)(w)
    data = {"resident": rows["foreign_resident"].pk, "username": "chief"}
    refused(w, reverse("points:members"), data, status=200)


def _unlink(w):
    rows = seed(w)
    refused(w, reverse("points:member-unlink", args=[rows["foreign_account"].pk]))
    response = w["client"].post(reverse("points:member-unlink", args=[rows["own_account"].pk]))
    assert response.status_code == 302


def _api_list(name, own_village, key="village"):
    def check(w):
        seed(w)
        response = w["client"].get(reverse(name), {"limit": 500})
        assert response.status_code == 200
        data = response.json()
        results = data["results"] if isinstance(data, dict) else data
        found = {row[key] for row in results}
        assert found == {own_village}, found
        assert w["client"].get(reverse(name), {"village": OTHER_VILLAGE}).json()["count"] == 0

    return check


def _foreign_item(w):
    return [seed(w)["foreign_item"].pk]


CHECKS = {
    "points:templates": settings_page("points:templates"),
    "points:template-create": settings_page(
        "points:template-create",
        data={"post": {"kind": "household", "article": "99", "text": "x", "points": "1"}},
    ),
    "points:template-edit": settings_page(
        "points:template-edit",
        lambda w: [TemplateItem.objects.first().pk],
        {"post": {"kind": "household", "article": "1", "text": "改", "points": "1"}},
    ),
    "points:template-toggle": settings_page(
        "points:template-toggle", lambda w: [TemplateItem.objects.first().pk], {"get": False}
    ),
    "points:proposal-rules": settings_page(
        "points:proposal-rules", data={"post": {"closed_case": ""}}
    ),
    "points:lists": page_list(
        "points:lists",
        lambda w, side: reverse(
            "points:village-lists", args=[VILLAGE if side == "own" else OTHER_VILLAGE]
        ),
    ),
    "points:village-lists": _village_page("points:village-lists"),
    "points:adopt": _adopt,
    "points:history": _village_page("points:history", "household"),
    "points:members": _members,
    "points:member-unlink": _unlink,
    "api:points-list-list GET": _api_list("api:points-list-list", VILLAGE),
    "api:points-list-detail GET": detail(
        "api:points-list-detail",
        lambda w: [pk("own", "list")(w)],
        lambda w: [pk("foreign", "list")(w)],
    ),
    "api:points-item-list GET": _api_list("api:points-item-list", VILLAGE),
    "api:points-item-detail GET": detail(
        "api:points-item-detail", lambda w: [pk("own", "item")(w)], _foreign_item
    ),
}
PUBLIC: set = set()
