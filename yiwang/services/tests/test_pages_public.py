"""The public tracking page of help requests: no login; the code typed or carried by the
receipt's QR code; the item and the steps with their days, nothing personal (no name, ID
number, phone, nor who worked on it); one neutral answer for an unknown code; floods held
back as on the cases' tracking page."""

import pytest
from django.test import Client
from django.urls import reverse

from conftest import UNIT
from yiwang.services.models import Step
from yiwang.services.services import help as services
from yiwang.services.tests.page_rows import APPLICANT, ID_NUMBER, PHONE, take

pytestmark = pytest.mark.django_db

URL = "/public/services/track/"


@pytest.fixture
def row(worker):
    return take(worker, UNIT)


def personal(row) -> list[str]:
    return [APPLICANT, ID_NUMBER, PHONE, row.masked_id_number, row.masked_phone, "李*英"]


def test_the_address_is_the_one_the_receipt_prints():
    assert reverse("services-public:track") == URL


def test_the_page_answers_without_a_login():
    response = Client().get(URL)
    assert response.status_code == 200
    assert 'id="track-form"' in response.content.decode()


def test_the_qr_code_s_address_shows_the_step_and_nothing_personal(row, worker):
    services.advance(actor=worker, request_id=row.pk, step=Step.ACCEPTED)
    response = Client().get(URL, {"code": row.tracking_code})
    assert response.status_code == 200
    body = response.content.decode()
    assert "居民身份证补领（跨省通办）" in body
    assert 'id="public-step" data-step="accepted"' in body
    assert 'data-step="accepted" data-done="1" aria-current="step"' in body
    assert 'data-step="processing" data-done' not in body
    for text in personal(row):
        assert text not in body, text
    assert worker.username not in body.split('id="public-help"')[1]
    assert row.number not in body


def test_a_code_typed_with_spaces_and_small_letters_is_found(row):
    typed = (row.tracking_code[:4] + " " + row.tracking_code[4:]).lower()
    response = Client().post(URL, {"code": typed})
    assert response.status_code == 200
    assert 'id="public-step" data-step="entrusted"' in response.content.decode()


def test_an_unknown_code_gets_one_neutral_answer(row):
    response = Client().post(URL, {"code": "ZZZZ ZZZZ"})
    assert response.status_code == 404
    body = response.content.decode()
    assert 'id="id_code_errors"' in body and 'id="public-help"' not in body


def test_misses_are_throttled(row, settings):
    settings.SERVICES_PUBLIC_MISS_LIMIT = (2, 600)
    client = Client()
    assert client.post(URL, {"code": "ZZZZZZZZ"}).status_code == 404
    assert client.post(URL, {"code": "YYYYYYYY"}).status_code == 404
    throttled = client.post(URL, {"code": row.tracking_code})
    assert throttled.status_code == 429 and throttled["Retry-After"]
    assert APPLICANT not in throttled.content.decode()


def test_look_ups_are_throttled(row, settings):
    settings.SERVICES_PUBLIC_LOOKUP_LIMIT = (3, 600)
    client = Client()
    for _ in range(3):
        assert client.get(URL, {"code": row.tracking_code}).status_code == 200
    assert client.get(URL, {"code": row.tracking_code}).status_code == 429
