"""Recording a visit (services.visits.record_visit): idempotent on the client's UUID,
within the time limits, scoped, the GPS point flagged when far, photos read as the cases'
are, the schedule fulfilled, a case raised in one step; editing and skipping."""

import datetime
import io
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone
from PIL import Image

from conftest import OTHER_UNIT, UNIT
from yiwang.cases.models import Case
from yiwang.core.models import AuditEntry
from yiwang.outreach.models import (
    Pairing,
    Programme,
    ScheduledVisit,
    Visit,
    VisitPhoto,
    VisitRule,
)
from yiwang.outreach.services import schedule
from yiwang.outreach.services import visits as services

# A point inside UNIT (see `boundaries`), one about 220 m north of it, one 11 km away.
INSIDE = (35.05, 116.05)
JUST_OUTSIDE = (35.102, 116.05)
FAR_AWAY = (35.2, 116.05)
WEEKLY = "elderly_alone_weekly"


def box(x0, y0, x1, y1):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def make_household(unit=UNIT, number="001", tags=(), name="张三丰", address="南门街 1 号"):
    """A household with its head, who carries `tags` (the operator makes them)."""
    from yiwang.registry.services import add_resident, create_household

    household = create_household(actor=None, unit_code=unit, number=number, address=address)
    add_resident(actor=None, household_id=household.pk, name=name, relation="head", tags=tags)
    household.refresh_from_db()
    return household


def pair(programme_code, sponsor, household, starts_on=None):
    """A pairing made with the ORM (the pairings' service is another part's)."""
    return Pairing.objects.create(
        programme=Programme.objects.get(code=programme_code),
        sponsor=sponsor,
        household=household,
        area_code=household.area_code,
        starts_on=starts_on or timezone.localdate(),
    )


def visit(actor, household, key=None, **values):
    values.setdefault("visited_at", timezone.now())
    values.setdefault("outcome", "all_well")
    return services.record_visit(
        actor=actor, uuid=key or uuid.uuid4(), household_id=household.pk, **values
    )


def png_upload(name="photo.png"):
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


@pytest.fixture
def boundaries(tree):
    from yiwang.areas.services import set_boundary

    set_boundary(actor=None, code=UNIT, boundary=box(116.0, 35.0, 116.1, 35.1))
    set_boundary(actor=None, code=OTHER_UNIT, boundary=box(117.0, 36.0, 117.1, 36.1))


@pytest.fixture
def household(tree):
    return make_household(tags=["elderly_alone"])


# --- idempotency ------------------------------------------------------------------------


def test_it_records_a_visit_once_for_the_same_uuid(worker, household):
    key = uuid.uuid4()
    first, created = visit(worker, household, key, notes="身体不错")
    again, created_again = visit(worker, household, key, notes="另一个说法", outcome="not_home")

    assert created is True and created_again is False
    assert again.pk == first.pk and again.notes == "身体不错"
    assert Visit.objects.count() == 1
    assert AuditEntry.objects.filter(action="visit.create").count() == 1


def test_it_answers_the_stored_visit_when_the_first_read_missed_it(worker, household, monkeypatch):
    """Two sends at once: the second missed the first at its first read, and the unique
    constraint decides (replayed in sequence; test_visits_concurrency races them)."""
    key = uuid.uuid4()
    first, _created = visit(worker, household, key)
    real = services._stored
    calls = []

    def missed_once(k):
        calls.append(k)
        return None if len(calls) == 1 else real(k)

    monkeypatch.setattr(services, "_stored", missed_once)
    again, created = visit(worker, household, key)

    assert created is False and again.pk == first.pk
    assert Visit.objects.count() == 1
    assert AuditEntry.objects.filter(action="visit.create").count() == 1


def test_it_refuses_someone_elses_uuid(worker, chief, household):
    key = uuid.uuid4()
    visit(worker, household, key)
    with pytest.raises(ValidationError) as raised:
        visit(chief, household, key)
    assert "uuid" in raised.value.message_dict


def test_it_refuses_a_malformed_uuid(worker, household):
    with pytest.raises(ValidationError) as raised:
        visit(worker, household, key="not-a-uuid")
    assert "uuid" in raised.value.message_dict


# --- time -------------------------------------------------------------------------------


