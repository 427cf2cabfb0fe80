"""The scope checks of the case routes, for the route walk of
yiwang/core/tests/test_routes_scope.py (which adds them to its CHECKS).

Each takes that test's `world`: the viewer is the grid chief of 南门社区 (`client`); the
foreign cases lie in the outsider's unit of another town. A foreign case is not found
(404), by list, detail or action, and nothing about it changes; each action is tried on a
foreign case in a stage where the action would be valid, so that the 404 is the scope's.
"""

import datetime

from django.urls import reverse
from django.utils import timezone

from conftest import COUNTY, OTHER_UNIT, OTHER_VILLAGE, UNIT, VILLAGE
from yiwang.accounts.models import User
from yiwang.accounts.services import issue_token
from yiwang.cases import services
from yiwang.cases.models import Case, CaseEvent, Category, Department
from yiwang.cases.selectors.rates import GROUP_BY

from .conftest import new_case

JSON = "application/json"
# A parked case's review date: ahead whatever the date of the run.
REVIEW_ON = str(timezone.localdate() + datetime.timedelta(days=365))


def _case(unit: str, stage: str) -> Case:
    if stage == "extension":
        case = new_case(unit=unit, stage="in_progress")
        services.request_extension(actor=None, case_id=case.pk, hours=6, reason="等")
        return case
    if stage == "parked":
        case = new_case(unit=unit, stage="accepted")
        services.park(actor=None, case_id=case.pk, review_on=REVIEW_ON, reason="长期")
        return case
    return new_case(unit=unit, stage=stage)


def _state(case: Case):
    return (
        Case.objects.filter(pk=case.pk).values_list("status", "version", "area_code").get(),
        CaseEvent.objects.filter(case=case).count(),
    )


def _everything_foreign():
    return (
        list(Case.objects.under(OTHER_VILLAGE[:9]).order_by("id").values_list("id", "version")),
        CaseEvent.objects.filter(case__area_code__startswith=OTHER_VILLAGE[:9]).count(),
    )


def _listing(name, query=""):
    """The viewer's own case is listed; none of the outsider's town."""

    def check(w):
        own, foreign = _case(UNIT, "reported"), _case(OTHER_UNIT, "reported")
        response = w["client"].get(reverse(name) + query)
        assert response.status_code == 200
        body = response.content.decode()
        assert own.number in body, f"{name} does not show the own case"
        assert foreign.number not in body and OTHER_VILLAGE not in body
        assert "outsider" not in body

    return check


def _detail(name):
    def check(w):
        own, foreign = _case(UNIT, "reported"), _case(OTHER_UNIT, "reported")
        assert w["client"].get(reverse(name, args=[own.pk])).status_code == 200
        assert w["client"].get(reverse(name, args=[foreign.pk])).status_code == 404

    return check


def _api_action(path: str, stage: str, body: dict):
    """POST of the action to a foreign case: 404, nothing changes. The same on an own case
    is answered (done, or refused by the viewer's posts), never 404."""

    def check(w):
        name = f"api:case-{path}"
        foreign = _case(OTHER_UNIT, stage)
        before = _state(foreign)
        response = w["client"].post(reverse(name, args=[foreign.pk]), body, content_type=JSON)
        assert response.status_code == 404, (name, response.status_code, response.content[:300])
        assert _state(foreign) == before
        own = _case(UNIT, stage)
        response = w["client"].post(reverse(name, args=[own.pk]), body, content_type=JSON)
        assert response.status_code in (200, 403), (name, response.status_code, response.content)

    return check


def _merge_both_ways(w):
    """Neither a foreign case merged, nor an own case merged into a foreign one."""
    _api_action("merge", "reported", {"into": _case(UNIT, "reported").pk})(w)
    own, foreign = _case(UNIT, "reported"), _case(OTHER_UNIT, "reported")
    before = _everything_foreign(), _state(own)
    response = w["client"].post(
        reverse("api:case-merge", args=[own.pk]), {"into": foreign.pk}, content_type=JSON
    )
    assert response.status_code == 400 and "into" in response.json()
    assert (_everything_foreign(), _state(own)) == before


def _dispatch_both_ways(w):
    """Neither a foreign case dispatched, nor an own case sent to a foreign area."""
    _api_action("dispatch", "accepted", {})(w)
    own = _case(UNIT, "accepted")
    before = _state(own)
    response = w["client"].post(
        reverse("api:case-dispatch", args=[own.pk]), {"area_code": OTHER_UNIT}, content_type=JSON
    )
    assert response.status_code == 400 and "area_code" in response.json()
    assert _state(own) == before


