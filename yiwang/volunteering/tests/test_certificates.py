"""Hours certificates: the figures kept as issued (approved credit and honour hours apart,
the service by target group), the issuer named from the issuer's area, a readable unique
number (taken again when another certificate took it at the same moment), an unguessable
check code, the ID number masked; the PDF read back with pdftotext; its QR's address
opens the public page with the same figures; a forged code refused; bad input; the scope
of every persona on the service, the pages and the API."""

from __future__ import annotations

import re
import subprocess
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from conftest import COUNTY, TOWN, VILLAGE
from yiwang.core.models import AuditEntry
from yiwang.volunteering import certificate_pdf
from yiwang.volunteering.models import Certificate, HoursKind, HoursStatus, TargetGroup
from yiwang.volunteering.services import certificates as services
from yiwang.volunteering.services import issue_certificate
from yiwang.volunteering.tests import certificate_rows as rows

pytestmark = pytest.mark.django_db

PDF = "application/pdf"
MASKED_ID = f"{rows.ID_NUMBER[:4]}**********{rows.ID_NUMBER[-4:]}"


@pytest.fixture
def served(chief):
    """李明华 of 南门社区: 12.5 approved credit hours for the elderly, 3 for children,
    4 approved honour hours, 6 pending, 9 declined, all within the last month."""
    volunteer = rows.resident_volunteer(chief)
    team = rows.team()
    elderly = rows.activity(chief, team, "敬老院打扫", day=rows.days_ago(20))
    visit = rows.activity(chief, team, "走访独居老人", day=rows.days_ago(12))
    school = rows.activity(chief, team, "护学岗", TargetGroup.CHILDREN, day=rows.days_ago(8))
    flood = rows.activity(chief, team, "防汛值守", TargetGroup.PUBLIC, day=rows.days_ago(6))
    later = rows.activity(chief, team, "关爱留守儿童", TargetGroup.CHILDREN, day=rows.days_ago(2))
    rows.hours(volunteer, elderly, "8.5")
    rows.hours(volunteer, visit, "4")
    rows.hours(volunteer, school, "3")
    rows.hours(volunteer, flood, "4", kind=HoursKind.HONOUR)
    rows.hours(volunteer, later, "6", status=HoursStatus.PENDING)
    rows.hours(volunteer, flood, "9", kind=HoursKind.HONOUR, status=HoursStatus.DECLINED)
    return volunteer


def _issue(actor, volunteer, **period):
    period = {"first_day": rows.days_ago(30), "last_day": rows.days_ago(0), **period}
    return issue_certificate(actor, volunteer, **period)


def _messages(exc) -> dict:
    return exc.value.message_dict


def test_it_keeps_the_figures_of_the_period_as_issued(served, chief):
    certificate = _issue(chief, served)
    assert certificate.credit_hours == Decimal("15.50")
    assert certificate.honour_hours == Decimal("4.00")
    assert certificate.volunteer_name == "李明华"
    assert certificate.masked_id_number == MASKED_ID
    assert certificate.issuer == "南门社区居民委员会"
    assert certificate.area_code == VILLAGE
    assert certificate.handler == "chief"
    assert certificate.issued_on == timezone.localdate()
    assert certificate.content == (
        "为老服务：敬老院打扫、走访独居老人2项活动，共12.50小时；"
        "为儿童服务：护学岗1项活动，共3.00小时；"
        "为公共需要服务：防汛值守1项活动，共4.00小时。"
    )
    # Hours approved later do not change what was issued.
    pending = served.hours.get(status=HoursStatus.PENDING)
    pending.status = HoursStatus.APPROVED
    pending.save()
    certificate.refresh_from_db()
    assert certificate.credit_hours == Decimal("15.50")


def test_a_shorter_period_states_its_own_hours(served, chief):
    certificate = _issue(chief, served, first_day=rows.days_ago(10), handler="张经办")
    assert (certificate.credit_hours, certificate.honour_hours) == (Decimal("3.00"), Decimal(4))
    assert certificate.handler == "张经办"
    assert "敬老院" not in certificate.content


def test_numbers_are_readable_and_follow_each_other(served, chief, town_admin):
    first = _issue(chief, served)
    second = _issue(town_admin, served)
    year = timezone.localdate().year
    assert first.number == f"ZY-{COUNTY}-{year}-000001"
    assert second.number == f"ZY-{COUNTY}-{year}-000002"


