"""The whole API fuzzed from its own OpenAPI schema (schemathesis), as the county admin.

Every operation of the schema gets a few generated cases, requests that keep the schema and
requests that break it, with schemathesis's default checks: no 500, every status code and
content type documented, every response as the schema describes it, a request that breaks
the schema refused, one that keeps it accepted. Derandomized and learning nothing between
operations, so a run is the same every time and in every worker. Each operation is one
test, in its own rolled-back transaction (what a POST writes is gone after it), on
whichever database the suite runs. Schemathesis's coverage phase (every parameter at its
bounds) takes minutes over 130 operations and is left to a manual run:
`schemathesis run` against a running server.
"""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, settings
from rest_framework.test import APIClient
from schemathesis.checks import positive_data_acceptance
from schemathesis.config import SchemathesisConfig

from conftest import PASSWORD
from yiwang.wsgi import application

# The same cases on every run and in every worker: no values learnt from the responses of
# the operations that happened to run before in the same process.
CONFIG = SchemathesisConfig.from_dict(
    {
        "phases": {
            name: {"extra-data-sources": {"responses": False}}
            for name in ("examples", "fuzzing", "coverage")
        },
        "generation": {"deterministic": True},
        # A time limit: any response slower than this fails (seconds; generous for a
        # loaded machine, the slowest answers here take a fraction of one).
        "checks": {"max_response_time": 10},
    }
)
SCHEMA = schemathesis.openapi.from_dict(
    SchemaGenerator().get_schema(request=None, public=True), config=CONFIG
)
SCHEMA.app = application

# A request can keep the schema and still be refused with 400 and its reasons: by a rule
# the schema cannot state (it names a row that must exist, or fields that go together), or
# because a row with that code or name is there already. For these operations a 400 to a
# request that keeps the schema is expected; every other check still applies to them.
REFUSED_BY_RULES = {
    "POST /api/v1/announcements/": "an audience of areas and roles, or people, in your scope",
    "POST /api/v1/auth/token/": "the username and password must be an account's",
    "POST /api/v1/cases/": "the category and the household must exist",
    "GET /api/v1/cases/rates/": "`to` must not come before `from`",
    "GET /api/v1/compliance/": "`to` must not come before `from`",
    "GET /api/v1/volunteering/rollup/": "months of the years served; `to` not before `from`",
    "POST /api/v1/event-types/": "the code must be new",
    "POST /api/v1/imports/": "the area must be one in your scope",
    "POST /api/v1/migrants/": "a unit or a host household, one of the two",
    "POST /api/v1/occurrences/": "a household of your scope; the day a date in a form people type",
    "POST /api/v1/pairings/": "exactly one subject: a household, a resident or an enterprise",
    "POST /api/v1/points/entries/": "an item of the subject's village's list, in its range",
    "POST /api/v1/posts/": "the user must exist in your scope",
    "POST /api/v1/programmes/": "the code and the name must be new",
    "POST /api/v1/reports/": "a county's, a town's or a village's code; a month, not to come",
    "POST /api/v1/routines/": "the code must be new",
    "POST /api/v1/tags/": "the code must be new",
    "POST /api/v1/visit-rules/": "the fields a periodic or a triggered rule needs",
    "POST /api/v1/visit-triggers/": "the code must be new",
    "POST /api/v1/visits/": "the household or enterprise must exist in your scope",
    "POST /api/v1/donations/": "a fund or a wish; yuan above 0, two decimals; a date not to come",
    "POST /api/v1/payouts/": "yuan above 0, two decimals; a date not to come",
    "POST /api/v1/wishes/{id}/claim/": "a volunteer's claim names one, a group's its members",
    "POST /api/v1/wishes/{id}/fulfil/": "the photos must be images",
    "POST /api/v1/volunteers/": "the consent given; a resident or an account, in your scope",
    "POST /api/v1/teams/": "an area of your scope; the name new in it",
    "POST /api/v1/activities/": "a team of your scope; the end after the start",
    "POST /api/v1/activities/{id}/checkin/": "the phone's time within a year of now",
    "POST /api/v1/activities/{id}/checkout/": "the phone's time within a year of now",
    "POST /api/v1/volunteer-hours/": "a volunteer and an activity of your scope, hours within it",
    "POST /api/v1/projects/": "a town of your scope; 10k yuan with two decimals; a new number",
    "POST /api/v1/project-progress/": "a project you see; a day not to come; images; a UUID",
    "POST /api/v1/enterprise-requests/": "a department that exists; a day not to come, known",
    "GET /api/v1/enterprise-requests/": "a department that exists",
    "POST /api/v1/help-requests/": "an item offered; an area of your scope or a resident; valid ID",
    "POST /api/v1/help-requests/{id}/advance/": "only the next step; acceptance needs the materials",
    "POST /api/v1/help-requests/{id}/follow-up/": "only once the request is archived",
    "POST /api/v1/help-requests/{id}/materials/": "one of the item's or a name; once; before delivery",
    "POST /api/v1/rosters/": "an area you keep; the period in order, at most a year",
    "POST /api/v1/rosters/{id}/members/": "people you see",
    "POST /api/v1/rosters/{id}/generate/": "enough people in each role to keep the rules",
    "POST /api/v1/roster-shifts/{id}/assign/": "a member of the roster, keeping the rules",
    "POST /api/v1/duty-swaps/": "your shift not begun; a member of the roster, keeping the rules",
    "POST /api/v1/duty-swaps/{id}/approve/": "a swap still asked, keeping the rules",
    "POST /api/v1/duty-swaps/{id}/refuse/": "a swap still asked",
    "GET /api/v1/duty/ics/": "your own id only (403 otherwise)",
    "POST /api/v1/incidents/": "a village of your scope; times not to come, learned after",
    "POST /api/v1/incidents/{id}/receive-town/": "the step in its turn; a time not to come",
    "POST /api/v1/incidents/{id}/receive-county/": "the step in its turn; a time not to come",
    "POST /api/v1/incidents/{id}/written-report/": "the step in its turn; a time not to come",
    "POST /api/v1/incidents/{id}/close/": "the step in its turn",
    "POST /api/v1/sweep-households/{id}/visit/": "a visit time within the week, not to come",
    "POST /api/v1/stock-moves/": "a store and goods you see; one recipient; a PNG signature",
    "POST /api/v1/coops/": "a village of your scope; a name new in it; the charter's terms in range",
    "POST /api/v1/coop-members/": "a cooperative you keep; a household of its village",
    "POST /api/v1/coop-contributions/": "a cooperative you keep, its member; under the cap",
    "POST /api/v1/coop-trading/": "a cooperative you keep and one of its members",
}


@pytest.fixture
def connection_kept(county_token):
    """Schemathesis calls the WSGI application itself, not through Django's test client,
    so Django would close the database connection at the start and end of each request,
    and with it the test's transaction (on PostgreSQL). As the test client does, the
    connection is kept for the test (after the token is asked for: the test client
    connects the signal again after each of its requests)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def county_token(county_admin):
    """The county admin's API token, asked for as a client does."""
    answer = APIClient().post(
        "/api/v1/auth/token/", {"username": county_admin.username, "password": PASSWORD}
    )
    assert answer.status_code in (200, 201), answer.content
    return answer.json()["token"]


@SCHEMA.parametrize()
@settings(
    max_examples=5,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_it_answers_every_operation_as_its_schema_says(case, county_token, connection_kept):
    excluded = [positive_data_acceptance] if case.operation.label in REFUSED_BY_RULES else []
    case.call_and_validate(
        headers={"Authorization": f"Token {county_token}"}, excluded_checks=excluded
    )
