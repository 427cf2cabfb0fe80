"""The county's event types and routines (settings: who may change them, what a routine
needs), and routine compliance per grid per week on a hand-computed example."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import GRID, TOWN, UNIT, VILLAGE
from yiwang.core.models import AuditEntry
from yiwang.outreach.models import EventType, Routine, Visit
from yiwang.outreach.selectors import routines as selectors
from yiwang.outreach.services import routines as services
from yiwang.registry.services import create_household

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(*args):
    return datetime.datetime(*args, tzinfo=SHANGHAI)


# The week under test is the ISO week after next, seen on the Wednesday after it: dated
# from today, so that the personas' posts and the grids (which start today) are held and
# open on every day the tests look at (from the Sunday before the week, 7 to 13 days
# ahead), whatever the date of the run.
MONDAY = timezone.localdate() + datetime.timedelta(days=14 - timezone.localdate().weekday())


def day(days, hour, minute=0):
    """A time in Beijing, `days` after this week's Monday."""
    date = MONDAY + datetime.timedelta(days=days)
    return at(date.year, date.month, date.day, hour, minute)


def week(days=0, sep="-W"):
    year, number, _ = (MONDAY + datetime.timedelta(days=days)).isocalendar()
    return f"{year}{sep}{number:02d}"


SEEN = day(9, 10)


# --- settings ---------------------------------------------------------------------------


def test_the_county_admin_adds_and_changes_a_routine(county_admin):
    routine = services.save_routine(
        actor=county_admin, code="weekly_study", name="每周学习", rhythm="weekly", times=2
    )
    services.save_routine(
        actor=county_admin,
        code="weekly_study",
        name="每周集中学习",
        rhythm="monthly",
        times=1,
        order=3,
    )

    routine.refresh_from_db()
    assert (routine.name, routine.rhythm, routine.times, routine.order) == (
        "每周集中学习",
        "monthly",
        1,
        3,
    )
    entries = AuditEntry.objects.filter(action="outreach_routine.save").order_by("id")
    assert [e.before is None for e in entries] == [True, False]


def test_a_routine_needs_a_rhythm_and_at_least_once(county_admin):
    with pytest.raises(ValidationError) as excinfo:
        services.save_routine(actor=county_admin, code="x", name="某制度", rhythm="", times=0)

    assert set(excinfo.value.message_dict) == {"rhythm", "times"}
    with pytest.raises(ValidationError) as excinfo:
        services.save_routine(
            actor=county_admin, code="bad code!", name="", rhythm="hourly", times="two"
        )
    assert set(excinfo.value.message_dict) == {"code", "name", "rhythm", "times"}
    assert not Routine.objects.filter(code="x").exists()


def test_a_routine_name_is_unique_and_compliance_is_reserved(county_admin):
    with pytest.raises(ValidationError) as excinfo:
        services.save_routine(
            actor=county_admin, code="other", name="每周网格例会", rhythm="weekly", times=1
        )
    assert list(excinfo.value.message_dict) == ["name"]
    with pytest.raises(ValidationError) as excinfo:
        services.save_routine(
            actor=county_admin, code="compliance", name="新制度", rhythm="weekly", times=1
        )
    assert list(excinfo.value.message_dict) == ["code"]


def test_only_a_county_admin_changes_the_settings(town_admin, chief, worker):
    for actor in (town_admin, chief, worker):
        with pytest.raises(PermissionDenied):
            services.save_routine(
                actor=actor, code="mine", name="我的制度", rhythm="weekly", times=1
            )
        with pytest.raises(PermissionDenied):
            services.save_event_type(actor=actor, code="mine", name="我的事件")
    assert not Routine.objects.filter(code="mine").exists()


def test_the_county_admin_adds_and_retires_an_event_type(county_admin):
    services.save_event_type(actor=county_admin, code="flood", name="防汛", order=9)
    services.set_event_type_active(actor=county_admin, code="flood", is_active=False)
    services.set_routine_active(actor=county_admin, code="weekly_report", is_active=False)

    assert EventType.objects.get(code="flood").is_active is False
    assert Routine.objects.get(code="weekly_report").is_active is False
    with pytest.raises(ValidationError) as excinfo:
        services.save_event_type(actor=county_admin, code="flood2", name="防汛")
    assert list(excinfo.value.message_dict) == ["name"]
    with pytest.raises(Http404):
        services.set_routine_active(actor=county_admin, code="nope", is_active=False)


