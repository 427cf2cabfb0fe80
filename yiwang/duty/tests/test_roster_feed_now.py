"""The duty calendar (ICS) and "who is on duty now"."""

from __future__ import annotations

import datetime
import zoneinfo

import icalendar
import pytest
from django.http import Http404
from django.test import Client
from django.utils import timezone

from conftest import COUNTY, OTHER_TOWN, OTHER_UNIT, TOWN, VILLAGE
from yiwang.duty import ics
from yiwang.duty.models import Assignment, DutyFeed
from yiwang.duty.selectors.rosters import on_duty_now
from yiwang.duty.services import rosters as services
from yiwang.duty.tests.roster_rows import make_roster

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def _events(body: bytes) -> dict:
    cal = icalendar.Calendar.from_ical(body)
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_the_calendar_parses_and_matches_the_shifts(tree):
    roster, pools = make_roster(days=8)
    leader = pools["leader"][0]
    body = ics.feed(leader)
    events = _events(body)
    rows = list(Assignment.objects.filter(user=leader).order_by("starts_at"))
    assert rows and set(events) == {ics.uid(row.pk) for row in rows}
    for row in rows:
        event = events[ics.uid(row.pk)]
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert start == row.starts_at and end == row.ends_at
        assert str(start.tzinfo) == "Asia/Shanghai" and start.astimezone(SHANGHAI).hour == 8
        assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"
        assert roster.name in str(event["SUMMARY"])
    assert b"BEGIN:VTIMEZONE" in body and b"TZID:Asia/Shanghai" in body
    # The UIDs are stable: the same feed again names the same events.
    assert set(_events(ics.feed(leader))) == set(events)


def test_the_api_sends_ones_own_calendar_and_refuses_anothers(tree):
    roster, pools = make_roster(days=4)
    leader, other = pools["leader"][0], pools["leader"][1]
    client = Client()
    client.force_login(leader)
    own = client.get("/api/v1/duty/ics/")
    assert own.status_code == 200 and own["Content-Type"].startswith("text/calendar")
    assert set(_events(own.content)) == {
        ics.uid(pk) for pk in Assignment.objects.filter(user=leader).values_list("pk", flat=True)
    }
    assert client.get(f"/api/v1/duty/ics/?user={leader.pk}").status_code == 200
    refused = client.get(f"/api/v1/duty/ics/?user={other.pk}", HTTP_ACCEPT="text/calendar")
    assert refused.status_code == 403
    assert refused.json()["detail"]
    assert client.get("/api/v1/duty/ics/?user=abc").status_code == 400


def test_the_token_feed_answers_without_signing_in_and_a_new_token_revokes_the_old(tree):
    roster, pools = make_roster(days=3)
    leader = pools["leader"][0]
    feed = services.ensure_feed(actor=leader)
    old = feed.token
    anonymous = Client()
    answer = anonymous.get(f"/duty/feed/{old}.ics")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/calendar")
    assert _events(answer.content)
    services.renew_feed(actor=leader)
    assert anonymous.get(f"/duty/feed/{old}.ics").status_code == 404
    assert (
        anonymous.get(f"/duty/feed/{DutyFeed.objects.get(user=leader).token}.ics").status_code
        == 200
    )


def test_on_duty_now_across_midnight(tree, county_admin, town_admin, chief, outsider):
    roster, pools = make_roster(days=3, start_in_days=1)
    first_day = roster.starts_on
    # 02:00 in the night after the first shift began (08:00 the day before): its people.
    at = datetime.datetime.combine(
        first_day + datetime.timedelta(days=1), datetime.time(2, 0), tzinfo=SHANGHAI
    )
    first = Assignment.objects.filter(shift__roster=roster).order_by("starts_at").first()
    assert timezone.localtime(first.starts_at).date() == first_day
    expected = set(Assignment.objects.filter(shift=first.shift).values_list("user_id", flat=True))
    for viewer in (county_admin, town_admin):
        rows = on_duty_now(viewer, COUNTY if viewer == county_admin else TOWN, at=at)
        assert {r["user"] for r in rows} == expected
        assert rows[0]["role"] == "leader" and rows[0]["is_leader"]
        assert rows[0]["area_name"] == "中都街道" and rows[0]["place"] == "镇政府值班室"
        assert rows[0]["phone"].startswith("139")
    # 08:00 the next morning the next shift's people are on duty; at 07:59 still the first's.
    morning = at.replace(hour=8)
    later = {r["user"] for r in on_duty_now(county_admin, COUNTY, at=morning)}
    assert later and later != expected
    assert {
        r["user"] for r in on_duty_now(county_admin, COUNTY, at=at.replace(hour=7, minute=59))
    } == expected
    # Out of scope: 404 (the outsider for the town; the chief for the town above them).
    with pytest.raises(Http404):
        on_duty_now(outsider, TOWN, at=at)
    with pytest.raises(Http404):
        on_duty_now(chief, TOWN, at=at)
    # The chief's village: nobody of the town's roster is on duty in it.
    assert on_duty_now(chief, VILLAGE, at=at) == []
    assert on_duty_now(outsider, OTHER_UNIT, at=at) == []


def test_on_duty_now_for_the_county_reads_few_queries(
    tree, county_admin, django_assert_max_num_queries
):
    make_roster(days=3, start_in_days=-1, prefix="n")
    with django_assert_max_num_queries(4):
        rows = on_duty_now(county_admin, COUNTY)
    assert len(rows) == 3
    answer = Client()
    answer.force_login(county_admin)
    api = answer.get(f"/api/v1/duty/now/?area={COUNTY}")
    assert api.status_code == 200 and len(api.json()) == 3
    assert answer.get(f"/api/v1/duty/now/?area={OTHER_TOWN}9").status_code == 404
