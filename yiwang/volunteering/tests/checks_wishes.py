"""Scope checks of the routes of micro-wishes, funds and donations, for the route walk of
tests/test_routes_scope.py (which adds them to its CHECKS and PUBLIC).

Each takes its `world`: the viewer is the grid chief of 南门社区 (`client`); the foreign
rows lie in the outsider's village of another town. `seed` adds on both sides an open
wish, a fulfilled wish with a photo, a fund with a gift and a pay-out. A foreign row is
not found (404) by a page, an API detail or a write, and nothing changes; lists show the
own rows and none of the foreign.
"""

import io
import json
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from conftest import OTHER_VILLAGE, VILLAGE
from yiwang.accounts.models import User
from yiwang.volunteering import services
from yiwang.volunteering.models import Donation, Fund, Payout, Wish, WishClaim, WishPhoto

JSON = "application/json"
OWN, FOREIGN = "本村", "外镇"


def _photo():
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "blue").save(out, format="PNG")
    return SimpleUploadedFile("p.png", out.getvalue(), content_type="image/png")


def seed(w) -> dict:
    """The own and the foreign wishes, fund, gift and pay-out, made once per test."""
    if "wishes" in w:
        return w["wishes"]
    rows = {}
    today = timezone.localdate()
    keeper = User.objects.create(username="fund-keeper", is_superuser=True)
    sides = [
        ("own", OWN, VILLAGE, w["own_resident"], w["own_user"]),
        ("foreign", FOREIGN, OTHER_VILLAGE, w["foreign_resident"], w["foreign_user"]),
    ]
    for side, mark, village, resident, user in sides:
        wish = services.record_wish(user, recipient=resident.pk, title=f"{mark}书桌")
        done = services.record_wish(user, recipient=resident.pk, title=f"{mark}书包")
        services.claim_wish(
            user, done.pk, uuid=uuid.uuid4(), kind="party_member", claimer_name=f"{mark}爱心人"
        )
        services.fulfil_wish(user, done.pk, photos=[_photo()], confirmed_by="家长")
        fund = services.create_fund(keeper, name=f"{mark}爱心基金", area_code=village)
        donation, _ = services.record_donation(
            keeper,
            uuid=uuid.uuid4(),
            fund=fund.pk,
            donor=f"{mark}企业",
            kind="money",
            description="捐款",
            value="500",
            received_on=today,
        )
        payout, _ = services.pay_out(
            keeper,
            uuid=uuid.uuid4(),
            fund=fund.pk,
            recipient=f"{mark}家庭",
            purpose="书桌",
            amount="100",
            paid_on=today,
        )
        rows.update(
            {
                f"{side}_wish": wish,
                f"{side}_done": done,
                f"{side}_photo": WishPhoto.objects.get(wish=done),
                f"{side}_fund": fund,
                f"{side}_donation": donation,
                f"{side}_payout": payout,
            }
        )
    w["wishes"] = rows
    return rows


def page_arguments(w) -> dict:
    """The own rows' ids, for the pages walked by tests/test_pages_zh_hans.py."""
    rows = seed(w)
    return {
        "wish_id": rows["own_wish"].pk,
        "fund_id": rows["own_fund"].pk,
        "donation_id": rows["own_donation"].pk,
    }


def unchanged(w):
    """Everything of wishes and funds a write could change."""
    return (
        list(Wish.objects.order_by("id").values_list("id", "status", "story", "area_code")),
        WishClaim.objects.count(),
        WishPhoto.objects.count(),
        list(Fund.objects.order_by("id").values_list("id", "name", "balance")),
        list(Donation.objects.order_by("id").values_list("id", "confirmed_at")),
        Payout.objects.count(),
    )


def _pk(side, kind):
    return lambda w: seed(w)[f"{side}_{kind}"].pk


def _shows_nothing_foreign(body: str, name: str) -> None:
    assert FOREIGN not in body and "王五" not in body, f"{name} shows a foreign row"