def test_a_number_taken_at_the_same_moment_is_taken_again(served, chief, monkeypatch):
    """Another certificate stores the number read for this one before it is saved: the
    unique number refuses it, and the next is taken."""
    first = _issue(chief, served)
    taken = services._next_number
    calls = []

    def stale(county, year):
        calls.append(1)
        return first.number if len(calls) == 1 else taken(county, year)

    monkeypatch.setattr(services, "_next_number", stale)
    second = _issue(chief, served)
    assert len(calls) == 2
    assert second.number.endswith("-000002")
    assert Certificate.objects.count() == 2


def test_check_codes_are_long_random_and_unique(served, chief):
    codes = {_issue(chief, served).check_code for _ in range(3)}
    assert len(codes) == 3
    assert all(len(code) >= 20 and re.fullmatch(r"[A-Za-z0-9_-]+", code) for code in codes)


def test_the_issuer_is_the_area_of_the_issuers_post(served, town_admin, county_admin):
    assert _issue(town_admin, served).issuer == "中都街道"
    assert _issue(town_admin, served).area_code == TOWN
    assert _issue(county_admin, served).issuer == "汶上县"


@pytest.mark.parametrize(
    ("name", "printed"),
    [
        ("南门社区居民委员会", "南门社区居民委员会"),
        ("北关村委会", "北关村委会"),
        ("张庄村", "张庄村民委员会"),
        ("东风社区", "东风社区居民委员会"),
        ("李家", "李家村民委员会"),
    ],
)
def test_a_village_issues_as_its_committee(name, printed):
    assert services.issuer_name(SimpleNamespace(code=VILLAGE, name=name)) == printed
    assert services.issuer_name(SimpleNamespace(code=TOWN, name="中都街道")) == "中都街道"


def test_a_staff_volunteer_has_no_id_number_printed(chief, county_admin):
    volunteer = rows.staff_volunteer(chief)
    rows.hours(volunteer, rows.activity(chief, rows.team(), "普法宣传"), "2")
    assert _issue(county_admin, volunteer).masked_id_number == ""


def test_issuing_is_audited_without_the_check_code(served, chief):
    certificate = _issue(chief, served)
    entry = AuditEntry.objects.get(action="volunteering_certificate.issue")
    assert entry.object_id == str(certificate.pk)
    assert entry.after["number"] == certificate.number
    assert "check_code" not in entry.after
    assert certificate.check_code not in str(entry.after)


# --- bad input ------------------------------------------------------------------------


def test_a_period_without_approved_hours_is_refused(served, chief):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        _issue(chief, served, first_day=rows.days_ago(3))  # only the pending hours
    assert "has no approved hours" in _messages(exc)["last_day"][0]
    assert Certificate.objects.count() == 0


def test_a_last_day_before_the_first_is_refused(served, chief):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        _issue(chief, served, first_day=rows.days_ago(1), last_day=rows.days_ago(5))
    assert _messages(exc)["last_day"] == [
        "The last day is before the first day: swap them or correct one."
    ]


def test_a_period_in_the_future_is_refused(served, chief):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        _issue(chief, served, first_day=rows.days_ago(-2), last_day=rows.days_ago(-5))
    assert _messages(exc) == {
        "first_day": ["The period starts in the future: choose a first day no later than today."],
        "last_day": ["The period ends in the future: choose a last day no later than today."],
    }
    assert Certificate.objects.count() == 0


def test_dates_that_are_not_dates_are_refused(served, chief):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        _issue(chief, served, first_day="2026-02-30", last_day="")
    assert _messages(exc) == {
        "first_day": ["Give a date as YYYY-MM-DD, e.g. 2026-01-31."],
        "last_day": ["This field cannot be empty."],
    }


# --- scope ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "outcome"),
    [
        ("county", "issued"),
        ("town", "issued"),
        ("chief", "issued"),
        ("worker", PermissionDenied),
        ("outsider", Http404),
    ],
)
def test_who_may_issue(served, personas, persona, outcome):
    if outcome == "issued":
        assert _issue(personas[persona], served).pk
        return
    with pytest.raises(outcome):
        _issue(personas[persona], served)
    assert Certificate.objects.count() == 0


