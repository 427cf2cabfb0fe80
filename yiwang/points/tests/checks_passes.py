"""Scope checks of the points routes: benefit passes.

The viewer is the grid chief of 南门社区 (`client`); `_seed` adds a pass (with a use) for
the own household and one for the outsider's household of another town, and a verifier
device. A foreign pass is not found (404) by detail, revoke or the card sheet of its grid,
and nothing changes; lists, the API's list and the settlement show the own pass and none
of the foreign. The benefits, the signing keys, the verifier devices and issuing the passes
are the county admin's: the chief is refused (403) and nothing changes.

Verifying a token, the verifier bundle (the JWKS, the ids of the revoked passes, the
benefits' names) and sending uses are not scoped by area: a conductor checks the passes of
the whole county, and the token itself (signed) is what a use is recorded on. They answer
nothing of a household beyond what the token holds. The JWKS and the two public pages
need no login (PUBLIC): the keys are public, and a pass's page is found only by its
unguessable id (a UUID) and shows its masked holder.
"""

import uuid

from django.urls import reverse
from django.utils import timezone

from conftest import GRID, OTHER_GRID
from yiwang.core.masking import mask_name
from yiwang.core.reporting import month_end
from yiwang.points.models import AwardKind, Benefit, Pass, PassUse, SigningKey
from yiwang.points.models.passes import Verifier
from yiwang.points.services import keys
from yiwang.points.services import passes as services

JSON = "application/json"
FOREIGN_TEXT = ("王五", "王*", "外101", "370830002")


def _seed(w) -> dict:
    if "passes" in w:
        return w["passes"]
    benefit, _created = Benefit.objects.get_or_create(
        code="bus",
        defaults={"name": "县城公交", "operator": "县公交公司", "award": AwardKind.RED_FLAG_GRID},
    )
    key = keys.current_key()
    first = timezone.localdate().replace(day=1)
    rows = {"benefit": benefit}
    for side, grid, name, place in (
        ("own", GRID, "张三", "本村站"),
        ("foreign", OTHER_GRID, "王五", "外镇站"),
    ):
        household = w[f"{side}_household"]
        row = Pass(
            pass_id=uuid.uuid4(),
            benefit=benefit,
            grid_code=grid,
            household=household,
            holder_masked=mask_name(name),
            valid_from=first,
            valid_to=month_end(first),
            key=key,
            area_code=household.area_code,
        )
        row.token = keys.sign(services.claims_of(row), key)
        row.save()
        PassUse.objects.create(
            uuid=uuid.uuid4(), benefit_pass=row, used_at=timezone.now(), place=place
        )
        rows[side] = row
    rows["device"], rows["code"] = services.register_verifier(
        None, name="1路1号机", operator="县公交公司"
    )
    w["passes"] = rows
    return rows


def page_arguments(w) -> dict:
    """The arguments of the passes' page routes, for the walk of tests/test_pages_zh_hans.py."""
    rows = _seed(w)
    return {
        "pass_id": rows["own"].pk,
        "pass_uuid": rows["own"].pass_id,
        "verifier_id": rows["device"].pk,
    }


def _state():
    return (
        list(Pass.objects.order_by("id").values_list("id", "revoked_at", "revoke_reason")),
        list(PassUse.objects.order_by("id").values_list("id", "flagged")),
        list(Benefit.objects.order_by("code").values_list("code", "name", "is_active")),
        list(SigningKey.objects.order_by("id").values_list("kid", "retired_at")),
        list(Verifier.objects.order_by("id").values_list("id", "is_active")),
    )


def _refused(w, url, data=None, status=404, method="post", content_type=None):
    before = _state()
    kwargs = {"content_type": content_type} if content_type else {}
    response = getattr(w["client"], method)(url, data or {}, **kwargs)
    assert response.status_code == status, (url, response.status_code, response.content[:300])
    assert _state() == before, f"{url} changed something"
    return response


def _no_foreign(body: str, name: str) -> None:
    for text in FOREIGN_TEXT:
        assert text not in body, f"{name} shows the foreign {text!r}"


def _results(response):
    data = response.json()
    return data["results"] if isinstance(data, dict) and "results" in data else data


def api_list(w):
    rows = _seed(w)
    response = w["client"].get(reverse("api:pass-list"))
    assert response.status_code == 200
    assert {r["id"] for r in _results(response)} == {rows["own"].pk}
    foreign = w["client"].get(reverse("api:pass-list"), {"household": w["foreign_household"].pk})
    assert foreign.status_code == 200 and _results(foreign) == []
    grid = w["client"].get(reverse("api:pass-list"), {"grid": OTHER_GRID})
    assert _results(grid) == []


def api_detail(w):
    rows = _seed(w)
    assert w["client"].get(reverse("api:pass-detail", args=[rows["own"].pk])).status_code == 200
    assert w["client"].get(reverse("api:pass-detail", args=[rows["foreign"].pk])).status_code == 404


