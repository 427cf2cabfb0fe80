"""Incidents on their 1/2/24-hour reporting clock, with the clock set for the whole test
(tomorrow 09:00, whatever day the suite runs): the due times, the late flags, each
clock reminded once at three quarters of it and raised once to the level above when
overdue, a second run of the sweep silent; the scope of every persona; bad input and
steps out of turn refused with nothing changed; the API."""

import datetime
import uuid

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from rest_framework.test import APIClient

from conftest import COUNTY, OTHER_VILLAGE, TOWN, UNIT, VILLAGE
from yiwang.duty import tasks
from yiwang.duty.models import Incident, IncidentUpdate
from yiwang.duty.selectors.incidents import visible_incidents
from yiwang.duty.services import incidents as services
from yiwang.notices.models import Notification

pytestmark = pytest.mark.django_db

H = datetime.timedelta(hours=1)
M = datetime.timedelta(minutes=1)


@pytest.fixture
def clock(tree):
    """The clock at 09:00 tomorrow (local time) for the whole test, moved by `clock.at`."""
    start = timezone.localtime() + datetime.timedelta(days=1)
    start = start.replace(hour=9, minute=0, second=0, microsecond=0)
    with time_machine.travel(start, tick=False) as traveller:
        traveller.start = start
        traveller.at = lambda moment: traveller.move_to(moment)
        yield traveller


def _report(actor, area=VILLAGE, **values):
    now = timezone.now()
    values.setdefault("kind", "flood")
    values.setdefault("title", "河堤渗水")
    values.setdefault("text", "东河堤段出现渗水，已组织群众转移。")
    values.setdefault("occurred_at", now - 20 * M)
    values.setdefault("learned_at", now - 10 * M)
    return services.report_incident(actor=actor, area_code=area, **values)


def _notices(kind):
    return list(
        Notification.objects.filter(kind=kind).order_by("pk").values_list("area_code", "text")
    )


def _state():
    return (
        list(
            Incident.objects.order_by("pk").values_list(
                "status", "town_at", "county_at", "written_at", "county_due", "closed_at"
            )
        ),
        IncidentUpdate.objects.count(),
    )


def test_the_three_clocks_are_set_from_the_time_learned(clock, chief):
    row, created = _report(chief)
    learned = clock.start - 10 * M
    assert created and row.number.startswith("YJ")
    assert row.learned_at == learned
    assert row.town_due == learned + H
    assert row.county_due == learned + 3 * H
    assert row.written_due == learned + 24 * H
    assert row.updates.count() == 1 and row.reported_by == chief


def test_reminders_and_escalations_each_once(clock, chief, town_admin, county_admin):
    row, _created = _report(chief)  # learned 08:50: town 09:50, county 11:50, written 08:50
    start = clock.start
    assert services.sweep_incident_clocks() == {"reminded": 0, "escalated": 0}
    clock.at(start + 36 * M)  # 09:36, past three quarters of the hour
    assert services.sweep_incident_clocks() == {"reminded": 1, "escalated": 0}
    clock.at(start + 40 * M)
    assert services.sweep_incident_clocks() == {"reminded": 0, "escalated": 0}
    assert [code for code, _text in _notices("duty.incident_due")] == [VILLAGE]
    clock.at(start + 51 * M)  # 09:51: the town clock is overdue
    assert services.sweep_incident_clocks() == {"reminded": 0, "escalated": 1}
    assert services.sweep_incident_clocks() == {"reminded": 0, "escalated": 0}  # silent
    row.refresh_from_db()
    assert row.town_late and not row.county_late
    assert [code for code, _text in _notices("duty.incident_escalated")] == [TOWN]
    assert row.number in _notices("duty.incident_escalated")[0][1]

    clock.at(start + 60 * M)  # 10:00, late: the county clock runs 2 hours from now
    row = services.receive_at_town(actor=town_admin, incident_id=row.pk, note="已电话核实")
    assert row.town_late and row.town_at == start + H and row.county_due == start + 3 * H
    clock.at(start + 2 * H + 31 * M)  # 11:31: three quarters of the county clock
    assert services.sweep_incident_clocks() == {"reminded": 1, "escalated": 0}
    clock.at(start + 3 * H + M)  # 12:01: overdue to the county
    assert services.sweep_incident_clocks() == {"reminded": 0, "escalated": 1}
    assert [code for code, _text in _notices("duty.incident_escalated")] == [TOWN, COUNTY]
    clock.at(start + 3 * H + 10 * M)
    row = services.receive_at_county(actor=county_admin, incident_id=row.pk)
    assert row.county_late and row.status == "county"
    assert services.sweep_incident_clocks() == {"reminded": 0, "escalated": 0}

    clock.at(start + 18 * H + 2 * M)  # 03:02 next day: three quarters of the 24 hours
    assert services.sweep_incident_clocks() == {"reminded": 1, "escalated": 0}
    assert _notices("duty.incident_due")[-1][0] == TOWN
    clock.at(start + 23 * H)  # 08:00, in time
    row = services.file_written_report(actor=chief, incident_id=row.pk, report="书面报告全文")
    assert not row.written_late and row.status == "written"
    clock.at(start + 25 * H)
    assert services.sweep_incident_clocks() == {"reminded": 0, "escalated": 0}
    row = services.close_incident(actor=county_admin, incident_id=row.pk, note="险情解除")
    assert row.status == "closed"
    assert len(_notices("duty.incident_due")) == 3
    assert len(_notices("duty.incident_escalated")) == 2
    assert row.updates.count() == 5


