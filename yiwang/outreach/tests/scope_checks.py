"""The scope checks of the outreach routes, for the route walk of
yiwang/core/tests/test_routes_scope.py (which adds them to its CHECKS).

Each takes that test's `world`: the viewer is the grid chief of 南门社区 (`client`); the
foreign rows lie in the outsider's unit of another town. `_seed` adds, on both sides, an
enterprise, a visit with a photo, an occurrence of a trigger and the scheduled visit it
calls for, a pairing, a must-attend event and a meeting with a decision (a task of the
chief's own side, of the outsider's on the other). A foreign row is not found (404) by
detail or action, and nothing at all changes; lists show the own rows and none of the
foreign; compliance and coverage of a foreign area answer 404. The settings
(programmes, visit rules, triggers, event types, routines) are the county's: every
signed-in user reads them through the API, and a grid chief is refused (403) any write
to them, which changes nothing. Each write is sent with data that would be valid, so
that the 404 or the 403 is the scope's.
"""

import io
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from conftest import COUNTY, GRID, OTHER_GRID, OTHER_TOWN, OTHER_UNIT, OTHER_VILLAGE, UNIT, VILLAGE
from yiwang.accounts.models import User
from yiwang.areas.models import Area
from yiwang.cases.models import Case
from yiwang.core.models import ImportJob
from yiwang.outreach.models import (
    Decision,
    Enterprise,
    Event,
    EventType,
    Meeting,
    Occurrence,
    Outcome,
    Pairing,
    Programme,
    Routine,
    ScheduledVisit,
    Trigger,
    Visit,
    VisitPhoto,
    VisitRule,
)
from yiwang.outreach.services import routines as routine_services
from yiwang.outreach.services import visits as visit_services

JSON = "application/json"
# Every own row is named with OWN, every foreign one with FOREIGN: a page or an answer
# that shows FOREIGN shows a foreign row.
OWN, FOREIGN = "本村", "外镇"
CREDIT_CODES = {"own": "91110000600037341L", "foreign": "91370830MA3C4KXX48"}
NEW_CREDIT_CODE = "91370830MA3C4KXY49"  # of no enterprise yet
PROGRAMME = "member_households"  # households, sponsored by grid workers
FOREIGN_AREAS = (OTHER_UNIT, OTHER_GRID, OTHER_VILLAGE, OTHER_TOWN, COUNTY)


# --- the rows --------------------------------------------------------------------------


def _photo():
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, format="PNG")
    return SimpleUploadedFile("photo.png", out.getvalue(), content_type="image/png")


def _seed(w) -> dict:
    """The own and the foreign row of each kind, made once per test (kept in `w`)."""
    if "outreach" in w:
        return w["outreach"]
    chief = User.objects.get(username="chief")
    now, today = timezone.now(), timezone.localdate()
    programme = Programme.objects.get(code=PROGRAMME)
    rows = {"chief": chief}
    outsider = w["foreign_user"]
    # side, marker, unit, grid, household, who visits and meets there, the sponsor
    sides = [
        ("own", OWN, UNIT, GRID, w["own_household"], chief, w["own_user"]),
        ("foreign", FOREIGN, OTHER_UNIT, OTHER_GRID, w["foreign_household"], outsider, outsider),
    ]
    for side, mark, unit, grid, household, person, sponsor in sides:
        rows[f"{side}_household"] = household
        rows[f"{side}_enterprise"] = Enterprise.objects.create(
            name=f"{mark}纺织厂",
            credit_code=CREDIT_CODES[side],
            area=Area.objects.get(code=unit),
            area_code=unit,
            contact_phone="13812345678",
        )
        visit, _created = visit_services.record_visit(
            actor=person,
            uuid=uuid.uuid4(),
            household_id=household.pk,
            visited_at=now,
            outcome=Outcome.ALL_WELL,
            notes=f"{mark}走访",
            photos=[_photo()],
        )
        rows[f"{side}_visit"], rows[f"{side}_photo"] = visit, visit.photos.get()
        # After the visit, so that the visit it calls for stays open.
        occurrence = visit_services.record_occurrence(
            actor=None,
            household_id=household.pk,
            trigger_code="hospital_stay",
            occurred_on=today,
            note=f"{mark}住院",
        )
        rows[f"{side}_occurrence"] = occurrence
        rows[f"{side}_scheduled"] = ScheduledVisit.objects.get(occurrence=occurrence)
        rows[f"{side}_pairing"] = Pairing.objects.create(
            programme=programme, sponsor=sponsor, household=household, area_code=household.area_code
        )
        rows[f"{side}_event"] = routine_services.record_event(
            actor=None,
            event_type_code="emergency",
            title=f"{mark}事件",
            happened_at=now,
            area_code=unit,
            attendee_ids=[person.pk],
        )
        meeting = routine_services.record_meeting(
            actor=None,
            routine_code="weekly_meeting",
            area_code=grid,
            held_at=now,
            minutes=f"{mark}会议",
            attendee_ids=[person.pk],
            decisions=[{"text": f"{mark}决定", "owner_id": person.pk, "due_on": today}],
        )
        rows[f"{side}_meeting"], rows[f"{side}_decision"] = meeting, meeting.decisions.get()
    w["outreach"] = rows
    return rows


