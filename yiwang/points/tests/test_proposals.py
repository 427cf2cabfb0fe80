"""Points proposed from records (enter once): a party member's pairing visit, a closed case
of a household, attendance at a meeting; idempotent, within the item's monthly cap, and
only where the village's list in force has the item."""

import datetime
import uuid

import pytest
from django.utils import timezone

from conftest import GRID, UNIT
from yiwang.cases.models import Case, Satisfaction, Status
from yiwang.cases.services.intake import report_case
from yiwang.outreach.models import Outcome, Pairing, Programme
from yiwang.outreach.services import routines as routine_services
from yiwang.outreach.services import visits as visit_services
from yiwang.points.models import Entry, EntrySource, EntryStatus, ProposalRule
from yiwang.points.models.entries import MemberAccount
from yiwang.points.services import entries as entry_services
from yiwang.points.services import proposals
from yiwang.points.services.entries import month_start
from yiwang.points.tests.test_lists import _client, adopt_defaults, make_household

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(worker, chief):
    """The grid worker's account belongs to a party member of the ledger."""
    _home, resident = make_household(worker, "201", party_member=True)
    return entry_services.link_member(actor=chief, resident=resident.pk, username="worker")


def _visit(worker, household, when=None):
    visit, _created = visit_services.record_visit(
        actor=worker,
        uuid=uuid.uuid4(),
        household_id=household.pk,
        visited_at=when or timezone.now(),
        outcome=Outcome.ALL_WELL,
        notes="走访",
    )
    return visit


def _pair(worker, household):
    return Pairing.objects.create(
        programme=Programme.objects.get(code="member_households"),
        sponsor=worker,
        household=household,
        area_code=household.area_code,
        starts_on=timezone.localdate() - datetime.timedelta(days=40),
    )


def test_a_pairing_visit_proposes_red_points_once(chief, worker, member):
    adopt_defaults(chief)
    household, _head = make_household(worker, "301")
    _pair(worker, household)
    visit = _visit(worker, household)
    unpaired, _head = make_household(worker, "302")
    _visit(worker, unpaired)  # no pairing: nothing
    month = month_start(timezone.localdate())
    result = proposals.propose(month)
    assert result["made"] == 1
    entry = Entry.objects.get()
    assert entry.source == EntrySource.PROPOSED and entry.recorded_by is None
    assert entry.resident == member.resident and entry.visit == visit
    assert entry.proposal_key == f"visit:{visit.pk}" and entry.status == EntryStatus.PENDING
    assert entry.item.template == ProposalRule.objects.get(source="pairing_visit").template
    assert proposals.propose(month).get("made", 0) == 0  # idempotent
    assert Entry.objects.count() == 1
    # The chief approves it; the worker (the member) could not.
    entry_services.approve_entry(chief, entry.pk)


def test_the_monthly_cap_stops_proposals(chief, worker, member):
    adopt_defaults(chief)
    household, _head = make_household(worker, "303")
    _pair(worker, household)
    for _n in range(6):
        _visit(worker, household)
    result = proposals.propose(timezone.localdate())
    assert result["made"] == 4 and result["cap"] == 2  # +1 a visit, at most 4 a month


def test_no_list_in_force_proposes_nothing(worker, member):
    household, _head = make_household(worker, "304")
    _pair(worker, household)
    _visit(worker, household)
    assert proposals.propose(timezone.localdate()) == {"no_item": 1}
    assert not Entry.objects.exists()


def _request(worker, household, text, category="help", source=None):
    """A resident's request taken by the grid worker from a call (or another source)."""
    from yiwang.cases.services.intake import record_hotline_call

    extra = {"source": source} if source else {}
    return record_hotline_call(
        actor=worker,
        category=category,
        text=text,
        phone="13812345678",
        name="张三",
        household_id=household.pk,
        **extra,
    )


def _close(case, satisfaction=""):
    Case.objects.filter(pk=case.pk).update(
        status=Status.CLOSED, closed_at=timezone.now(), satisfaction=satisfaction
    )


def test_a_closed_case_proposes_civility_points_for_the_household(chief, worker):
    adopt_defaults(chief)
    household, _head = make_household(worker, "305")
    case = _request(worker, household, "门前沟渠堵塞，请求疏通")
    open_case = _request(worker, household, "路灯坏了", category="consultation")
    _close(case, Satisfaction.SATISFIED)
    month = timezone.localdate()
    assert proposals.propose(month)["made"] == 1
    entry = Entry.objects.get()
    assert entry.household == household and entry.case == case and entry.resident is None
    assert entry.proposal_key == f"case:{case.pk}"
    assert proposals.propose(month).get("made", 0) == 0
    assert not Entry.objects.filter(case=open_case).exists()


def test_a_patrol_report_about_a_household_proposes_nothing(chief, worker):
    """A grid worker's patrol report naming a household (a dispute, an illegal building)
    is no deed of the household; nor is a patrol kind of case from a resident's source."""
    adopt_defaults(chief)
    household, _head = make_household(worker, "306")
    patrol = report_case(
        actor=worker, category="sanitation", text="违章搭建", household_id=household.pk
    )
    reported = _request(worker, household, "邻里纠纷", category="sanitation")
    request = _request(worker, household, "求助：老人就医")
    for case in (patrol, reported, request):
        _close(case)
    assert proposals.propose(timezone.localdate())["made"] == 1
    assert list(Entry.objects.values_list("case_id", flat=True)) == [request.pk]


def test_a_request_followed_up_as_dissatisfied_proposes_nothing(chief, worker):
    adopt_defaults(chief)
    household, _head = make_household(worker, "307")
    unhappy = _request(worker, household, "求助：修缮房屋")
    basically = _request(worker, household, "咨询：低保政策", category="consultation")
    _close(unhappy, Satisfaction.DISSATISFIED)
    _close(basically, Satisfaction.BASICALLY)
    assert proposals.propose(timezone.localdate())["made"] == 1
    assert list(Entry.objects.values_list("case_id", flat=True)) == [basically.pk]


def test_attendance_at_a_meeting(chief, worker, member):
    adopt_defaults(chief)
    meeting = routine_services.record_meeting(
        actor=None,
        routine_code="weekly_meeting",
        area_code=GRID,
        held_at=timezone.now(),
        minutes="例会",
        attendee_ids=[worker.pk, chief.pk],
    )
    assert proposals.propose(timezone.localdate())["made"] == 1  # the chief is no member
    entry = Entry.objects.get()
    assert entry.proposal_key == f"meeting:{meeting.pk}:{worker.pk}"
    assert entry.resident == member.resident


def test_the_rules_and_members_pages(county_admin, chief, worker):
    client = _client(county_admin)
    page = client.get("/points/settings/proposal-rules/")
    assert page.status_code == 200
    assert _client(chief).get("/points/settings/proposal-rules/").status_code == 403
    _home, resident = make_household(worker, "306", party_member=True)
    response = _client(chief).post(
        "/points/members/", {"resident": resident.pk, "username": "worker"}
    )
    assert response.status_code == 302
    assert MemberAccount.objects.get().resident == resident
    assert UNIT.startswith(MemberAccount.objects.get().area_code[:12])
