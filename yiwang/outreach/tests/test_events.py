"""Must-attend events (六必到): recording one, and what is refused — a time in the future,
an unknown or retired type, an attendee with no post on the area's branch, an area
outside the actor's scope (404), no attendee at all; the audit entry; the list's scope."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from conftest import GRID, OTHER_UNIT, UNIT, VILLAGE
from yiwang.core.models import AuditEntry
from yiwang.outreach.models import Event, EventType
from yiwang.outreach.services import routines as services


def _ago(hours=2):
    return timezone.now() - datetime.timedelta(hours=hours)


def _event(actor, **changes):
    values = {
        "event_type_code": "dispute",
        "title": "调解邻里纠纷",
        "happened_at": _ago(),
        "area_code": UNIT,
        "attendee_ids": [actor.pk],
    }
    return services.record_event(actor=actor, **{**values, **changes})


def _errors(excinfo) -> dict:
    return excinfo.value.message_dict


def test_it_records_an_event_with_its_attendees_and_an_audit_entry(chief, worker):
    event = _event(worker, attendee_ids=[worker.pk, chief.pk], place="村委会", notes="双方和解")

    event.refresh_from_db()
    assert (event.area_code, event.event_type.code, event.recorded_by) == (
        UNIT,
        "dispute",
        worker,
    )
    assert set(event.attendees.values_list("pk", flat=True)) == {worker.pk, chief.pk}
    entry = AuditEntry.objects.get(action="outreach_event.create")
    assert entry.object_id == str(event.pk) and entry.area_code == UNIT
    assert entry.after["attendees"] == sorted([worker.pk, chief.pk])


def test_it_refuses_a_time_in_the_future(worker):
    with pytest.raises(ValidationError) as excinfo:
        _event(worker, happened_at=timezone.now() + datetime.timedelta(hours=1))

    assert list(_errors(excinfo)) == ["happened_at"]
    assert not Event.objects.exists()


def test_it_takes_a_few_minutes_of_clock_skew(worker):
    event = _event(worker, happened_at=timezone.now() + datetime.timedelta(minutes=2))

    assert event.pk


def test_it_refuses_an_unknown_or_retired_type(worker):
    EventType.objects.filter(code="funeral").update(is_active=False)

    for code in ("no_such_type", "funeral", ""):
        with pytest.raises(ValidationError) as excinfo:
            _event(worker, event_type_code=code)
        assert list(_errors(excinfo)) == ["event_type"]


def test_it_refuses_an_attendee_from_another_area(worker, outsider):
    with pytest.raises(ValidationError) as excinfo:
        _event(worker, attendee_ids=[worker.pk, outsider.pk])

    assert list(_errors(excinfo)) == ["attendees"]
    assert "outsider" in _errors(excinfo)["attendees"][0]
    assert not Event.objects.exists()


def test_an_attendee_above_or_inside_the_area_is_allowed(county_admin, chief, worker):
    # The county admin is above the unit; the worker is inside the grid.
    at_unit = _event(chief, attendee_ids=[county_admin.pk, worker.pk])
    at_grid = _event(chief, area_code=GRID, attendee_ids=[worker.pk])

    assert at_unit.attendees.count() == 2 and at_grid.attendees.count() == 1


def test_it_needs_an_attendee(worker):
    with pytest.raises(ValidationError) as excinfo:
        _event(worker, attendee_ids=[])

    assert list(_errors(excinfo)) == ["attendees"]


def test_an_area_outside_the_scope_is_not_found(worker):
    for code in (OTHER_UNIT, VILLAGE, "999999999", "not-a-code"):
        with pytest.raises(Http404):
            _event(worker, area_code=code)
    assert not Event.objects.exists()


def test_it_names_every_bad_field_at_once(worker):
    with pytest.raises(ValidationError) as excinfo:
        _event(worker, event_type_code="nope", title="", happened_at="yesterday", attendee_ids=[])

    assert set(_errors(excinfo)) == {"event_type", "title", "happened_at", "attendees"}


def test_a_household_must_lie_in_the_area(chief, tree):
    from yiwang.registry.services import create_household

    household = create_household(actor=None, unit_code=UNIT, number="001")
    other_unit = next(
        code for code in tree if len(code) == 18 and code.startswith(VILLAGE) and code != UNIT
    )

    event = _event(chief, household_id=household.pk)
    with pytest.raises(ValidationError) as excinfo:
        _event(chief, area_code=other_unit, household_id=household.pk)

    assert event.household == household
    assert list(_errors(excinfo)) == ["household"]


def test_the_list_reads_within_the_scope(chief, worker, outsider):
    own = _event(worker)
    foreign = _event(outsider, area_code=OTHER_UNIT)

    assert list(Event.objects.visible_to(chief)) == [own]
    assert list(Event.objects.visible_to(outsider)) == [foreign]


# --- pages --------------------------------------------------------------------------------


def _client(client, user):
    client.force_login(user)
    return client


def test_the_event_pages_record_list_and_show_an_event(client, chief, worker):
    page = _client(client, worker)
    form = page.get("/outreach/events/new/")
    response = page.post(
        "/outreach/events/new/",
        {
            "event_type_code": "disaster",
            "title": "暴雨积水",
            "happened_at": timezone.localtime(_ago()).strftime("%Y-%m-%dT%H:%M"),
            "area_code": UNIT,
            "attendee_ids": f"{worker.username}, {chief.username}",
        },
    )

    assert form.status_code == 200 and form.context["form"].initial["area_code"] == UNIT
    event = Event.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/outreach/events/{event.pk}/"
    listing = page.get("/outreach/events/", {"type": "disaster"})
    assert [e.pk for e, _name in listing.context["rows"]] == [event.pk]
    assert "暴雨积水" in page.get(f"/outreach/events/{event.pk}/").content.decode()


def test_the_event_form_shows_the_services_errors_on_its_fields(client, worker, outsider):
    # A year ahead: in the future whatever the date of the run.
    next_year = timezone.localtime() + datetime.timedelta(days=365)
    future = next_year.strftime("%Y-%m-%dT08:00")
    response = _client(client, worker).post(
        "/outreach/events/new/",
        {
            "event_type_code": "disaster",
            "title": "暴雨积水",
            "happened_at": future,
            "area_code": UNIT,
            "attendee_ids": f"{outsider.username} nobody",
        },
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"attendee_ids"}  # nobody: no such user

    response = client.post(
        "/outreach/events/new/",
        {
            "event_type_code": "disaster",
            "title": "暴雨积水",
            "happened_at": future,
            "area_code": UNIT,
            "attendee_ids": outsider.username,
        },
    )
    assert set(response.context["form"].errors) == {"happened_at", "attendee_ids"}
    assert not Event.objects.exists()


def test_a_foreign_event_page_is_not_found(client, worker, outsider):
    foreign = _event(outsider, area_code=OTHER_UNIT)

    assert _client(client, worker).get(f"/outreach/events/{foreign.pk}/").status_code == 404
