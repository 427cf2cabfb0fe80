"""The notices about cases: after the deadline sweep escalates a case, the level that let it
lapse and the level above each find their notice on the notices page, in the API and as a
count on the main menu; nobody else does. Marking them read (one, all) is the user's own
notices only, audited, and clears the badge.

Time is frozen ahead as in test_deadlines.py: a sanitation report of the worker's unit is
due at the village 4 hours after 9:00, so the sweep at 13:06 sends it up to the town."""

import datetime
import re
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from conftest import COUNTY, OTHER_TOWN, OTHER_UNIT, VILLAGE
from yiwang.cases import services
from yiwang.cases.models import Case, NoticeKind
from yiwang.cases.services.notices import about
from yiwang.core.models import AuditEntry
from yiwang.notices import kinds
from yiwang.notices.models import Notification

from .conftest import new_case

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
TOMORROW = timezone.localdate() + datetime.timedelta(days=1)
NINE = datetime.datetime.combine(TOMORROW, datetime.time(9), tzinfo=SHANGHAI)
PAGE = "/cases/notices/"
API = "/api/v1/notices/"


def at(hours: float) -> datetime.datetime:
    return NINE + datetime.timedelta(hours=hours)


@pytest.fixture
def clock():
    with time_machine.travel(NINE, tick=False) as traveller:
        yield traveller


@pytest.fixture
def escalated(tree, clock):
    """A case the village let lapse: now the town's, with a notice to each."""
    case = new_case()
    assert services.escalate_overdue(now=at(4.1)) == {"escalated": 1, "reminded": 0}
    return case


@pytest.fixture
def other_town_admin(tree):
    from yiwang.accounts.services import create_user, grant_post

    user = create_user(actor=None, username="other_town", password="Strong-pass-2026")
    grant_post(actor=None, user=user, role="town_admin", area_code=OTHER_TOWN)
    return user


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _api(user):
    api = APIClient()
    api.force_authenticate(type(user).objects.get(pk=user.pk))
    return api


def _badge(body: str) -> str | None:
    """The unread count on the main menu's "Cases" link; None when there is no badge."""
    found = re.search(r'id="nav-unread-notices">([0-9+]+)<', body)
    return found.group(1) if found else None


def _notice(case, kind) -> Notification:
    return Notification.objects.about(case).get(kind=f"case.{kind}")


def _reminder(case) -> Notification:
    """An unread reminder of `case` to the village, made now."""
    return Notification.objects.create(
        **about(case), kind="case.reminder", area_code=VILLAGE, text="提醒"
    )


def test_each_level_finds_its_notice_on_the_page(chief, town_admin, escalated):
    overdue, up = _notice(escalated, "overdue"), _notice(escalated, "escalated")

    body = _client(chief).get(PAGE).content.decode()
    assert overdue.text in body and up.text not in body
    assert f'id="notice-{overdue.pk}"' in body and "notice-unread-badge" in body
    assert 'id="case-tab-notices"' in body and 'id="notices-read-all"' in body
    assert f'href="/cases/{escalated.pk}/"' in body  # the case is in the chief's scope
    assert escalated.number in body
    # The CSP: no inline script, style or event handler.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body)
    assert not re.search(r"<[^>]+\s(style|on[a-z]+)=", body)

    body = _client(town_admin).get(PAGE).content.decode()
    assert up.text in body and overdue.text not in body
    assert f'href="/cases/{escalated.pk}/"' in body


def test_each_level_finds_its_notice_in_the_api(chief, town_admin, escalated):
    overdue, up = _notice(escalated, "overdue"), _notice(escalated, "escalated")

    [row] = _api(chief).get(API).json()["results"]
    assert row == {
        "id": overdue.pk,
        "case": escalated.pk,
        "case_number": escalated.number,
        "kind": "case.overdue",
        "text": overdue.text,
        "created_at": row["created_at"],
        "read_at": None,
    }
    assert datetime.datetime.fromisoformat(row["created_at"]) == at(4.1)
    assert [r["id"] for r in _api(town_admin).get(API).json()["results"]] == [up.pk]


def test_the_menu_shows_the_unread_count(chief, town_admin, worker, escalated):
    _reminder(escalated)

    assert _badge(_client(chief).get("/cases/").content.decode()) == "2"
    assert _badge(_client(town_admin).get("/cases/all/").content.decode()) == "1"
    assert _badge(_client(worker).get("/cases/").content.decode()) is None  # none for the unit


def test_another_towns_user_sees_none(outsider, other_town_admin, escalated):
    for user in (outsider, other_town_admin):
        response = _client(user).get(PAGE)
        body = response.content.decode()
        assert response.status_code == 200 and 'id="notices-empty"' in body
        assert escalated.number not in body and _badge(body) is None
        assert _api(user).get(API).json()["count"] == 0


