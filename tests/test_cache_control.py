"""Nothing with personal data stays in a cache: every page, API response and download says
`Cache-Control: no-store`, for a signed-in user and a stranger alike; static files keep
their caching, and views that say how they may be cached keep what they say."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from conftest import UNIT, VILLAGE
from yiwang.core.models import ExportJob
from yiwang.registry.services import add_resident, create_household


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


@pytest.fixture
def household(worker):
    home = create_household(actor=worker, unit_code=UNIT, number="001", address="南门街 1 号")
    add_resident(
        actor=worker,
        household_id=home.pk,
        name="张三",
        relation="head",
        id_number="37082919600302011X",
        phone="13812345678",
    )
    return home


@pytest.fixture
def signed_in(worker):
    client = Client()
    client.force_login(worker)
    return client


@pytest.mark.parametrize(
    "path",
    ["/", "/ledger/", "/cases/", "/audit/", "/exports/"],
)
def test_every_page_of_a_signed_in_user_is_no_store(signed_in, household, path):
    response = signed_in.get(path)

    assert response.status_code == 200
    assert _no_store(response), response.get("Cache-Control")


def test_the_pages_of_a_household_and_a_resident_are_no_store(signed_in, household):
    resident = household.residents.first()

    for response in (
        signed_in.get(reverse("registry:household", args=[household.pk])),
        signed_in.get(reverse("registry:resident", args=[resident.pk])),
    ):
        assert response.status_code == 200
        assert _no_store(response)


@pytest.mark.parametrize(
    "path", ["/api/v1/residents/", "/api/v1/households/", "/api/v1/audit/", "/api/v1/areas/"]
)
def test_every_api_response_is_no_store(worker, household, path):
    api = APIClient()
    api.force_authenticate(worker)

    response = api.get(path)

    assert response.status_code == 200
    assert _no_store(response)


def test_errors_and_answers_to_strangers_are_no_store_too(signed_in, client):
    assert _no_store(signed_in.get("/ledger/residents/999999/"))
    assert _no_store(APIClient().get("/api/v1/residents/"))
    assert _no_store(client.get(reverse("login")))


@pytest.mark.django_db(transaction=True)
def test_an_export_download_is_no_store(chief, household):
    client = Client()
    client.force_login(chief)
    client.post(reverse("core:export-start", args=["registry.residents"]) + f"?under={VILLAGE}")
    job = ExportJob.objects.get()

    download = client.get(reverse("core:export-download", args=[job.pk]))

    assert download.status_code == 200
    load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert _no_store(download)


def test_static_files_stay_cacheable(client):
    response = client.get("/static/js/yiwang.js")

    assert response.status_code == 200
    assert not _no_store(response)


def test_a_view_that_says_how_it_may_be_cached_keeps_it(client, tree):
    """The public map's boundaries hold no personal data and are cached by design."""
    response = client.get(reverse("public:villages"))

    assert response["Cache-Control"] == "public, max-age=600"
