"""Incidents: each step's moment after the step before it, closing only after the
written report, and the level above told at once when an incident is reported (the
town) and when the town received it (the county); the levels from the area tree."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from conftest import COUNTY, TOWN, UNIT, VILLAGE
from yiwang.areas.codes import parent_code
from yiwang.duty.models import Incident, IncidentUpdate
from yiwang.duty.services import incidents as services
from yiwang.notices import kinds as notice_kinds
from yiwang.notices.models import Notification

pytestmark = pytest.mark.django_db

H = datetime.timedelta(hours=1)
M = datetime.timedelta(minutes=1)


@pytest.fixture
def clock(tree):
    start = timezone.localtime() + datetime.timedelta(days=1)
    start = start.replace(hour=9, minute=0, second=0, microsecond=0)
    with time_machine.travel(start, tick=False) as traveller:
        traveller.start = start
        traveller.at = lambda moment: traveller.move_to(moment)
        yield traveller


def _report(actor, area=VILLAGE):
    now = timezone.now()
    row, _created = services.report_incident(
        actor=actor,
        area_code=area,
        kind="flood",
        title="河堤渗水",
        text="东河堤段出现渗水。",
        occurred_at=now - 40 * M,
        learned_at=now - 30 * M,
    )
    return row


def _state():
    return (
        list(
            Incident.objects.order_by("pk").values_list(
                "status", "town_at", "county_at", "written_at", "written_report", "closed_at"
            )
        ),
        IncidentUpdate.objects.count(),
        Notification.objects.count(),
    )


def _reported():
    return list(
        Notification.objects.filter(kind=services.NOTICE_REPORTED)
        .order_by("pk")
        .values_list("area_code", "level", "object_id")
    )


def test_the_county_cannot_receive_before_the_town_did(clock, chief, town_admin, county_admin):
    row = _report(chief)
    services.receive_at_town(actor=town_admin, incident_id=row.pk, at=clock.start - 10 * M)
    before = _state()
    with pytest.raises(ValidationError) as error:
        services.receive_at_county(actor=county_admin, incident_id=row.pk, at=clock.start - 20 * M)
    assert "at" in error.value.message_dict
    assert _state() == before
    row = services.receive_at_county(
        actor=county_admin, incident_id=row.pk, at=clock.start - 10 * M
    )
    assert row.county_at == clock.start - 10 * M


def test_the_written_report_between_learning_and_now(clock, chief, town_admin, county_admin):
    row = _report(chief)
    services.receive_at_town(actor=town_admin, incident_id=row.pk, at=clock.start - 20 * M)
    services.receive_at_county(actor=county_admin, incident_id=row.pk, at=clock.start - 10 * M)
    before = _state()
    for at in (clock.start - 31 * M, clock.start + 2 * H):
        with pytest.raises(ValidationError) as error:
            services.file_written_report(actor=chief, incident_id=row.pk, report="报告", at=at)
        assert "at" in error.value.message_dict
    assert _state() == before
    # Written before the county's receipt (after the village learned of it): accepted.
    row = services.file_written_report(
        actor=chief, incident_id=row.pk, report="书面报告", at=clock.start - 25 * M
    )
    assert row.status == "written" and row.written_at == clock.start - 25 * M


def test_closing_needs_the_written_report(clock, chief, town_admin, county_admin):
    row = _report(chief)
    services.receive_at_town(actor=town_admin, incident_id=row.pk)
    services.receive_at_county(actor=county_admin, incident_id=row.pk)
    before = _state()
    with pytest.raises(ValidationError) as error:
        services.close_incident(actor=county_admin, incident_id=row.pk, note="结束")
    assert "status" in error.value.message_dict
    assert _state() == before
    services.file_written_report(actor=chief, incident_id=row.pk, report="书面报告")
    row = services.close_incident(actor=county_admin, incident_id=row.pk)
    assert row.status == "closed" and row.closed_at
    with pytest.raises(ValidationError):
        services.close_incident(actor=county_admin, incident_id=row.pk)


def test_the_close_button_only_once_written(clock, chief, town_admin, county_admin, client):
    row = _report(chief)
    services.receive_at_town(actor=town_admin, incident_id=row.pk)
    services.receive_at_county(actor=county_admin, incident_id=row.pk)
    client.force_login(county_admin)
    page = client.get(f"/duty/incidents/{row.pk}/").content.decode()
    assert 'id="step-close"' not in page
    refused = client.post(f"/duty/incidents/{row.pk}/close/", {"close-note": "x"})
    assert refused.status_code == 400
    row.refresh_from_db()
    assert row.status == "county" and row.closed_at is None
    services.file_written_report(actor=chief, incident_id=row.pk, report="书面报告")
    page = client.get(f"/duty/incidents/{row.pk}/").content.decode()
    assert 'id="step-close"' in page


def test_the_town_and_then_the_county_are_told_at_once(clock, worker, town_admin, county_admin):
    assert notice_kinds.get(services.NOTICE_REPORTED) is not None
    row = _report(worker, UNIT)
    assert _reported() == [(TOWN, "town", row.pk)]
    text = Notification.objects.get(kind=services.NOTICE_REPORTED).text
    assert row.number in text
    services.receive_at_town(actor=town_admin, incident_id=row.pk)
    assert _reported() == [(TOWN, "town", row.pk), (COUNTY, "county", row.pk)]
    services.receive_at_county(actor=county_admin, incident_id=row.pk)
    services.sweep_incident_clocks()
    assert len(_reported()) == 2  # once each
    links = services.incident_links(town_admin, [row.pk])
    assert links[row.pk][0] == f"/duty/incidents/{row.pk}/"


def test_the_same_report_twice_tells_the_town_once(clock, chief):
    import uuid

    key = uuid.uuid4()
    now = timezone.now()
    for _attempt in range(2):
        services.report_incident(
            actor=chief,
            area_code=VILLAGE,
            kind="fire",
            title="草垛起火",
            text="已扑灭。",
            occurred_at=now - 5 * M,
            uuid=key,
        )
    assert len(_reported()) == 1


def test_the_levels_come_from_the_area_tree():
    # The clocks' levels are the area tree's (areas.codes), as the cases' deadlines use.
    assert services.level_code(UNIT, "village") == VILLAGE
    assert services.level_code(UNIT, "town") == TOWN == parent_code(VILLAGE)
    assert services.level_code(VILLAGE, "county") == COUNTY == parent_code(TOWN)
