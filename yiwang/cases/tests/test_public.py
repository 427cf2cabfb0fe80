"""The public pages: a resident's request with no account (the challenge, the flood
limits), the tracking page (the public view, the neutral answer, the throttled look-ups)
and the resident's rating, once."""

import re
import time
from pathlib import Path

import pytest
import time_machine
from django.core import signing
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from shapely.geometry import shape

from conftest import OTHER_TOWN, OTHER_VILLAGE, TOWN, UNIT, VILLAGE
from yiwang.areas.models import Area
from yiwang.areas.services import close_area, set_boundary
from yiwang.cases import services
from yiwang.cases.forms import public as public_forms
from yiwang.cases.models import Case, CaseEvent, Source, Status
from yiwang.cases.services import intake
from yiwang.cases.views.public import client_key
from yiwang.core.models import AuditEntry

from .conftest import IN_UNIT, box, drive, new_case

REQUEST_URL = "/public/request/"
TRACK_URL = "/public/track/"
RATE_URL = "/public/track/rate/"
CLOSED_VILLAGE = "370830001206"  # 东贾柏村委会, closed in `closed_village`
PHONE = "13812345678"


@pytest.fixture(autouse=True)
def _fresh_limits():
    """The limits and the spent challenges live in the cache: each test starts afresh."""
    cache.clear()
    yield
    cache.clear()


def _no_inline_script(body: str) -> None:
    for tag in re.findall(r"<script[^>]*>.*?</script>", body, flags=re.S):
        assert "src=" in tag and tag.endswith("></script>"), tag
    assert not re.search(r"<[^>]+\son[a-z]+=", body), "an inline event handler"
    assert not re.search(r"<[^>]+\sstyle=", body), "an inline style"


def solved(seconds_ago: float = 60) -> dict:
    """A challenge served `seconds_ago`, answered right."""
    challenge = public_forms.issue_challenge(issued_at=time.time() - seconds_ago)
    return {"challenge": challenge.token, "answer": str(challenge.a + challenge.b)}


def request_data(**changes) -> dict:
    data = {
        "category": "help",
        "text": "村口路灯坏了，晚上看不见路",
        "village": VILLAGE,
        "town": VILLAGE[:9],
        "address": "村口大槐树旁",
        "name": "李四",
        "phone": PHONE,
        "homepage": "",
        **solved(),
    }
    data.update(changes)
    return data


def public_cases():
    return Case.objects.filter(source=Source.PUBLIC)


def nothing_created() -> bool:
    return (
        not public_cases().exists() and not AuditEntry.objects.filter(action="case.create").exists()
    )


def submit(client=None, **changes):
    # In English, so that the tests can tell the challenge's reasons apart.
    data = request_data(**changes)
    return (client or Client()).post(REQUEST_URL, data, HTTP_ACCEPT_LANGUAGE="en")


def public_request(**changes) -> Case:
    """A resident's request, as the service takes it from the page."""
    values = {
        "category": "help",
        "text": "村口路灯坏了",
        "phone": PHONE,
        "name": "李四",
        "village_code": VILLAGE,
    }
    values.update(changes)
    return services.submit_request(**values)


def track(code: str, client=None, **meta):
    return (client or Client()).post(TRACK_URL, {"code": code}, **meta)


@pytest.fixture
def closed_village(tree):
    close_area(actor=None, code=CLOSED_VILLAGE)


# --- the request page -------------------------------------------------------------------


def test_it_offers_the_open_villages_and_the_request_kinds(closed_village):
    response = Client().get(REQUEST_URL)
    body = response.content.decode()

    assert response.status_code == 200
    assert f'value="{VILLAGE}"' in body and f'value="{OTHER_VILLAGE}"' in body
    assert f'value="{CLOSED_VILLAGE}"' not in body
    assert 'value="help"' in body and 'value="complaint"' in body
    assert 'value="safety_hazard"' not in body  # patrol categories are the workers'
    assert 'name="challenge"' in body and 'name="homepage"' in body
    assert 'enctype="multipart/form-data"' in body
    assert "cases/public.js" in body
    assert response["Cache-Control"].startswith("max-age=0")
    _no_inline_script(body)