# --- compliance per grid per week -------------------------------------------------------


@pytest.fixture
def a_week(tree, county_admin, chief, worker):
    """This week (Monday to Sunday), seen on the Wednesday after it. Grid 1 holds its
    weekly meeting (at 07:00 on Monday: still Sunday in UTC); grid 2 holds one the Sunday
    before and one just after midnight ending the week, so none in the week. Grid 1's
    workers visit on three days (twice on Tuesday), and it keeps a twice-daily check-in
    three times on Monday and once on Tuesday."""
    grid2 = next(
        code for code in tree if len(code) == 15 and code.startswith(VILLAGE) and code != GRID
    )
    unit2 = next(code for code in tree if len(code) == 18 and code.startswith(grid2))
    services.save_routine(
        actor=county_admin, code="checkin", name="每日两报", rhythm="daily", times=2, order=20
    )
    with time_machine.travel(SEEN, tick=False):

        def meeting(routine, area, when):
            services.record_meeting(
                actor=chief,
                routine_code=routine,
                area_code=area,
                held_at=when,
                attendee_ids=[chief.pk],
            )

        meeting("weekly_meeting", GRID, day(0, 7))
        meeting("weekly_meeting", grid2, day(-1, 23, 30))
        meeting("weekly_meeting", unit2, day(7, 0, 30))
        meeting("monthly_analysis", grid2, day(2, 9))
        for hour in (8, 12, 18):
            meeting("checkin", UNIT, day(0, hour))
        meeting("checkin", GRID, day(1, 8))
        household = create_household(actor=None, unit_code=UNIT, number="001")
        for when in (
            day(1, 9),
            day(1, 15),
            day(3, 10),
            day(6, 23, 50),
            day(7, 0, 10),  # the next week
        ):
            Visit.objects.create(
                household=household, visitor=worker, visited_at=when, area_code=UNIT
            )
        yield {"grid1": GRID, "grid2": grid2}


def _table(result):
    return {
        row.area.code: {
            cell.routine.code: (cell.held, cell.required, cell.met) for cell in row.cells
        }
        for row in result.grids
    }


def test_compliance_per_grid_per_week(chief, a_week):
    result = selectors.routine_compliance(chief, area_code=VILLAGE, week=week())

    assert (result.week, result.starts_on, result.ends_on) == (
        week(),
        MONDAY,
        MONDAY + datetime.timedelta(days=6),
    )
    # Monthly and quarterly routines are judged over their month or quarter.
    assert [r.code for r in result.routines] == [
        "daily_visits",
        "daily_patrol",
        "weekly_meeting",
        "weekly_report",
        "checkin",
    ]
    assert _table(result) == {
        a_week["grid1"]: {
            "daily_visits": (3, 7, False),  # Tuesday, Thursday, Sunday
            "daily_patrol": (0, 7, False),
            "weekly_meeting": (1, 1, True),
            "weekly_report": (0, 1, False),
            "checkin": (3, 14, False),  # min(3, 2) on Monday + 1 on Tuesday
        },
        a_week["grid2"]: {
            "daily_visits": (0, 7, False),
            "daily_patrol": (0, 7, False),
            "weekly_meeting": (0, 1, False),
            "weekly_report": (0, 1, False),
            "checkin": (0, 14, False),
        },
    }
    (village,) = result.rollup
    assert (village.code, village.grids, village.met["weekly_meeting"], village.all_met) == (
        VILLAGE,
        2,
        1,
        0,
    )


def test_a_weekly_routine_kept_in_every_grid(chief, county_admin, a_week):
    with time_machine.travel(SEEN, tick=False):
        services.record_meeting(
            actor=chief,
            routine_code="weekly_meeting",
            area_code=a_week["grid2"],
            held_at=day(6, 20),
            attendee_ids=[chief.pk],
        )

    result = selectors.routine_compliance(county_admin, area_code=TOWN, week=week(sep="W"))

    assert [(r.code, r.grids, r.met["weekly_meeting"]) for r in result.rollup] == [
        (TOWN, 2, 2),
        (VILLAGE, 2, 2),
    ]