def test_an_incident_reported_in_time_is_never_late(clock, worker, town_admin, county_admin):
    row, _created = _report(worker, UNIT)
    clock.at(clock.start + 20 * M)
    services.receive_at_town(actor=town_admin, incident_id=row.pk)
    clock.at(clock.start + 2 * H)
    row = services.receive_at_county(actor=county_admin, incident_id=row.pk)
    clock.at(clock.start + 3 * H)
    assert services.sweep_incident_clocks()["escalated"] == 0
    row.refresh_from_db()
    assert not (row.town_late or row.county_late or row.written_late)
    assert row.county_due == clock.start + 20 * M + 2 * H


def test_a_step_done_late_is_late_for_good(clock, chief, town_admin):
    row, _created = _report(chief, learned_at=clock.start - 2 * H, occurred_at=clock.start - 3 * H)
    # Received before any sweep ran: late all the same.
    row = services.receive_at_town(actor=town_admin, incident_id=row.pk)
    assert row.town_late


def test_the_periodic_task_runs_the_sweep(clock, chief):
    _report(chief)
    clock.at(clock.start + 55 * M)
    assert tasks.sweep_incidents.call_local() == {"reminded": 0, "escalated": 1}
    assert tasks.sweep_incidents.call_local() == {"reminded": 0, "escalated": 0}


def test_the_same_uuid_twice_stores_once(clock, chief):
    key = uuid.uuid4()
    first, created = _report(chief, uuid=key)
    again, created_again = _report(chief, uuid=key)
    assert created and not created_again and again.pk == first.pk
    assert Incident.objects.count() == 1


def test_scope_of_every_persona(clock, personas):
    county, town, chief, worker, outsider = (
        personas[k] for k in ("county", "town", "chief", "worker", "outsider")
    )
    row, _created = _report(chief)
    foreign, _created = _report(outsider, OTHER_VILLAGE + "001001")
    visible = {
        key: set(visible_incidents(user).values_list("pk", flat=True))
        for key, user in personas.items()
    }
    assert visible["county"] == {row.pk, foreign.pk}
    assert visible["town"] == visible["chief"] == {row.pk}
    assert visible["worker"] == set()  # the unit only: the village's incident is above it
    assert visible["outsider"] == {foreign.pk}
    before = _state()
    with pytest.raises(Http404):
        services.receive_at_town(actor=outsider, incident_id=row.pk)
    with pytest.raises(Http404):
        services.receive_at_town(actor=worker, incident_id=row.pk)
    own, _created = _report(worker, UNIT)
    with pytest.raises(PermissionDenied):
        services.receive_at_town(actor=worker, incident_id=own.pk)
    with pytest.raises(PermissionDenied):
        services.receive_at_town(actor=chief, incident_id=row.pk)
    with pytest.raises(ValidationError) as error:
        _report(outsider, VILLAGE)  # another town's village
    assert "area_code" in error.value.message_dict
    assert _state()[0][:1] == before[0][:1] and _state()[0][1:][-1][0] == "reported"
    services.receive_at_town(actor=town, incident_id=row.pk)
    before = _state()
    with pytest.raises(PermissionDenied):
        services.receive_at_county(actor=town, incident_id=row.pk)
    assert _state() == before
    services.receive_at_county(actor=county, incident_id=row.pk)