def test_it_takes_a_request_and_gives_the_tracking_code(tree):
    response = submit()
    body = response.content.decode()

    assert response.status_code == 200
    case = public_cases().get()
    assert (case.source, case.status, case.area_code, case.dispatcher_area_code) == (
        Source.PUBLIC,
        Status.REPORTED,
        VILLAGE,
        VILLAGE,
    )
    assert (case.phone, case.reporter_name, case.category.code) == (PHONE, "李四", "help")
    assert case.text == "村口路灯坏了，晚上看不见路"  # its Chinese comma kept
    assert (case.reporter, case.created_by) == (None, None)
    assert re.fullmatch(r"[2-9ACDEFGHJKMNPQRTVWXY]{8}", case.tracking_code)
    shown = re.search(r'id="tracking-code">([^<]+)<', body).group(1)
    assert shown == f"{case.tracking_code[:4]} {case.tracking_code[4:]}"  # read out in two
    assert reverse("public:track") in body
    entry = AuditEntry.objects.get(action="case.create", object_id=str(case.pk))
    assert (entry.actor, entry.source, entry.area_code) == (None, "web", VILLAGE)
    assert entry.after["phone"] == "138****5678"
    _no_inline_script(body)


def test_it_places_the_request_at_the_point_on_the_map(boundaries):
    response = submit(**IN_UNIT)

    assert response.status_code == 200
    case = public_cases().get()
    assert (case.area_code, case.unit.code) == (UNIT, UNIT)
    assert (str(case.lat), str(case.lng)) == ("35.050000", "116.050000")


def test_it_refuses_a_point_outside_the_chosen_village(boundaries):
    set_boundary(actor=None, code=VILLAGE, boundary=box(116.0, 35.0, 116.2, 35.2))

    response = submit(lat="30.0", lng="110.0")

    assert response.status_code == 200 and 'id="id_village_errors"' in response.content.decode()
    assert nothing_created()


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"phone": "12345"}, "phone"),
        ({"phone": ""}, "phone"),
        ({"text": "   "}, "text"),
        ({"text": "长" * 2001}, "text"),
        ({"village": CLOSED_VILLAGE}, "village"),
        ({"village": "370830001"}, "village"),  # a town is no village
        ({"category": "safety_hazard"}, "category"),
        ({"category": "no_such"}, "category"),
    ],
)
def test_it_refuses_bad_input_and_names_the_field(closed_village, changes, field):
    response = submit(**changes)
    body = response.content.decode()

    assert response.status_code == 200
    assert f'id="id_{field}_errors"' in body, body[:3000]
    assert nothing_created()


def test_it_keeps_html_as_text(tree):
    text = '<script>alert("x")</script><b onclick="y()">粗体</b>'
    submit(text=text)
    case = public_cases().get()

    assert case.text == text
    body = track(case.tracking_code).content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b onclick" in body
    _no_inline_script(body)


# --- the challenge ------------------------------------------------------------------------


def _forged(token: str) -> str:
    payload = signing.loads(token, salt=public_forms._SALT)
    payload["a"] = 0
    return signing.dumps(payload, salt="another salt")


EXPIRED = "This form has expired or was changed"


def refused_for(response, reason: str) -> None:
    assert response.status_code == 200
    assert reason in response.content.decode()
    assert nothing_created()


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"challenge": "", "answer": ""}, id="missing"),
        pytest.param({"challenge": "abc:def", "answer": "3"}, id="garbage"),
        pytest.param({"homepage": "http://spam.example"}, id="honeypot"),
    ],
)
def test_it_refuses_a_missing_or_forged_challenge(tree, changes):
    refused_for(submit(**changes), EXPIRED)


def test_it_refuses_a_token_signed_with_another_key(tree):
    token = request_data()["challenge"]

    refused_for(submit(challenge=_forged(token)), EXPIRED)