def _api_create_elsewhere(w):
    """A case placed in another town's unit or village: refused, nothing written there."""
    before = _everything_foreign()
    for place in ({"unit_code": OTHER_UNIT}, {"village_code": OTHER_VILLAGE}):
        response = w["client"].post(
            reverse("api:case-list"),
            {"source": "hotline", "category": "sanitation", "text": "x", **place},
            content_type=JSON,
        )
        assert response.status_code in (400, 404), response.content[:300]
    response = w["client"].post(
        reverse("api:case-list"),
        {"category": "sanitation", "text": "x", "household": w["foreign_household"].pk},
        content_type=JSON,
    )
    assert response.status_code in (400, 404)
    assert _everything_foreign() == before


def _shared(name, args=lambda w: []):
    """The county's configuration: every signed-in user reads it."""

    def check(w):
        Department.objects.get_or_create(
            code="roads", defaults={"name": "县交通运输局", "area_code": "370830"}
        )
        assert w["client"].get(reverse(name, args=args(w))).status_code == 200

    return check


def _page_act(w):
    """The action page of a foreign case: not found, by GET or POST; nothing changes."""
    own, foreign = _case(UNIT, "reported"), _case(OTHER_UNIT, "reported")
    assert w["client"].get(reverse("cases:act", args=[own.pk, "reject"])).status_code == 200
    before = _state(foreign)
    for slug, data in [("reject", {"reason": "x"}), ("accept", {})]:
        assert w["client"].get(reverse("cases:act", args=[foreign.pk, slug])).status_code == 404
        response = w["client"].post(reverse("cases:act", args=[foreign.pk, slug]), data)
        assert response.status_code == 404
    assert _state(foreign) == before


def _page_create_elsewhere(w):
    """The intake form aimed at another town: a form error (or 404), nothing written."""
    url = reverse("cases:create")
    assert w["client"].get(url).status_code == 200
    assert w["client"].get(f"{url}?household={w['foreign_household'].pk}").status_code == 404
    before = _everything_foreign()
    for place in ({"unit_code": OTHER_UNIT}, {"village_code": OTHER_VILLAGE}):
        response = w["client"].post(
            url, {"source": "hotline", "category": "sanitation", "text": "x", **place}
        )
        assert response.status_code in (200, 404)
    assert _everything_foreign() == before


ACTIONS = [
    # route, stage of the case, body
    ("accept", "reported", {}),
    ("reject", "reported", {"reason": "x"}),
    ("start", "dispatched", {}),
    ("return", "dispatched", {"reason": "x"}),
    ("resolve", "in_progress", {"result": "x"}),
    ("extend", "in_progress", {"hours": 6, "reason": "x"}),
    ("approve-extension", "extension", {}),
    ("supervise", "reported", {}),
    ("park", "accepted", {"review_on": REVIEW_ON, "reason": "x"}),
    ("unpark", "parked", {}),
    ("follow-up", "resolved", {"satisfaction": "satisfied"}),
    ("reopen", "followed_up", {"reason": "x"}),
    ("close", "followed_up", {}),
]

CASE_CHECKS = {
    "cases:inbox": _listing("cases:inbox"),
    "cases:list": _listing("cases:list"),
    "cases:detail": _detail("cases:detail"),
    "cases:sheet": _detail("cases:sheet"),
    "cases:act": _page_act,
    "cases:create": _page_create_elsewhere,
    "api:case-list GET": _listing("api:case-list"),
    "api:case-list POST": _api_create_elsewhere,
    "api:case-detail GET": _detail("api:case-detail"),
    "api:case-inbox GET": _listing("api:case-inbox"),
    "api:case-merge POST": _merge_both_ways,
    "api:case-dispatch POST": _dispatch_both_ways,
    **{f"api:case-{path} POST": _api_action(path, stage, body) for path, stage, body in ACTIONS},
    "api:case-category-list GET": _shared("api:case-category-list"),
    "api:case-category-detail GET": _shared("api:case-category-detail", lambda w: ["dispute"]),
    "api:case-department-list GET": _shared("api:case-department-list"),
    "api:case-department-detail GET": _shared("api:case-department-detail", lambda w: ["roads"]),
}