def _pk(side: str, kind: str):
    return lambda w: _seed(w)[f"{side}_{kind}"].pk


def _state():
    """Every outreach row (own and foreign), the cases and the imports: what a write
    refused by the scope must leave as it was."""
    return (
        list(
            Enterprise.objects.order_by("id").values_list(
                "id", "name", "credit_code", "area_code", "is_active", "contact_phone"
            )
        ),
        list(
            Pairing.objects.order_by("id").values_list(
                "id", "sponsor_id", "household_id", "area_code", "ends_on", "end_reason"
            )
        ),
        list(
            Visit.objects.order_by("id").values_list(
                "id", "household_id", "enterprise_id", "outcome", "notes", "case_id"
            )
        ),
        list(VisitPhoto.objects.order_by("id").values_list("id", "visit_id")),
        list(
            ScheduledVisit.objects.order_by("id").values_list(
                "id", "status", "skip_reason", "visit_id"
            )
        ),
        list(Occurrence.objects.order_by("id").values_list("id", "household_id")),
        list(Event.objects.order_by("id").values_list("id", "area_code", "household_id")),
        list(Meeting.objects.order_by("id").values_list("id", "area_code")),
        list(Decision.objects.order_by("id").values_list("id", "done_on", "case_id")),
        list(Case.objects.order_by("id").values_list("id", "area_code")),
        ImportJob.objects.count(),
    )


def _settings_state():
    return (
        list(
            Programme.objects.order_by("code").values_list(
                "code", "name", "sponsor_role", "visit_every_days", "is_active"
            )
        ),
        list(
            VisitRule.objects.order_by("code").values_list(
                "code", "name", "every_days", "within_days", "is_active"
            )
        ),
        list(Trigger.objects.order_by("code").values_list("code", "name", "is_active")),
        list(EventType.objects.order_by("code").values_list("code", "name", "is_active")),
        list(Routine.objects.order_by("code").values_list("code", "name", "times", "is_active")),
    )


# --- the checks' pieces ----------------------------------------------------------------


def _refused(w, url, data, *, status=404, content_type=None, method="post", state=_state):
    """The request answers `status` and changes nothing."""
    before = state()
    kwargs = {"content_type": content_type} if content_type else {}
    response = getattr(w["client"], method)(url, data, **kwargs)
    assert response.status_code == status, (url, response.status_code, response.content[:300])
    assert state() == before, f"{url} changed something"
    return response


def _shows_nothing_foreign(body: str, name: str) -> None:
    for foreign in (FOREIGN, OTHER_VILLAGE, "outsider", "外101", "王五"):
        assert foreign not in body, f"{name} shows the foreign {foreign!r}"


def _page_list(name, link):
    """The page lists the own row (its link `link(w, side)`) and none of the foreign."""

    def check(w):
        _seed(w)
        response = w["client"].get(reverse(name))
        assert response.status_code == 200
        body = response.content.decode()
        assert link(w, "own") in body, f"{name} does not show the own row"
        assert link(w, "foreign") not in body
        _shows_nothing_foreign(body, name)

    return check


def _to(name, kind):
    """The link to a row's page."""
    return lambda w, side: reverse(name, args=[_pk(side, kind)(w)])


def _results(response) -> list[dict]:
    data = response.json()
    return data["results"] if isinstance(data, dict) and "results" in data else data


def _api_list(name, kind, under="under"):
    """The list gives the own row and none of the foreign, also when filtered to the
    foreign area."""

    def check(w):
        own, foreign = _pk("own", kind)(w), _pk("foreign", kind)(w)
        response = w["client"].get(reverse(name), {"limit": 500})
        assert response.status_code == 200
        ids = [row["id"] for row in _results(response)]
        assert own in ids and foreign not in ids, (name, ids)
        _shows_nothing_foreign(response.content.decode(), name)
        if under:
            response = w["client"].get(reverse(name), {under: OTHER_VILLAGE})
            assert response.status_code == 200 and _results(response) == []

    return check


def _detail(name, kind):
    """The own row opens, the foreign one is not found."""

    def check(w):
        c = w["client"]
        assert c.get(reverse(name, args=[_pk("own", kind)(w)])).status_code == 200
        assert c.get(reverse(name, args=[_pk("foreign", kind)(w)])).status_code == 404

    return check


def _page(name, kind, data=None):
    """A page of one row: the own opens, the foreign is not found by GET, nor by POST (with
    `data`), which changes nothing."""

    def check(w):
        _detail(name, kind)(w)
        if data is not None:
            _refused(w, reverse(name, args=[_pk("foreign", kind)(w)]), data)

    return check


def _post(name, kind, data, own_status=302):
    """A POST-only action: on the foreign row 404 and nothing changes; on the own row it
    is answered (`own_status`), never 404."""

    def check(w):
        _refused(w, reverse(name, args=[_pk("foreign", kind)(w)]), data)
        response = w["client"].post(reverse(name, args=[_pk("own", kind)(w)]), data)
        assert response.status_code == own_status, (name, response.status_code)

    return check