def test_it_refuses_a_token_whose_sum_was_changed(tree):
    """The payload is readable, not changeable: a changed one fails the signature."""
    token = request_data()["challenge"]
    payload, signature = token.split(":", 1)
    changed = payload[:-1] + ("A" if payload[-1] != "A" else "B")

    refused_for(submit(challenge=f"{changed}:{signature}"), EXPIRED)


def test_it_refuses_a_wrong_answer(tree):
    data = request_data()
    response = submit(answer=str(int(data["answer"]) + 1), challenge=data["challenge"])

    refused_for(response, "The answer is not right")
    assert 'id="id_answer_errors"' in response.content.decode()


def test_it_takes_an_answer_in_full_width_digits(tree):
    data = request_data()
    wide = "".join(chr(ord(d) + 0xFEE0) for d in data["answer"])

    assert 'id="tracking-code"' in submit(answer=wide, challenge=data["challenge"]).content.decode()


def test_it_refuses_a_form_sent_too_fast(tree):
    refused_for(submit(**solved(seconds_ago=0)), "The form was sent too quickly")


def test_it_refuses_an_expired_challenge(tree):
    refused_for(submit(**solved(seconds_ago=public_forms.CHALLENGE_MAX_AGE + 10)), EXPIRED)


def test_a_challenge_is_spent_once(tree):
    data = request_data()
    assert Client().post(REQUEST_URL, data).status_code == 200
    assert public_cases().count() == 1

    again = Client().post(REQUEST_URL, {**data, "text": "再来一次"}, HTTP_ACCEPT_LANGUAGE="en")

    assert "This form has already been sent" in again.content.decode()
    assert public_cases().count() == 1


def test_the_page_question_answered_after_a_while_is_accepted(tree):
    """The whole round: the question the page serves, answered like a person would."""
    client = Client()
    body = client.get(REQUEST_URL).content.decode()
    token = re.search(r'name="challenge" value="([^"]+)"', body).group(1)
    payload = signing.loads(token, salt=public_forms._SALT)
    assert f"{payload['a']}" in body and f"{payload['b']}" in body
    data = request_data(challenge=token, answer=f"{payload['a'] + payload['b']}")

    with time_machine.travel(time.time() + 20, tick=False):
        response = client.post(REQUEST_URL, data)

    assert 'id="tracking-code"' in response.content.decode()
    assert public_cases().count() == 1


def test_a_page_with_errors_asks_a_new_question(tree):
    data = request_data(phone="12345")
    body = Client().post(REQUEST_URL, data).content.decode()

    token = re.search(r'name="challenge" value="([^"]+)"', body).group(1)
    assert token != data["challenge"]
    assert re.search(r'name="answer"[^>]*value=""', body)


# --- the flood limits ---------------------------------------------------------------------


def test_it_answers_429_past_the_request_limit_and_creates_nothing(tree, settings):
    settings.CASES_PUBLIC_REQUEST_LIMIT = (2, 600)
    client = Client()
    assert [submit(client).status_code for _ in range(2)] == [200, 200]

    response = submit(client)

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert 'id="public-throttled"' in response.content.decode()
    assert public_cases().count() == 2
    # Another address is not held back.
    assert Client(REMOTE_ADDR="10.0.0.9").post(REQUEST_URL, request_data()).status_code == 200
    assert public_cases().count() == 3


def test_failed_posts_count_too(tree, settings):
    settings.CASES_PUBLIC_POST_LIMIT = (3, 600)
    for _ in range(3):
        assert submit(phone="12345").status_code == 200

    assert submit().status_code == 429
    assert nothing_created()


def test_the_limit_ends_with_its_window(tree, settings):
    settings.CASES_PUBLIC_REQUEST_LIMIT = (1, 600)
    start = time.time()
    with time_machine.travel(start, tick=False):
        assert submit().status_code == 200
        assert submit().status_code == 429
    with time_machine.travel(start + 601, tick=False):
        assert submit().status_code == 200
    assert public_cases().count() == 2