def _list_page(name, own_text):
    def check(w):
        seed(w)
        response = w["client"].get(reverse(name))
        assert response.status_code == 200
        body = response.content.decode()
        assert own_text in body, (name, own_text)
        _shows_nothing_foreign(body, name)

    return check


def _detail_page(name, kind, extra=()):
    def check(w):
        c = w["client"]
        own = c.get(reverse(name, args=[_pk("own", kind)(w), *extra]))
        assert own.status_code == 200, (name, own.status_code)
        if "text/html" in own["Content-Type"]:
            _shows_nothing_foreign(own.content.decode(), name)
        assert c.get(reverse(name, args=[_pk("foreign", kind)(w), *extra])).status_code == 404

    return check


def _write(name, kind, data, content_type=None):
    def check(w):
        seed(w)
        before = unchanged(w)
        kwargs = {"content_type": content_type} if content_type else {}
        body = data(w) if callable(data) else data
        if content_type == JSON:
            body = json.dumps(body)
        response = w["client"].post(reverse(name, args=[_pk("foreign", kind)(w)]), body, **kwargs)
        assert response.status_code == 404, (name, response.status_code, response.content[:300])
        assert unchanged(w) == before

    return check


def _post_list(name, data):
    """A create aimed at a foreign row (in the body) is not found: nothing changes."""

    def check(w):
        seed(w)
        before = unchanged(w)
        response = w["client"].post(reverse(name), json.dumps(data(w)), content_type=JSON)
        assert response.status_code == 404, (name, response.status_code, response.content[:300])
        assert unchanged(w) == before

    return check


def _results(response) -> list[dict]:
    data = response.json()
    return data["results"] if isinstance(data, dict) and "results" in data else data


def _api_list(name, kind):
    def check(w):
        seed(w)
        response = w["client"].get(reverse(name))
        assert response.status_code == 200
        ids = {row["id"] for row in _results(response)}
        assert _pk("own", kind)(w) in ids and _pk("foreign", kind)(w) not in ids

    return check


def _api_detail(name, kind):
    def check(w):
        c = w["client"]
        assert c.get(reverse(name, args=[_pk("own", kind)(w)])).status_code == 200
        assert c.get(reverse(name, args=[_pk("foreign", kind)(w)])).status_code == 404

    return check


def wish_create(w):
    """The form opens; the foreign resident is neither found nor given a wish."""
    seed(w)
    c = w["client"]
    url = reverse("volunteering:wish-create")
    assert c.get(url).status_code == 200
    found = c.get(url, {"q": "王五"}).content.decode().split('id="resident-hits"')[1]
    _shows_nothing_foreign(found, "volunteering:wish-create")
    assert "张三" in c.get(url, {"q": "张三"}).content.decode().split('id="resident-hits"')[1]
    chosen = c.get(url, {"recipient": w["foreign_resident"].pk}).content.decode()
    assert 'id="wish-form"' not in chosen
    before = unchanged(w)
    response = c.post(url, {"recipient": w["foreign_resident"].pk, "title": "越界心愿"})
    assert response.status_code == 404
    assert unchanged(w) == before


def fund_create(w):
    seed(w)
    c = w["client"]
    assert c.get(reverse("volunteering:fund-create")).status_code == 200
    before = unchanged(w)
    response = c.post(
        reverse("volunteering:fund-create"), {"name": "越界基金", "area_code": OTHER_VILLAGE}
    )
    assert response.status_code == 404
    assert unchanged(w) == before


def _today():
    return timezone.localdate().isoformat()


def _gift(w):
    return {
        "uuid": str(uuid.uuid4()),
        "donor": "越界",
        "kind": "money",
        "description": "捐款",
        "value": "10",
        "received_on": _today(),
    }


def _pay(w):
    return {
        "uuid": str(uuid.uuid4()),
        "recipient": "越界",
        "purpose": "越界",
        "amount": "10",
        "paid_on": _today(),
    }


def _claim(w):
    return {"uuid": str(uuid.uuid4()), "kind": "party_member", "claimer_name": "越界"}


