"""Likely duplicates: open cases of the same category, within 50 m or in the same unit,
reported within 7 days, with a similar text; offered on the case page and in the API
while the case can be merged, and a merge tells both reporters."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from conftest import OTHER_UNIT, UNIT, VILLAGE
from yiwang.cases import selectors, services
from yiwang.notices.models import Notification

from .test_api import api_as

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
GARBAGE = "南门街路口有垃圾堆放，很臭"
GARBAGE_AGAIN = "南门街路口垃圾堆了好几天没人清理"
LAMP = "路灯坏了，晚上很黑"
# Points far from the test boundaries: these cases lie in the village, with a point.
LAT, LNG = 34.5, 115.5
METRE = 1 / 111_320  # of latitude, in degrees


def report(text=GARBAGE, *, unit=UNIT, category="sanitation", north_m=None, actor=None):
    place = {"unit_code": unit}
    if north_m is not None:
        place = {"village_code": VILLAGE, "lat": f"{LAT + north_m * METRE:.6f}", "lng": LNG}
    return services.record_hotline_call(
        actor=actor, category=category, text=text, phone="13812345678", **place
    )


def found(case, user=None):
    return [d.case.pk for d in selectors.likely_duplicates(case, user)]


def test_a_similar_report_in_the_same_unit_is_a_likely_duplicate(tree):
    first = report(GARBAGE)
    second = report(GARBAGE_AGAIN)

    [duplicate] = selectors.likely_duplicates(second)

    assert duplicate.case.pk == first.pk and duplicate.same_unit
    assert duplicate.similarity >= selectors.DUPLICATE_SIMILARITY
    assert found(first) == [second.pk]


def test_a_similar_report_within_50_m_is_a_likely_duplicate(tree):
    here = report(GARBAGE, north_m=0)
    near = report(GARBAGE_AGAIN, north_m=30)
    report(GARBAGE_AGAIN, north_m=70)  # too far

    [duplicate] = selectors.likely_duplicates(here)

    assert duplicate.case.pk == near.pk and not duplicate.same_unit
    assert duplicate.distance_m == pytest.approx(30, abs=1)


@pytest.mark.parametrize(
    "other",
    [
        {"text": LAMP},  # another matter
        {"category": "dispute"},
        {"unit": "370830001001001002"},  # the unit next door, no point
        {"unit": OTHER_UNIT},
    ],
    ids=["text", "category", "other-unit", "other-town"],
)
def test_it_needs_the_category_the_place_and_the_text(tree, other):
    case = report(GARBAGE)
    report(**{"text": GARBAGE_AGAIN, **other})

    assert found(case) == []


def test_it_looks_seven_days_either_side(tree):
    # From tomorrow: after the tree is made (its areas open today), whatever the date.
    start = datetime.datetime.combine(
        timezone.localdate() + datetime.timedelta(days=1), datetime.time(9), tzinfo=SHANGHAI
    )
    with time_machine.travel(start, tick=False) as clock:
        case = report(GARBAGE)
        clock.shift(datetime.timedelta(days=6))
        within = report(GARBAGE_AGAIN)
        clock.shift(datetime.timedelta(days=2))
        report(GARBAGE_AGAIN)  # 8 days later

    assert found(case) == [within.pk]


def test_finished_cases_are_not_offered(tree):
    case = report(GARBAGE)
    for finish in ("reject", "merge"):
        other = report(GARBAGE_AGAIN)
        if finish == "reject":
            services.reject(actor=None, case_id=other.pk, reason="重复")
        else:
            services.merge(actor=None, case_id=other.pk, into_id=report(LAMP).pk)

    assert found(case) == []


def test_only_cases_in_the_users_scope_are_offered(chief, outsider, tree):
    case = report(GARBAGE)
    other = report(GARBAGE_AGAIN)

    assert found(case, chief) == [other.pk]
    assert found(case, outsider) == []


def test_the_api_offers_them_while_the_case_can_be_merged(chief, tree):
    first = report(GARBAGE)
    second = report(GARBAGE_AGAIN)
    api = api_as(chief)

    detail = api.get(f"/api/v1/cases/{second.pk}/").json()
    [duplicate] = detail["duplicates"]
    assert duplicate["id"] == first.pk and duplicate["number"] == first.number
    assert duplicate["same_unit"] is True and duplicate["distance_m"] is None
    listed = api.get(f"/api/v1/cases/{second.pk}/duplicates/").json()
    assert [d["id"] for d in listed] == [first.pk]

    services.accept(actor=None, case_id=second.pk)
    assert api.get(f"/api/v1/cases/{second.pk}/").json()["duplicates"] == []


def test_the_case_page_offers_the_merge_next_to_them(chief, tree):
    first = report(GARBAGE)
    second = report(GARBAGE_AGAIN)
    client = Client()
    client.force_login(chief)

    page = client.get(f"/cases/{second.pk}/").content.decode()

    assert 'id="case-duplicates"' in page and first.number in page
    link = f"/cases/{second.pk}/merge/?into_number={first.number}"
    assert link in page
    merge_page = client.get(link)
    assert merge_page.context["form"].initial["into_number"] == first.number


def test_a_merge_tells_both_reporters(worker, chief, tree):
    first = report(GARBAGE)
    second = services.report_case(
        actor=worker, category="sanitation", text=GARBAGE_AGAIN, unit_code=UNIT
    )

    services.merge(actor=chief, case_id=second.pk, into_id=first.pk)

    merged = Notification.objects.about(second).get()
    assert merged.kind == "case.merged" and merged.to_reporter and merged.recipient == worker
    assert first.number in merged.text
    continued = Notification.objects.about(first).get()
    assert continued.kind == "case.merged_in" and continued.to_reporter
    assert continued.recipient is None  # a caller without an account: the tracking page
    assert list(Notification.objects.for_user(worker)) == [merged]
    assert [n.pk for n in selectors.unread_notices(worker)] == [merged.pk]
