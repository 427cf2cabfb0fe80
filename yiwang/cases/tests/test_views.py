"""The case pages: the inbox, the list, the case with its timeline and buttons, the action
pages with their confirmations, the intake form; scoped, masked, text shown as text."""

import re

import pytest
from django.test import Client

from conftest import GRID, OTHER_UNIT, UNIT, VILLAGE
from yiwang.areas import picker
from yiwang.cases import services
from yiwang.cases.models import Case, Status

from .conftest import new_case


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _no_inline_script(body: str) -> None:
    """The CSP allows no inline script: every <script> has a src and no body."""
    for tag in re.findall(r"<script[^>]*>.*?</script>", body, flags=re.S):
        assert "src=" in tag and tag.endswith("></script>"), tag
    assert not re.search(r"<[^>]+\son[a-z]+=", body), "an inline event handler"
    assert not re.search(r"<[^>]+\sstyle=", body), "an inline style"


def test_the_inbox_lists_what_waits_with_the_time_left(chief, tree):
    case = new_case()

    response = _client(chief).get("/cases/")
    body = response.content.decode()

    assert response.status_code == 200
    assert case.number in body and "due-left" in body
    _no_inline_script(body)


def test_the_inbox_refreshes_its_rows_through_htmx(chief, tree):
    case = new_case()

    response = _client(chief).get("/cases/", headers={"HX-Request": "true"})
    body = response.content.decode()

    assert body.startswith('<div id="inbox-rows"') and case.number in body
    assert "<html" not in body


def test_an_overdue_case_says_so(chief, tree):
    case = new_case()
    Case.objects.filter(pk=case.pk).update(due_at=case.reported_at.replace(year=2000))

    assert "due-overdue" in _client(chief).get("/cases/").content.decode()


def test_the_list_is_scoped_and_filtered(chief, tree):
    own, foreign = new_case(), new_case(unit=OTHER_UNIT)

    body = _client(chief).get("/cases/all/").content.decode()
    assert own.number in body and foreign.number not in body
    body = _client(chief).get("/cases/all/", {"search": "nothing-like-it"}).content.decode()
    assert own.number not in body


def test_the_case_page_shows_text_as_text_a_masked_phone_and_the_timeline(chief, worker, tree):
    case = services.record_hotline_call(
        actor=chief,
        category="sanitation",
        text='<script>alert("x")</script>\n第二行',
        unit_code=UNIT,
        phone="13812345678",
    )

    body = _client(chief).get(f"/cases/{case.pk}/").content.decode()

    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>第二行" in body
    assert "13812345678" not in body and "138****5678" in body
    assert 'id="timeline"' in body
    _no_inline_script(body)


def test_the_case_page_offers_only_the_actions_the_user_may_take(chief, worker, tree):
    case = new_case()

    chief_body = _client(chief).get(f"/cases/{case.pk}/").content.decode()
    worker_body = _client(worker).get(f"/cases/{case.pk}/").content.decode()

    assert f"/cases/{case.pk}/accept/" in chief_body and f"/cases/{case.pk}/reject/" in chief_body
    assert 'id="case-actions"' not in worker_body


def test_accept_is_one_click(chief, tree):
    case = new_case()

    response = _client(chief).post(f"/cases/{case.pk}/accept/", {"version": case.version})

    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).status == Status.ACCEPTED


def test_reject_asks_for_a_reason_and_a_confirmation(chief, tree):
    case = new_case()
    client = _client(chief)

    page = client.get(f"/cases/{case.pk}/reject/").content.decode()
    assert 'id="action-warning"' in page and 'name="reason"' in page
    response = client.post(f"/cases/{case.pk}/reject/", {"reason": "", "version": case.version})
    assert response.status_code == 200 and Case.objects.get(pk=case.pk).status == "reported"
    client.post(f"/cases/{case.pk}/reject/", {"reason": "重复上报", "version": case.version})
    assert Case.objects.get(pk=case.pk).status == Status.REJECTED


def test_close_asks_for_a_confirmation(chief, tree):
    case = new_case(stage="followed_up")

    page = _client(chief).get(f"/cases/{case.pk}/close/").content.decode()

    assert 'id="action-warning"' in page and "btn-danger" in page


def test_each_action_page_opens_for_who_may_take_it(county_admin, tree):
    client = _client(county_admin)
    for slug, stage in [
        ("merge", "reported"),
        ("dispatch", "accepted"),
        ("return", "dispatched"),
        ("resolve", "in_progress"),
        ("extend", "in_progress"),
        ("park", "accepted"),
        ("follow-up", "resolved"),
        ("reopen", "followed_up"),
    ]:
        case = new_case(stage=stage)
        response = client.get(f"/cases/{case.pk}/{slug}/")
        assert response.status_code == 200, slug
        _no_inline_script(response.content.decode())


def test_the_follow_up_page_records_the_satisfaction(chief, tree):
    case = new_case(stage="resolved")

    _client(chief).post(
        f"/cases/{case.pk}/follow-up/", {"satisfaction": "satisfied", "version": case.version}
    )

    case.refresh_from_db()
    assert (case.status, case.satisfaction) == (Status.FOLLOWED_UP, "satisfied")