def _open311_create_elsewhere(w):
    """An Open311 request placed in another town with the viewer's own API key: refused
    in the spec's error format, nothing written there. The same in the viewer's unit is
    filed, as the key's account."""
    key = issue_token(user=User.objects.get(username="chief")).key
    url = reverse("open311:requests")
    before = _everything_foreign()
    for place in (
        {"lat": "36.05", "long": "117.05"},
        {"address_id": OTHER_VILLAGE},
        {"address_id": OTHER_UNIT},
    ):
        body = {"api_key": key, "service_code": "sanitation", "description": "x", **place}
        response = w["client"].post(url, body)
        assert response.status_code == 400, response.content[:300]
        assert response.json()[0]["code"] == 400
    assert _everything_foreign() == before
    body = {"api_key": key, "service_code": "sanitation", "description": "x", "address_id": UNIT}
    response = w["client"].post(url, body)
    assert response.status_code == 200, response.content[:300]
    assert Case.objects.get(pk=response.json()[0]["service_request_id"]).area_code == UNIT


CASE_CHECKS["open311:requests POST"] = _open311_create_elsewhere

# Routes that answer anyone, with no account and so with no scope; the route walk adds them
# to its PUBLIC. A case shows on the tracking pages only to whoever holds its tracking code,
# and on Open311 with public fields only (no reporter, no text); see test_public.py and
# test_open311.py.
CASE_PUBLIC = {
    "public:request",  # a resident's request: the case lies where they say
    "public:track",  # a case by its tracking code
    "public:rate",  # the rating of a case by its tracking code
    "public:villages",  # the open villages' boundaries: the county's public geography
    "open311:services GET",  # the categories
    "open311:service GET",
    "open311:requests GET",
    "open311:request GET",
}


# --- photos and duplicates ------------------------------------------------------------


def _photo_file(name: str = "photo.png"):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def _with_photo(unit: str):
    case = _case(unit, "reported")
    [photo] = services.add_attachments(actor=None, case_id=case.pk, files=[_photo_file()])
    return case, photo


def _photos_of(case) -> list:
    from yiwang.cases.models import Attachment

    return list(Attachment.objects.filter(case=case).values_list("id", flat=True))


def _api_photo_list(w):
    (own, own_photo), (foreign, _photo) = _with_photo(UNIT), _with_photo(OTHER_UNIT)
    url = "api:case-attachments"
    response = w["client"].get(reverse(url, args=[own.pk]))
    assert response.status_code == 200 and [p["id"] for p in response.json()] == [own_photo.pk]
    assert w["client"].get(reverse(url, args=[foreign.pk])).status_code == 404


def _api_photo_upload(w):
    """A photo sent to a foreign case: 404, nothing stored; to an own case: added."""
    own, foreign = _case(UNIT, "reported"), _case(OTHER_UNIT, "reported")
    url = "api:case-attachments"
    before = _state(foreign), _photos_of(foreign)
    response = w["client"].post(reverse(url, args=[foreign.pk]), {"files": [_photo_file()]})
    assert response.status_code == 404, response.content[:300]
    assert (_state(foreign), _photos_of(foreign)) == before
    response = w["client"].post(reverse(url, args=[own.pk]), {"files": [_photo_file()]})
    assert response.status_code == 201, response.content[:300]


def _api_photo_file(w):
    """A foreign photo is not found: under its own case, nor under an own case."""
    (own, own_photo), (foreign, foreign_photo) = _with_photo(UNIT), _with_photo(OTHER_UNIT)
    name = "api:case-attachment-file"
    for variant in ("image", "thumbnail"):
        assert (
            w["client"].get(reverse(name, args=[own.pk, own_photo.pk, variant])).status_code == 200
        )
        for case, photo in ((foreign, foreign_photo), (own, foreign_photo)):
            response = w["client"].get(reverse(name, args=[case.pk, photo.pk, variant]))
            assert response.status_code == 404


def _api_duplicates(w):
    own, foreign = _case(UNIT, "reported"), _case(OTHER_UNIT, "reported")
    response = w["client"].get(reverse("api:case-duplicates", args=[own.pk]))
    assert response.status_code == 200 and foreign.number not in response.content.decode()
    assert w["client"].get(reverse("api:case-duplicates", args=[foreign.pk])).status_code == 404


def _page_photo_upload(w):
    own, foreign = _case(UNIT, "reported"), _case(OTHER_UNIT, "reported")
    before = _state(foreign), _photos_of(foreign)
    response = w["client"].post(
        reverse("cases:photos", args=[foreign.pk]), {"files": [_photo_file()]}
    )
    assert response.status_code == 404
    assert (_state(foreign), _photos_of(foreign)) == before
    response = w["client"].post(reverse("cases:photos", args=[own.pk]), {"files": [_photo_file()]})
    assert response.status_code == 302 and len(_photos_of(own)) == 1


