"""Scope checks of the routes of volunteers' hours, certificates and the national export,
for the route walk of tests/test_routes_scope.py (which adds them to its CHECKS).

Each takes the walk's `world`: the viewer is the grid chief of 南门社区 (`client`); the
foreign rows lie in the outsider's village of another town. `seed` adds on both sides a
volunteer (the world's resident), an activity with approved hours and a certificate. A
foreign row is not found (404) by a page, an API detail or a write, and nothing changes;
lists show the own rows and none of the foreign.
"""

from __future__ import annotations

import json
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from conftest import OTHER_VILLAGE, VILLAGE
from yiwang.volunteering.models import Certificate, HoursKind, HoursStatus
from yiwang.volunteering.tests import certificate_rows as rows

JSON = "application/json"


def seed(w) -> dict:
    """The own and the foreign volunteer, hours and certificate, made once per test."""
    if "certificates" in w:
        return w["certificates"]
    found = {}
    for side, village, resident, organiser in (
        ("own", VILLAGE, w["own_resident"], w["own_user"]),
        ("foreign", OTHER_VILLAGE, w["foreign_resident"], w["foreign_user"]),
    ):
        # Another module's seed of the same world may have registered the resident.
        volunteer = rows.Volunteer.objects.filter(resident=resident).first() or (
            rows.Volunteer.objects.create(
                area_code=resident.area_code,
                resident=resident,
                name=resident.name,
                consent_at=timezone.now(),
            )
        )
        team = rows.team(village, f"{resident.name}服务队")
        activity = rows.activity(organiser, team, f"{resident.name}的活动")
        rows.hours(volunteer, activity, "3", kind=HoursKind.CREDIT, status=HoursStatus.APPROVED)
        certificate = Certificate.objects.create(
            number=f"ZY-{village[:6]}-2026-{1 if side == 'own' else 2:06d}",
            check_code=f"{side}-check-code-0123456789",
            area_code=village,
            volunteer=volunteer,
            volunteer_name=volunteer.name,
            masked_id_number=resident.masked_id_number,
            first_day=rows.days_ago(30),
            last_day=rows.days_ago(0),
            credit_hours=Decimal("3.00"),
            honour_hours=Decimal("0.00"),
            content="为老服务",
            issuer=village,
            handler="经办",
            issued_on=timezone.localdate(),
            issued_by=organiser,
        )
        found.update({f"{side}_volunteer": volunteer, f"{side}_certificate": certificate})
    w["certificates"] = found
    return found


def page_arguments(w) -> dict:
    """The own rows' arguments, for the pages walked by tests/test_pages_zh_hans.py."""
    found = seed(w)
    return {
        "volunteer_id": found["own_volunteer"].pk,
        "certificate_id": found["own_certificate"].pk,
        "check_code": found["own_certificate"].check_code,
    }


def _pk(side, kind):
    return lambda w: seed(w)[f"{side}_{kind}"].pk


def _no_foreign(body: str, name: str) -> None:
    assert "王五" not in body and OTHER_VILLAGE not in body, f"{name} shows a foreign row"


def _period() -> dict:
    return {"first_day": rows.days_ago(30).isoformat(), "last_day": rows.days_ago(0).isoformat()}


def hours_list(w):
    seed(w)
    response = w["client"].get(reverse("volunteering:hours"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "张三" in body
    _no_foreign(body, "volunteering:hours")


def _detail_page(name, kind):
    def check(w):
        c = w["client"]
        own = c.get(reverse(name, args=[_pk("own", kind)(w)]))
        assert own.status_code == 200, (name, own.status_code)
        if own["Content-Type"].startswith("text/html"):
            _no_foreign(own.content.decode(), name)
        assert c.get(reverse(name, args=[_pk("foreign", kind)(w)])).status_code == 404

    return check


def certificate_issue(w):
    """The own volunteer's form opens; the foreign one's is not found, nor issued."""
    c = w["client"]
    name = "volunteering:certificate-issue"
    assert c.get(reverse(name, args=[_pk("own", "volunteer")(w)])).status_code == 200
    foreign = reverse(name, args=[_pk("foreign", "volunteer")(w)])
    assert c.get(foreign).status_code == 404
    before = Certificate.objects.count()
    assert c.post(foreign, _period()).status_code == 404
    assert Certificate.objects.count() == before


def hours_export(w):
    """The own village's hours are exported; the foreign village is not found."""
    seed(w)
    c, url = w["client"], reverse("volunteering:hours-export")
    assert c.get(url).status_code == 200
    own = c.post(url, {"area": VILLAGE, **_period()})
    assert own.status_code == 200
    text = own.content.decode("utf-8-sig")
    assert "张三" in text and "王五" not in text
    assert c.post(url, {"area": OTHER_VILLAGE, **_period()}).status_code == 404


def api_list(w):
    seed(w)
    response = w["client"].get(reverse("api:certificate-list"))
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert _pk("own", "certificate")(w) in ids and _pk("foreign", "certificate")(w) not in ids


def api_issue(w):
    """The foreign volunteer is not found: nothing is issued."""
    seed(w)
    before = Certificate.objects.count()
    response = w["client"].post(
        reverse("api:certificate-list"),
        json.dumps({"volunteer": _pk("foreign", "volunteer")(w), **_period()}),
        content_type=JSON,
    )
    assert response.status_code == 404
    assert Certificate.objects.count() == before


CHECKS = {
    "volunteering:hours": hours_list,
    "volunteering:volunteer-hours": _detail_page("volunteering:volunteer-hours", "volunteer"),
    "volunteering:certificate-issue": certificate_issue,
    "volunteering:certificate-pdf": _detail_page("volunteering:certificate-pdf", "certificate"),
    "volunteering:hours-export": hours_export,
    "api:certificate-list GET": api_list,
    "api:certificate-list POST": api_issue,
    "api:certificate-detail GET": _detail_page("api:certificate-detail", "certificate"),
    "api:certificate-pdf GET": _detail_page("api:certificate-pdf", "certificate"),
}
# Anyone checks a certificate by the secret code of its QR code: the page shows what
# the paper states, the name and ID number masked.
PUBLIC = {"volunteering-public:certificate", "volunteering-public:certificate-check"}