def test_it_refuses_a_visit_in_the_future(worker, household):
    with pytest.raises(ValidationError) as raised:
        visit(worker, household, visited_at=timezone.now() + datetime.timedelta(hours=1))
    assert list(raised.value.message_dict) == ["visited_at"]
    assert not Visit.objects.exists()


def test_it_allows_a_few_minutes_of_clock_skew(worker, household):
    _visit, created = visit(
        worker, household, visited_at=timezone.now() + datetime.timedelta(minutes=3)
    )
    assert created


def test_it_refuses_a_visit_further_back_than_the_limit(worker, household):
    with pytest.raises(ValidationError) as raised:
        visit(worker, household, visited_at=timezone.now() - datetime.timedelta(days=8))
    assert "7" in raised.value.message_dict["visited_at"][0]


def test_the_limit_comes_from_the_settings(worker, household, settings):
    settings.OUTREACH_BACKDATE_DAYS = 30
    _visit, created = visit(
        worker, household, visited_at=timezone.now() - datetime.timedelta(days=20)
    )
    assert created


def test_it_takes_an_iso_time_and_refuses_nonsense(worker, household):
    moment = timezone.localtime().replace(microsecond=0) - datetime.timedelta(hours=2)
    stored, _created = visit(worker, household, visited_at=moment.isoformat())
    assert stored.visited_at == moment
    with pytest.raises(ValidationError) as raised:
        visit(worker, household, visited_at="yesterday-ish")
    assert "visited_at" in raised.value.message_dict


# --- scope ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["county", "town", "chief", "worker"])
def test_everyone_over_the_household_records_a_visit(personas, who, household):
    stored, created = visit(personas[who], household)
    assert created and stored.visitor == personas[who]
    assert stored.area_code == UNIT


def test_an_outsider_gets_404(personas, household):
    with pytest.raises(Http404):
        visit(personas["outsider"], household)
    assert not Visit.objects.exists()


def test_a_sponsor_outside_the_scope_records_a_visit_to_their_paired_household(outsider, household):
    pair("cadre_key_households", outsider, household)
    _stored, created = visit(outsider, household)
    assert created


def test_an_ended_pairing_gives_no_access(outsider, household):
    pairing = pair(
        "cadre_key_households",
        outsider,
        household,
        starts_on=timezone.localdate() - datetime.timedelta(days=10),
    )
    Pairing.objects.filter(pk=pairing.pk).update(ends_on=timezone.localdate())
    with pytest.raises(Http404):
        visit(outsider, household)


def test_it_refuses_a_household_that_moved_out(worker, household):
    from yiwang.registry.models import Household

    Household.objects.filter(pk=household.pk).update(status="moved_out")
    with pytest.raises(ValidationError) as raised:
        visit(worker, household)
    assert "household" in raised.value.message_dict


def test_it_needs_one_subject(worker):
    with pytest.raises(ValidationError):
        services.record_visit(
            actor=worker, uuid=uuid.uuid4(), visited_at=timezone.now(), outcome="all_well"
        )


def test_it_refuses_an_unknown_outcome(worker, household):
    with pytest.raises(ValidationError) as raised:
        visit(worker, household, outcome="great")
    assert "outcome" in raised.value.message_dict


# --- GPS --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lat,lng,field",
    [
        ("abc", "116.05", "latitude"),
        ("35.05", "east", "longitude"),
        ("95", "116", "latitude"),
        ("nan", "116", "latitude"),
    ],
)
def test_it_refuses_a_point_that_is_not_a_number(worker, household, lat, lng, field):
    with pytest.raises(ValidationError) as raised:
        visit(worker, household, latitude=lat, longitude=lng)
    assert field in raised.value.message_dict
    assert not Visit.objects.exists()


def test_it_refuses_half_a_point(worker, household):
    with pytest.raises(ValidationError) as raised:
        visit(worker, household, latitude="35.05")
    assert "longitude" in raised.value.message_dict


@pytest.mark.parametrize("point,far", [(INSIDE, False), (JUST_OUTSIDE, False), (FAR_AWAY, True)])
def test_a_point_far_from_the_unit_is_flagged_never_refused(
    worker, household, boundaries, point, far
):
    stored, created = visit(worker, household, latitude=point[0], longitude=point[1])
    assert created
    assert stored.far_from_area is far
    assert Visit.objects.get(pk=stored.pk).far_from_area is far
    assert (stored.latitude, stored.longitude) == point