def test_a_forged_forwarded_address_does_not_escape_the_limit(tree, settings):
    settings.CASES_PUBLIC_REQUEST_LIMIT = (1, 600)
    assert submit().status_code == 200

    response = Client(HTTP_X_FORWARDED_FOR="203.0.113.7").post(REQUEST_URL, request_data())

    assert response.status_code == 429


def test_behind_the_proxy_the_client_is_the_address_it_appended(rf, settings):
    settings.BEHIND_PROXY = True
    request = rf.get("/", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7", REMOTE_ADDR="10.0.0.1")
    assert client_key(request) == "198.51.100.7"
    settings.BEHIND_PROXY = False
    assert client_key(request) == "10.0.0.1"


def test_an_ipv6_client_counts_by_its_64(rf):
    one = rf.get("/", REMOTE_ADDR="2001:db8:1:2::1")
    two = rf.get("/", REMOTE_ADDR="2001:db8:1:2:abcd::9")
    other = rf.get("/", REMOTE_ADDR="2001:db8:1:3::1")

    assert client_key(one) == client_key(two) == "2001:db8:1:2::/64"
    assert client_key(other) != client_key(one)
    assert client_key(rf.get("/", REMOTE_ADDR="::ffff:10.1.2.3")) == "10.1.2.3"


# --- the tracking page --------------------------------------------------------------------


def test_the_tracking_page_asks_for_the_code(tree):
    response = Client().get(TRACK_URL)

    assert response.status_code == 200
    assert 'name="code"' in response.content.decode()
    _no_inline_script(response.content.decode())


def test_it_shows_the_public_view_and_hides_personal_data(chief, worker, tree):
    case = public_request(text="路灯坏了")
    services.accept(actor=chief, case_id=case.pk, note="内部备注：请王主任处理")
    services.dispatch(actor=chief, case_id=case.pk, area_code=UNIT, note="派给张网格员")
    services.start(actor=worker, case_id=case.pk)
    services.resolve(actor=worker, case_id=case.pk, result="已更换灯泡")
    code = case.tracking_code
    # As read out: in groups, in lower case.
    typed = f"{code[:4]} {code[4:]}".lower()

    response = track(typed)
    body = response.content.decode()

    assert response.status_code == 200
    assert "求助" in body and "路灯坏了" in body and "已更换灯泡" in body
    assert "138****5678" in body and PHONE not in body
    assert "李四" not in body  # not even the reporter's own name
    for private in ("chief", "worker", "内部备注", "张网格员", case.number):
        assert private not in body, private
    assert 'id="rating-form"' in body
    assert len(re.findall(r'<li class="list-group-item">', body)) == 5
    assert response["Cache-Control"].startswith("max-age=0")
    _no_inline_script(body)


def test_a_rejected_request_shows_the_reason(chief, tree):
    case = public_request()
    services.reject(actor=chief, case_id=case.pk, reason="不属于本村职责请拨打12345")

    body = track(case.tracking_code).content.decode()

    assert "不属于本村职责请拨打12345" in body and 'id="rating-form"' not in body


def test_a_merged_request_shows_the_stage_of_the_one_it_joined(chief, tree):
    first, second = public_request(), public_request(text="路灯又坏了", phone="13900001111")
    services.merge(actor=chief, case_id=second.pk, into_id=first.pk)
    drive(Case.objects.get(pk=first.pk), "resolved")

    body = track(second.tracking_code).content.decode()

    assert 'id="public-merged"' in body and "已处理" in body
    assert "139****1111" in body and "138****5678" not in body


@pytest.mark.parametrize("code", ["2345 6789", "23456789ABCDEFGHJKMN"])
def test_an_unknown_code_gets_one_neutral_answer(tree, code):
    public_request()

    response = track(code)
    body = response.content.decode()

    assert response.status_code == 404
    assert 'id="id_code_errors"' in body and 'id="public-case"' not in body
    assert "未找到与此查询码对应的诉求" in body, body


@pytest.mark.parametrize(
    "code",
    [
        "K7M4 Q9X",  # a character left out
        "K7M4 Q9XPP",  # one too many
        "K7M4 Q9X0",  # a zero: codes have no 0, O, 1, I or L
        "KIM4 Q9XP",
        "'; drop table --",
    ],
)
def test_a_mistyped_code_gets_a_clear_chinese_message(tree, code):
    public_request()

    response = track(code)
    body = response.content.decode()

    assert response.status_code == 200
    assert 'id="id_code_errors"' in body and 'id="public-case"' not in body
    assert "查询码由 8 位字母和数字组成" in body, body
    assert "0、O、1、I、L" in body


def test_a_code_is_found_with_or_without_the_space_in_any_case(tree):
    case = public_request()
    code = case.tracking_code

    for typed in (code, code.lower(), f"{code[:4]} {code[4:]}", f" {code[:4]}-{code[4:]} "):
        response = track(typed)
        assert response.status_code == 200, typed
        assert 'id="public-case"' in response.content.decode()
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in code)  # typed on a phone: Ｋ７Ｍ４
    assert track(full_width).status_code == 200