def _api_write(name, kind, data, method="post", own_status=None):
    """The API action on the foreign row: 404, nothing changes; on the own row (with
    `own_status`) it is answered."""

    def check(w):
        url = reverse(name, args=[_pk("foreign", kind)(w)])
        _refused(w, url, data, content_type=JSON, method=method)
        if own_status is not None:
            url = reverse(name, args=[_pk("own", kind)(w)])
            response = getattr(w["client"], method)(url, data, content_type=JSON)
            assert response.status_code == own_status, (name, response.content[:300])

    return check


def _api_create(name, *bodies):
    """A POST placing a row in the foreign area, or on a foreign row: each answers 404
    (or 400 for a body marked so) and nothing is written."""

    def check(w):
        _seed(w)
        for body in bodies:
            status, body = body if isinstance(body, tuple) else (404, body)
            _refused(w, reverse(name), body(w), status=status, content_type=JSON)

    return check


def _form_refuses(name, data, field=None):
    """A form aimed at a foreign area: the page opens, the POST answers 404 and nothing is
    written. With `field`, the form aims at a foreign row from an own area: it comes back
    with the service's error on that field, nothing written."""

    def check(w):
        _seed(w)
        url = reverse(name)
        assert w["client"].get(url).status_code == 200
        response = _refused(w, url, data(w), status=200 if field else 404)
        if field:
            assert field in response.context["form"].errors, response.context["form"].errors

    return check


