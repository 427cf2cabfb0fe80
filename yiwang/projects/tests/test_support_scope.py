"""Who sees, records and handles enterprise requests, for every persona: the county admin
all; the town admin those of the town's enterprises; the grid chief, the grid worker and
the outsider none (they neither manage the area nor counsel nor handle); the department's
clerk those sent to the department; a finance counsellor those of the enterprises their
team is paired with. Outside the sight is 404, in sight but not allowed 403."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from yiwang.projects.models import EnterpriseRequest, RequestStatus
from yiwang.projects.selectors import support as selectors
from yiwang.projects.services import support as services
from yiwang.projects.tests.factories import make_department
from yiwang.projects.tests.support_rows import make_support

pytestmark = pytest.mark.django_db
DAY = datetime.date(2025, 9, 30)


def _receive(enterprise, department, actor=None):
    row, _created = services.receive_request(
        actor,
        enterprise=enterprise.pk,
        kind="labour",
        text="招工200人",
        department=department.pk,
        received_on=DAY,
    )
    return row


@pytest.fixture
def rows(personas):
    support = make_support()
    other = make_department(code="labour", name="县人力资源和社会保障局")
    return {
        "support": support,
        "own": _receive(support.enterprise, support.department),
        "foreign": _receive(support.foreign_enterprise, other),
        "lonely": _receive(support.lonely_enterprise, other),
    }


def _seen(user, rows):
    names = {row.pk: name for name, row in rows.items() if name != "support"}
    return {names[pk] for pk in selectors.visible_requests(user).values_list("pk", flat=True)}


def test_each_persona_sees_their_requests(rows, personas):
    s = rows["support"]
    assert _seen(personas["county"], rows) == {"own", "foreign", "lonely"}
    assert _seen(personas["town"], rows) == {"own", "lonely"}
    for name in ("chief", "worker", "outsider"):
        assert _seen(personas[name], rows) == set(), name
    assert _seen(s.clerk, rows) == {"own"}
    assert _seen(s.counsellor, rows) == {"own"}  # paired with a team-mate
    assert _seen(s.sponsor, rows) == {"own"}


def test_a_team_made_inactive_no_longer_counsels(rows):
    s = rows["support"]
    s.team.is_active = False
    s.team.save()
    assert _seen(s.counsellor, rows) == set()
    assert _seen(s.sponsor, rows) == {"own"}  # their own pairing still


def test_who_may_record_a_request(rows, personas):
    s = rows["support"]
    assert _receive(s.enterprise, s.department, personas["town"]).recorded_by_id
    assert _receive(s.enterprise, s.department, s.counsellor).status == RequestStatus.RECEIVED
    with pytest.raises(Http404):  # no post: the lonely enterprise is none of theirs
        _receive(s.lonely_enterprise, s.department, s.counsellor)
    with pytest.raises(PermissionDenied):  # in the chief's village, but not managed
        _receive(s.lonely_enterprise, s.department, personas["chief"])
    with pytest.raises(Http404):
        _receive(s.enterprise, s.department, personas["outsider"])
    with pytest.raises(Http404):
        _receive(s.foreign_enterprise, s.department, personas["town"])
    assert EnterpriseRequest.objects.count() == 5


def test_who_may_handle_a_request(rows, personas):
    s = rows["support"]
    own, foreign = rows["own"], rows["foreign"]
    with pytest.raises(PermissionDenied):  # the counsellor sees it but does not handle it
        services.begin_verifying(s.counsellor, own.pk)
    for name in ("chief", "worker", "outsider"):
        with pytest.raises(Http404):
            services.begin_verifying(personas[name], own.pk)
    with pytest.raises(Http404):
        services.begin_verifying(s.clerk, foreign.pk)
    assert EnterpriseRequest.objects.get(pk=own.pk).status == RequestStatus.RECEIVED
    assert services.begin_verifying(s.clerk, own.pk).status == RequestStatus.VERIFYING
    services.begin_verifying(personas["town"], rows["lonely"].pk)
    services.begin_verifying(personas["county"], foreign.pk)


def test_teams_are_the_command_posts(rows, personas):
    s = rows["support"]
    for name in ("town", "chief", "worker", "outsider"):
        with pytest.raises(PermissionDenied):
            services.create_team(personas[name], name="建行辅导队", bank="建设银行")
    team = services.create_team(
        personas["county"],
        name="建行辅导队",
        bank="建设银行",
        leader=s.counsellor.pk,
        members=[s.sponsor.pk],
    )
    assert set(team.members.all()) == {s.counsellor, s.sponsor}
    services.set_team_members(personas["county"], team.pk, members=[])
    assert list(team.members.all()) == [s.counsellor]  # the leader stays
    services.update_team(personas["county"], team.pk, bank="中国建设银行")
    team.refresh_from_db()
    assert team.bank == "中国建设银行"


def test_the_counsellor_overview(rows, personas):
    s = rows["support"]
    county = selectors.counsellor_overview(personas["county"])
    (item,) = county["teams"]
    assert [e["enterprise"] for e in item["enterprises"]] == [s.enterprise]
    assert set(county["uncounselled"]) == {s.foreign_enterprise, s.lonely_enterprise}
    town = selectors.counsellor_overview(personas["town"])
    assert town["uncounselled"] == [s.lonely_enterprise]
    mine = selectors.counsellor_overview(s.counsellor)
    assert [t["team"] for t in mine["teams"]] == [s.team] and mine["uncounselled"] == []
    assert selectors.counsellor_overview(personas["worker"])["teams"] == []