def test_a_code_given_before_still_finds_its_request(tree):
    """The 20-character codes given before the short ones were kept as they were: the
    residents hold them on paper."""
    case = public_request()
    old = "ABCD EFGH JKMN PQRS TUVZ"
    Case.objects.filter(pk=case.pk).update(tracking_code=old.replace(" ", ""))

    response = track(old.lower())
    body = response.content.decode()

    assert response.status_code == 200 and 'id="public-case"' in body
    assert old in body  # shown in groups of four, as it was given


def test_the_steps_of_the_request_and_the_result(chief, worker, tree):
    case = public_request(text="路灯坏了，晚上很黑。")
    services.accept(actor=chief, case_id=case.pk)
    services.dispatch(actor=chief, case_id=case.pk, area_code=UNIT, note="派给张网格员")

    body = track(case.tracking_code).content.decode()
    steps = re.search(r'id="public-steps">(.*?)</ol>', body, flags=re.S).group(1)
    labels = re.findall(r'class="step-label">([^<]+)<', steps)
    assert labels == ["已收到", "已受理", "已派遣", "正在处置", "已办结", "已结案"]
    assert steps.count("●") == 3 and steps.count("○") == 3
    assert 'aria-current="step"' in steps.split("已派遣")[0].rsplit("<li", 1)[1]
    assert "路灯坏了，晚上很黑。" in body  # its punctuation as written

    services.start(actor=worker, case_id=case.pk)
    services.resolve(actor=worker, case_id=case.pk, result="已更换灯泡，恢复照明。")
    body = track(case.tracking_code).content.decode()
    steps = re.search(r'id="public-steps">(.*?)</ol>', body, flags=re.S).group(1)
    assert steps.count("●") == 5
    assert re.search(r'id="public-result">已更换灯泡，恢复照明。<', body)
    for private in ("chief", "worker", "张网格员"):
        assert private not in body


def test_a_rejected_request_ends_its_steps_with_the_answer(chief, tree):
    case = public_request()
    services.reject(actor=chief, case_id=case.pk, reason="不属于本村职责，请拨打12345")

    body = track(case.tracking_code).content.decode()
    steps = re.search(r'id="public-steps">(.*?)</ol>', body, flags=re.S).group(1)

    assert re.findall(r'class="step-label">([^<]+)<', steps) == ["已收到", "不予受理"]
    assert "不属于本村职责，请拨打12345" in body


def test_lookups_are_throttled(tree, settings):
    settings.CASES_PUBLIC_MISS_LIMIT = (3, 600)
    case = public_request()
    client = Client()
    assert [track("23456789ABCDEFGHJKMN", client).status_code for _ in range(3)] == [404] * 3

    response = track(case.tracking_code, client)

    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "138****5678" not in response.content.decode()
    assert track(case.tracking_code, Client(REMOTE_ADDR="10.0.0.2")).status_code == 200