def test_marking_all_read_sets_read_at_and_the_badge_goes(chief, town_admin, escalated):
    overdue, up = _notice(escalated, "overdue"), _notice(escalated, "escalated")
    client = _client(chief)

    response = client.post(PAGE, {"all": "1"})

    assert response.status_code == 302 and response["Location"] == PAGE
    overdue.refresh_from_db()
    assert overdue.read_at == at(0)  # the frozen clock
    assert Notification.objects.get(pk=up.pk).read_at is None  # the town's is the town's
    page = client.get(PAGE)
    [message] = list(page.context["messages"])
    assert message.level_tag == "success"
    body = page.content.decode()
    assert _badge(body) is None and "notice-unread-badge" not in body
    assert 'id="notices-read-all"' not in body
    assert _badge(_client(town_admin).get(PAGE).content.decode()) == "1"


def test_marking_one_read(chief, escalated):
    overdue = _notice(escalated, "overdue")
    other = _reminder(escalated)
    client = _client(chief)

    response = client.post(PAGE, {"notice": str(other.pk), "unread": "1", "page": "1"})

    assert response.status_code == 302 and response["Location"] == f"{PAGE}?unread=1"
    assert Notification.objects.get(pk=other.pk).read_at is not None
    assert Notification.objects.get(pk=overdue.pk).read_at is None
    body = client.get(PAGE + "?unread=1").content.decode()
    assert overdue.text in body and "提醒" not in body and _badge(body) == "1"


def test_the_audit_entry_is_written(chief, escalated):
    services.mark_notices_read(actor=chief)

    [entry] = AuditEntry.objects.filter(action="case.notices_read")
    assert entry.actor == chief and entry.object_type == "notices.notification"
    assert entry.after == {"count": 1, "notice_ids": None}


def test_someone_elses_notice_is_left_alone(chief, town_admin, escalated):
    """The town's notice, marked by the chief by its id: nothing changes, and the answer is
    the one for an id that does not exist."""
    up = _notice(escalated, "escalated")
    missing = Notification.objects.order_by("-id").first().pk + 100

    response = _client(chief).post(PAGE, {"notice": [str(up.pk)]}, follow=True)
    [message] = list(response.context["messages"])
    assert message.level_tag == "info"
    for ids in ([up.pk], [missing]):
        response = _api(chief).post(API + "read/", {"ids": ids}, format="json")
        assert response.status_code == 200 and response.json() == {"marked": 0}
    assert services.mark_notices_read(actor=chief, notice_ids=[up.pk, "x", None, -1]) == 0

    assert Notification.objects.get(pk=up.pk).read_at is None
    assert not AuditEntry.objects.filter(action="case.notices_read").exists()
    assert _badge(_client(town_admin).get(PAGE).content.decode()) == "1"


def test_the_api_marks_by_ids_or_all(chief, escalated):
    overdue = _notice(escalated, "overdue")
    other = _reminder(escalated)
    api = _api(chief)

    # Newest first: the escalation's notice (13:06) before the one made now (9:00).
    assert [r["id"] for r in api.get(API, {"unread": "true"}).json()["results"]] == [
        overdue.pk,
        other.pk,
    ]
    assert api.post(API + "read/", {"ids": [other.pk]}, format="json").json() == {"marked": 1}
    assert [r["id"] for r in api.get(API, {"unread": "true"}).json()["results"]] == [overdue.pk]
    assert [r["id"] for r in api.get(API, {"unread": "false"}).json()["results"]] == [other.pk]
    assert api.post(API + "read/", {}, format="json").json() == {"marked": 1}
    assert api.post(API + "read/", {"ids": None}, format="json").json() == {"marked": 0}
    assert api.get(API, {"unread": "true"}).json()["count"] == 0
    assert api.post(API + "read/", {"ids": ["x"]}, format="json").status_code == 400


def test_anonymous_is_sent_to_log_in(escalated):
    client = Client()
    for response in (client.get(PAGE), client.post(PAGE, {"all": "1"})):
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not Notification.objects.filter(read_at__isnull=False).exists()
    assert APIClient().get(API).status_code in (401, 403)
    assert APIClient().post(API + "read/", {}, format="json").status_code in (401, 403)
    assert _badge(client.get(reverse("login")).content.decode()) is None


def test_a_department_user_sees_the_notice_of_a_department_case(county_admin, tree, clock):
    from yiwang.accounts.services import create_user, grant_post

    clerk = create_user(actor=None, username="clerk", password="Strong-pass-2026")
    grant_post(actor=None, user=clerk, role="department_staff", area_code=COUNTY)
    roads = services.save_department(
        actor=county_admin, code="roads", name="县交通运输局", area_code=COUNTY, members=[clerk]
    )
    case = new_case(stage="dispatched", department=roads.code)
    services.escalate_overdue(now=at(72.5))  # the department let it lapse
    overdue = Notification.objects.about(case).get(kind="case.overdue", department_id=roads.pk)

    body = _client(clerk).get(PAGE).content.decode()

    assert overdue.text in body and f'href="/cases/{case.pk}/"' in body
    # The county's own notice ("now yours") is the county admin's, not the clerk's, though
    # the clerk's post is on the county too.
    escalated = Notification.objects.about(case).get(kind="case.escalated", area_code=COUNTY)
    assert escalated.text not in body
    assert escalated in Notification.objects.for_user(county_admin)
    assert list(Notification.objects.for_user(clerk).exclude(kind="case.dispatched")) == [overdue]


