"""Help requests through their services: taken with the materials, through every step to
the follow-up call (who and when each), the bad input of the issue refused with a clear
message and nothing changed (a material missing at acceptance, a step out of order), the
personal data revealed with a reason and audited, the public status without anything
personal; the catalogue kept by the county admins."""

import datetime
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import translation

from conftest import OTHER_UNIT, UNIT, VILLAGE
from yiwang.core.models import AuditEntry
from yiwang.services.models import (
    HelpMaterial,
    HelpRequest,
    HelpReveal,
    HelpStep,
    ServiceItem,
    ServiceMaterial,
    Step,
)
from yiwang.services.services import catalogue
from yiwang.services.services import help as services
from yiwang.services.tests.rows import (
    ID_NUMBER,
    PHONE,
    accepted,
    all_materials,
    department_staff,
    item,
    local,
    take,
)

pytestmark = pytest.mark.django_db


def state():
    """Everything a refused write could have changed."""
    return (
        list(
            HelpRequest.objects.order_by("id").values_list(
                "id",
                "step",
                "accepted_on",
                "due_on",
                "delivered_on",
                "is_late",
                "satisfaction",
                "area_code",
            )
        ),
        list(HelpStep.objects.order_by("id").values_list("id", "step", "at")),
        list(HelpMaterial.objects.order_by("id").values_list("id", "name", "document_number")),
        HelpReveal.objects.count(),
        AuditEntry.objects.filter(action__startswith="services_").count(),
    )


def messages(error: ValidationError, field: str) -> str:
    return " ".join(error.message_dict[field])


# --- taking a request -------------------------------------------------------------------


def test_a_request_goes_through_every_step_to_its_follow_up(worker):
    police, _department = department_staff()
    started = local(2025, 9, 30, 9)
    row = take(worker, at=started, channel="station")
    assert row.step == Step.ENTRUSTED and row.channel == "station"
    assert row.number == "BD202509300001"
    assert len(row.tracking_code) == 8 and row.tracking_code.isupper()
    assert row.taken_by == worker and row.handler == worker
    assert row.materials.count() == item().materials.count()
    steps = [
        (worker, "accepted", local(2025, 9, 30, 10)),
        (police, "processing", local(2025, 10, 9, 9)),  # the deciding department's staff
        (police, "delivered", local(2025, 10, 20, 16)),
        (worker, "archived", local(2025, 10, 21, 9)),
    ]
    for actor, step, at in steps:
        row = services.advance(actor=actor, request_id=row.pk, step=step, note=f"{step}说明", at=at)
        assert row.step == step
    assert row.accepted_on == datetime.date(2025, 9, 30)
    assert row.due_on == datetime.date(2025, 11, 4)
    assert row.delivered_on == datetime.date(2025, 10, 20) and row.is_late is False
    row = services.follow_up(
        actor=worker,
        request_id=row.pk,
        satisfaction="satisfied",
        note="已拿到新证，办了结婚登记",
        at=local(2025, 10, 22, 15),
    )
    assert row.step == Step.FOLLOWED_UP
    assert row.satisfaction == "satisfied" and row.satisfaction_note == "已拿到新证，办了结婚登记"
    done = list(row.steps.order_by("at").values_list("step", "actor", "at"))
    assert [step for step, _actor, _at in done] == list(Step.values)
    assert [actor for _step, actor, _at in done] == [
        worker.pk,
        worker.pk,
        police.pk,
        police.pk,
        worker.pk,
        worker.pk,
    ]
    assert done[0][2] == started and done[-1][2] == local(2025, 10, 22, 15)
    actions = list(
        AuditEntry.objects.filter(object_id=str(row.pk), object_type="services.helprequest")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "services_help.take",
        "services_help.accepted",
        "services_help.processing",
        "services_help.delivered",
        "services_help.archived",
        "services_help.followed_up",
    ]
    taken = AuditEntry.objects.get(object_id=str(row.pk), action="services_help.take")
    assert ID_NUMBER not in str(taken.after) and PHONE not in str(taken.after)  # masked
    assert "HK3708300001" not in str(taken.after)


def test_a_resident_of_the_ledger_gives_the_applicant_and_the_area(worker):
    from yiwang.registry.services import add_resident, create_household

    home = create_household(actor=worker, unit_code=UNIT, number="001")
    resident = add_resident(
        actor=worker,
        household_id=home.pk,
        name="李梅",
        relation="head",
        id_number=ID_NUMBER,
        phone=PHONE,
    )
    row, created = services.take_request(
        actor=worker,
        item_id=item().pk,
        area_code=VILLAGE,
        applicant_name="",
        resident_id=resident.pk,
        materials=all_materials(item()),
    )
    assert created and row.resident == resident
    assert (row.applicant_name, row.id_number, row.phone, row.area_code) == (
        "李梅",
        ID_NUMBER,
        PHONE,
        UNIT,
    )


