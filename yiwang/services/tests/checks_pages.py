"""Scope checks of the services' pages, for the route walk of tests/test_routes_scope.py
(which adds them to its CHECKS and PUBLIC), and the pages' arguments for
tests/test_pages_zh_hans.py.

The world's viewer is the grid chief of 南门社区: the own help request was taken by the
worker of the chief's unit, the foreign one by the outsider in another town. The foreign
one is not found (404) by every page and every write, and nothing changes; the list shows
the own request and not the foreign. The catalogue is the county's, read by all: the
chief reads it and may not edit it (403, nothing changes)."""

from __future__ import annotations

from django.urls import reverse

from conftest import OTHER_UNIT, UNIT
from yiwang.registry.tests.conftest import make_id
from yiwang.services.models import ServiceItem, ServiceMaterial
from yiwang.services.tests.page_rows import reissue, state, take


def seed(w) -> dict:
    """The own and the foreign request, once a test."""
    if "services_pages" in w:
        return w["services_pages"]
    rows = {
        "own": take(w["own_user"], UNIT),
        "foreign": take(
            w["foreign_user"], OTHER_UNIT, name="王美兰", id_number=make_id("19700101", "031")
        ),
    }
    w["services_pages"] = rows
    return rows


def page_arguments(w) -> dict:
    rows = seed(w)
    return {"service_item_id": reissue().pk, "help_request_id": rows["own"].pk}


def catalogue_state(w):
    return (
        list(ServiceItem.objects.order_by("pk").values_list("pk", "name", "fee", "is_active")),
        list(ServiceMaterial.objects.order_by("pk").values_list("pk", "name")),
    )


def catalogue_page(name, with_item=True):
    def check(w):
        args = [reissue().pk] if with_item else []
        response = w["client"].get(reverse(name, args=args))
        assert response.status_code == 200
        assert "居民身份证补领（跨省通办）" in response.content.decode()

    return check


def checklist_pdf(w):
    """The checklist's PDF: read by all, of an item offered; an item not there is not found."""
    response = w["client"].get(reverse("services:item-checklist-pdf", args=[reissue().pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    missing = ServiceItem.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    assert (
        w["client"].get(reverse("services:item-checklist-pdf", args=[missing])).status_code == 404
    )


def catalogue_edit(name, with_item=True):
    def check(w):
        before = catalogue_state(w)
        url = reverse(name, args=[reissue().pk] if with_item else [])
        assert w["client"].get(url).status_code == 403
        assert w["client"].post(url, {"name": "改名", "fee": "0"}).status_code == 403
        assert catalogue_state(w) == before

    return check


def help_list(w):
    rows = seed(w)
    response = w["client"].get(reverse("services:help-requests"))
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="help-{rows["own"].pk}"' in body
    assert f'id="help-{rows["foreign"].pk}"' not in body and rows["foreign"].number not in body


def help_detail(name):
    def check(w):
        rows = seed(w)
        assert w["client"].get(reverse(name, args=[rows["own"].pk])).status_code == 200
        assert w["client"].get(reverse(name, args=[rows["foreign"].pk])).status_code == 404

    return check


def help_write(name, data):
    def check(w):
        rows = seed(w)
        before = state(rows["own"], rows["foreign"])
        response = w["client"].post(reverse(name, args=[rows["foreign"].pk]), data)
        assert response.status_code == 404, (name, response.status_code)
        assert state(rows["own"], rows["foreign"]) == before

    return check


def help_create(w):
    """The chief takes requests in the village, not in another town's unit."""
    from yiwang.services.models import HelpRequest

    seed(w)
    url = reverse("services:help-request-create")
    assert w["client"].get(url, {"item": reissue().pk}).status_code == 200
    before = HelpRequest.objects.count()
    response = w["client"].post(
        url,
        {
            "item": reissue().pk,
            "uuid": "0b5bb7b2-64a5-4bf1-9a32-2f9a3c0d5e77",
            "applicant_name": "外镇人",
            "area_code": OTHER_UNIT,
            "channel": "worker",
        },
    )
    assert response.status_code in (400, 404)
    assert HelpRequest.objects.count() == before


CHECKS = {
    "services:items": catalogue_page("services:items", with_item=False),
    "services:item": catalogue_page("services:item"),
    "services:item-checklist": catalogue_page("services:item-checklist"),
    "services:item-checklist-pdf": checklist_pdf,
    "services:item-create": catalogue_edit("services:item-create", with_item=False),
    "services:item-edit": catalogue_edit("services:item-edit"),
    "services:help-requests": help_list,
    "services:help-request-create": help_create,
    "services:help-request": help_detail("services:help-request"),
    "services:help-request-receipt": help_detail("services:help-request-receipt"),
    "services:help-request-step": help_write("services:help-request-step", {"step": "accepted"}),
    "services:help-request-material": help_write(
        "services:help-request-material", {"name": "照片"}
    ),
    "services:help-request-follow-up": help_write(
        "services:help-request-follow-up", {"satisfaction": "satisfied"}
    ),
    "services:help-request-reveal": help_write(
        "services:help-request-reveal", {"field": "id_number", "reason": "核对身份信息"}
    ),
}

# The resident's tracking page: no login, nothing personal (test_pages_public.py).
PUBLIC = {"services-public:track"}
