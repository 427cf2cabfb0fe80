"""The worker's "today" page and the visit form: what is due and overdue, nearest first,
one line a household with the head's name masked; a routine visit in three taps (the
household, "all well", submit), a double submit stored once; the history, the other
pages, the scope; a pinned number of queries."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import OTHER_UNIT
from yiwang.outreach.models import ScheduledVisit, Visit
from yiwang.outreach.selectors import mask_name
from yiwang.outreach.services import schedule

from .test_visits import make_household, pair, png_upload

TODAY_URL = "/outreach/today/"


def signed_in(client, user):
    client.force_login(user)
    return client


def _due(household, days: int, rule="elderly_alone_weekly"):
    ScheduledVisit.objects.filter(household=household, rule__code=rule).update(
        due_on=timezone.localdate() + datetime.timedelta(days=days)
    )


@pytest.fixture
def households(tree):
    """Three elderly-alone households: one overdue by 3 days, one due today, one in 5
    days; and one due in 30 days (not listed)."""
    made = {
        "late": make_household(number="001", tags=["elderly_alone"], name="李四"),
        "today": make_household(number="002", tags=["elderly_alone"], name="王小明"),
        "soon": make_household(number="003", tags=["elderly_alone"], name="欧阳修文"),
        "later": make_household(number="004", tags=["elderly_alone"]),
    }
    schedule.schedule_rules()
    # The half-yearly rule of ordinary households: not due within the week.
    ScheduledVisit.objects.filter(rule__code="ordinary_half_yearly").update(
        due_on=timezone.localdate() + datetime.timedelta(days=100)
    )
    _due(made["late"], -3)
    _due(made["today"], 0)
    _due(made["soon"], 5)
    _due(made["later"], 30)
    return made


def test_it_lists_what_is_due_nearest_first_overdue_marked(client, worker, households):
    page = signed_in(client, worker).get(TODAY_URL)
    assert page.status_code == 200
    html = page.content.decode()

    due = re.findall(r'data-due="([\d-]+)"', html)
    today = timezone.localdate()
    assert due == [
        str(today - datetime.timedelta(days=3)),
        str(today),
        str(today + datetime.timedelta(days=5)),
    ]
    assert html.count("list-group-item-danger") == 1
    assert "李*" in html and "王*明" in html and "欧**文" in html
    assert "王小明" not in html
    for number in ("001", "002", "003"):
        assert f">{number} · " in html
    assert ">004 · " not in html


def test_the_names_are_masked():
    assert [mask_name(n) for n in ("", "李", "李四", "王小明", "欧阳修文")] == [
        "",
        "李",
        "李*",
        "王*明",
        "欧**文",
    ]


def test_one_line_per_household_with_every_reason(client, worker, chief, tree):
    household = make_household(tags=["elderly_alone", "dibao"])
    schedule.schedule_rules()
    schedule.schedule_pairings([pair("cadre_key_households", chief, household).pk])
    ScheduledVisit.objects.update(due_on=timezone.localdate())

    html = signed_in(client, worker).get(TODAY_URL).content.decode()

    assert html.count('class="d-block px-3 py-2') == 1
    for name in ("独居老人每周必访", "低保户每月必访", "干部联重点户"):
        assert name in html


def test_an_outsider_sees_nothing_of_another_town(client, outsider, households):
    html = signed_in(client, outsider).get(TODAY_URL).content.decode()
    assert 'id="today-empty"' in html


def test_a_sponsor_sees_their_paired_household_across_the_tree(client, outsider, tree):
    household = make_household(number="777")
    pairing = pair("cadre_key_households", outsider, household)
    schedule.schedule_pairings([pairing.pk])
    ScheduledVisit.objects.filter(pairing=pairing).update(due_on=timezone.localdate())
    html = signed_in(client, outsider).get(TODAY_URL).content.decode()
    assert ">777 · " in html


def test_it_needs_a_login(client):
    page = client.get(TODAY_URL)
    assert page.status_code == 302 and "login" in page["Location"]


def test_the_page_takes_a_handful_of_queries(client, worker, households):
    signed_in(client, worker)
    client.get(TODAY_URL)
    for i in range(10):
        make_household(number=f"1{i:02d}", tags=["elderly_alone"])
    schedule.schedule_rules()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(TODAY_URL).status_code == 200
    # session, user, posts, pairings, the rows, the heads; the menu's unread notices
    assert len(captured) == 7, "\n".join(q["sql"][:160] for q in captured)


def _hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def test_a_routine_visit_takes_three_taps(client, worker, households):
    """Tap the household, tap "all well", tap submit: the form brings the rest."""
    signed_in(client, worker)
    today_page = client.get(TODAY_URL).content.decode()
    household = households["late"]
    link = reverse("outreach:visit-household", args=[household.pk])

    # Tap 1: the household's line.
    assert f'href="{link}"' in today_page
    form_page = client.get(link)
    html = form_page.content.decode()
    assert form_page.status_code == 200
    key = _hidden(html, "uuid")
    visited_at = re.search(r'name="visited_at" value="([^"]*)"', html).group(1)
    assert re.search(r'value="all_well"[^>]*checked', html)
    # Tap 2: "all well" (already chosen); tap 3: submit. What the browser sends:
    sent = {"uuid": key, "outcome": "all_well", "visited_at": visited_at}
    done = client.post(link, sent)

    assert done.status_code == 302 and done["Location"] == TODAY_URL
    visit = Visit.objects.get()
    assert (visit.household, visit.visitor, visit.outcome, str(visit.uuid)) == (
        household,
        worker,
        "all_well",
        key,
    )
    assert visit.source == "web"
    row = ScheduledVisit.objects.get(
        household=household, rule__code="elderly_alone_weekly", visit=visit
    )
    assert row.status == "done"
    # The household left the list: its next visit is a week away.
    after = client.get(TODAY_URL).content.decode()
    assert str(timezone.localdate() - datetime.timedelta(days=3)) not in after

    # A double submit (the same form sent again) stores nothing.
    again = client.post(link, sent)
    assert again.status_code == 302
    assert Visit.objects.count() == 1


def test_the_form_shows_errors_and_keeps_the_uuid(client, worker, households):
    signed_in(client, worker)
    link = reverse("outreach:visit-household", args=[households["late"].pk])
    key = _hidden(client.get(link).content.decode(), "uuid")
    future = (timezone.localtime() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    page = client.post(
        link,
        {
            "uuid": key,
            "outcome": "all_well",
            "visited_at": future,
            "latitude": "abc",
            "longitude": "1",
        },
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="id_visited_at_errors"' in html and 'id="id_latitude_errors"' in html
    assert _hidden(html, "uuid") == key
    assert not Visit.objects.exists()


def test_the_form_takes_photos_and_notes(client, worker, households):
    signed_in(client, worker)
    link = reverse("outreach:visit-household", args=[households["today"].pk])
    html = client.get(link).content.decode()
    client.post(
        link,
        {
            "uuid": _hidden(html, "uuid"),
            "outcome": "follow_up",
            "visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "notes": "需要送药",
            "photos": [png_upload()],
        },
    )
    visit = Visit.objects.get()
    assert (visit.outcome, visit.notes, visit.photos.count()) == ("follow_up", "需要送药", 1)
    detail = client.get(reverse("outreach:visit-detail", args=[visit.pk]))
    assert detail.status_code == 200 and "需要送药" in detail.content.decode()
    photo = visit.photos.get()
    thumb = client.get(reverse("outreach:visit-photo", args=[visit.pk, photo.pk, "thumbnail"]))
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"


def test_an_outsider_gets_404_on_the_form_and_the_history(client, outsider, households):
    signed_in(client, outsider)
    household = households["late"]
    assert client.get(reverse("outreach:visit-household", args=[household.pk])).status_code == 404
    assert client.get(reverse("outreach:household-visits", args=[household.pk])).status_code == 404


def test_the_history_shows_visits_and_the_schedule(client, worker, chief, households):
    signed_in(client, worker)
    household = households["late"]
    link = reverse("outreach:visit-household", args=[household.pk])
    html = client.get(link).content.decode()
    client.post(
        link,
        {
            "uuid": _hidden(html, "uuid"),
            "outcome": "not_home",
            "visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        },
    )
    signed_in(client, chief)
    page = client.get(reverse("outreach:household-visits", args=[household.pk])).content.decode()
    assert "独居老人每周必访" in page and "worker" in page
    assert page.count('href="/outreach/visits/') >= 1


def test_skipping_from_the_page(client, worker, households):
    signed_in(client, worker)
    row = ScheduledVisit.objects.get(
        household=households["late"], rule__code="elderly_alone_weekly"
    )
    url = reverse("outreach:schedule-skip", args=[row.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"reason": ""}).status_code == 200
    done = client.post(url, {"reason": "外出务工"})
    assert done.status_code == 302
    row.refresh_from_db()
    assert row.status == "skipped"
    assert client.get(url).status_code == 404


def test_recording_an_occurrence_from_the_page(client, worker, households):
    signed_in(client, worker)
    household = households["today"]
    url = reverse("outreach:occurrence-create", args=[household.pk])
    assert client.get(url).status_code == 200
    done = client.post(
        url, {"trigger": "hospital_stay", "occurred_on": str(timezone.localdate()), "note": ""}
    )
    assert done.status_code == 302
    assert ScheduledVisit.objects.filter(household=household, rule__code="hospital_stay").exists()
    assert "生病住院" in client.get(reverse("outreach:occurrences")).content.decode()


def test_the_visitor_edits_from_the_page(client, worker, chief, households):
    signed_in(client, worker)
    link = reverse("outreach:visit-household", args=[households["today"].pk])
    html = client.get(link).content.decode()
    client.post(
        link,
        {
            "uuid": _hidden(html, "uuid"),
            "outcome": "all_well",
            "visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        },
    )
    visit = Visit.objects.get()
    url = reverse("outreach:visit-edit", args=[visit.pk])
    assert client.post(url, {"outcome": "follow_up", "notes": "复查"}).status_code == 302
    visit.refresh_from_db()
    assert (visit.outcome, visit.notes) == ("follow_up", "复查")
    signed_in(client, chief)
    assert client.get(url).status_code == 403
    assert client.get(reverse("outreach:visits")).status_code == 200


def test_the_visit_list_is_scoped(client, worker, outsider, tree):
    from yiwang.outreach.services import visits as services

    other = make_household(unit=OTHER_UNIT, number="900")
    services.record_visit(
        actor=outsider,
        uuid="6f1c1f3e-8a4c-4b7e-9d3e-0a1b2c3d4e5f",
        household_id=other.pk,
        visited_at=timezone.now(),
        outcome="all_well",
    )
    html = signed_in(client, worker).get(reverse("outreach:visits")).content.decode()
    assert ">900" not in html