def _local(moment=None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


# --- visits and the schedule (views/visits.py, api/visits.py) --------------------------


def _visit_form(**changes):
    return {
        "uuid": str(uuid.uuid4()),
        "outcome": Outcome.ALL_WELL,
        "visited_at": _local(),
        "notes": "混入",
        **changes,
    }


def _visit_page(kind):
    """The visit form of an own household (enterprise) opens; of a foreign one, 404 by GET
    and POST, nothing stored. The UUID of a foreign visit sent again from an own page does
    not answer that visit: a form error, nothing stored."""

    def check(w):
        name, o = f"outreach:visit-{kind}", _seed(w)
        _detail(name, kind)(w)
        _refused(w, reverse(name, args=[o[f"foreign_{kind}"].pk]), _visit_form())
        replay = _visit_form(uuid=str(o["foreign_visit"].uuid))
        response = _refused(w, reverse(name, args=[o[f"own_{kind}"].pk]), replay, status=200)
        assert "uuid" in response.context["form"].errors
        assert FOREIGN not in response.content.decode()

    return check


def _visit_edit(w):
    """The chief's own visit opens for editing; a foreign visit is not found, by GET or
    POST, and keeps its notes."""
    _page("outreach:visit-edit", "visit", {"outcome": Outcome.NOT_HOME, "notes": "改了"})(w)


def _visit_photo(w):
    """A visit's photo for whoever sees the visit: the foreign photo is not found, under its
    own visit nor under an own one."""
    o, c, name = _seed(w), w["client"], "outreach:visit-photo"
    for variant in ("image", "thumbnail"):
        own = reverse(name, args=[o["own_visit"].pk, o["own_photo"].pk, variant])
        assert c.get(own).status_code == 200
        for visit in (o["foreign_visit"], o["own_visit"]):
            url = reverse(name, args=[visit.pk, o["foreign_photo"].pk, variant])
            assert c.get(url).status_code == 404


def _history(w):
    """A household's visits and open schedule: the own household's (with the chief's own
    visit), not the foreign one's."""
    _detail("outreach:household-visits", "household")(w)
    url = reverse("outreach:household-visits", args=[_pk("own", "household")(w)])
    assert f"{OWN}走访" in w["client"].get(url).content.decode()


def _occurrence_page(w):
    """What happened to a household: recorded for an own one, 404 for a foreign one."""
    data = {"trigger": "hospital_stay", "occurred_on": timezone.localdate().isoformat()}
    _page("outreach:occurrence-create", "household", data)(w)


def _today(w):
    """The chief's open visits within a week: the own household's, none of the foreign."""
    _seed(w)
    response = w["client"].get(reverse("outreach:today"))
    assert response.status_code == 200
    body = response.content.decode()
    assert w["own_household"].address in body
    assert w["foreign_household"].address not in body
    _shows_nothing_foreign(body, "outreach:today")


def _visit_api_create(w):
    """Neither a visit to a foreign household or enterprise (404), nor the UUID of a foreign
    visit sent again (400: it does not answer that visit). Nothing stored."""
    o = _seed(w)
    url = reverse("api:visit-list")

    def body(**subject):
        return {
            "uuid": str(uuid.uuid4()),
            "visited_at": timezone.localtime().isoformat(),
            "outcome": Outcome.ALL_WELL,
            **subject,
        }

    _refused(w, url, body(household=o["foreign_household"].pk), content_type=JSON)
    _refused(w, url, body(enterprise=o["foreign_enterprise"].pk), content_type=JSON)
    replay = {**body(household=o["own_household"].pk), "uuid": str(o["foreign_visit"].uuid)}
    response = _refused(w, url, replay, status=400, content_type=JSON)
    assert FOREIGN not in response.content.decode()


def _schedule_list(w):
    """The chief's open schedule: the own row, not the foreign one, by any filter."""
    _api_list("api:scheduled-visit-list", "scheduled")(w)
    response = w["client"].get(reverse("api:scheduled-visit-list"), {"overdue": "false"})
    ids = [row["id"] for row in _results(response)]
    assert _pk("foreign", "scheduled")(w) not in ids


VISIT_CHECKS = {
    "outreach:today": _today,
    "outreach:visits": _page_list("outreach:visits", _to("outreach:visit-detail", "visit")),
    "outreach:visit-detail": _detail("outreach:visit-detail", "visit"),
    "outreach:visit-edit": _visit_edit,
    "outreach:visit-photo": _visit_photo,
    "outreach:household-visits": _history,
    "outreach:visit-household": _visit_page("household"),
    "outreach:visit-enterprise": _visit_page("enterprise"),
    "outreach:occurrence-create": _occurrence_page,
    "outreach:occurrences": _page_list(
        "outreach:occurrences", _to("outreach:household-visits", "household")
    ),
    "outreach:schedule-skip": _page("outreach:schedule-skip", "scheduled", {"reason": "外出务工"}),
    "api:visit-list GET": _api_list("api:visit-list", "visit"),
    "api:visit-list POST": _visit_api_create,
    "api:visit-detail GET": _detail("api:visit-detail", "visit"),
    "api:visit-detail PATCH": _api_write(
        "api:visit-detail", "visit", {"notes": "改了"}, "patch", own_status=200
    ),
    "api:scheduled-visit-list GET": _schedule_list,
    "api:scheduled-visit-detail GET": _detail("api:scheduled-visit-detail", "scheduled"),
    "api:scheduled-visit-skip POST": _api_write(
        "api:scheduled-visit-skip", "scheduled", {"reason": "外出务工"}, own_status=200
    ),
    "api:occurrence-list GET": _api_list("api:occurrence-list", "occurrence"),
    "api:occurrence-detail GET": _detail("api:occurrence-detail", "occurrence"),
    "api:occurrence-list POST": _api_create(
        "api:occurrence-list",
        lambda w: {
            "household": _pk("foreign", "household")(w),
            "trigger": "hospital_stay",
            "occurred_on": timezone.localdate().isoformat(),
        },
    ),
}


# --- enterprises (views/enterprises.py, api/enterprises.py) ----------------------------


def _enterprise(**changes):
    return {"name": "混入厂", "credit_code": NEW_CREDIT_CODE, "area_code": OTHER_UNIT, **changes}


def _enterprise_edit(w):
    """The foreign enterprise is not found, by GET or POST; the own one is not moved into
    the foreign town."""
    data = {"name": "改名厂", "credit_code": CREDIT_CODES["foreign"], "area_code": OTHER_UNIT}
    _page("outreach:enterprise-edit", "enterprise", data)(w)
    own = reverse("outreach:enterprise-edit", args=[_pk("own", "enterprise")(w)])
    _refused(w, own, {**data, "credit_code": CREDIT_CODES["own"]})


def _enterprise_api_edit(w):
    """PATCH of the foreign enterprise: 404; of the own one into the foreign town: 404.
    Nothing changes."""
    _api_write("api:enterprise-detail", "enterprise", {"name": "改名厂"}, "patch")(w)
    own = reverse("api:enterprise-detail", args=[_pk("own", "enterprise")(w)])
    _refused(w, own, {"area_code": OTHER_UNIT}, content_type=JSON, method="patch")
    response = w["client"].patch(own, {"name": f"{OWN}新厂"}, content_type=JSON)
    assert response.status_code == 200


def _enterprise_import(w):
    """The upload offers only the viewer's areas: another town's is a form error, nothing
    queued."""
    _seed(w)
    url = reverse("outreach:enterprise-import")
    assert w["client"].get(url).status_code == 200
    upload = SimpleUploadedFile("e.csv", "名称\n外镇厂\n".encode())
    response = _refused(w, url, {"area": OTHER_VILLAGE, "file": upload}, status=200)
    assert "area" in response.context["form"].errors


ENTERPRISE_CHECKS = {
    "outreach:enterprises": _page_list(
        "outreach:enterprises", _to("outreach:enterprise-detail", "enterprise")
    ),
    "outreach:enterprise-detail": _detail("outreach:enterprise-detail", "enterprise"),
    "outreach:enterprise-create": _form_refuses(
        "outreach:enterprise-create", lambda w: _enterprise()
    ),
    "outreach:enterprise-edit": _enterprise_edit,
    "outreach:enterprise-active": _post("outreach:enterprise-active", "enterprise", {}),
    "outreach:enterprise-import": _enterprise_import,
    "api:enterprise-list GET": _api_list("api:enterprise-list", "enterprise"),
    "api:enterprise-list POST": _api_create(
        "api:enterprise-list",
        lambda w: _enterprise(),
        lambda w: _enterprise(area_code=OTHER_VILLAGE),
    ),
    "api:enterprise-detail GET": _detail("api:enterprise-detail", "enterprise"),
    "api:enterprise-detail PATCH": _enterprise_api_edit,
    "api:enterprise-deactivate POST": _api_write(
        "api:enterprise-deactivate", "enterprise", {}, own_status=200
    ),
}


# --- pairings and coverage (views/pairings.py, api/pairings.py) ------------------------


def _programme_id() -> int:
    return Programme.objects.get(code=PROGRAMME).pk


def _pairing_create(w):
    """Pairing opens on an own household; a foreign household is not found, by GET or POST,
    and no pairing is made."""
    o, c, url = _seed(w), w["client"], reverse("outreach:pairing-create")
    own, foreign = o["own_household"].pk, o["foreign_household"].pk
    assert c.get(url, {"household": own, "programme": _programme_id()}).status_code == 200
    assert c.get(url, {"household": foreign}).status_code == 404
    data = {
        "household": foreign,
        "programme": _programme_id(),
        "sponsor": w["foreign_user"].pk,
        "starts_on": timezone.localdate().isoformat(),
    }
    _refused(w, url, data)


def _pairing_api_create(w):
    """A pairing of a foreign household: 404, nothing made."""
    o = _seed(w)
    body = {
        "programme": _programme_id(),
        "sponsor": w["foreign_user"].pk,
        "household": o["foreign_household"].pk,
    }
    # The foreign household's open pairing ended first, so that only the scope refuses.
    Pairing.objects.filter(pk=o["foreign_pairing"].pk).update(
        ends_on=timezone.localdate(), end_reason="x"
    )
    _refused(w, reverse("api:pairing-list"), body, content_type=JSON)


def _coverage_page(name):
    """Coverage of the viewer's village shows nothing of the outsider's town; of a foreign
    area or one above the scope: 404."""

    def check(w):
        _seed(w)
        url, programme = reverse(name), _programme_id()
        response = w["client"].get(url, {"programme": programme, "area": VILLAGE})
        assert response.status_code == 200
        _shows_nothing_foreign(response.content.decode(), name)
        for code in FOREIGN_AREAS:
            query = {"programme": programme, "area": code}
            assert w["client"].get(url, query).status_code == 404, code

    return check


def _coverage_sponsors(w):
    """The sponsors listed are those of the village: the worker, not the outsider."""
    _coverage_page("outreach:coverage")(w)
    response = w["client"].get(
        reverse("outreach:coverage"), {"programme": _programme_id(), "area": VILLAGE}
    )
    ids = [s.id for s in response.context["sponsors"]]
    assert w["own_user"].pk in ids and w["foreign_user"].pk not in ids


def _foreign_unpaired(w):
    """The foreign households are left unpaired, so that an auto-assign there would pair
    them, were it let through."""
    o = _seed(w)
    Pairing.objects.filter(pk=o["foreign_pairing"].pk).delete()


def _auto_assign_page(w):
    """Pairing a whole area: 404 for a foreign area or one above the scope, nothing paired;
    the viewer's village is paired."""
    _foreign_unpaired(w)
    url = reverse("outreach:coverage-auto-assign")
    for code in FOREIGN_AREAS:
        _refused(w, url, {"programme": _programme_id(), "area": code})
    response = w["client"].post(url, {"programme": _programme_id(), "area": VILLAGE})
    assert response.status_code == 302


def _auto_assign_api(w):
    _foreign_unpaired(w)
    url = reverse("api:pairing-auto-assign")
    for code in FOREIGN_AREAS:
        _refused(w, url, {"programme": _programme_id(), "area": code}, content_type=JSON)
    body = {"programme": _programme_id(), "area": VILLAGE}
    assert w["client"].post(url, body, content_type=JSON).status_code == 200


def _coverage_api(w):
    """As the coverage page: the village's sponsors only; a foreign area 404."""
    _seed(w)
    url, programme = reverse("api:pairing-coverage"), PROGRAMME
    response = w["client"].get(url, {"programme": programme, "area": VILLAGE})
    assert response.status_code == 200
    ids = [s["id"] for s in response.json()["sponsors"]]
    assert w["own_user"].pk in ids and w["foreign_user"].pk not in ids
    _shows_nothing_foreign(response.content.decode(), "api:pairing-coverage")
    for code in FOREIGN_AREAS:
        assert w["client"].get(url, {"programme": programme, "area": code}).status_code == 404


def _transfer(w):
    """To the worker (an eligible sponsor): refused on the foreign pairing."""
    return {"sponsor": w["own_user"].pk, "reason": "调整"}


PAIRING_CHECKS = {
    "outreach:pairings": _page_list("outreach:pairings", _to("outreach:pairing-detail", "pairing")),
    "outreach:pairing-detail": _detail("outreach:pairing-detail", "pairing"),
    "outreach:pairing-create": _pairing_create,
    "outreach:pairing-end": _post("outreach:pairing-end", "pairing", {"reason": "搬走"}),
    "outreach:pairing-transfer": lambda w: _refused(
        w, reverse("outreach:pairing-transfer", args=[_pk("foreign", "pairing")(w)]), _transfer(w)
    ),
    "outreach:coverage": _coverage_sponsors,
    "outreach:coverage-unpaired": _coverage_page("outreach:coverage-unpaired"),
    "outreach:coverage-auto-assign": _auto_assign_page,
    "api:pairing-list GET": _api_list("api:pairing-list", "pairing", under="area"),
    "api:pairing-list POST": _pairing_api_create,
    "api:pairing-detail GET": _detail("api:pairing-detail", "pairing"),
    "api:pairing-end POST": _api_write(
        "api:pairing-end", "pairing", {"reason": "搬走"}, own_status=200
    ),
    "api:pairing-transfer POST": lambda w: _api_write(
        "api:pairing-transfer", "pairing", _transfer(w)
    )(w),
    "api:pairing-auto-assign POST": _auto_assign_api,
    "api:pairing-coverage GET": _coverage_api,
}


# --- events, meetings, decisions, routine compliance (views/routines.py, api/routines.py)


def _event_form(w, area=OTHER_UNIT, **changes):
    return {
        "event_type_code": "emergency",
        "title": "混入",
        "happened_at": _local(),
        "area_code": area,
        "attendee_ids": "outsider",
        **changes,
    }


def _meeting_form(w, area=OTHER_GRID, **changes):
    return {
        "routine_code": "weekly_meeting",
        "area_code": area,
        "held_at": _local(),
        "attendee_ids": "outsider",
        **changes,
    }


def _event_api(w, area=OTHER_UNIT, **changes):
    return {
        "event_type": "emergency",
        "title": "混入",
        "happened_at": timezone.localtime().isoformat(),
        "area_code": area,
        "attendees": [w["foreign_user"].pk],
        **changes,
    }


def _meeting_api(w, area=OTHER_GRID, **changes):
    return {
        "routine": "weekly_meeting",
        "area_code": area,
        "held_at": timezone.localtime().isoformat(),
        "attendees": [w["foreign_user"].pk],
        **changes,
    }


def _decision_case(w):
    """A case from a foreign decision: not found, by GET or POST, nothing raised."""
    _page(
        "outreach:decision-case",
        "decision",
        {"category_code": "sanitation", "unit_code": OTHER_UNIT},
    )(w)


def _decision_api_case(w):
    """Neither a case from a foreign decision (404), nor from an own decision placed in the
    foreign town (400). Nothing raised."""
    body = {"category": "sanitation", "unit_code": OTHER_UNIT}
    _api_write("api:outreach-decision-to-case", "decision", body)(w)
    own = reverse("api:outreach-decision-to-case", args=[_pk("own", "decision")(w)])
    _refused(w, own, body, status=400, content_type=JSON)


def _decision_complete(w):
    """The chief marks their own task done; the outsider's task stays open."""
    _post("outreach:decision-complete", "decision", {})(w)
    assert Decision.objects.get(pk=_pk("own", "decision")(w)).done_on is not None


def _routine_compliance(name, own_area):
    """Routine compliance of the viewer's village; of a foreign area or one above the
    scope: 404."""

    def check(w):
        _seed(w)
        response = w["client"].get(reverse(name))
        assert response.status_code == 200
        assert own_area(response) == VILLAGE
        _shows_nothing_foreign(response.content.decode(), name)
        for code in FOREIGN_AREAS:
            assert w["client"].get(reverse(name), {"area": code}).status_code == 404, code

    return check


def _meetings(w):
    """The meetings of the scope, and above them the chief's own open task; none of the
    outsider's."""
    _page_list("outreach:meetings", _to("outreach:meeting-detail", "meeting"))(w)
    assert f"{OWN}决定" in w["client"].get(reverse("outreach:meetings")).content.decode()


ROUTINE_CHECKS = {
    "outreach:events": _page_list("outreach:events", _to("outreach:event-detail", "event")),
    "outreach:event-detail": _detail("outreach:event-detail", "event"),
    "outreach:event-create": lambda w: (
        _form_refuses("outreach:event-create", _event_form)(w),
        _form_refuses(
            "outreach:event-create",
            lambda w: _event_form(
                w, UNIT, household_id=w["foreign_household"].pk, attendee_ids="chief"
            ),
            "household_id",
        )(w),
    ),
    "outreach:meetings": _meetings,
    "outreach:meeting-detail": _detail("outreach:meeting-detail", "meeting"),
    "outreach:meeting-create": lambda w: (
        _form_refuses("outreach:meeting-create", _meeting_form)(w),
        _form_refuses(
            "outreach:meeting-create",
            lambda w: _meeting_form(
                w, GRID, attendee_ids="chief", decision_1_text="x", decision_1_owner="outsider"
            ),
            "__all__",
        )(w),
    ),
    "outreach:decision-complete": _decision_complete,
    "outreach:decision-case": _decision_case,
    "outreach:routine-compliance": _routine_compliance(
        "outreach:routine-compliance", lambda r: r.context["result"].area.code
    ),
    "api:outreach-event-list GET": _api_list("api:outreach-event-list", "event"),
    "api:outreach-event-list POST": _api_create(
        "api:outreach-event-list",
        _event_api,
        (
            400,
            lambda w: _event_api(
                w, UNIT, household=w["foreign_household"].pk, attendees=[_seed(w)["chief"].pk]
            ),
        ),
        (400, lambda w: _event_api(w, UNIT)),  # the outsider attended nothing here
    ),
    "api:outreach-event-detail GET": _detail("api:outreach-event-detail", "event"),
    "api:outreach-meeting-list GET": _api_list("api:outreach-meeting-list", "meeting"),
    "api:outreach-meeting-list POST": _api_create(
        "api:outreach-meeting-list",
        _meeting_api,
        (
            400,
            lambda w: _meeting_api(
                w,
                GRID,
                attendees=[_seed(w)["chief"].pk],
                decisions=[{"text": "x", "owner": w["foreign_user"].pk}],
            ),
        ),
    ),
    "api:outreach-meeting-detail GET": _detail("api:outreach-meeting-detail", "meeting"),
    "api:outreach-decision-list GET": _api_list("api:outreach-decision-list", "decision", None),
    "api:outreach-decision-detail GET": _detail("api:outreach-decision-detail", "decision"),
    "api:outreach-decision-complete POST": _api_write(
        "api:outreach-decision-complete", "decision", {}, own_status=200
    ),
    "api:outreach-decision-to-case POST": _decision_api_case,
    "api:outreach-routine-compliance GET": _routine_compliance(
        "api:outreach-routine-compliance", lambda r: r.json()["area_code"]
    ),
}


# --- compliance (views/compliance.py, api/compliance.py) -------------------------------


def _compliance_page(w):
    """Compliance of the viewer's village by default; of a foreign area or one above the
    scope: 404."""
    _routine_compliance("outreach:compliance", lambda r: r.context["area"].code)(w)


def _compliance_households(w):
    """The households behind a figure: the own, none of the foreign, whatever the query
    names; a foreign area among the areas: 404."""
    o, c, url = _seed(w), w["client"], reverse("outreach:compliance-households")
    for query in ({}, {"area": VILLAGE}, {"visitor": w["foreign_user"].pk, "figure": "visited"}):
        response = c.get(url, query)
        assert response.status_code == 200
        body = response.content.decode()
        assert o["foreign_household"].address not in body
        _shows_nothing_foreign(body, "outreach:compliance-households")
    assert o["own_household"].address in c.get(url).content.decode()
    for code in FOREIGN_AREAS:
        assert c.get(url, {"area": [VILLAGE, code]}).status_code == 404, code


def _compliance_api(w):
    _seed(w)
    url = reverse("api:compliance-list")
    response = w["client"].get(url, {"by": "worker"})
    assert response.status_code == 200 and response.json()["area"]["code"] == VILLAGE
    assert w["foreign_user"].pk not in [row["user_id"] for row in response.json()["workers"]]
    _shows_nothing_foreign(response.content.decode(), "api:compliance-list")
    for code in FOREIGN_AREAS:
        assert w["client"].get(url, {"area": code}).status_code == 404, code


COMPLIANCE_CHECKS = {
    "outreach:compliance": _compliance_page,
    "outreach:compliance-households": _compliance_households,
    "api:compliance-list GET": _compliance_api,
}


# --- the county's settings -------------------------------------------------------------


def _settings_page(name, args=(), data=None, get=True):
    """A settings page: the grid chief is refused (403) by GET and by POST of valid data,
    and nothing changes."""

    def check(w):
        url = reverse(name, args=args)
        if get:
            assert w["client"].get(url).status_code == 403
        if data is not None:
            _refused(w, url, data, status=403, state=_settings_state)

    return check


def _settings_api_write(name, args, data, method="post"):
    def check(w):
        url = reverse(name, args=args)
        _refused(w, url, data, status=403, content_type=JSON, method=method, state=_settings_state)

    return check


def _shared(name, args=(), code=None):
    """The county's settings: every signed-in user reads them."""

    def check(w):
        response = w["client"].get(reverse(name, args=args))
        assert response.status_code == 200
        assert (code or args[0]) in response.content.decode()

    return check


_PROGRAMME = {
    "name": "间谍结对",
    "subject_kind": "household",
    "sponsor_role": "grid_worker",
    "household_category": "key",
    "visit_every_days": 7,
    "order": 0,
    "is_active": True,
}
_RULE = {"name": "间谍必访", "kind": "periodic", "household_category": "key", "every_days": 1}
_TRIGGER = {"name": "间谍触发", "is_active": True}
_EVENT_TYPE = {"name": "间谍事件", "order": 0, "is_active": True}
_ROUTINE = {"name": "间谍制度", "rhythm": "weekly", "times": 9, "order": 0, "is_active": True}

SETTINGS_CHECKS = {
    "outreach:programmes": _settings_page("outreach:programmes"),
    "outreach:programme-create": _settings_page(
        "outreach:programme-create", data={"code": "spy", **_PROGRAMME}
    ),
    "outreach:programme-edit": _settings_page(
        "outreach:programme-edit", [PROGRAMME], {"code": PROGRAMME, **_PROGRAMME}
    ),
    "outreach:rules": _settings_page("outreach:rules"),
    "outreach:rule-create": _settings_page("outreach:rule-create", data={"code": "spy", **_RULE}),
    "outreach:rule-edit": _settings_page(
        "outreach:rule-edit", ["dibao_monthly"], {"code": "dibao_monthly", **_RULE}
    ),
    "outreach:triggers": _settings_page("outreach:triggers"),
    "outreach:trigger-create": _settings_page(
        "outreach:trigger-create", data={"code": "spy", **_TRIGGER}
    ),
    "outreach:trigger-edit": _settings_page(
        "outreach:trigger-edit", ["hospital_stay"], {"code": "hospital_stay", **_TRIGGER}
    ),
    "outreach:event-types": _settings_page("outreach:event-types"),
    "outreach:event-type-create": _settings_page(
        "outreach:event-type-create", data={"code": "spy", **_EVENT_TYPE}
    ),
    "outreach:event-type-edit": _settings_page(
        "outreach:event-type-edit", ["emergency"], {"code": "emergency", **_EVENT_TYPE}
    ),
    "outreach:event-type-toggle": _settings_page(
        "outreach:event-type-toggle", ["emergency"], {}, get=False
    ),
    "outreach:routines": _settings_page("outreach:routines"),
    "outreach:routine-create": _settings_page(
        "outreach:routine-create", data={"code": "spy", **_ROUTINE}
    ),
    "outreach:routine-edit": _settings_page(
        "outreach:routine-edit", ["weekly_meeting"], {"code": "weekly_meeting", **_ROUTINE}
    ),
    "outreach:routine-toggle": _settings_page(
        "outreach:routine-toggle", ["weekly_meeting"], {}, get=False
    ),
    "api:programme-list GET": _shared("api:programme-list", code=PROGRAMME),
    "api:programme-detail GET": _shared("api:programme-detail", [PROGRAMME]),
    "api:programme-list POST": _settings_api_write(
        "api:programme-list", [], {"code": "spy", **_PROGRAMME}
    ),
    "api:programme-detail PATCH": _settings_api_write(
        "api:programme-detail", [PROGRAMME], {"visit_every_days": 1}, "patch"
    ),
    "api:visit-rule-list GET": _shared("api:visit-rule-list", code="dibao_monthly"),
    "api:visit-rule-detail GET": _shared("api:visit-rule-detail", ["dibao_monthly"]),
    "api:visit-rule-list POST": _settings_api_write(
        "api:visit-rule-list", [], {"code": "spy", **_RULE}
    ),
    "api:visit-rule-detail PUT": _settings_api_write(
        "api:visit-rule-detail", ["dibao_monthly"], _RULE, "put"
    ),
    "api:visit-trigger-list GET": _shared("api:visit-trigger-list", code="hospital_stay"),
    "api:visit-trigger-detail GET": _shared("api:visit-trigger-detail", ["hospital_stay"]),
    "api:visit-trigger-list POST": _settings_api_write(
        "api:visit-trigger-list", [], {"code": "spy", **_TRIGGER}
    ),
    "api:visit-trigger-detail PUT": _settings_api_write(
        "api:visit-trigger-detail", ["hospital_stay"], _TRIGGER, "put"
    ),
    "api:outreach-event-type-list GET": _shared("api:outreach-event-type-list", code="emergency"),
    "api:outreach-event-type-detail GET": _shared("api:outreach-event-type-detail", ["emergency"]),
    "api:outreach-event-type-list POST": _settings_api_write(
        "api:outreach-event-type-list", [], {"code": "spy", **_EVENT_TYPE}
    ),
    "api:outreach-event-type-detail PATCH": _settings_api_write(
        "api:outreach-event-type-detail", ["emergency"], {"is_active": False}, "patch"
    ),
    "api:outreach-routine-list GET": _shared("api:outreach-routine-list", code="weekly_meeting"),
    "api:outreach-routine-detail GET": _shared("api:outreach-routine-detail", ["weekly_meeting"]),
    "api:outreach-routine-list POST": _settings_api_write(
        "api:outreach-routine-list", [], {"code": "spy", **_ROUTINE}
    ),
    "api:outreach-routine-detail PATCH": _settings_api_write(
        "api:outreach-routine-detail", ["weekly_meeting"], {"times": 9}, "patch"
    ),
}


OUTREACH_CHECKS = {
    **VISIT_CHECKS,
    **ENTERPRISE_CHECKS,
    **PAIRING_CHECKS,
    **ROUTINE_CHECKS,
    **COMPLIANCE_CHECKS,
    **SETTINGS_CHECKS,
}

# Outreach has no route that answers anyone: every page and API route needs an account.
OUTREACH_PUBLIC: set[str] = set()