def fulfil_api(w):
    seed(w)
    before = unchanged(w)
    url = reverse("api:wish-fulfil", args=[_pk("foreign", "wish")(w)])
    response = w["client"].post(url, {"photos": [_photo()], "confirmed_by": "越界"})
    assert response.status_code == 404
    assert unchanged(w) == before


def statement_api(w):
    c = w["client"]
    own = c.get(reverse("api:fund-statement", args=[_pk("own", "fund")(w)]))
    assert own.status_code == 200 and own.json()["closing"] == "400.00"
    assert c.get(reverse("api:fund-statement", args=[_pk("foreign", "fund")(w)])).status_code == 404


CHECKS = {
    "volunteering:wishes": _list_page("volunteering:wishes", f"{OWN}书桌"),
    "volunteering:wish-create": wish_create,
    "volunteering:wish": _detail_page("volunteering:wish", "wish"),
    "volunteering:wish-claim": _write("volunteering:wish-claim", "wish", _claim),
    "volunteering:wish-fulfil": _write(
        "volunteering:wish-fulfil", "done", lambda w: {"confirmed_by": "越界"}
    ),
    "volunteering:wish-story": _write("volunteering:wish-story", "done", {"story": "越界"}),
    "volunteering:wish-cancel": _write("volunteering:wish-cancel", "wish", {"reason": "越界"}),
    "volunteering:funds": _list_page("volunteering:funds", f"{OWN}爱心基金"),
    "volunteering:fund-create": fund_create,
    "volunteering:fund": _detail_page("volunteering:fund", "fund"),
    "volunteering:fund-donation": _write("volunteering:fund-donation", "fund", _gift),
    "volunteering:fund-payout": _write("volunteering:fund-payout", "fund", _pay),
    "volunteering:donation-confirm": _write("volunteering:donation-confirm", "donation", {}),
    "api:wish-list GET": _api_list("api:wish-list", "wish"),
    "api:wish-list POST": _post_list(
        "api:wish-list", lambda w: {"recipient": w["foreign_resident"].pk, "title": "越界"}
    ),
    "api:wish-detail GET": _api_detail("api:wish-detail", "wish"),
    "api:wish-claim POST": _write("api:wish-claim", "wish", _claim, JSON),
    "api:wish-fulfil POST": fulfil_api,
    "api:fund-list GET": _api_list("api:fund-list", "fund"),
    "api:fund-detail GET": _api_detail("api:fund-detail", "fund"),
    "api:fund-statement GET": statement_api,
    "api:donation-list GET": _api_list("api:donation-list", "donation"),
    "api:donation-list POST": _post_list(
        "api:donation-list", lambda w: {**_gift(w), "fund": _pk("foreign", "fund")(w)}
    ),
    "api:donation-detail GET": _api_detail("api:donation-detail", "donation"),
    "api:donation-confirm POST": _write("api:donation-confirm", "donation", {}, JSON),
    "api:payout-list GET": _api_list("api:payout-list", "payout"),
    "api:payout-list POST": _post_list(
        "api:payout-list", lambda w: {**_pay(w), "fund": _pk("foreign", "fund")(w)}
    ),
    "api:payout-detail GET": _api_detail("api:payout-detail", "payout"),
}


def _photo_check(w):
    """The own wish's photo is served; the foreign one's is not found, whether asked under
    the foreign wish or under the own wish."""
    rows = seed(w)
    c = w["client"]
    url = reverse(
        "volunteering:wish-photo", args=[rows["own_done"].pk, rows["own_photo"].pk, "thumbnail"]
    )
    assert c.get(url).status_code == 200
    for wish in ("foreign_done", "own_done"):
        foreign = reverse(
            "volunteering:wish-photo", args=[rows[wish].pk, rows["foreign_photo"].pk, "thumbnail"]
        )
        assert c.get(foreign).status_code == 404


CHECKS["volunteering:wish-photo"] = _photo_check
# Open without a login: the wall (the person masked) and a fund's statement (sums only).
PUBLIC = {"volunteering-public:wall", "volunteering-public:statement"}