def test_the_same_uuid_twice_stores_one_request(worker):
    key = uuid.uuid4()
    first = take(worker, uuid=key)
    again, created = services.take_request(
        actor=worker,
        item_id=item().pk,
        area_code=UNIT,
        applicant_name="张三",
        uuid=str(key),
    )
    assert created is False and again.pk == first.pk
    assert HelpRequest.objects.count() == 1 and HelpStep.objects.count() == 1
    with pytest.raises(ValidationError) as refused:
        services.take_request(
            actor=worker,
            item_id=item("marriage-registration").pk,
            area_code=UNIT,
            applicant_name="张三",
            uuid=key,
        )
    assert "uuid" in refused.value.message_dict
    assert HelpRequest.objects.count() == 1


def test_numbers_follow_each_other_within_a_day(worker):
    at = local(2025, 9, 30, 9)
    numbers = [take(worker, at=at).number for _i in range(3)]
    assert numbers == ["BD202509300001", "BD202509300002", "BD202509300003"]
    assert len({r.tracking_code for r in HelpRequest.objects.all()}) == 3


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"item_id": 999999}, "item"),
        ({"applicant_name": "   "}, "applicant_name"),
        ({"id_number": "370830196003020117"}, "id_number"),
        ({"phone": "12345"}, "phone"),
        ({"channel": "fax"}, "channel"),
        ({"materials": [{"material": 999999}]}, "materials"),
        ({"materials": [{"name": "户口簿"}, {"name": "户口簿"}]}, "materials"),
        ({"at": local(2099, 1, 1)}, "at"),
        ({"area_code": ""}, "area_code"),
    ],
)
def test_bad_input_when_taking_changes_nothing(worker, change, field):
    before = state()
    values = {
        "actor": worker,
        "item_id": item().pk,
        "area_code": UNIT,
        "applicant_name": "张三",
        "id_number": ID_NUMBER,
        "phone": PHONE,
        **change,
    }
    with pytest.raises(ValidationError) as refused:
        services.take_request(**values)
    assert field in refused.value.message_dict, refused.value.message_dict
    assert state() == before


def test_taking_outside_ones_area(worker, outsider):
    with pytest.raises(Http404):
        take(outsider, area_code=UNIT)
    police, _department = department_staff()
    with pytest.raises(Http404):  # a department's staff hold no area
        take(police)
    assert HelpRequest.objects.count() == 0


# --- the bad input of the issue -----------------------------------------------------------


def test_acceptance_needs_every_required_material(worker):
    required = list(item().materials.filter(is_required=True))
    row = take(worker, materials=[{"material": required[0].pk}])
    before = state()
    with pytest.raises(ValidationError) as refused:
        services.advance(actor=worker, request_id=row.pk, step="accepted")
    text = messages(refused.value, "materials")
    for material in required[1:]:
        assert material.name in text
    assert required[0].name not in text
    assert state() == before
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        services.advance(actor=worker, request_id=row.pk, step="accepted")
    assert "缺少" in messages(refused.value, "materials")
    # The materials received afterwards: accepted.
    for material in required[1:]:
        services.receive_material(actor=worker, request_id=row.pk, material_id=material.pk)
    row = services.advance(actor=worker, request_id=row.pk, step="accepted")
    assert row.step == Step.ACCEPTED and row.due_on is not None


def test_a_step_out_of_order_is_refused_and_changes_nothing(worker):
    row = take(worker)
    before = state()
    for step in ("processing", "delivered", "archived", "followed_up", "entrusted"):
        with pytest.raises(ValidationError) as refused:
            services.advance(actor=worker, request_id=row.pk, step=step)
        assert "step" in refused.value.message_dict
        assert state() == before
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        services.advance(actor=worker, request_id=row.pk, step="delivered")
    assert "顺序" in messages(refused.value, "step")
    with pytest.raises(ValidationError) as refused:
        services.advance(actor=worker, request_id=row.pk, step="finished")
    assert "step" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.follow_up(actor=worker, request_id=row.pk, satisfaction="satisfied")
    assert "step" in refused.value.message_dict
    assert state() == before


def test_a_step_is_done_once_and_the_follow_up_only_through_its_own_service(worker):
    row = accepted(worker)
    before = state()
    with pytest.raises(ValidationError):
        services.advance(actor=worker, request_id=row.pk, step="accepted")
    for step in ("processing", "delivered", "archived"):
        services.advance(actor=worker, request_id=row.pk, step=step)
    middle = state()
    assert middle != before
    with pytest.raises(ValidationError) as refused:
        services.advance(actor=worker, request_id=row.pk, step="followed_up")
    assert "step" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.follow_up(actor=worker, request_id=row.pk, satisfaction="great")
    assert "satisfaction" in refused.value.message_dict
    assert state() == middle