@pytest.mark.parametrize(
    ("persona", "status"),
    [("county", 200), ("town", 200), ("chief", 200), ("worker", 403), ("outsider", 404)],
)
def test_the_issue_page_of_each_persona(served, personas, persona, status, client):
    client.force_login(personas[persona])
    url = reverse("volunteering:certificate-issue", args=[served.pk])
    assert client.get(url).status_code == status
    period = {"first_day": rows.days_ago(30), "last_day": rows.days_ago(0)}
    response = client.post(url, period)
    assert response.status_code == (302 if status == 200 else status)
    assert Certificate.objects.count() == (1 if status == 200 else 0)


def test_the_issue_page_shows_the_services_message(served, chief, client):
    client.force_login(chief)
    url = reverse("volunteering:certificate-issue", args=[served.pk])
    response = client.post(url, {"first_day": rows.days_ago(1), "last_day": rows.days_ago(5)})
    assert response.status_code == 200
    with translation.override("zh-hans"):
        message = translation.gettext(
            "The last day is before the first day: swap them or correct one."
        )
    assert message in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "hours_page", "pdf"),
    [
        ("county", 200, 200),
        ("town", 200, 200),
        ("chief", 200, 200),
        ("worker", 200, 404),
        ("outsider", 404, 404),
    ],
)
def test_the_hours_page_and_the_pdf_of_each_persona(
    served, chief, personas, persona, hours_page, pdf, client
):
    certificate = _issue(chief, served)
    client.force_login(personas[persona])
    page = client.get(reverse("volunteering:volunteer-hours", args=[served.pk]))
    assert page.status_code == hours_page
    if hours_page == 200:
        body = page.content.decode()
        assert "15.50" in body and "4.00" in body  # credit and honour apart
        assert "中都街道 · 南门社区居民委员会 · 第一网格 · 第1单元" in body
        assert 'id="issue-certificate"' in body or persona == "worker"
        # The worker sees the volunteer but not the village committee's certificates.
        assert (certificate.number in body) == (persona != "worker")
    response = client.get(reverse("volunteering:certificate-pdf", args=[certificate.pk]))
    assert response.status_code == pdf
    if pdf == 200:
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")


# --- the PDF and the public check -----------------------------------------------------


def _pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(content)
    args = ["pdftotext", "-enc", "UTF-8", str(path), "-"]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def test_the_pdf_states_the_certificate_and_its_check_address(served, chief, tmp_path):
    certificate = _issue(chief, served, handler="张经办")
    text = _pdf_text(certificate_pdf.render(certificate), tmp_path)
    compact = "".join(text.split())
    assert "志愿服务证明" in compact
    assert certificate.number in compact
    assert MASKED_ID in compact and rows.ID_NUMBER not in compact
    assert "15.50" in compact and "4.00" in compact and "19.50" in compact
    assert "南门社区居民委员会" in compact and "张经办" in compact
    assert "敬老院打扫" in compact
    assert timezone.localdate().isoformat() in compact
    assert certificate.check_code in compact
    assert certificate_pdf.check_url(certificate).replace("/", "") in compact.replace("/", "")


def test_the_qr_address_opens_the_public_page_with_the_figures(served, chief, client):
    certificate = _issue(chief, served)
    url = certificate_pdf.check_url(certificate)
    assert url.endswith(f"/public/volunteering/certificates/{certificate.check_code}/")
    response = client.get(url.split("://", 1)[1].split("/", 1)[1].join(["/", ""]))
    assert response.status_code == 200
    body = response.content.decode()
    for shown in (certificate.number, "李*华", MASKED_ID, "15.50", "4.00", "南门社区居民委员会"):
        assert shown in body, shown
    assert "敬老院打扫" in body
    assert "李明华" not in body and rows.ID_NUMBER not in body
    assert response["X-Robots-Tag"] == "noindex"


def test_a_forged_code_answers_404_with_a_clear_page(served, chief, client):
    certificate = _issue(chief, served)
    forged = certificate.check_code[:-1] + ("A" if certificate.check_code[-1] != "A" else "B")
    response = client.get(reverse("volunteering-public:certificate", args=[forged]))
    assert response.status_code == 404
    with translation.override("zh-hans"):
        title = translation.gettext("No such certificate")
    body = response.content.decode()
    assert title in body and "伪造" in body
    assert certificate.number not in body


