"""The scope checks of the outbox's routes, for the route walk of
tests/test_routes_scope.py (which adds them to its CHECKS once the routes are mounted:
`CHECKS.update(OUTBOX_CHECKS)`), and run by test_outbox_robots on its own URLconf.

Each takes that test's `world`: the viewer is the grid chief of 南门社区 (`client`); the
foreign robot and delivery lie in the outsider's village of another town. A foreign row is
not found (404) by page, detail or action, and nothing changes; lists show the own rows
and none of the foreign; registering a robot in a foreign area is refused, nothing written.
"""

from django.urls import reverse

from conftest import OTHER_VILLAGE, VILLAGE
from yiwang.notices.models import Delivery, DeliveryStatus, Robot

JSON = "application/json"
OWN, FOREIGN = "本村群", "外镇群"
WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key="


def _seed(w) -> dict:
    if "outbox" in w:
        return w["outbox"]
    rows = {}
    for side, code, name in (("own", VILLAGE, OWN), ("foreign", OTHER_VILLAGE, FOREIGN)):
        robot = Robot.objects.create(
            area_code=code, channel="wecom", name=name, url=f"{WECOM}{side}-key-0123456789"
        )
        delivery = Delivery.objects.create(
            channel="wecom",
            robot=robot,
            area_code=code,
            title=f"{name}的通知",
            text="正文",
            status=DeliveryStatus.FAILED,
            attempts=6,
            last_error="timeout",
        )
        rows[side] = {"robot": robot, "delivery": delivery}
    w["outbox"] = rows
    return rows


def _state():
    return (
        sorted(Robot.objects.values_list("id", "area_code", "name", "is_active")),
        sorted(Delivery.objects.values_list("id", "status", "attempts")),
    )


def _refused(w, url, data, *, status=404, method="post", content_type=None):
    before = _state()
    kwargs = {"content_type": content_type} if content_type else {}
    response = getattr(w["client"], method)(url, data, **kwargs)
    assert response.status_code == status, (url, response.status_code, response.content[:300])
    assert _state() == before, f"{url} changed something"
    return response


def _pk(w, side, kind):
    return _seed(w)[side][kind].pk


def _results(response):
    data = response.json()
    return data["results"] if isinstance(data, dict) and "results" in data else data


def _page_list(name):
    def check(w):
        _seed(w)
        body = w["client"].get(reverse(name)).content.decode()
        assert OWN in body and FOREIGN not in body

    return check


def _detail(name, kind):
    def check(w):
        client = w["client"]
        assert client.get(reverse(name, args=[_pk(w, "own", kind)])).status_code == 200
        assert client.get(reverse(name, args=[_pk(w, "foreign", kind)])).status_code == 404

    return check


def _robot_edit(w):
    _detail("notices:robot-edit", "robot")(w)
    url = reverse("notices:robot-edit", args=[_pk(w, "foreign", "robot")])
    _refused(w, url, {"name": "改名", "is_active": "on"})


def _robot_create(w):
    _seed(w)
    url = reverse("notices:robot-create")
    page = w["client"].get(url)
    assert page.status_code == 200 and OTHER_VILLAGE not in page.content.decode()
    data = {
        "area_code": OTHER_VILLAGE,
        "channel": "wecom",
        "name": "群",
        "url": f"{WECOM}k0123456789",
    }
    response = _refused(w, url, data, status=200)
    assert "area_code" in response.context["form"].errors


def _delivery_retry(w):
    _refused(w, reverse("notices:delivery-retry", args=[_pk(w, "foreign", "delivery")]), {})
    own = reverse("notices:delivery-retry", args=[_pk(w, "own", "delivery")])
    assert w["client"].post(own, {}).status_code == 302


def _api_list(name, kind):
    def check(w):
        own, foreign = _pk(w, "own", kind), _pk(w, "foreign", kind)
        response = w["client"].get(reverse(name), {"limit": 500})
        assert response.status_code == 200
        ids = [row["id"] for row in _results(response)]
        assert own in ids and foreign not in ids
        assert FOREIGN not in response.content.decode()

    return check


def _api_robot_create(w):
    _seed(w)
    body = {
        "area_code": OTHER_VILLAGE,
        "channel": "wecom",
        "name": "群",
        "url": f"{WECOM}k0123456789",
    }
    _refused(w, reverse("api:robot-list"), body, content_type=JSON)


def _api_robot_patch(w):
    url = reverse("api:robot-detail", args=[_pk(w, "foreign", "robot")])
    _refused(w, url, {"name": "改名"}, method="patch", content_type=JSON)
    own = reverse("api:robot-detail", args=[_pk(w, "own", "robot")])
    assert w["client"].patch(own, {"name": "改名"}, content_type=JSON).status_code == 200


def _api_delivery_retry(w):
    url = reverse("api:delivery-retry", args=[_pk(w, "foreign", "delivery")])
    _refused(w, url, {}, content_type=JSON)
    own = reverse("api:delivery-retry", args=[_pk(w, "own", "delivery")])
    assert w["client"].post(own, {}, content_type=JSON).status_code == 200


OUTBOX_CHECKS = {
    "notices:robots": _page_list("notices:robots"),
    "notices:robot-create": _robot_create,
    "notices:robot-edit": _robot_edit,
    "notices:deliveries": _page_list("notices:deliveries"),
    "notices:delivery": _detail("notices:delivery", "delivery"),
    "notices:delivery-retry": _delivery_retry,
    "api:robot-list GET": _api_list("api:robot-list", "robot"),
    "api:robot-list POST": _api_robot_create,
    "api:robot-detail GET": _detail("api:robot-detail", "robot"),
    "api:robot-detail PATCH": _api_robot_patch,
    "api:delivery-list GET": _api_list("api:delivery-list", "delivery"),
    "api:delivery-detail GET": _detail("api:delivery-detail", "delivery"),
    "api:delivery-retry POST": _api_delivery_retry,
}
