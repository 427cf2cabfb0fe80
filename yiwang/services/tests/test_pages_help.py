"""The help requests' pages for every persona: the list from the menu, taking a request
on the phone (the ledger's resident or one typed, the materials ticked) to its receipt
with the tracking code and QR code, the request's page (steps with who and when, the next
step behind a confirmation, materials, personal data masked and revealed with a reason),
the follow-up call; 403 and 404 where they must be, nothing changed on bad input."""

import pytest
from django.test import Client
from django.urls import reverse

from conftest import OTHER_UNIT, UNIT
from yiwang.accounts.services import create_user
from yiwang.registry.services import add_resident, create_household
from yiwang.registry.tests.conftest import make_id
from yiwang.services.models import HelpRequest, HelpReveal, Step
from yiwang.services.services import help as services
from yiwang.services.tests.page_rows import APPLICANT, ID_NUMBER, PHONE, reissue, state, take

pytestmark = pytest.mark.django_db


def client_of(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


@pytest.fixture
def own(worker):
    return take(worker, UNIT)


@pytest.fixture
def foreign(outsider):
    return take(outsider, OTHER_UNIT, name="王美兰", id_number=make_id("19700101", "031"))


def test_takers_reach_the_list_from_the_menu_and_see_their_scope(personas, own, foreign):
    url = reverse("services:help-requests")
    sees = {"county": {own, foreign}, "town": {own}, "chief": {own}, "worker": {own}}
    sees["outsider"] = {foreign}
    for who, user in personas.items():
        client = client_of(user)
        home = client.get(reverse("accounts:home"), follow=True).content.decode()
        assert f'href="{url}" data-menu-item="services.help"' in home, who
        response = client.get(url)
        assert response.status_code == 200
        body = response.content.decode()
        shown = {row for row in (own, foreign) if f'id="help-{row.pk}"' in body}
        assert shown == sees[who], who
        # Names, not codes; the applicant masked, their numbers never in full.
        assert UNIT not in body and OTHER_UNIT not in body
        assert APPLICANT not in body and ID_NUMBER not in body and PHONE not in body


def test_someone_without_a_post_has_no_menu_entry_and_may_not_take(tree):
    nobody = create_user(actor=None, username="nobody", password="Yiwang-test-2026")
    client = client_of(nobody)
    home = client.get(reverse("accounts:home"), follow=True).content.decode()
    assert 'data-menu-item="services.help"' not in home
    assert 'data-menu-item="services.catalogue"' in home
    assert client.get(reverse("services:help-request-create")).status_code == 403
    assert client.get(reverse("services:help-requests")).status_code == 200


def test_the_list_filters_by_step_and_number(chief, own, worker):
    other = take(worker, UNIT, name="赵大山", id_number="", phone="")
    services.advance(actor=worker, request_id=other.pk, step=Step.ACCEPTED)
    client = client_of(chief)
    body = client.get(reverse("services:help-requests"), {"step": "accepted"}).content.decode()
    assert f'id="help-{other.pk}"' in body and f'id="help-{own.pk}"' not in body
    body = client.get(reverse("services:help-requests"), {"q": own.number}).content.decode()
    assert f'id="help-{own.pk}"' in body and f'id="help-{other.pk}"' not in body


def test_a_worker_takes_a_request_on_the_phone_and_gets_the_receipt(worker):
    item = reissue()
    client = client_of(worker)
    url = reverse("services:help-request-create")
    assert 'id="take-item-id-card-reissue"' in client.get(url).content.decode()
    page = client.get(url, {"item": item.pk})
    assert page.status_code == 200
    body = page.content.decode()
    materials = list(item.materials.all())
    for material in materials:
        assert f'value="{material.pk}"' in body
    response = client.post(
        url,
        {
            "item": item.pk,
            "uuid": page.context["form"]["uuid"].value(),
            "applicant_name": "周建国",
            "area_code": UNIT,
            "id_number": make_id("19900305", "017"),
            "phone": "13705371111",
            "channel": "worker",
            "matter": "身份证丢失",
            "materials": [str(m.pk) for m in materials[:2]],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    row = HelpRequest.objects.get(applicant_name="周建国")
    assert response["Location"] == reverse("services:help-request-receipt", args=[row.pk])
    assert row.step == Step.ENTRUSTED and row.area_code == UNIT
    assert {m.material_id for m in row.materials.all()} == {m.pk for m in materials[:2]}
    receipt = client.get(response["Location"]).content.decode()
    assert f'data-code="{row.tracking_code}"' in receipt
    assert row.tracking_code[:4] + " " + row.tracking_code[4:] in receipt
    assert "<svg" in receipt and "/public/services/track/?code=" + row.tracking_code in receipt
    assert "周建国" not in receipt  # masked on the receipt: 周*国
    assert "周*国" in receipt


def test_a_resident_is_picked_from_the_ledger(worker):
    home = create_household(actor=worker, unit_code=UNIT, number="088", address="南门街 8 号")
    resident = add_resident(
        actor=worker,
        household_id=home.pk,
        name="孙桂芝",
        relation="head",
        id_number=make_id("19560101", "022"),
    )
    item = reissue()
    client = client_of(worker)
    url = reverse("services:help-request-create")
    hits = client.get(url, {"item": item.pk, "q": "孙桂芝"}).content.decode()
    assert f'id="resident-hit-{resident.pk}"' in hits
    page = client.get(url, {"item": item.pk, "resident": resident.pk})
    assert 'id="take-resident-chosen"' in page.content.decode()
    response = client.post(
        url,
        {
            "item": item.pk,
            "resident": resident.pk,
            "uuid": page.context["form"]["uuid"].value(),
            "channel": "station",
            "materials": [],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    row = HelpRequest.objects.get(resident=resident)
    assert row.applicant_name == "孙桂芝" and row.area_code == resident.area_code


def test_bad_input_on_the_take_form_changes_nothing(worker, outsider):
    item = reissue()
    client = client_of(worker)
    url = reverse("services:help-request-create")
    base = {"item": item.pk, "uuid": "6f1c6c4e-1d7c-4c55-9a3f-3f1d0b0a1a11", "channel": "worker"}
    before = HelpRequest.objects.count()
    response = client.post(url, base)  # neither name nor unit
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="id_applicant_name_errors"' in body and 'id="id_area_code_errors"' in body
    response = client.post(
        url, {**base, "applicant_name": "钱多多", "area_code": UNIT, "id_number": "123456"}
    )
    assert response.status_code == 400
    assert 'id="id_id_number_errors"' in response.content.decode()
    # Another town's unit: not the worker's.
    response = client.post(url, {**base, "applicant_name": "钱多多", "area_code": OTHER_UNIT})
    assert response.status_code in (400, 404)
    assert HelpRequest.objects.count() == before
    # A resident of another town: not found.
    foreign_home = create_household(actor=outsider, unit_code=OTHER_UNIT, number="x1")
    foreign = add_resident(
        actor=outsider, household_id=foreign_home.pk, name="外人", relation="head"
    )
    assert client.get(url, {"item": item.pk, "resident": foreign.pk}).status_code == 404
    assert HelpRequest.objects.count() == before


def test_the_request_page_masks_and_reveals_with_a_reason(chief, own):
    client = client_of(chief)
    url = reverse("services:help-request", args=[own.pk])
    body = client.get(url).content.decode()
    assert ID_NUMBER not in body and PHONE not in body
    assert own.masked_id_number in body and own.masked_phone in body
    assert UNIT not in body and "第1单元" in body  # the area by its name
    reveal = reverse("services:help-request-reveal", args=[own.pk])
    short = client.post(reveal, {"field": "id_number", "reason": "看"})
    assert short.status_code == 400 and ID_NUMBER not in short.content.decode()
    assert HelpReveal.objects.count() == 0
    shown = client.post(reveal, {"field": "id_number", "reason": "核对补领人身份"})
    assert shown.status_code == 200
    assert f'id="id-number">{ID_NUMBER}<' in shown.content.decode()
    assert PHONE not in shown.content.decode()
    look = HelpReveal.objects.get()
    assert look.user == chief and look.field == "id_number" and look.reason == "核对补领人身份"


def test_the_steps_go_forward_one_at_a_time_with_a_confirmation(worker):
    row = take(worker, UNIT, materials=False)
    client = client_of(worker)
    url = reverse("services:help-request", args=[row.pk])
    body = client.get(url).content.decode()
    assert 'id="next-step"' in body and 'name="step" value="accepted"' in body
    assert 'id="step-missing"' in body  # the required materials are not all in
    step = reverse("services:help-request-step", args=[row.pk])
    before = state(row)
    refused = client.post(step, {"step": "accepted"})
    assert refused.status_code == 400 and "户口簿" in refused.content.decode()
    assert client.post(step, {"step": "delivered"}).status_code == 400  # out of order
    assert state(row) == before
    material = reverse("services:help-request-material", args=[row.pk])
    for m in reissue().materials.all():
        answer = client.post(material, {"material": m.pk, "document_number": ""})
        assert answer.status_code == 302
    assert client.post(step, {"step": "accepted", "note": "材料齐全"}).status_code == 302
    row.refresh_from_db()
    assert row.step == Step.ACCEPTED and row.due_on is not None
    body = client.get(url).content.decode()
    done = body.split('id="help-steps"')[1].split("</ol>")[0]
    assert 'data-step="accepted" data-done="1"' in done and "材料齐全" in done
    for following in ("processing", "delivered", "archived"):
        assert client.post(step, {"step": following}).status_code == 302
    body = client.get(url).content.decode()
    assert 'id="next-step"' not in body and 'id="follow-up-form"' in body
    answer = client.post(
        reverse("services:help-request-follow-up", args=[row.pk]),
        {"satisfaction": "satisfied", "note": "很满意"},
    )
    assert answer.status_code == 302
    row.refresh_from_db()
    assert row.step == Step.FOLLOWED_UP and row.satisfaction == "satisfied"


def test_outside_the_scope_every_page_of_a_request_is_not_found(outsider, own):
    client = client_of(outsider)
    before = state(own)
    for name in ("services:help-request", "services:help-request-receipt"):
        assert client.get(reverse(name, args=[own.pk])).status_code == 404
    posts = {
        "services:help-request-step": {"step": "accepted"},
        "services:help-request-material": {"name": "照片"},
        "services:help-request-follow-up": {"satisfaction": "satisfied"},
        "services:help-request-reveal": {"field": "id_number", "reason": "核对身份信息"},
    }
    for name, data in posts.items():
        assert client.post(reverse(name, args=[own.pk]), data).status_code == 404, name
    assert state(own) == before


def test_a_department_s_staff_sees_the_requests_of_its_items_and_handles_them(worker):
    from conftest import COUNTY, PASSWORD
    from yiwang.accounts.services import grant_post
    from yiwang.cases.models import Department
    from yiwang.services.models import ServiceItem

    clerk = create_user(actor=None, username="clerk", password=PASSWORD, full_name="民政干事")
    grant_post(actor=None, user=clerk, role="department_staff", area_code=COUNTY)
    office = Department.objects.create(code="civil", name="县民政局", area_code=COUNTY)
    office.members.add(clerk)
    marriage = ServiceItem.objects.get(code="marriage-registration")
    ServiceItem.objects.filter(pk=marriage.pk).update(department=office)
    theirs, _ = services.take_request(
        actor=worker,
        item_id=marriage.pk,
        area_code=UNIT,
        applicant_name="韩梅",
        materials=[{"material": m.pk} for m in marriage.materials.all()],
    )
    other = take(worker, UNIT)  # an ID reissue: decided by the police, not by the office
    services.advance(actor=worker, request_id=theirs.pk, step=Step.ACCEPTED)
    client = client_of(clerk)
    home = client.get(reverse("accounts:home"), follow=True).content.decode()
    assert 'data-menu-item="services.help"' in home
    body = client.get(reverse("services:help-requests")).content.decode()
    assert f'id="help-{theirs.pk}"' in body and f'id="help-{other.pk}"' not in body
    assert client.get(reverse("services:help-request", args=[other.pk])).status_code == 404
    assert client.get(reverse("services:help-request-create")).status_code == 403
    step = reverse("services:help-request-step", args=[theirs.pk])
    assert client.post(step, {"step": "processing"}).status_code == 302
    assert HelpRequest.objects.get(pk=theirs.pk).step == Step.PROCESSING


def _offered(client, row) -> tuple[str | None, bool]:
    """The step the request's page offers (its form's value) and whether the follow-up
    call's form is there."""
    body = client.get(reverse("services:help-request", args=[row.pk])).content.decode()
    offered = None
    if 'id="step-form"' in body:
        offered = body.split('id="step-form"')[1].split('name="step" value="')[1].split('"')[0]
    return offered, 'id="follow-up-form"' in body


def test_each_step_s_form_is_offered_only_to_whom_the_service_lets_do_it(worker):
    """A department's staff handle and deliver (办理, 送达), nothing else: the page offers
    them only those; the takers' steps posted anyway are refused with the reason shown on
    the request's page (not a bare 403) and change nothing. The taker is offered the rest."""
    from yiwang.services.tests.rows import department_staff

    clerk, _office = department_staff("clerk")
    row = take(worker, UNIT)  # an ID reissue, decided by the clerk's department
    staff, taker = client_of(clerk), client_of(worker)
    step = reverse("services:help-request-step", args=[row.pk])
    refusal = "只有帮办件所在村、镇或县的工作人员可以办理此环节。"
    seen = {}
    for following in ("accepted", "processing", "delivered", "archived"):
        seen[following] = (_offered(staff, row), _offered(taker, row))
        if following not in ("processing", "delivered"):
            before = state(row)
            refused = staff.post(step, {"step": following})
            assert refused.status_code == 403, following
            body = refused.content.decode()
            assert refusal in body and 'role="alert"' in body and 'id="help-steps"' in body
            assert state(row) == before
        services.advance(actor=worker, request_id=row.pk, step=following)
    assert seen == {
        "accepted": ((None, False), ("accepted", False)),
        "processing": (("processing", False), ("processing", False)),
        "delivered": (("delivered", False), ("delivered", False)),
        "archived": ((None, False), ("archived", False)),
    }
    assert _offered(staff, row) == (None, False)
    assert _offered(taker, row) == (None, True)
    before = state(row)
    follow_up = reverse("services:help-request-follow-up", args=[row.pk])
    refused = staff.post(follow_up, {"satisfaction": "satisfied"})
    assert refused.status_code == 403 and refusal in refused.content.decode()
    assert state(row) == before
    assert taker.post(follow_up, {"satisfaction": "satisfied"}).status_code == 302