def test_all_lookups_have_a_ceiling(tree, settings):
    settings.CASES_PUBLIC_LOOKUP_LIMIT = (2, 600)
    case = public_request()
    assert [track(case.tracking_code).status_code for _ in range(2)] == [200, 200]

    assert track(case.tracking_code).status_code == 429


def test_a_tracking_code_is_short_readable_and_random(tree):
    codes = {public_request().tracking_code for _ in range(20)}

    assert len(codes) == 20
    assert all(len(c) == services.TRACKING_CODE_LENGTH == 8 for c in codes)
    # Nothing to misread on the phone.
    assert not set("".join(codes)) & set("01OILBSZU")
    assert not set(services.TRACKING_ALPHABET) & set("01OILBSZU")


def test_a_tracking_code_is_never_given_twice(tree, monkeypatch):
    taken = public_request().tracking_code
    # The generator's first draw repeats the code already given; it draws again.
    draws = iter(taken + "CCCCDDDD")
    monkeypatch.setattr(intake.secrets, "choice", lambda alphabet: next(draws))

    assert public_request().tracking_code == "CCCCDDDD"


# --- the rating ---------------------------------------------------------------------------


def rate(code: str, satisfaction: str, comment: str = "", client=None):
    data = {"code": code, "satisfaction": satisfaction, "comment": comment}
    return (client or Client()).post(RATE_URL, data)


def resolved_request() -> Case:
    return drive(public_request(), "resolved")


def test_the_resident_rates_a_resolved_request_once(tree):
    case = resolved_request()

    response = rate(case.tracking_code, "satisfied", "很及时")

    assert response.status_code == 200
    case.refresh_from_db()
    assert (case.status, case.satisfaction) == (Status.FOLLOWED_UP, "satisfied")
    event = CaseEvent.objects.get(case=case, kind="followed_up")
    assert (event.actor, event.note, event.data["by"]) == (None, "很及时", "resident")
    entry = AuditEntry.objects.get(action="case.follow_up", object_id=str(case.pk))
    assert (entry.actor, entry.source) == (None, "web")
    assert 'id="rating-form"' not in response.content.decode()

    again = rate(case.tracking_code, "dissatisfied")

    assert again.status_code == 200 and "alert-warning" in again.content.decode()
    case.refresh_from_db()
    assert (case.status, case.satisfaction) == (Status.FOLLOWED_UP, "satisfied")
    assert CaseEvent.objects.filter(case=case, kind="followed_up").count() == 1


