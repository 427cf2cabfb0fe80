"""The OpenAPI schema describes the API as it answers: null where a field can be null,
every value of an enum, lists as lists and objects as objects, the errors of every
operation, the constraints that the API checks; and it is for signed-in users only."""

import pytest
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

SCHEMA = SchemaGenerator().get_schema(request=None, public=True)
COMPONENTS = SCHEMA["components"]["schemas"]


def _response(path, method="get", code="200"):
    return SCHEMA["paths"][path][method]["responses"][code]["content"]["application/json"]["schema"]


@pytest.mark.parametrize(
    ("component", "field"),
    [
        ("Area", "parent_code"),
        ("Case", "assignee_department"),
        ("Programme", "tag"),
        ("ScheduledVisit", "rule"),
        ("Category", "parent"),
    ],
)
def test_fields_returned_null_are_nullable(component, field):
    assert COMPONENTS[component]["properties"][field].get("nullable") is True


def test_the_household_category_of_a_programme_may_be_empty():
    choices = COMPONENTS["Programme"]["properties"]["household_category"]["oneOf"]
    refs = {choice["$ref"].rsplit("/", 1)[-1] for choice in choices}

    assert "BlankEnum" in refs
    assert COMPONENTS["BlankEnum"]["enum"] == [""]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/areas/{code}/rollup/",
        "/api/v1/cases/{id}/attachments/",
        "/api/v1/cases/{id}/duplicates/",
    ],
)
def test_lists_that_are_not_paged_are_arrays(path):
    assert _response(path)["type"] == "array"


def test_compliance_is_one_object():
    assert _response("/api/v1/compliance/") == {"$ref": "#/components/schemas/Compliance"}


@pytest.mark.parametrize(
    "path", ["/api/v1/areas/{code}/children/", "/api/v1/areas/{code}/subtree/"]
)
def test_children_and_subtree_are_pages_of_areas_with_their_closing_day(path):
    page = COMPONENTS[_response(path)["$ref"].rsplit("/", 1)[-1]]
    area = COMPONENTS[page["properties"]["results"]["items"]["$ref"].rsplit("/", 1)[-1]]

    assert "closed_on" in area["properties"]


def test_every_operation_documents_its_errors():
    for path, operations in SCHEMA["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            codes = set(operation["responses"])
            assert {"400", "401", "403", "404"} <= codes, (method, path)
            if method != "get":
                assert "409" in codes, (method, path)


def test_the_constraints_the_api_checks_are_stated():
    params = {
        p["name"]: p["schema"] for p in SCHEMA["paths"]["/api/v1/residents/"]["get"]["parameters"]
    }
    create = COMPONENTS["HouseholdCreateRequest"]["properties"]

    assert params["under"]["pattern"] == "^[0-9]{1,18}$"
    assert params["household"]["maximum"] == 2**63 - 1
    assert params["offset"]["minimum"] == 0 and params["limit"]["minimum"] == 1
    assert params["search"]["minLength"] == 1
    assert create["unit_code"]["maxLength"] == 18 and create["unit_code"]["minLength"] == 1


def test_the_schema_and_the_docs_are_for_signed_in_users(client, county_admin):
    anonymous_schema = APIClient().get("/api/v1/schema/")
    anonymous_docs = client.get("/api/v1/docs/")
    client.force_login(county_admin)

    assert anonymous_schema.status_code == 401
    assert anonymous_docs.status_code == 302 and "/login/" in anonymous_docs["Location"]
    assert client.get("/api/v1/schema/").status_code == 200
    assert client.get("/api/v1/docs/").status_code == 200


def test_the_schema_is_generated_once_a_language_and_served_the_same(
    client, county_admin, monkeypatch
):
    from yiwang.core.schema_view import SchemaView

    generated = []

    class CountingGenerator(SchemaView.generator_class):
        def get_schema(self, *args, **kwargs):
            generated.append(translation.get_language())
            return super().get_schema(*args, **kwargs)

    monkeypatch.setattr(SchemaView, "generator_class", CountingGenerator)
    monkeypatch.setattr(SchemaView, "_generated", {})
    client.force_login(county_admin)

    first = client.get("/api/v1/schema/")
    again = client.get("/api/v1/schema/")
    english = client.get("/api/v1/schema/", {"lang": "en"})
    english_again = client.get("/api/v1/schema/", {"lang": "en"})

    # A language or version the API does not know is generated for its request alone.
    for unknown in ({"lang": "a1"}, {"lang": "a2"}, {"version": "v9"}):
        assert client.get("/api/v1/schema/", unknown).status_code == 200
    assert set(SchemaView._generated) == {(None, "zh-hans"), (None, "en")}
    assert generated == ["zh-hans", "en", "a1", "a2", "zh-hans"]
    assert first.content == again.content and english.content == english_again.content
    assert "每页返回的结果数量" in first.content.decode()
    assert "Number of results to return per page" in english.content.decode()
    assert first.content != english.content