def _public_photo(w):
    """No account and no scope: the signed address of one photo shows that photo; a
    forged or altered address shows nothing."""
    from yiwang.cases.attachments import public_token

    _case_, photo = _with_photo(OTHER_UNIT)
    token = public_token(photo)
    name = "cases:public-photo"
    assert w["client"].get(reverse(name, args=[token, "thumbnail"])).status_code == 200
    forged = f"{photo.pk + 1}:{token.split(':', 1)[1]}"
    for bad in (forged, str(photo.pk), "x"):
        assert w["client"].get(reverse(name, args=[bad, "image"])).status_code == 404


def _page_phone(w):
    """The reporter's phone of a foreign case: not found, by GET or POST, nothing recorded;
    of the viewer's own case, revealed (a tel: link) and recorded."""
    from yiwang.core.models import AuditEntry

    own, foreign = _case(UNIT, "reported"), _case(OTHER_UNIT, "reported")
    looks = AuditEntry.objects.filter(action="case.reveal_phone")
    for method in ("get", "post"):
        response = getattr(w["client"], method)(
            reverse("cases:phone", args=[foreign.pk]), {"reason": "回拨报事人"}
        )
        assert response.status_code == 404
    assert not looks.exists()
    response = w["client"].post(reverse("cases:phone", args=[own.pk]), {"reason": "回拨报事人"})
    assert 'href="tel:13812345678"' in response.content.decode()
    assert looks.count() == 1


CASE_CHECKS.update(
    {
        "cases:phone": _page_phone,
        "api:case-attachments GET": _api_photo_list,
        "api:case-attachments POST": _api_photo_upload,
        "api:case-attachment-file GET": _api_photo_file,
        "api:case-duplicates GET": _api_duplicates,
        "cases:photos": _page_photo_upload,
        "cases:public-photo": _public_photo,
    }
)


# --- the rates and the overdue list (views/rates.py, api/rates.py) ---------------------


def _overdue_pair() -> tuple[Case, Case]:
    """An own and a foreign case, both past their due time."""
    own, foreign = _case(UNIT, "reported"), _case(OTHER_UNIT, "reported")
    past = timezone.now() - datetime.timedelta(hours=1)
    Case.objects.filter(pk__in=[own.pk, foreign.pk]).update(due_at=past)
    return own, foreign


def _rates(name):
    """The viewer's rates count the own case and none of the foreign; the rates of an area
    outside the scope are not found, by any grouping."""

    def check(w):
        _case(UNIT, "reported"), _case(OTHER_UNIT, "reported")
        response = w["client"].get(reverse(name))
        assert response.status_code == 200
        body = response.content.decode()
        assert OTHER_VILLAGE not in body and "汶上街道" not in body
        if name.startswith("api:"):
            assert response.json()["area"]["code"] == VILLAGE
            assert response.json()["total"]["cases"] == 1
        else:
            assert response.context["area"].code == VILLAGE
            assert response.context["rates"].total.cases == 1
        for code in (OTHER_VILLAGE, OTHER_UNIT, OTHER_UNIT[:9], COUNTY):
            for group_by in GROUP_BY:
                query = {"area": code, "group_by": group_by}
                assert w["client"].get(reverse(name), query).status_code == 404

    return check


def _rate_cases(w):
    """The cases behind a figure: the own, never the foreign, whatever the filters say
    (the foreign area's code may be asked for; it is not named)."""
    _listing("cases:rate-cases")(w)
    foreign = Case.objects.get(area_code=OTHER_UNIT)
    for query in ({"under": OTHER_VILLAGE}, {"area_code": OTHER_UNIT}):
        response = w["client"].get(reverse("cases:rate-cases"), query)
        assert response.status_code == 200
        assert response.context["page_obj"].paginator.count == 0
        body = response.content.decode()
        assert foreign.number not in body and "西门社区" not in body


def _overdue(name):
    """The own overdue case is listed, the foreign one is not, even when asked for."""

    def check(w):
        own, foreign = _overdue_pair()
        response = w["client"].get(reverse(name))
        assert response.status_code == 200
        body = response.content.decode()
        assert own.number in body and foreign.number not in body
        key = "under" if name.startswith("api:") else "area"
        response = w["client"].get(reverse(name), {key: OTHER_VILLAGE})
        if name.startswith("api:"):
            assert response.status_code == 200 and foreign.number not in response.content.decode()
        else:
            assert response.status_code == 404

    return check


CASE_CHECKS.update(
    {
        "cases:rates": _rates("cases:rates"),
        "cases:rate-cases": _rate_cases,
        "cases:overdue": _overdue("cases:overdue"),
        "api:case-rates GET": _rates("api:case-rates"),
        "api:case-overdue GET": _overdue("api:case-overdue"),
    }
)


# --- the county admin's configuration (views/config.py) --------------------------------