def test_without_a_boundary_nothing_is_flagged(worker, household):
    stored, _created = visit(worker, household, latitude=FAR_AWAY[0], longitude=FAR_AWAY[1])
    assert stored.far_from_area is False


def test_without_a_point_nothing_is_flagged(worker, household, boundaries):
    stored, _created = visit(worker, household)
    assert stored.latitude is None and stored.far_from_area is False


# --- photos -----------------------------------------------------------------------------


def test_it_stores_photos_without_metadata(worker, household):
    stored, _created = visit(worker, household, photos=[png_upload(), png_upload("b.png")])
    photos = list(VisitPhoto.objects.filter(visit=stored))
    assert len(photos) == 2
    assert photos[0].content_type == "image/png" and (photos[0].width, photos[0].height) == (40, 30)
    assert photos[0].thumbnail.name.endswith("-thumb.jpg")


def test_it_refuses_a_file_that_is_not_an_image(worker, household):
    fake = SimpleUploadedFile("photo.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")
    with pytest.raises(ValidationError) as raised:
        visit(worker, household, photos=[fake])
    assert "photo.jpg" in raised.value.message_dict["photos"][0]
    assert not Visit.objects.exists() and not VisitPhoto.objects.exists()


# --- the schedule -----------------------------------------------------------------------


def test_one_visit_fulfils_two_rules_and_two_pairings(worker, chief, tree):
    household = make_household(tags=["elderly_alone", "dibao"])
    today = timezone.localdate()
    schedule.schedule_rules(today=today)
    cadre = pair("cadre_key_households", chief, household)
    member = pair("member_households", worker, household)
    schedule.schedule_pairings([cadre.pk, member.pk])
    open_before = list(ScheduledVisit.objects.filter(household=household, status="scheduled"))
    assert len(open_before) == 4

    stored, _created = visit(worker, household)

    done = ScheduledVisit.objects.filter(household=household, status="done")
    assert sorted(done.values_list("pk", flat=True)) == sorted(r.pk for r in open_before)
    assert set(done.values_list("visit", flat=True)) == {stored.pk}
    assert set(done.values_list("closed_on", flat=True)) == {today}
    following = ScheduledVisit.objects.filter(household=household, status="scheduled")
    due = {
        (row.rule.code if row.rule else row.pairing.programme.code): (row.due_on - today).days
        for row in following
    }
    assert due == {
        "elderly_alone_weekly": 7,
        "dibao_monthly": 30,
        "cadre_key_households": 30,
        "member_households": 182,
    }


def test_a_visit_before_the_due_date_counts(worker, household):
    schedule.schedule_rules()
    row = ScheduledVisit.objects.get(household=household, status="scheduled", rule__code=WEEKLY)
    ScheduledVisit.objects.filter(pk=row.pk).update(
        due_on=timezone.localdate() + datetime.timedelta(days=5)
    )
    visit(worker, household)
    row.refresh_from_db()
    assert row.status == "done"


def test_a_late_sent_visit_does_not_close_what_a_later_visit_scheduled(worker, household):
    """Sent offline, it arrives after a newer visit: the rows that newer visit scheduled
    stay open for the next visit."""
    schedule.schedule_rules()
    visit(worker, household)
    nxt = ScheduledVisit.objects.get(household=household, status="scheduled", rule__code=WEEKLY)
    visit(worker, household, visited_at=timezone.now() - datetime.timedelta(days=3))
    nxt.refresh_from_db()
    assert nxt.status == "scheduled"


def test_an_occurrence_schedules_its_rules_once_and_a_visit_does_it(worker, household):
    occurrence = services.record_occurrence(
        actor=worker,
        household_id=household.pk,
        trigger_code="hospital_stay",
        occurred_on=timezone.localdate(),
        note="县医院",
    )
    row = ScheduledVisit.objects.get(occurrence=occurrence)
    assert row.rule.code == "hospital_stay"
    assert row.due_on == timezone.localdate() + datetime.timedelta(days=3)
    visit(worker, household)
    row.refresh_from_db()
    assert row.status == "done"
    # Triggered: nothing next.
    assert not ScheduledVisit.objects.filter(rule=row.rule, status="scheduled").exists()


