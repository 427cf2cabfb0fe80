"""The points ledger: entries recorded, refused on bad input with nothing changed,
approved or rejected by a second person, corrected; and the entries API."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from yiwang.core.models import AuditEntry
from yiwang.points.models import Entry, EntryStatus, Evaluation, PointsAccount
from yiwang.points.models.entries import MemberAccount
from yiwang.points.services import entries as services
from yiwang.points.tests.test_lists import _client, adopt_defaults, make_household

pytestmark = pytest.mark.django_db

JSON = "application/json"


def _month(offset=0) -> str:
    day = timezone.localdate().replace(day=1)
    for _i in range(offset):
        day = (day - datetime.timedelta(days=1)).replace(day=1)
    return day.strftime("%Y-%m")


@pytest.fixture
def village(chief):
    return adopt_defaults(chief)


@pytest.fixture
def home(worker):
    return make_household(worker)


def item(lists, kind, article):
    return lists[kind].items.get(article=article)


def _state():
    return (
        list(Entry.objects.order_by("id").values_list("id", "status", "points")),
        list(PointsAccount.objects.values_list("household_id", "earned", "spent")),
    )


def test_recorded_then_approved_by_a_second_person(village, home, worker, chief):
    household, _head = home
    entry, created = services.record_entry(
        actor=worker,
        household=household.pk,
        item=item(village, "household", "1").pk,
        month=_month(),
    )
    assert created and entry.status == EntryStatus.PENDING and entry.points == 2
    assert entry.area_code == household.area_code
    with pytest.raises(ValidationError) as refused:
        services.approve_entry(worker, entry.pk)  # the recorder: refused, whatever the post
    assert refused.value.messages
    approved = services.approve_entry(chief, entry.pk)
    assert approved.status == EntryStatus.APPROVED and approved.decided_by == chief
    assert PointsAccount.objects.get(household=household).earned == Decimal("2")
    with pytest.raises(ValidationError):
        services.approve_entry(chief, entry.pk)  # only pending entries
    assert PointsAccount.objects.get(household=household).earned == Decimal("2")


def test_approval_by_the_recorder_is_refused(village, home, chief):
    household, _head = home
    entry, _created = services.record_entry(
        actor=chief, household=household.pk, item=item(village, "household", "1").pk, month=_month()
    )
    before = _state()
    with pytest.raises(ValidationError) as refused:
        services.approve_entry(chief, entry.pk)
    assert (
        "another person" in str(refused.value)
        or "另一" in str(refused.value)
        or refused.value.messages
    )
    with pytest.raises(ValidationError):
        services.reject_entry(chief, entry.pk, "不对")
    assert _state() == before


def test_a_grid_worker_does_not_approve(village, home, chief, worker):
    household, _head = home
    entry, _created = services.record_entry(
        actor=chief, household=household.pk, item=item(village, "household", "1").pk, month=_month()
    )
    with pytest.raises(PermissionDenied):
        services.approve_entry(worker, entry.pk)


def test_rejected_with_a_reason(village, home, worker, chief):
    household, _head = home
    entry, _created = services.record_entry(
        actor=worker,
        household=household.pk,
        item=item(village, "household", "1").pk,
        month=_month(),
    )
    with pytest.raises(ValidationError) as refused:
        services.reject_entry(chief, entry.pk, "  ")
    assert "reason" in refused.value.message_dict
    rejected = services.reject_entry(chief, entry.pk, "庭院未见整洁")
    assert rejected.status == EntryStatus.REJECTED and rejected.reject_reason == "庭院未见整洁"
    assert not PointsAccount.objects.exists()


def test_a_correction_reverses_once_and_awaits_approval(village, home, worker, chief, town_admin):
    household, _head = home
    entry, _created = services.record_entry(
        actor=worker,
        household=household.pk,
        item=item(village, "household", "1").pk,
        month=_month(),
    )
    with pytest.raises(ValidationError):
        services.correct_entry(worker, entry.pk, "记错了")  # pending: rejected, not corrected
    services.approve_entry(chief, entry.pk)
    correction = services.correct_entry(worker, entry.pk, "记错了户")
    assert correction.points == -entry.points and correction.reverses == entry
    assert correction.status == EntryStatus.PENDING and correction.source == "correction"
    with pytest.raises(ValidationError):
        services.correct_entry(worker, entry.pk, "再改")
    services.approve_entry(town_admin, correction.pk)
    assert PointsAccount.objects.get(household=household).earned == Decimal("0")


def test_a_party_members_points_are_not_approved_by_the_member(village, worker, chief):
    _household, member = make_household(worker, "102", party_member=True)
    MemberAccount.objects.create(user=chief, resident=member, area_code=member.area_code)
    entry, _created = services.record_entry(
        actor=worker, resident=member.pk, item=item(village, "party_member", "1").pk, month=_month()
    )
    assert entry.household is None and entry.resident == member
    with pytest.raises(ValidationError):
        services.approve_entry(chief, entry.pk)


# --- bad input: a message, nothing changed ----------------------------------------------------


def _refused(field, **values):
    before = (_state(), AuditEntry.objects.count())
    with pytest.raises(ValidationError) as refused:
        services.record_entry(**values)
    assert field in refused.value.message_dict, refused.value.message_dict
    assert all(refused.value.message_dict[field])
    assert (_state(), AuditEntry.objects.count()) == before


def test_an_item_not_in_the_villages_list(village, home, worker, county_admin):
    household, _head = home
    # A party member's item for a household, and an item of another village's list.
    _refused(
        "item",
        actor=worker,
        household=household.pk,
        item=item(village, "party_member", "1").pk,
        month=_month(),
    )
    from conftest import OTHER_VILLAGE

    other = adopt_defaults(county_admin, village=OTHER_VILLAGE, kind="household")
    _refused(
        "item",
        actor=worker,
        household=household.pk,
        item=item(other, "household", "1").pk,
        month=_month(),
    )


def test_points_out_of_the_range(village, home, worker):
    household, _head = home
    labour = item(village, "household", "2")  # 1 to 3
    _refused(
        "points", actor=worker, household=household.pk, item=labour.pk, month=_month(), points="5"
    )
    _refused("points", actor=worker, household=household.pk, item=labour.pk, month=_month())
    tidy = item(village, "household", "1")  # gives 2
    _refused(
        "points", actor=worker, household=household.pk, item=tidy.pk, month=_month(), points="3"
    )


def test_over_the_monthly_cap(village, home, worker):
    household, _head = home
    tidy = item(village, "household", "1")  # 2, at most 2 a month
    services.record_entry(actor=worker, household=household.pk, item=tidy.pk, month=_month())
    _refused("points", actor=worker, household=household.pk, item=tidy.pk, month=_month())
    # Another month has its own cap.
    services.record_entry(actor=worker, household=household.pk, item=tidy.pk, month=_month(1))


def test_evidence_missing(village, home, worker):
    household, _head = home
    brave = item(village, "household", "6")  # evidence required
    _refused("evidence", actor=worker, household=household.pk, item=brave.pk, month=_month())
    entry, _created = services.record_entry(
        actor=worker,
        household=household.pk,
        item=brave.pk,
        month=_month(),
        evidence="救起落水儿童，有村民证言",
    )
    assert entry.points == 5


def test_a_closed_month_and_a_future_month(village, home, worker):
    household, _head = home
    tidy = item(village, "household", "1")
    month = timezone.localdate().replace(day=1)
    previous = (month - datetime.timedelta(days=1)).replace(day=1)
    Evaluation.objects.create(area_code=household.area_code[:12], month=previous, status="notice")
    _refused("month", actor=worker, household=household.pk, item=tidy.pk, month=_month(1))
    future = (month + datetime.timedelta(days=32)).strftime("%Y-%m")
    _refused("month", actor=worker, household=household.pk, item=tidy.pk, month=future)


def test_a_subject_outside_the_scope_is_not_found(village, worker, outsider):
    from django.http import Http404

    from conftest import OTHER_UNIT

    foreign, _head = make_household(outsider, "外201", unit=OTHER_UNIT)
    with pytest.raises(Http404):
        services.record_entry(
            actor=worker,
            household=foreign.pk,
            item=item(village, "household", "1").pk,
            month=_month(),
        )
    assert not Entry.objects.exists()


# --- the API ---------------------------------------------------------------------------------


def test_the_api_records_once_per_uuid_and_decides(village, home, worker, chief):
    household, _head = home
    key = str(uuid.uuid4())
    body = {
        "uuid": key,
        "household": household.pk,
        "item": item(village, "household", "2").pk,
        "month": _month(),
        "points": 3,
    }
    client = _client(worker)
    url = reverse("api:points-entry-list")
    first = client.post(url, body, content_type=JSON)
    assert first.status_code == 201, first.content
    again = client.post(url, body, content_type=JSON)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert Entry.objects.count() == 1
    entry_id = first.json()["id"]
    approve = reverse("api:points-entry-approve", args=[entry_id])
    assert client.post(approve, content_type=JSON).status_code == 400  # the recorder
    boss = _client(chief)
    reject = reverse("api:points-entry-reject", args=[entry_id])
    assert boss.post(reject, {}, content_type=JSON).status_code == 400
    done = boss.post(approve, content_type=JSON)
    assert done.status_code == 200 and done.json()["status"] == "approved"
    assert boss.post(reject, {"reason": "晚了"}, content_type=JSON).status_code == 400
    bad = client.post(url, {**body, "uuid": str(uuid.uuid4()), "points": 9}, content_type=JSON)
    assert bad.status_code == 400 and "points" in bad.json()
    listed = client.get(url, {"month": _month(), "status": "approved"})
    assert [row["id"] for row in listed.json()["results"]] == [entry_id]
    items = client.get(reverse("api:points-item-list"), {"kind": "household"})
    assert items.status_code == 200 and items.json()["count"] == village["household"].items.count()
    lists = client.get(reverse("api:points-list-list"))
    assert lists.status_code == 200 and lists.json()["count"] == 3


def test_the_pages(village, home, worker, chief):
    household, _head = home
    client = _client(worker)
    page = client.get(reverse("points:entry-create"))
    assert page.status_code == 200
    response = client.post(
        reverse("points:entry-create"),
        {
            "subject": f"h:{household.pk}",
            "item": item(village, "household", "1").pk,
            "month": _month(),
        },
    )
    assert response.status_code == 302
    entry = Entry.objects.get()
    boss = _client(chief)
    queue = boss.get(reverse("points:queue"))
    assert reverse("points:entry-detail", args=[entry.pk]) in queue.content.decode()
    assert boss.post(reverse("points:entry-approve", args=[entry.pk])).status_code == 302
    entry.refresh_from_db()
    assert entry.status == EntryStatus.APPROVED
    detail = boss.get(reverse("points:entry-detail", args=[entry.pk]))
    assert detail.status_code == 200
    listing = client.get(reverse("points:entries"), {"status": "approved"})
    assert reverse("points:entry-detail", args=[entry.pk]) in listing.content.decode()


def test_each_persona_sees_the_entry_within_its_scope(village, home, worker, personas):
    household, _head = home
    entry, _created = services.record_entry(
        actor=worker,
        household=household.pk,
        item=item(village, "household", "1").pk,
        month=_month(),
    )
    for who, user in personas.items():
        client = _client(user)
        inside = who != "outsider"
        detail = client.get(reverse("api:points-entry-detail", args=[entry.pk]))
        assert detail.status_code == (200 if inside else 404), who
        page = client.get(reverse("points:entry-detail", args=[entry.pk]))
        assert page.status_code == (200 if inside else 404), who
        queue = client.get(reverse("points:queue")).content.decode()
        link = reverse("points:entry-detail", args=[entry.pk])
        # The approvers above the village decide it; the recorder and the outsider do not.
        assert (link in queue) == (who in {"county", "town", "chief"}), who
        lists = client.get(reverse("api:points-item-list"), {"village": household.area_code[:12]})
        assert (lists.json()["count"] > 0) == inside, who


def test_the_overviews_links_filter_the_entries(village, home, worker):
    household, _head = home
    entry, _created = services.record_entry(
        actor=worker,
        household=household.pk,
        item=item(village, "household", "1").pk,
        month=_month(1),
    )
    client = _client(worker)
    url = reverse("points:entries")
    link = reverse("points:entry-detail", args=[entry.pk])
    shown = client.get(url, {"area": household.area_code[:12], "from": _month(1), "to": _month()})
    assert link in shown.content.decode()
    assert link not in client.get(url, {"from": _month()}).content.decode()
    api = client.get(reverse("api:points-entry-list"), {"from": _month(2), "to": _month(1)})
    assert [row["id"] for row in api.json()["results"]] == [entry.pk]


# --- a closed month: nothing decided in it, corrections booked to the current month ------


def _closed_month_with_entries(village, home, worker, chief):
    """Last month: one entry approved, one still pending (left from before the month could
    not be closed with pending entries), then the month closed."""
    household, _head = home
    tidy = item(village, "household", "1")
    approved, _c = services.record_entry(
        actor=worker, household=household.pk, item=tidy.pk, month=_month(1)
    )
    services.approve_entry(chief, approved.pk)
    pending, _c = services.record_entry(
        actor=worker,
        household=household.pk,
        item=item(village, "household", "2").pk,
        month=_month(1),
        points=2,
        evidence="义务劳动",
    )
    Evaluation.objects.create(
        area_code=household.area_code[:12],
        month=approved.month,
        standings={},
        computed_at=timezone.now(),
    )  # closed by the board: open for its selection, the standings frozen
    return household, approved, pending


def test_entries_of_a_closed_month_are_not_decided(village, home, worker, chief):
    household, _approved, pending = _closed_month_with_entries(village, home, worker, chief)
    before = _state()
    for decide in (
        lambda: services.approve_entry(chief, pending.pk),
        lambda: services.reject_entry(chief, pending.pk, "重复"),
    ):
        with pytest.raises(ValidationError) as refused:
            decide()
        assert _month(1) in refused.value.messages[0]
        assert "closed" in refused.value.messages[0] or "已" in refused.value.messages[0]
    assert _state() == before
    # Nor is a new entry recorded in it while the board selects.
    _refused(
        "month",
        actor=worker,
        household=household.pk,
        item=item(village, "household", "1").pk,
        month=_month(1),
    )


def test_a_correction_of_a_closed_month_is_booked_to_the_current_month(
    village, home, worker, chief, town_admin
):
    household, approved, _pending = _closed_month_with_entries(village, home, worker, chief)
    correction = services.correct_entry(worker, approved.pk, "记错了户")
    assert correction.month == timezone.localdate().replace(day=1)
    assert correction.reverses == approved and correction.points == -approved.points
    assert _month(1) in correction.evidence and "记错了户" in correction.evidence
    assert correction.status == EntryStatus.PENDING
    services.approve_entry(town_admin, correction.pk)
    assert PointsAccount.objects.get(household=household).earned == Decimal("0")
    # The closed month's own entries are as they were.
    assert not Entry.objects.filter(month=approved.month, reverses__isnull=False).exists()