def test_dissatisfied_reopens_the_request_and_the_resident_does_not_rate_again(tree):
    case = resolved_request()

    rate(case.tracking_code, "dissatisfied", "灯还是不亮")

    case.refresh_from_db()
    assert (case.status, case.reopen_count, case.satisfaction) == (
        Status.DISPATCHED,
        1,
        "dissatisfied",
    )
    english = track(case.tracking_code, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Not satisfied: the request is handled again." in english
    services.start(actor=None, case_id=case.pk)
    services.resolve(actor=None, case_id=case.pk, result="换了新灯")
    body = track(case.tracking_code).content.decode()
    assert "换了新灯" in body and 'id="rating-form"' not in body

    with pytest.raises(services.Conflict):
        services.rate_by_resident(tracking_code=case.tracking_code, satisfaction="satisfied")
    assert Case.objects.get(pk=case.pk).status == Status.RESOLVED


def test_a_request_not_yet_resolved_cannot_be_rated(tree):
    case = drive(public_request(), "in_progress")

    response = rate(case.tracking_code, "satisfied")

    assert "alert-warning" in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == Status.IN_PROGRESS


def test_a_bad_rating_is_refused_with_its_field(tree):
    case = resolved_request()

    body = rate(case.tracking_code, "great").content.decode()
    assert 'id="id_satisfaction_errors"' in body
    body = rate(case.tracking_code, "satisfied", "长" * 501).content.decode()
    assert 'id="id_comment_errors"' in body
    assert Case.objects.get(pk=case.pk).status == Status.RESOLVED


def test_a_patrol_report_or_an_unknown_code_is_not_rated(worker, boundaries):
    report = services.report_case(actor=worker, category="sanitation", text="垃圾", **IN_UNIT)
    report = drive(report, "resolved")

    assert rate(report.tracking_code, "satisfied").status_code == 404
    assert rate("23456789ABCDEFGHJKMN", "satisfied").status_code == 404
    assert Case.objects.get(pk=report.pk).status == Status.RESOLVED


def test_ratings_count_against_the_lookup_limit(tree, settings):
    settings.CASES_PUBLIC_MISS_LIMIT = (2, 600)
    case = resolved_request()
    for _ in range(2):
        rate("23456789ABCDEFGHJKMN", "satisfied")

    assert rate(case.tracking_code, "satisfied").status_code == 429
    assert Case.objects.get(pk=case.pk).status == Status.RESOLVED


def test_a_hotline_caller_rates_with_their_code_too(tree):
    case = new_case(stage="resolved")

    services.rate_by_resident(tracking_code=case.tracking_code.lower(), satisfaction="basically")

    assert Case.objects.get(pk=case.pk).satisfaction == "basically"


def test_the_rating_service_writes_as_the_web_page_wherever_it_is_called(tree):
    case = resolved_request()

    services.rate_by_resident(tracking_code=case.tracking_code, satisfaction="satisfied")

    entry = AuditEntry.objects.get(action="case.follow_up", object_id=str(case.pk))
    assert (entry.actor, entry.source) == (None, "web")


# --- the map ------------------------------------------------------------------------------


def test_the_map_draws_the_towns_then_the_chosen_towns_villages(closed_village, boundaries):
    """No tile server on a county intranet: the towns' boundaries (their villages' union
    where a town has none of its own) with their names are the base layer; a town's
    villages come when it is chosen, and no other town's."""
    set_boundary(actor=None, code=VILLAGE, boundary=box(116.0, 35.0, 116.2, 35.2))
    set_boundary(actor=None, code=OTHER_VILLAGE, boundary=box(117.0, 36.0, 117.2, 36.2))
    Area.objects.filter(code=CLOSED_VILLAGE).update(boundary=box(118.0, 35.0, 118.1, 35.1))
    url = reverse("public:villages")

    towns = Client().get(url).json()["features"]
    villages = Client().get(url, {"town": TOWN}).json()["features"]

    assert [(f["properties"]["code"], f["properties"]["level"]) for f in towns] == [
        (TOWN, "town"),
        (OTHER_TOWN, "town"),
    ]
    assert towns[0]["properties"]["name"] == "中都街道"
    assert shape(towns[0]["geometry"]).equals(shape(box(116.0, 35.0, 116.2, 35.2)))
    assert [f["properties"]["code"] for f in villages] == [VILLAGE]  # not the other town's
    assert villages[0]["properties"]["town"] == "中都街道"
    assert Client().get(url, {"town": "x"}).status_code == 400
    assert Client().get(url, {"town": "370830999"}).json()["features"] == []


def test_the_map_leaves_the_choice_to_the_resident():
    """The map's script never sets the town or the village from a tap: a point in
    another village is suggested, and the lists change only when the resident takes the
    suggestion (the browser test follows this on the page)."""
    script = (Path(public_forms.__file__).parents[1] / "static/cases/public.js").read_text()
    tapped = script[script.index("function tapped") : script.index("load(source).then")]
    assert "village.value =" not in tapped and "town.value =" not in tapped
    chosen = script[script.index('hintChoose.addEventListener("click"') :]
    assert "village.value = suggested.code" in chosen.split("});")[0]


# --- the way in -------------------------------------------------------------------------


def test_the_login_page_leads_residents_to_the_public_pages(db):
    body = Client().get("/login/").content.decode()

    assert f'href="{reverse("public:request")}"' in body
    assert f'href="{reverse("public:track")}"' in body
    assert "向所在村（社区）提交诉求" in body