def test_a_service_error_goes_back_onto_the_form(chief, tree):
    case = new_case(stage="accepted")

    response = _client(chief).post(
        f"/cases/{case.pk}/dispatch/", {"area_code": OTHER_UNIT, "version": case.version}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["area_code"]
    assert Case.objects.get(pk=case.pk).status == Status.ACCEPTED


def test_a_stale_page_is_told_what_changed_and_changes_nothing(chief, tree):
    case = new_case()
    services.supervise(actor=None, case_id=case.pk)  # someone else acted meanwhile

    response = _client(chief).post(
        f"/cases/{case.pk}/accept/", {"version": case.version}, follow=True
    )

    assert response.redirect_chain[-1][0] == f"/cases/{case.pk}/"
    [message] = list(response.context["messages"])
    assert message.level_tag == "warning"
    assert Case.objects.get(pk=case.pk).status == Status.REPORTED


def test_an_action_not_valid_now_sends_back_to_the_case(chief, tree):
    case = new_case(stage="accepted")

    response = _client(chief).get(f"/cases/{case.pk}/accept/")

    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"


def test_an_action_the_posts_do_not_allow_is_forbidden(worker, tree):
    case = new_case()

    assert _client(worker).get(f"/cases/{case.pk}/reject/").status_code == 403
    assert _client(worker).post(f"/cases/{case.pk}/accept/").status_code == 403


def test_another_towns_case_is_not_found(outsider, tree):
    case = new_case()
    client = _client(outsider)

    assert client.get(f"/cases/{case.pk}/").status_code == 404
    assert client.post(f"/cases/{case.pk}/accept/").status_code == 404
    assert client.get(f"/cases/{case.pk}/no-such-action/").status_code == 404
    assert Case.objects.get(pk=case.pk).status == Status.REPORTED


def test_a_worker_reports_from_the_form(worker, tree):
    response = _client(worker).post(
        "/cases/new/",
        {"source": "patrol", "category": "sanitation", "text": "垃圾堆放", "unit_code": UNIT},
    )

    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    assert (case.source, case.reporter) == ("patrol", worker)


def test_the_report_form_lists_the_users_own_units_by_name_and_a_desk_gets_the_picker(
    worker, chief, county_admin, tree, monkeypatch
):
    """The form works without signal: a worker's and a chief's units are in the page by
    name (no code to type, no server to ask); a county's staff pick from the whole tree."""
    form = _client(worker).get("/cases/new/").context["form"]
    assert [label for code, label in form.fields["unit_code"].widget.choices if code] == [
        f"{tree[GRID].name} · {tree[UNIT].name}"
    ]
    chief_units = dict(
        _client(chief).get("/cases/new/").context["form"].fields["unit_code"].widget.choices
    )
    assert UNIT in chief_units and OTHER_UNIT not in chief_units and len(chief_units) == 5
    monkeypatch.setattr(picker, "OFFLINE_LIST_LIMIT", 4)  # the tree here is small
    page = _client(county_admin).get("/cases/new/").content.decode()
    assert page.count("data-area-picker") == 2


def test_a_hotline_call_gives_the_caller_a_tracking_code(chief, tree):
    response = _client(chief).post(
        "/cases/new/",
        {
            "source": "hotline",
            "category": "complaint",
            "text": "噪音",
            "village_code": VILLAGE,
            "phone": "13912345678",
        },
        follow=True,
    )

    case = Case.objects.get()
    assert case.tracking_code in response.content.decode()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"category": "no-such", "text": "x", "unit_code": UNIT}, "category"),
        ({"category": "sanitation", "text": "x", "unit_code": OTHER_UNIT}, "unit_code"),
        ({"category": "sanitation", "text": "x"}, "lat"),
    ],
)
def test_the_form_shows_what_is_wrong(worker, tree, data, field):
    response = _client(worker).post("/cases/new/", {"source": "patrol", **data})

    assert response.status_code == 200 and response.context["form"].errors[field]
    assert not Case.objects.exists()


def test_the_form_links_a_household_of_the_scope_only(worker, outsider, household):
    assert (
        household.number
        in _client(worker).get(f"/cases/new/?household={household.pk}").content.decode()
    )
    assert _client(outsider).get(f"/cases/new/?household={household.pk}").status_code == 404


# Session, user, posts, then: count and page (lists); case, merged cases, timeline, photos,
# the names of its areas (detail); and the menu's badges: the count of unread notices,
# the count of points entries the chief may approve.
@pytest.mark.parametrize(("url", "queries"), [("/cases/", 7), ("/cases/all/", 7), ("detail", 10)])
def test_pages_take_a_fixed_number_of_queries(chief, tree, url, queries, django_assert_num_queries):
    for stage in ("reported", "accepted", "dispatched", "resolved", "followed_up") * 3:
        new_case(stage=stage)
    if url == "detail":
        url = f"/cases/{new_case(stage='resolved').pk}/"
    client = _client(chief)

    with django_assert_num_queries(queries):
        response = client.get(url)

    assert response.status_code == 200
