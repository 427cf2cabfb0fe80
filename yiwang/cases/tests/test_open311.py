"""Open311 GeoReport v2: services, service definitions, requests listed and posted, one
request; the spec's field names and error format, public fields only, a key to post."""

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone

from conftest import OTHER_UNIT, OTHER_VILLAGE, UNIT, VILLAGE
from yiwang.accounts.services import issue_token
from yiwang.cases import services
from yiwang.cases.models import Case, Source, Status
from yiwang.core.models import AuditEntry

from .conftest import IN_UNIT, drive, new_case

BASE = "/open311/v2"
SERVICE_FIELDS = {
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
}
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}
PHONE = "13812345678"


def spec_error(response, code: int) -> list[str]:
    """The spec's error answer: a list of {code, description}; the descriptions."""
    assert response.status_code == code, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body, list) and body
    for error in body:
        assert set(error) == {"code", "description"} and error["code"] == code
        assert error["description"]
    return [error["description"] for error in body]


@pytest.fixture
def key(county_admin):
    return issue_token(user=county_admin).key


def post(data, **extra):
    return Client().post(f"{BASE}/requests.json", data, **extra)


def resident_request(**changes) -> Case:
    values = {
        "category": "help",
        "text": "王五家门口的下水道堵了，电话13900001111",
        "phone": PHONE,
        "name": "李四",
        "village_code": VILLAGE,
        "address": "南门街 3 号",
    }
    values.update(changes)
    return services.submit_request(**values)


# --- services -----------------------------------------------------------------------------


def test_services_lists_the_active_categories_in_the_spec_fields(tree):
    services.save_category(
        actor=None,
        code="help",
        name="求助",
        kind="request",
        handling_level="village",
        accept=2,
        dispatch=4,
        resolve=72,
    )
    services.save_category(
        actor=None,
        code="help_elderly",
        name="老人求助",
        kind="request",
        handling_level="village",
        accept=1,
        dispatch=2,
        resolve=24,
        parent="help",
    )
    services.save_category(
        actor=None,
        code="praise",
        name="表扬",
        kind="request",
        handling_level="village",
        accept=24,
        dispatch=24,
        resolve=72,
        is_active=False,
    )

    response = Client().get(f"{BASE}/services.json")

    assert response.status_code == 200
    rows = {row["service_code"]: row for row in response.json()}
    assert all(set(row) == SERVICE_FIELDS for row in rows.values())
    assert "help" not in rows and "praise" not in rows  # a group; inactive
    assert {"help_elderly", "sanitation", "complaint", "safety_hazard"} <= set(rows)
    elderly = rows["help_elderly"]
    assert (elderly["service_name"], elderly["group"]) == ("老人求助", "求助")
    assert (elderly["metadata"], elderly["type"]) == (False, "realtime")
    assert rows["sanitation"]["group"] == "环境卫生"
    assert isinstance(rows["safety_hazard"]["keywords"], str)
    assert rows["safety_hazard"]["description"]


def test_a_service_definition_has_no_extra_attributes(tree):
    response = Client().get(f"{BASE}/services/help.json")

    assert response.status_code == 200
    assert response.json() == {"service_code": "help", "attributes": []}
    spec_error(Client().get(f"{BASE}/services/no_such.json"), 404)


def test_xml_is_not_served(tree):
    assert Client().get(f"{BASE}/services.xml").status_code == 404
    assert Client().get(f"{BASE}/requests.xml").status_code == 404
    response = Client().get(f"{BASE}/services.json", HTTP_ACCEPT="application/xml")
    assert response.status_code == 406


# --- POST requests ------------------------------------------------------------------------


def test_posting_needs_an_api_key(tree):
    body = {"service_code": "help", "description": "x", "address_id": VILLAGE}

    spec_error(post(body), 403)
    spec_error(post({**body, "api_key": "0" * 40}), 403)
    spec_error(post(body, HTTP_AUTHORIZATION="Token nonsense"), 403)
    assert not Case.objects.exists()


def test_a_posted_request_is_a_case_the_api_finds_for_staff_in_scope(
    key, chief, outsider, boundaries
):
    response = post(
        {
            "api_key": key,
            "service_code": "help",
            "description": "路灯不亮",
            "lat": IN_UNIT["lat"],
            "long": IN_UNIT["lng"],
            "address_string": "南门街口",
            "first_name": "四",
            "last_name": "李",
            "phone": "138 1234 5678",
            "email": "li@example.com",
        }
    )

    assert response.status_code == 200
    [answer] = response.json()
    assert set(answer) == {"service_request_id", "service_notice", "account_id"}
    assert answer["account_id"] is None and answer["service_notice"]
    case = Case.objects.get(pk=answer["service_request_id"])
    assert (case.source, case.status, case.area_code, case.unit.code) == (
        Source.OPEN311,
        Status.REPORTED,
        UNIT,
        UNIT,
    )
    assert (case.text, case.reporter_name, case.phone, case.address) == (
        "路灯不亮",
        "李四",
        PHONE,
        "南门街口",
    )
    assert case.created_by.username == "county"
    entry = AuditEntry.objects.get(action="case.create", object_id=str(case.pk))
    assert (entry.actor.username, entry.source) == ("county", "api")

    staff = Client()
    staff.force_login(chief)
    detail = staff.get(f"/api/v1/cases/{case.pk}/")
    assert detail.status_code == 200 and detail.json()["id"] == case.pk
    stranger = Client()
    stranger.force_login(outsider)
    assert stranger.get(f"/api/v1/cases/{case.pk}/").status_code == 404


