"""Rows the services' tests share: items of the seeded catalogue, a department with its
staff, help requests taken through the services."""

from __future__ import annotations

import datetime

from django.utils import timezone

from conftest import COUNTY, PASSWORD, UNIT
from yiwang.services.models import ServiceItem
from yiwang.services.services import help as services

REISSUE = "id-card-reissue"  # 20 working days, three required materials
MARRIAGE = "marriage-registration"  # 1 working day
ID_NUMBER = "370830196003020115"  # a valid number (check digit)
PHONE = "13812345678"


def item(code: str = REISSUE) -> ServiceItem:
    return ServiceItem.objects.get(code=code)


def all_materials(row_item: ServiceItem) -> list[dict]:
    """Every material of the item, the first with a document number."""
    materials = [{"material": m.pk} for m in row_item.materials.all()]
    if materials:
        materials[0]["document_number"] = "HK3708300001"
    return materials


def local(year, month, day, hour=10, minute=0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, hour, minute))


def department_staff(username: str = "police", *, department=None, item_code: str = REISSUE):
    """A county department (the item's deciding department from now on) and a member of
    its staff with a department-staff post."""
    from yiwang.accounts.services import create_user, grant_post
    from yiwang.cases.models import Department

    if department is None:
        department, _created = Department.objects.get_or_create(
            code="public-security", defaults={"name": "县公安局", "area_code": COUNTY}
        )
    ServiceItem.objects.filter(code=item_code).update(department=department)
    user = create_user(actor=None, username=username, password=PASSWORD, full_name="户籍民警")
    grant_post(actor=None, user=user, role="department_staff", area_code=COUNTY)
    department.members.add(user)
    return user, department


def take(
    actor,
    *,
    area_code: str = UNIT,
    code: str = REISSUE,
    materials="all",
    at=None,
    uuid=None,
    taken_by=None,
    **more,
):
    row_item = item(code)
    row, _created = services.take_request(
        actor=actor,
        item_id=row_item.pk,
        area_code=area_code,
        applicant_name=more.pop("applicant_name", "张三"),
        id_number=more.pop("id_number", ID_NUMBER),
        phone=more.pop("phone", PHONE),
        matter=more.pop("matter", "在外省务工，身份证遗失，回乡结婚需补领。"),
        materials=all_materials(row_item) if materials == "all" else materials,
        uuid=uuid,
        at=at,
        taken_by=taken_by,
        **more,
    )
    return row


def accepted(actor, *, at=None, **more):
    """A request taken and accepted (its clock running)."""
    row = take(actor, at=at, **more)
    later = at + datetime.timedelta(minutes=30) if at is not None else None
    return services.advance(actor=actor, request_id=row.pk, step="accepted", at=later)
