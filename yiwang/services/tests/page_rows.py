"""Help requests for the page tests, taken through the service as a village would."""

from __future__ import annotations

from yiwang.registry.tests.conftest import make_id
from yiwang.services.models import HelpRequest, ServiceItem
from yiwang.services.services import help as services

APPLICANT = "李秀英"
ID_NUMBER = make_id("19880512", "046")
PHONE = "13905371234"


def reissue() -> ServiceItem:
    return ServiceItem.objects.get(code="id-card-reissue")


def take(actor, area_code, *, name=APPLICANT, id_number=ID_NUMBER, phone=PHONE, materials=True):
    """A request for an ID reissue, with every material of the item received (or none)."""
    item = reissue()
    row, _created = services.take_request(
        actor=actor,
        item_id=item.pk,
        area_code=area_code,
        applicant_name=name,
        id_number=id_number,
        phone=phone,
        matter="身份证丢失，需补领后办理结婚登记",
        materials=[
            {"material": m.pk, "name": "", "document_number": ""} for m in item.materials.all()
        ]
        if materials
        else (),
    )
    return HelpRequest.objects.get(pk=row.pk)


def state(*rows) -> list:
    """What a refused write must leave as it was."""
    return list(
        HelpRequest.objects.filter(pk__in=[r.pk for r in rows])
        .order_by("pk")
        .values_list("pk", "step", "due_on", "satisfaction", "materials__id", "reveals__id")
    )