def test_the_next_week_counts_its_own(chief, a_week):
    result = selectors.routine_compliance(chief, area_code=VILLAGE, week=week(7))

    table = _table(result)
    assert table[a_week["grid2"]]["weekly_meeting"] == (1, 1, True)
    assert table[a_week["grid1"]]["daily_visits"] == (1, 7, False)


def test_compliance_reads_a_fixed_number_of_queries(county_admin, a_week):
    selectors.routine_compliance(county_admin, area_code=VILLAGE, week=week())
    counts = []
    for code in (VILLAGE, TOWN, TOWN[:6]):
        with CaptureQueriesContext(connection) as queries:
            selectors.routine_compliance(county_admin, area_code=code, week=week())
        counts.append(len(queries))

    assert counts[0] == counts[1] == counts[2]


def test_compliance_outside_the_scope_is_not_found_and_a_bad_week_refused(outsider, chief):
    with pytest.raises(Http404):
        selectors.routine_compliance(outsider, area_code=VILLAGE, week=week())
    for bad in ("2026-W54", "48", "2026-11-23"):
        with pytest.raises(ValidationError) as excinfo:
            selectors.routine_compliance(chief, area_code=VILLAGE, week=bad)
        assert list(excinfo.value.message_dict) == ["week"]


# --- pages --------------------------------------------------------------------------------


def test_the_settings_pages_are_the_county_admins(client, county_admin, town_admin):
    client.force_login(town_admin)
    for url in (
        "/outreach/settings/routines/",
        "/outreach/settings/routines/new/",
        "/outreach/settings/event-types/",
        "/outreach/settings/event-types/dispute/edit/",
    ):
        assert client.get(url).status_code == 403
    assert client.post("/outreach/settings/routines/weekly_meeting/toggle/").status_code == 403

    client.force_login(county_admin)
    assert client.get("/outreach/settings/routines/").status_code == 200
    assert client.get("/outreach/settings/event-types/").status_code == 200


def test_the_county_admin_adds_edits_and_retires_a_routine_on_its_pages(client, county_admin):
    client.force_login(county_admin)

    refused = client.post(
        "/outreach/settings/routines/new/",
        {"code": "study", "name": "学习", "rhythm": "", "times": "0", "order": "0"},
    )
    created = client.post(
        "/outreach/settings/routines/new/",
        {"code": "study", "name": "学习", "rhythm": "weekly", "times": "2", "order": "0"},
    )
    edited = client.post(
        "/outreach/settings/routines/study/edit/",
        {
            "code": "ignored",
            "name": "集中学习",
            "rhythm": "weekly",
            "times": "1",
            "order": "1",
            "is_active": "on",
        },
    )
    retired = client.post("/outreach/settings/routines/study/toggle/")

    assert set(refused.context["form"].errors) == {"rhythm", "times"}
    assert created.status_code == edited.status_code == retired.status_code == 302
    routine = Routine.objects.get(code="study")
    assert (routine.name, routine.times, routine.is_active) == ("集中学习", 1, False)


def test_the_county_admin_adds_an_event_type_on_its_page(client, county_admin):
    client.force_login(county_admin)

    response = client.post(
        "/outreach/settings/event-types/new/",
        {"code": "flood", "name": "防汛", "order": "7", "is_active": "on"},
    )
    duplicate = client.post(
        "/outreach/settings/event-types/new/",
        {"code": "flood", "name": "防汛2", "order": "7"},
    )

    assert response.status_code == 302
    assert EventType.objects.get(code="flood").name == "防汛"
    assert set(duplicate.context["form"].errors) == {"code"}


def test_the_compliance_page(client, chief, outsider, a_week):
    client.force_login(chief)

    response = client.get("/outreach/routines/compliance/", {"week": week(), "area": VILLAGE})
    bad_week = client.get("/outreach/routines/compliance/", {"week": "2026-W60"})
    default = client.get("/outreach/routines/compliance/")

    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="grid-{a_week["grid1"]}"' in html and "1 / 1" in html
    assert bad_week.status_code == 200 and "week" in bad_week.context["form"].errors
    assert default.context["result"].area.code == VILLAGE
    client.force_login(outsider)
    assert client.get("/outreach/routines/compliance/", {"area": VILLAGE}).status_code == 404