def test_a_case_out_of_scope_is_named_but_not_linked(chief, outsider, tree):
    foreign = new_case(unit=OTHER_UNIT)
    Notification.objects.create(
        **about(foreign),
        kind="case.merged",
        recipient=chief,
        to_reporter=True,
        text="您的上报已合并",
    )

    body = _client(chief).get(PAGE).content.decode()

    assert "您的上报已合并" in body and foreign.number in body
    assert f"/cases/{foreign.pk}/" not in body


def test_pages_that_do_not_show_the_badge_do_not_count(chief, escalated):
    """The htmx refresh of the inbox renders no menu: the notices are not counted."""
    client = _client(chief)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/cases/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert not any("notices_notification" in q["sql"] for q in queries.captured_queries)

    with CaptureQueriesContext(connection) as queries:
        client.get("/cases/")
    assert sum("notices_notification" in q["sql"] for q in queries.captured_queries) == 1


# Session, user, posts, the count and the page of notices, the links of their cases (one
# query for all the cases' kinds: notices.kinds), the badges' counts (unread notices,
# points entries to approve).
def test_the_page_takes_a_bounded_number_of_queries(
    chief, tree, clock, django_assert_max_num_queries
):
    cases = [new_case() for _i in range(30)]
    services.escalate_overdue(now=at(3.1))  # 30 reminders
    services.escalate_overdue(now=at(4.1))  # 30 overdue notices to the village
    Case.objects.filter(pk=cases[0].pk).update(area_code=OTHER_UNIT)  # one not in scope
    assert Notification.objects.for_user(chief).count() == 60
    client = _client(chief)

    with django_assert_max_num_queries(8):
        response = client.get(PAGE)

    assert response.status_code == 200
    assert len(response.context["page_obj"]) == 50
    body = response.content.decode()
    assert f'href="/cases/{cases[1].pk}/"' in body
    assert cases[0].number in body and f'href="/cases/{cases[0].pk}/"' not in body
    with django_assert_max_num_queries(8):
        assert client.get(PAGE + "?page=2").status_code == 200
    api = _api(chief)
    with django_assert_max_num_queries(3):  # posts, count, page
        assert len(api.get(API, {"limit": 100}).json()["results"]) == 60


def test_the_schema_documents_the_notices(chief):
    schema = _api(chief).get("/api/v1/schema/").content.decode()

    assert "/api/v1/notices/read/" in schema and "NoticeRead" in schema


def test_the_cases_kinds_are_registered_with_the_inbox(
    chief, outsider, tree, django_assert_num_queries
):
    mine, foreign = new_case(), new_case(unit=OTHER_UNIT)
    for kind in NoticeKind:
        registered = kinds.get(kind.value)
        assert (registered.module, registered.object_type) == ("cases", "cases.case")
        assert registered.label == kind.label and kind.value.startswith("case.")
    links = kinds.get("case.overdue").links

    with django_assert_num_queries(2):  # the posts, then the cases
        assert links(chief, [mine.pk, foreign.pk, mine.pk + foreign.pk + 1]) == {
            mine.pk: (f"/cases/{mine.pk}/", mine.number)
        }
    assert links(outsider, [mine.pk, foreign.pk]) == {
        foreign.pk: (f"/cases/{foreign.pk}/", foreign.number)
    }
    assert links(chief, []) == {}


def test_another_modules_notification_is_in_the_inbox_and_the_badge(
    chief, town_admin, escalated, monkeypatch
):
    """Every kind the user gets is on the page, in the API and in the count, linked through
    its own kind's `links`; `case` and `case_number` are null for it."""
    seen = []

    def links(user, ids):
        seen.append((user, list(ids)))
        return {7: ("/elsewhere/7/", "第7号")}

    kind = kinds.Kind(
        "test.greeting", "问候", module="tests", object_type="tests.thing", links=links
    )
    monkeypatch.setitem(kinds._kinds, kind.key, kind)
    greeting = Notification.objects.create(
        kind="test.greeting", object_type="tests.thing", object_id=7, recipient=chief, text="你好"
    )
    client = _client(chief)

    body = client.get(PAGE).content.decode()
    assert _badge(body) == "2" and f'id="notice-{greeting.pk}"' in body
    assert "问候" in body and '<a class="code" href="/elsewhere/7/">第7号</a>' in body
    assert seen == [(chief, [7])]
    rows = {r["id"]: r for r in _api(chief).get(API).json()["results"]}
    assert rows[greeting.pk]["kind"] == "test.greeting"
    assert (rows[greeting.pk]["case"], rows[greeting.pk]["case_number"]) == (None, None)
    assert rows[_notice(escalated, "overdue").pk]["case"] == escalated.pk
    home = client.get(reverse("accounts:home")).content.decode()
    panel = home[home.index('id="home-notices"') :]
    assert "问候" in panel and escalated.number in panel  # the case's notice names its case

    assert services.mark_notices_read(actor=chief) == 2
    greeting.refresh_from_db()
    assert greeting.read_at is not None
    assert _badge(_client(town_admin).get(PAGE).content.decode()) == "1"