def test_the_key_may_come_as_a_token_header(key, tree):
    response = post(
        {"service_code": "sanitation", "description": "垃圾", "address_id": UNIT},
        HTTP_AUTHORIZATION=f"Token {key}",
    )

    assert response.status_code == 200
    assert Case.objects.get(pk=response.json()[0]["service_request_id"]).area_code == UNIT


def test_json_bodies_are_taken_too(key, tree):
    body = {"api_key": key, "service_code": "help", "description": "求助", "address_id": VILLAGE}

    response = post(json.dumps(body), content_type="application/json")

    assert response.status_code == 200
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    descriptions = spec_error(post("[]", content_type="application/json", **auth), 400)
    assert any("service_code" in d for d in descriptions)
    spec_error(post("{", content_type="application/json", **auth), 400)
    assert Case.objects.count() == 1


@pytest.mark.parametrize(
    "changes, mentions",
    [
        ({"service_code": "no_such"}, "no_such"),
        ({"service_code": ""}, "service_code"),
        ({"description": ""}, "description"),
        ({"description": "长" * 2001}, "description"),
        ({"phone": "12345"}, "phone"),
        ({"address_id": "", "address_string": "南门街"}, "address_string"),
        ({"address_id": ""}, "lat"),
        ({"address_id": "123"}, "address_id"),
        ({"address_id": "370830001999"}, "address_id"),  # no such village
        ({"address_id": "", "lat": "30.0", "long": "110.0"}, "lat/long"),  # outside the county
        ({"address_id": "", "lat": "abc", "long": "1"}, "lat/long"),
    ],
)
def test_bad_input_answers_400_in_the_spec_format(key, boundaries, changes, mentions):
    body = {"api_key": key, "service_code": "help", "description": "x", "address_id": VILLAGE}
    body.update(changes)

    descriptions = spec_error(post(body), 400)

    assert any(mentions in d for d in descriptions), descriptions
    assert not Case.objects.exists()


def test_an_account_posts_only_within_its_scope(chief, boundaries):
    key = issue_token(user=chief).key
    for place in ({"address_id": OTHER_VILLAGE}, {"address_id": OTHER_UNIT}):
        body = {"api_key": key, "service_code": "help", "description": "x", **place}
        spec_error(post(body), 400)
    assert not Case.objects.exists()


# --- GET requests -------------------------------------------------------------------------


def get_requests(query: str = ""):
    return Client().get(f"{BASE}/requests.json{query}")


def test_requests_answer_in_the_spec_fields_with_no_personal_data(chief, boundaries):
    case = resident_request(lat=IN_UNIT["lat"], lng=IN_UNIT["lng"])
    services.accept(actor=chief, case_id=case.pk, note="王主任处理")

    response = get_requests()

    assert response.status_code == 200
    [row] = response.json()
    assert set(row) == REQUEST_FIELDS
    assert row["service_request_id"] == case.pk
    assert (row["status"], row["service_code"], row["service_name"]) == ("open", "help", "求助")
    assert (row["lat"], row["long"]) == (35.05, 116.05)
    assert row["address_id"] == VILLAGE and "南门社区" in row["address"]
    assert row["agency_responsible"] == "南门社区居民委员会"
    assert row["requested_datetime"].endswith("+08:00")
    text = json.dumps(response.json(), ensure_ascii=False)
    for private in (PHONE, "138****5678", "李四", "王五", "13900001111", "南门街 3 号", "王主任"):
        assert private not in text, private


def test_points_are_rounded_to_the_neighbourhood(boundaries):
    resident_request(lat="35.051234", lng="116.058765")

    [row] = get_requests().json()

    assert (row["lat"], row["long"]) == (35.051, 116.059)