def test_a_step_before_the_one_before_it_is_refused(worker):
    row = take(worker, at=local(2025, 9, 30, 9))
    before = state()
    with pytest.raises(ValidationError) as refused:
        services.advance(actor=worker, request_id=row.pk, step="accepted", at=local(2025, 9, 29))
    assert "at" in refused.value.message_dict
    assert state() == before


def test_materials_are_received_once_until_delivery(worker):
    row = take(worker, materials=[])
    first = item().materials.first()
    services.receive_material(
        actor=worker, request_id=row.pk, material_id=first.pk, document_number="A123456"
    )
    services.receive_material(actor=worker, request_id=row.pk, name="结婚介绍信")
    before = state()
    with pytest.raises(ValidationError) as refused:
        services.receive_material(actor=worker, request_id=row.pk, material_id=first.pk)
    assert "material" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.receive_material(actor=worker, request_id=row.pk, name="结婚介绍信")
    with pytest.raises(ValidationError) as refused:
        services.receive_material(
            actor=worker,
            request_id=row.pk,
            material_id=item("marriage-registration").materials.first().pk,
        )
    assert "material" in refused.value.message_dict
    assert state() == before


def test_who_takes_which_step(worker, chief, outsider):
    police, department = department_staff()
    row = take(worker)
    with pytest.raises(Http404):
        services.advance(actor=outsider, request_id=row.pk, step="accepted")
    with pytest.raises(PermissionDenied):  # acceptance is the takers'
        services.advance(actor=police, request_id=row.pk, step="accepted")
    row = services.advance(actor=chief, request_id=row.pk, step="accepted")
    row = services.advance(actor=police, request_id=row.pk, step="processing")
    row = services.advance(actor=police, request_id=row.pk, step="delivered")
    with pytest.raises(PermissionDenied):
        services.advance(actor=police, request_id=row.pk, step="archived")
    department.members.remove(police)
    other = take(worker)
    with pytest.raises(Http404):  # no longer the department's: out of sight
        services.advance(actor=police, request_id=other.pk, step="accepted")


# --- personal data -----------------------------------------------------------------------


def test_reveal_needs_a_reason_and_is_audited(worker, outsider):
    row = take(worker)
    document = row.materials.exclude(document_number="").get()
    before = state()
    with pytest.raises(ValidationError) as refused:
        services.reveal(actor=worker, request_id=row.pk, field="id_number", reason="看")
    assert "reason" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.reveal(actor=worker, request_id=row.pk, field="name", reason="核对身份信息")
    assert "field" in refused.value.message_dict
    with pytest.raises(Http404):
        services.reveal(actor=outsider, request_id=row.pk, field="id_number", reason="核对身份")
    assert state() == before
    assert (
        services.reveal(actor=worker, request_id=row.pk, field="id_number", reason="核对身份信息")
        == ID_NUMBER
    )
    assert (
        services.reveal(actor=worker, request_id=row.pk, field="phone", reason="电话回访") == PHONE
    )
    assert (
        services.reveal(
            actor=worker,
            request_id=row.pk,
            field=f"document:{document.pk}",
            reason="核对户口簿编号",
        )
        == "HK3708300001"
    )
    looks = list(
        HelpReveal.objects.order_by("id").values_list("user", "field", "reason", "area_code")
    )
    assert looks == [
        (worker.pk, "id_number", "核对身份信息", UNIT),
        (worker.pk, "phone", "电话回访", UNIT),
        (worker.pk, f"document:{document.pk}", "核对户口簿编号", UNIT),
    ]
    entries = AuditEntry.objects.filter(action="services_help.reveal", object_id=str(row.pk))
    assert entries.count() == 3
    assert all(e.actor_id == worker.pk for e in entries)
    assert {e.after["field"] for e in entries} == {"id_number", "phone", f"document:{document.pk}"}
    assert row.masked_id_number != ID_NUMBER and row.masked_phone != PHONE


def test_the_public_status_shows_nothing_personal(worker):
    row = accepted(worker, at=local(2025, 9, 30, 9))
    status = services.public_status(row.tracking_code.lower())
    assert status["number"] == row.number and status["item"] == item().name
    assert status["step"] == "accepted" and status["due_on"] == datetime.date(2025, 11, 4)
    assert [s["done"] for s in status["steps"]] == [True, True, False, False, False, False]
    text = str(status)
    for personal in ("张三", ID_NUMBER, PHONE, "HK3708300001", worker.username, "务工"):
        assert personal not in text
    assert services.public_status("") is None
    assert services.public_status("AAAAAAAA") is None
    assert services.public_status("0O1I0O1I") is None


