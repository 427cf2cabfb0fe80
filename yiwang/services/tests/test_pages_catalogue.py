"""The catalogue's pages for every persona: the list (filtered by mode) from the menu, an
item with its materials, the printable one-time checklist, and the county admin's form
(403 to everyone else, nothing changed; bad input shown on the form, nothing changed)."""

import subprocess

import pytest
from django.test import Client
from django.urls import reverse

from yiwang.services.models import ServiceItem, ServiceMaterial, ServiceMode

pytestmark = pytest.mark.django_db


def client_of(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def item_state():
    return (
        list(
            ServiceItem.objects.order_by("pk").values_list("pk", "name", "fee", "time_limit_days")
        ),
        list(ServiceMaterial.objects.order_by("pk").values_list("pk", "item_id", "name")),
    )


def test_every_persona_reaches_the_catalogue_from_the_menu(personas):
    url = reverse("services:items")
    for who, user in personas.items():
        client = client_of(user)
        home = client.get(reverse("accounts:home"), follow=True).content.decode()
        assert f'href="{url}" data-menu-item="services.catalogue"' in home, who
        body = client.get(url).content.decode()
        assert "居民身份证补领（跨省通办）" in body, who
        assert "内地居民结婚登记（跨省通办）" in body


def test_the_list_filters_by_mode(chief):
    client = client_of(chief)
    response = client.get(reverse("services:items"), {"mode": ServiceMode.ONLINE})
    assert response.status_code == 200
    body = response.content.decode()
    assert "跨省异地就医直接结算备案" in body
    assert "居民身份证补领" not in body
    assert 'data-mode="proxy"' not in body and 'data-mode="online"' in body


def test_an_item_shows_its_materials_fee_limit_and_where(worker):
    item = ServiceItem.objects.get(code="id-card-reissue")
    response = client_of(worker).get(reverse("services:item", args=[item.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    for material in item.materials.all():
        assert material.name in body
    assert "户籍地公安机关" in body and "工本费20元" in body
    assert 'id="item-limit">20<' in body
    # A worker takes requests but does not keep the catalogue.
    assert 'id="item-take"' in body and 'id="item-edit"' not in body


def test_the_checklist_is_a_printable_page_of_every_material(town_admin):
    item = ServiceItem.objects.get(code="marriage-registration")
    response = client_of(town_admin).get(reverse("services:item-checklist", args=[item.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "services/print.css" in body and "data-print" in body
    table = body.split('id="checklist-materials"')[1]
    assert table.count("<tr>") == 1 + item.materials.count()
    assert "双方近期半身免冠合影照片" in table


def _pdf_text(pdf: bytes) -> str:
    """The PDF's text in reading order (a long name wraps in its cell), blanks dropped."""
    done = subprocess.run(
        ["pdftotext", "-raw", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return "".join(done.stdout.decode().split())


def test_the_checklist_is_also_a_pdf_of_every_material(chief):
    item = ServiceItem.objects.get(code="marriage-registration")
    client = client_of(chief)
    page = client.get(reverse("services:item-checklist", args=[item.pk])).content.decode()
    url = reverse("services:item-checklist-pdf", args=[item.pk])
    assert f'href="{url}"' in page
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = _pdf_text(response.content)
    assert "一次告知单" in text and item.name.replace(" ", "") in text
    names = list(item.materials.values_list("name", flat=True))
    assert names and all(name.replace(" ", "") in text for name in names)
    other = ServiceItem.objects.get(code="id-card-reissue")
    assert other.name not in text
    ServiceItem.objects.filter(pk=other.pk).update(is_active=False)
    hidden = reverse("services:item-checklist-pdf", args=[other.pk])
    assert client.get(hidden).status_code == 404


def test_an_item_not_offered_is_hidden_except_from_the_county_admin(chief, county_admin):
    item = ServiceItem.objects.get(code="pension-enrolment")
    ServiceItem.objects.filter(pk=item.pk).update(is_active=False)
    assert client_of(chief).get(reverse("services:item", args=[item.pk])).status_code == 404
    assert client_of(county_admin).get(reverse("services:item", args=[item.pk])).status_code == 200
    assert client_of(chief).get(reverse("services:item", args=[999999])).status_code == 404


def _edit_data(item, **changes):
    data = {
        "code": item.code,
        "name": item.name,
        "mode": item.mode,
        "is_cross_province": "on" if item.is_cross_province else "",
        "department": item.department_id or "",
        "authority": item.authority,
        "time_limit_days": item.time_limit_days,
        "fee": str(item.fee),
        "fee_note": item.fee_note,
        "where": item.where,
        "basis": item.basis,
        "notes": item.notes,
        "is_active": "on",
        "materials-TOTAL_FORMS": "3",
        "materials-INITIAL_FORMS": "0",
        "materials-MIN_NUM_FORMS": "0",
        "materials-MAX_NUM_FORMS": "50",
        "materials-0-name": "户口簿",
        "materials-0-is_original": "on",
        "materials-0-copies": "1",
        "materials-0-is_required": "on",
        "materials-1-name": "遗失声明",
        "materials-1-copies": "1",
        "materials-2-name": "",
    }
    data.update(changes)
    return data


def test_only_the_county_admin_edits_the_catalogue(personas):
    item = ServiceItem.objects.get(code="id-card-reissue")
    before = item_state()
    for who in ("town", "chief", "worker", "outsider"):
        client = client_of(personas[who])
        for name, args in (("services:item-edit", [item.pk]), ("services:item-create", [])):
            url = reverse(name, args=args)
            assert client.get(url).status_code == 403, (who, name)
            assert client.post(url, _edit_data(item, fee="0")).status_code == 403
    assert item_state() == before
    body = client_of(personas["county"]).get(reverse("services:item", args=[item.pk]))
    assert 'id="item-edit"' in body.content.decode()


def test_the_county_admin_changes_an_item_and_its_materials(county_admin):
    item = ServiceItem.objects.get(code="id-card-reissue")
    client = client_of(county_admin)
    assert client.get(reverse("services:item-edit", args=[item.pk])).status_code == 200
    response = client.post(
        reverse("services:item-edit", args=[item.pk]), _edit_data(item, fee="10.00")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    item.refresh_from_db()
    assert str(item.fee) == "10.00"
    assert [m.name for m in item.materials.all()] == ["户口簿", "遗失声明"]
    assert [m.is_required for m in item.materials.all()] == [True, False]


def test_bad_input_shows_on_the_form_and_changes_nothing(county_admin):
    item = ServiceItem.objects.get(code="id-card-reissue")
    before = item_state()
    client = client_of(county_admin)
    url = reverse("services:item-edit", args=[item.pk])
    response = client.post(url, _edit_data(item, time_limit_days="0"))
    assert response.status_code == 400
    assert 'id="id_time_limit_days_errors"' in response.content.decode()
    # Decided nowhere: neither a department nor an office named.
    response = client.post(url, _edit_data(item, department="", authority=""))
    assert response.status_code == 400
    assert item_state() == before