def test_our_stages_map_onto_open_and_closed(chief, tree):
    stages = ["reported", "accepted", "dispatched", "in_progress", "resolved", "followed_up"]
    cases = {stage: drive(resident_request(), stage) for stage in stages}
    rejected = resident_request()
    services.reject(actor=None, case_id=rejected.pk, reason="重复")
    merged = resident_request()
    services.merge(actor=None, case_id=merged.pk, into_id=cases["reported"].pk)

    rows = {row["service_request_id"]: row for row in get_requests().json()}

    expected = {
        "reported": "open",
        "accepted": "open",
        "dispatched": "open",
        "in_progress": "open",
        "resolved": "closed",
        "followed_up": "closed",
    }
    assert {stage: rows[c.pk]["status"] for stage, c in cases.items()} == expected
    assert rows[rejected.pk]["status"] == rows[merged.pk]["status"] == "closed"
    assert str(cases["reported"].pk) in rows[merged.pk]["status_notes"]
    assert rows[cases["dispatched"].pk]["expected_datetime"] is not None
    assert rows[cases["reported"].pk]["expected_datetime"] is None
    assert {row["status"] for row in get_requests("?status=open").json()} == {"open"}
    assert len(get_requests("?status=closed").json()) == 4
    assert len(get_requests("?status=open,closed").json()) == 8


def test_requests_filter_by_service_code_dates_and_ids(tree):
    help_, complaint = resident_request(), resident_request(category="complaint")
    old = resident_request()
    Case.objects.filter(pk=old.pk).update(reported_at=timezone.now() - datetime.timedelta(days=120))

    def ids(query):
        response = get_requests(query)
        assert response.status_code == 200, response.content
        return sorted(row["service_request_id"] for row in response.json())

    assert ids("") == sorted([help_.pk, complaint.pk])  # the last 90 days by default
    assert ids("?service_code=complaint") == [complaint.pk]
    assert ids("?service_code=help,complaint") == sorted([help_.pk, complaint.pk])
    start = (timezone.now() - datetime.timedelta(days=130)).date().isoformat()
    end = (timezone.now() - datetime.timedelta(days=100)).date().isoformat()
    assert ids(f"?start_date={start}&end_date={end}") == [old.pk]
    assert ids(f"?start_date={start}T00:00:00%2B08:00") == [old.pk]
    # A list of ids overrides every other parameter.
    assert ids(f"?service_request_id={old.pk},{help_.pk}&service_code=complaint") == sorted(
        [old.pk, help_.pk]
    )


@pytest.mark.parametrize(
    "query, mentions",
    [
        ("?service_code=no_such", "no_such"),
        ("?status=pending", "status"),
        ("?start_date=yesterday", "start_date"),
        ("?start_date=2026-01-01&end_date=2026-06-01", "90"),
        ("?start_date=2026-03-01&end_date=2026-02-01", "end_date"),
        ("?service_request_id=1;2", "service_request_id"),
    ],
)
def test_bad_queries_answer_400_in_the_spec_format(tree, query, mentions):
    descriptions = spec_error(get_requests(query), 400)

    assert any(mentions in d for d in descriptions), descriptions


def test_patrol_reports_stay_internal(worker, boundaries):
    report = services.report_case(actor=worker, category="instability", text="x", **IN_UNIT)
    posted = new_case()  # a hotline call about sanitation: a patrol category, not public

    assert get_requests().json() == []
    spec_error(Client().get(f"{BASE}/requests/{report.pk}.json"), 404)
    spec_error(Client().get(f"{BASE}/requests/{posted.pk}.json"), 404)


def test_a_request_posted_through_open311_is_listed_whatever_its_category(key, tree):
    response = post(
        {"api_key": key, "service_code": "sanitation", "description": "x", "address_id": UNIT}
    )
    case_id = response.json()[0]["service_request_id"]

    [row] = Client().get(f"{BASE}/requests/{case_id}.json").json()

    assert row["service_request_id"] == case_id and row["service_code"] == "sanitation"


def test_one_request_comes_in_a_list(tree):
    case = resident_request()

    response = Client().get(f"{BASE}/requests/{case.pk}.json")

    assert response.status_code == 200
    [row] = response.json()
    assert set(row) == REQUEST_FIELDS and row["service_request_id"] == case.pk
    spec_error(Client().get(f"{BASE}/requests/{case.pk + 1000}.json"), 404)


def test_a_get_ignores_a_key(tree):
    resident_request()

    assert len(get_requests("?api_key=wrong").json()) == 1


def test_the_list_takes_two_queries_whatever_its_length(tree, django_assert_num_queries):
    for _ in range(5):
        drive(resident_request(), "dispatched")

    with django_assert_num_queries(2):
        assert len(get_requests().json()) == 5


def test_the_key_may_come_in_an_x_api_key_header(key, tree):
    response = post(
        {"service_code": "sanitation", "description": "垃圾", "address_id": UNIT},
        HTTP_X_API_KEY=key,
    )

    assert response.status_code == 200
    assert Case.objects.get(pk=response.json()[0]["service_request_id"]).area_code == UNIT
    spec_error(post({"service_code": "help", "address_id": UNIT}, HTTP_X_API_KEY="nonsense"), 403)


def test_a_revoked_or_expired_key_is_refused(key, county_admin, tree):
    from knox.models import AuthToken

    body = {"api_key": key, "service_code": "help", "description": "求助", "address_id": UNIT}
    AuthToken.objects.filter(user=county_admin).update(expiry=timezone.now())

    spec_error(post(body), 403)
    assert not Case.objects.exists()