def api_verify(w):
    """Any pass of the county is checked (a conductor's work), and nothing changes."""
    rows = _seed(w)
    before = _state()
    for side in ("own", "foreign"):
        response = w["client"].post(
            reverse("api:pass-verify"), {"token": rows[side].token}, content_type=JSON
        )
        assert response.status_code == 200 and response.json()["valid"] is True
    assert _state() == before


def api_bundle(w):
    rows = _seed(w)
    response = w["client"].get(reverse("api:pass-bundle"))
    assert response.status_code == 200
    body = response.content.decode()
    assert rows["own"].key.kid in body
    _no_foreign(body, "api:pass-bundle")


def api_uses(w):
    """A use is recorded on a signed token; the answer names the use's UUID only."""
    rows = _seed(w)
    use = {
        "uuid": str(uuid.uuid4()),
        "token": rows["own"].token,
        "used_at": timezone.now().isoformat(),
        "place": "本村站",
    }
    response = w["client"].post(reverse("api:pass-uses"), {"uses": [use]}, content_type=JSON)
    assert response.status_code == 200 and response.json()["stored"] == [use["uuid"]]
    _no_foreign(response.content.decode(), "api:pass-uses")


def page_list(w):
    rows = _seed(w)
    response = w["client"].get(reverse("points:passes"))
    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("points:pass-detail", args=[rows["own"].pk]) in body
    assert reverse("points:pass-detail", args=[rows["foreign"].pk]) not in body
    _no_foreign(body, "points:passes")


def page_detail(w):
    rows = _seed(w)
    assert w["client"].get(reverse("points:pass-detail", args=[rows["own"].pk])).status_code == 200
    url = reverse("points:pass-detail", args=[rows["foreign"].pk])
    assert w["client"].get(url).status_code == 404


def page_revoke(w):
    rows = _seed(w)
    url = reverse("points:pass-revoke", args=[rows["foreign"].pk])
    _refused(w, url, {"reason": "借给他人使用"})


def page_cards(w):
    """The card sheet of a foreign grid is not found; the own grid's is a PDF."""
    _seed(w)
    month = f"{timezone.localdate():%Y-%m}"
    _refused(w, reverse("points:pass-cards"), {"grid": OTHER_GRID, "month": month}, method="get")
    response = w["client"].get(reverse("points:pass-cards"), {"grid": GRID, "month": month})
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def page_settlement(w):
    _seed(w)
    response = w["client"].get(reverse("points:pass-settlement"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "县公交公司" in body
    _no_foreign(body, "points:pass-settlement")
    assert "外镇站" not in body


def _county_only(name, method="get", args=None, data=None):
    def check(w):
        rows = _seed(w)
        resolved = [a(rows) if callable(a) else a for a in (args or [])]
        _refused(w, reverse(name, args=resolved), data, status=403, method=method)

    return check


CHECKS: dict = {
    "api:pass-list GET": api_list,
    "api:pass-detail GET": api_detail,
    "api:pass-verify POST": api_verify,
    "api:pass-bundle GET": api_bundle,
    "api:pass-uses POST": api_uses,
    "points:passes": page_list,
    "points:pass-detail": page_detail,
    "points:pass-revoke": page_revoke,
    "points:pass-cards": page_cards,
    "points:pass-settlement": page_settlement,
    "points:pass-issue": _county_only(
        "points:pass-issue", "post", data={"month": f"{timezone.localdate():%Y-%m}"}
    ),
    "points:verifiers": _county_only(
        "points:verifiers", "post", data={"name": "x", "operator": "y"}
    ),
    "points:verifier-deactivate": _county_only(
        "points:verifier-deactivate", "post", args=[lambda rows: rows["device"].pk]
    ),
    "points:benefits": _county_only("points:benefits"),
    "points:benefit-create": _county_only(
        "points:benefit-create",
        "post",
        data={"code": "park", "name": "景区", "operator": "县旅游公司", "award": "red_flag_grid"},
    ),
    "points:benefit-edit": _county_only(
        "points:benefit-edit",
        "post",
        args=["bus"],
        data={"name": "改名", "operator": "县公交公司", "award": "red_flag_grid"},
    ),
    "points:signing-keys": _county_only("points:signing-keys"),
    "points:signing-key-rotate": _county_only("points:signing-key-rotate", "post"),
}

# No login: the public keys, a pass's page by its unguessable id (masked holder), and the
# verifier page (static; it fetches its bundle with a device's code).
PUBLIC: set = {
    "api:pass-jwks GET",
    "points-public:pass",
    "points-public:pass-verifier",
    # The verifier's service worker: the same script for everyone, naming static files.
    "points-public:pass-verifier-worker",
}