def test_skipping_a_scheduled_visit_needs_a_reason_and_schedules_the_next(worker, household):
    schedule.schedule_rules()
    row = ScheduledVisit.objects.get(household=household, status="scheduled", rule__code=WEEKLY)
    with pytest.raises(ValidationError) as raised:
        services.skip_scheduled(actor=worker, scheduled_id=row.pk, reason="  ")
    assert "reason" in raised.value.message_dict

    services.skip_scheduled(actor=worker, scheduled_id=row.pk, reason="外出务工 不在家")

    row.refresh_from_db()
    assert (row.status, row.skip_reason) == ("skipped", "外出务工 不在家")
    nxt = ScheduledVisit.objects.get(household=household, status="scheduled", rule__code=WEEKLY)
    assert nxt.pk != row.pk
    assert nxt.due_on == timezone.localdate() + datetime.timedelta(days=7)
    with pytest.raises(ValidationError):
        services.skip_scheduled(actor=worker, scheduled_id=row.pk, reason="again")
    assert AuditEntry.objects.filter(action="scheduled_visit.skip").count() == 1


def test_an_outsider_cannot_skip(outsider, household):
    schedule.schedule_rules()
    row = ScheduledVisit.objects.get(household=household, rule__code=WEEKLY)
    with pytest.raises(Http404):
        services.skip_scheduled(actor=outsider, scheduled_id=row.pk, reason="不在家")


# --- a case in one step -----------------------------------------------------------------


def test_a_visit_raises_a_case_in_one_step(worker, household):
    stored, _created = visit(
        worker, household, outcome="case", notes="屋顶漏雨 需要维修", case_category="sanitation"
    )
    case = Case.objects.get()
    assert stored.case == case and Visit.objects.get().case_id == case.pk
    assert (case.household_id, case.area_code, case.text) == (
        household.pk,
        UNIT,
        "屋顶漏雨 需要维修",
    )
    assert case.address == household.address and case.source == "patrol"


def test_a_case_needs_its_category_and_its_text(worker, household):
    with pytest.raises(ValidationError) as raised:
        visit(worker, household, outcome="case")
    assert set(raised.value.message_dict) == {"notes", "case_category"}
    with pytest.raises(ValidationError) as raised:
        visit(worker, household, outcome="case", notes="漏雨", case_category="nonsense")
    assert "case_category" in raised.value.message_dict
    assert not Visit.objects.exists() and not Case.objects.exists()


# --- edits ------------------------------------------------------------------------------


def test_the_visitor_edits_notes_and_outcome_audited(worker, household):
    stored, _created = visit(worker, household, notes="正常")
    services.update_visit(actor=worker, visit_id=stored.pk, notes="老人咳嗽", outcome="follow_up")
    stored.refresh_from_db()
    assert (stored.notes, stored.outcome) == ("老人咳嗽", "follow_up")
    entry = AuditEntry.objects.get(action="visit.update")
    assert entry.before == {"notes": "正常", "outcome": "all_well"}
    assert entry.after == {"notes": "老人咳嗽", "outcome": "follow_up"}


def test_only_the_visitor_edits_and_outsiders_get_404(worker, chief, outsider, household):
    stored, _created = visit(worker, household)
    with pytest.raises(PermissionDenied):
        services.update_visit(actor=chief, visit_id=stored.pk, notes="x")
    with pytest.raises(Http404):
        services.update_visit(actor=outsider, visit_id=stored.pk, notes="x")


def test_an_old_visit_cannot_be_edited(worker, household):
    stored, _created = visit(
        worker, household, visited_at=timezone.now() - datetime.timedelta(days=6)
    )
    Visit.objects.filter(pk=stored.pk).update(
        visited_at=timezone.now() - datetime.timedelta(days=9)
    )
    with pytest.raises(ValidationError) as raised:
        services.update_visit(actor=worker, visit_id=stored.pk, notes="补记")
    assert "visited_at" in raised.value.message_dict


def test_visit_rules_are_untouched_by_visits(worker, household):
    count = VisitRule.objects.count()
    visit(worker, household)
    assert VisitRule.objects.count() == count