def test_the_number_and_code_typed_find_the_certificate(served, chief, client):
    certificate = _issue(chief, served)
    url = reverse("volunteering-public:certificate-check")
    assert client.get(url).status_code == 200
    found = client.get(
        url, {"number": certificate.number.lower(), "check_code": certificate.check_code}
    )
    assert found.status_code == 302
    assert found["Location"] == reverse(
        "volunteering-public:certificate", args=[certificate.check_code]
    )
    other = _issue(chief, served)
    for number, code in (
        (certificate.number, other.check_code),  # a real code of another certificate
        (certificate.number, "x" * 22),
        ("ZY-370830-2026-999999", certificate.check_code),
    ):
        response = client.get(url, {"number": number, "check_code": code})
        assert response.status_code == 404
    assert client.get(url, {"number": certificate.number}).status_code == 400


# --- API ------------------------------------------------------------------------------


def _api(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.mark.parametrize(
    ("persona", "status"),
    [("county", 201), ("town", 201), ("chief", 201), ("worker", 403), ("outsider", 404)],
)
def test_the_api_issues_for_each_persona(served, personas, persona, status):
    body = {
        "volunteer": served.pk,
        "first_day": rows.days_ago(30).isoformat(),
        "last_day": rows.days_ago(0).isoformat(),
    }
    response = _api(personas[persona]).post("/api/v1/certificates/", body, format="json")
    assert response.status_code == status, response.content
    if status == 201:
        data = response.json()
        assert data["credit_hours"] == "15.50" and data["honour_hours"] == "4.00"
        assert data["check_url"] == certificate_pdf.check_url(Certificate.objects.get())
    else:
        assert Certificate.objects.count() == 0


def test_the_api_answers_bad_input_with_the_fields_message(served, chief):
    api = _api(chief)
    with translation.override("en"):
        response = api.post(
            "/api/v1/certificates/",
            {
                "volunteer": served.pk,
                "first_day": rows.days_ago(1).isoformat(),
                "last_day": rows.days_ago(5).isoformat(),
            },
            format="json",
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 400
    assert "last_day" in response.json()
    response = api.post("/api/v1/certificates/", {"volunteer": served.pk}, format="json")
    assert response.status_code == 400 and "first_day" in response.json()


@pytest.mark.parametrize(
    ("persona", "sees"),
    [("county", True), ("town", True), ("chief", True), ("worker", False), ("outsider", False)],
)
def test_the_api_lists_and_prints_within_the_scope(
    served, chief, personas, persona, sees, django_assert_max_num_queries
):
    certificate = _issue(chief, served)
    api = _api(personas[persona])
    with django_assert_max_num_queries(4):
        listed = api.get("/api/v1/certificates/")
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == ([certificate.pk] if sees else [])
    detail = api.get(f"/api/v1/certificates/{certificate.pk}/")
    pdf = api.get(f"/api/v1/certificates/{certificate.pk}/pdf/")
    assert detail.status_code == pdf.status_code == (200 if sees else 404)
    if sees:
        assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
        assert detail.json()["masked_id_number"] == MASKED_ID
        asked = api.get(f"/api/v1/certificates/{certificate.pk}/pdf/", HTTP_ACCEPT=PDF)
        assert asked.status_code == 200 and asked.content.startswith(b"%PDF-")
    # An error is JSON, even to a client that asks for the PDF.
    missing = api.get(f"/api/v1/certificates/{certificate.pk + 1}/pdf/?format=pdf")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    ("persona", "shown"),
    [("county", True), ("town", True), ("chief", True), ("worker", True), ("outsider", False)],
)
def test_the_hours_list_of_each_persona(served, chief, personas, persona, shown, client):
    certificate = _issue(chief, served)
    client.force_login(personas[persona])
    response = client.get(reverse("volunteering:hours"))
    assert response.status_code == 200
    body = response.content.decode()
    assert ("李明华" in body) == shown
    assert (certificate.number in body) == (persona in ("county", "town", "chief"))
    assert ('id="hours-export-link"' in body) == (persona in ("county", "town", "chief"))

    def listed(query):
        page = client.get(reverse("volunteering:hours"), {"q": query}).content.decode()
        return page.split('id="volunteers"')[1].split("</table>")[0]

    assert ("李明华" in listed("明华")) == shown
    assert "李明华" not in listed("赵")


def test_the_menu_leads_organisers_to_the_hours(chief, client):
    client.force_login(chief)
    home = client.get(reverse("accounts:home")).content.decode()
    assert f'href="{reverse("volunteering:hours")}"' in home