# --- the catalogue --------------------------------------------------------------------------


ITEM = {
    "code": "birth-certificate-proxy",
    "name": "出生医学证明补发（代办）",
    "mode": "proxy",
    "is_cross_province": "true",
    "authority": "出生医院所在地卫生健康部门",
    "time_limit_days": "10",
    "fee": "0",
    "where": "村便民服务站帮办，县政务服务中心卫健窗口",
}


def test_the_county_admin_keeps_the_catalogue(county_admin):
    made = catalogue.save_item(actor=county_admin, data=ITEM)
    assert made.is_cross_province and made.time_limit_days == 10
    catalogue.save_item(actor=county_admin, item_id=made.pk, data={"time_limit_days": 15})
    made.refresh_from_db()
    assert made.time_limit_days == 15 and made.name == ITEM["name"]
    rows = catalogue.save_materials(
        actor=county_admin,
        item_id=made.pk,
        materials=[
            {"name": "申请人身份证", "is_original": True, "copies": 1, "is_required": True},
            {"name": "出生医学证明遗失声明", "copies": 2, "note": "登报或网上声明"},
        ],
    )
    assert [m.name for m in rows] == ["申请人身份证", "出生医学证明遗失声明"]
    assert [m.order for m in rows] == [0, 1]
    kept = rows[0].pk
    rows = catalogue.save_materials(
        actor=county_admin,
        item_id=made.pk,
        materials=[{"name": "申请人身份证", "is_required": False}],
    )
    assert [m.pk for m in rows] == [kept] and rows[0].is_required is False
    assert ServiceMaterial.objects.filter(item=made).count() == 1
    actions = list(
        AuditEntry.objects.filter(object_type="services.serviceitem", object_id=str(made.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "services_item.create",
        "services_item.update",
        "services_item.materials",
        "services_item.materials",
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"code": "Not a slug!"}, "code"),
        ({"code": "id-card-reissue"}, "code"),
        ({"mode": "fax"}, "mode"),
        ({"time_limit_days": "0"}, "time_limit_days"),
        ({"time_limit_days": "两天"}, "time_limit_days"),
        ({"fee": "-1"}, "fee"),
        ({"fee": "1.234"}, "fee"),
        ({"authority": ""}, "department"),
        ({"department": 999999}, "department"),
        ({"where": ""}, "where"),
    ],
)
def test_bad_items_are_refused(county_admin, change, field):
    before = ServiceItem.objects.count()
    with pytest.raises(ValidationError) as refused:
        catalogue.save_item(actor=county_admin, data={**ITEM, **change})
    assert field in refused.value.message_dict, refused.value.message_dict
    assert ServiceItem.objects.count() == before


def test_only_a_county_admin_keeps_the_catalogue(worker, town_admin, county_admin):
    reissue = item()
    for actor in (worker, town_admin):
        with pytest.raises(PermissionDenied):
            catalogue.save_item(actor=actor, item_id=reissue.pk, data={"time_limit_days": 1})
        with pytest.raises(PermissionDenied):
            catalogue.save_materials(actor=actor, item_id=reissue.pk, materials=[])
    reissue.refresh_from_db()
    assert reissue.time_limit_days == 20
    with pytest.raises(Http404):
        catalogue.save_item(actor=county_admin, item_id=999999, data={})


def test_a_material_a_request_received_stays_in_the_list(county_admin, worker):
    take(worker)
    reissue = item()
    names = [m.name for m in reissue.materials.all()]
    with pytest.raises(ValidationError) as refused:
        catalogue.save_materials(
            actor=county_admin, item_id=reissue.pk, materials=[{"name": names[0]}]
        )
    assert names[1] in messages(refused.value, "materials")
    assert [m.name for m in reissue.materials.all()] == names
    with pytest.raises(ValidationError) as refused:
        catalogue.save_materials(
            actor=county_admin,
            item_id=reissue.pk,
            materials=[{"name": n} for n in names] + [{"name": names[0]}],
        )
    assert "materials" in refused.value.message_dict


def test_the_outsiders_request_is_not_the_workers(worker, outsider):
    own = take(worker)
    foreign = take(outsider, area_code=OTHER_UNIT)
    assert own.area_code == UNIT and foreign.area_code == OTHER_UNIT
    with pytest.raises(Http404):
        services.receive_material(actor=worker, request_id=foreign.pk, name="户口簿复印件")
    with pytest.raises(Http404):
        services.reveal(actor=worker, request_id=foreign.pk, field="phone", reason="电话回访")