def test_bad_input_changes_nothing(clock, chief, town_admin, county_admin):
    row, _created = _report(chief)
    before = _state()
    now = timezone.now()
    cases = [
        ({"kind": "quake"}, "kind"),
        ({"title": ""}, "title"),
        ({"occurred_at": now + 2 * H, "learned_at": now + 3 * H}, "occurred_at"),
        ({"occurred_at": now - 5 * M, "learned_at": now - 10 * M}, "learned_at"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
    ]
    for values, field in cases:
        with pytest.raises(ValidationError) as error:
            _report(chief, **values)
        assert field in error.value.message_dict, values
    with pytest.raises(ValidationError) as error:
        _report(county_admin, TOWN)
    assert "area_code" in error.value.message_dict
    # Steps out of turn.
    with pytest.raises(ValidationError) as error:
        services.receive_at_county(actor=county_admin, incident_id=row.pk)
    assert "status" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.file_written_report(actor=chief, incident_id=row.pk, report="报告")
    with pytest.raises(ValidationError):
        services.close_incident(actor=county_admin, incident_id=row.pk)
    with pytest.raises(ValidationError) as error:
        services.receive_at_town(actor=town_admin, incident_id=row.pk, at=now + 3 * H)
    assert "at" in error.value.message_dict
    assert _state() == before
    services.receive_at_town(actor=town_admin, incident_id=row.pk)
    with pytest.raises(ValidationError):
        services.receive_at_town(actor=town_admin, incident_id=row.pk)


def test_the_api(clock, chief, town_admin, outsider):
    client = APIClient()
    client.force_login(chief)
    body = {
        "uuid": str(uuid.uuid4()),
        "area_code": VILLAGE,
        "kind": "fire",
        "title": "草垛起火",
        "text": "村西草垛起火，已扑灭。",
        "occurred_at": (timezone.now() - 30 * M).isoformat(),
    }
    first = client.post("/api/v1/incidents/", body, format="json")
    assert first.status_code == 201, first.content
    assert client.post("/api/v1/incidents/", body, format="json").status_code == 200
    assert (
        client.post(
            "/api/v1/incidents/", {**body, "uuid": str(uuid.uuid4()), "kind": "x"}, format="json"
        ).status_code
        == 400
    )
    pk = first.json()["id"]
    assert first.json()["town_due"]
    listed = client.get("/api/v1/incidents/", {"open": "true", "under": VILLAGE}).json()
    assert listed["count"] == 1
    url = f"/api/v1/incidents/{pk}/receive-town/"
    assert client.post(url, {}, format="json").status_code == 403  # the chief's is not this step
    as_outsider = APIClient()
    as_outsider.force_login(outsider)
    assert as_outsider.post(url, {}, format="json").status_code == 404
    assert as_outsider.get(f"/api/v1/incidents/{pk}/").status_code == 404
    town = APIClient()
    town.force_login(town_admin)
    answer = town.post(url, {"note": "收到"}, format="json")
    assert answer.status_code == 200 and answer.json()["status"] == "town"
    assert town.post(url, {}, format="json").status_code == 400


def test_the_pages(clock, chief, town_admin, client):
    client.force_login(chief)
    assert client.get("/duty/incidents/").status_code == 200
    form = client.get("/duty/incidents/new/")
    assert form.status_code == 200
    now = timezone.localtime()
    sent = client.post(
        "/duty/incidents/new/",
        {
            "uuid": str(uuid.uuid4()),
            "area_code": VILLAGE,
            "kind": "storm",
            "title": "大风刮倒电杆",
            "text": "村口电杆倾倒。",
            "occurred_at": (now - 15 * M).strftime("%Y-%m-%dT%H:%M"),
            "learned_at": (now - 5 * M).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert sent.status_code == 302, sent.content.decode()[-2000:]
    row = Incident.objects.get()
    page = client.get(f"/duty/incidents/{row.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and html.count("data-countdown=") == 3
    assert 'id="step-receive-town"' not in html  # not the chief's step
    client.force_login(town_admin)
    page = client.get(f"/duty/incidents/{row.pk}/").content.decode()
    assert 'id="step-receive-town"' in page
    done = client.post(f"/duty/incidents/{row.pk}/receive-town/", {"town-note": "已核实"})
    assert done.status_code == 302
    row.refresh_from_db()
    assert row.status == "town" and row.updates.last().note == "已核实"