def _config_state():
    return (
        list(
            Category.objects.order_by("code").values_list(
                "code", "name", "parent_id", "accept_minutes", "resolve_minutes", "is_active"
            )
        ),
        list(
            Department.objects.order_by("code").values_list(
                "code", "name", "area_code", "is_active"
            )
        ),
    )


def _config_refused(name, args, data):
    """The categories and departments are the county's, configured by a county admin: the
    grid chief is refused (403) by GET and POST, and nothing changes."""

    def check(w):
        Department.objects.get_or_create(
            code="roads", defaults={"name": "县交通运输局", "area_code": COUNTY}
        )
        before = _config_state()
        url = reverse(name, args=args)
        assert w["client"].get(url).status_code == 403
        assert w["client"].post(url, data).status_code == 403
        assert _config_state() == before

    return check


_CATEGORY = {
    "name": "x",
    "kind": "patrol",
    "handling_level": "village",
    "accept": 1,
    "dispatch": 1,
    "resolve": 1,
    "order": 0,
}
_DEPARTMENT = {"name": "x", "area_code": COUNTY}

CASE_CHECKS.update(
    {
        "cases:categories": _config_refused("cases:categories", [], {}),
        "cases:category-create": _config_refused(
            "cases:category-create", [], {"code": "spy", **_CATEGORY}
        ),
        "cases:category-edit": _config_refused("cases:category-edit", ["dispute"], _CATEGORY),
        "cases:departments": _config_refused("cases:departments", [], {}),
        "cases:department-create": _config_refused(
            "cases:department-create", [], {"code": "spy", **_DEPARTMENT}
        ),
        "cases:department-edit": _config_refused("cases:department-edit", ["roads"], _DEPARTMENT),
    }
)


# --- the notices (views/notices.py, api/notices.py) ------------------------------------


def _notice_pair():
    """An unread notice to the viewer's village about an own case; unread notices about a
    foreign case to the outsider's village and to the outsider by name."""
    from yiwang.cases.services.notices import about
    from yiwang.notices.models import Notification

    own, foreign = _case(UNIT, "reported"), _case(OTHER_UNIT, "reported")
    mine = Notification.objects.create(
        **about(own),
        kind="case.overdue",
        area_code=VILLAGE,
        level="village",
        text=f"本村 {own.number}",
    )
    theirs = [
        Notification.objects.create(
            **about(foreign),
            kind="case.escalated",
            area_code=OTHER_VILLAGE,
            level="village",
            text=f"外村 {foreign.number}",
        ),
        Notification.objects.create(
            **about(foreign),
            kind="case.merged",
            recipient=User.objects.get(username="outsider"),
            to_reporter=True,
            text=f"外人 {foreign.number}",
        ),
    ]
    return mine, foreign, theirs


def _read_state(notices) -> list:
    from yiwang.notices.models import Notification

    return list(
        Notification.objects.filter(pk__in=[n.pk for n in notices])
        .order_by("id")
        .values_list("read_at")
    )


def _page_notices(w):
    """The viewer's notices, none of the outsider's; marking the outsider's notices read, by
    their ids or with "all", leaves them unread."""
    mine, foreign, theirs = _notice_pair()
    url = reverse("cases:notices")
    response = w["client"].get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert mine.text in body
    assert foreign.number not in body and OTHER_VILLAGE not in body and "outsider" not in body
    before = _read_state(theirs)
    for data in ({"notice": [n.pk for n in theirs]}, {"all": "1"}):
        assert w["client"].post(url, data).status_code == 302
        assert _read_state(theirs) == before
    assert _read_state([mine]) != [(None,)]


def _api_notices(w):
    mine, foreign, _theirs = _notice_pair()
    for query in ("", "?unread=true"):
        response = w["client"].get(reverse("api:notice-list") + query)
        assert response.status_code == 200
        assert [n["id"] for n in response.json()["results"]] == [mine.pk]
        assert foreign.number not in response.content.decode()


def _api_notices_read(w):
    """The outsider's ids are passed over (marked 0, as for ids that do not exist); the
    viewer's own are marked."""
    mine, _foreign, theirs = _notice_pair()
    url = reverse("api:notice-read")
    before = _read_state(theirs)
    for body, marked in (({"ids": [n.pk for n in theirs]}, 0), ({}, 1)):
        response = w["client"].post(url, body, content_type=JSON)
        assert response.status_code == 200 and response.json() == {"marked": marked}
        assert _read_state(theirs) == before
    assert _read_state([mine]) != [(None,)]


CASE_CHECKS.update(
    {
        "cases:notices": _page_notices,
        "api:notice-list GET": _api_notices,
        "api:notice-read POST": _api_notices_read,
    }
)
