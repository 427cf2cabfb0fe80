"""Scope checks of the points routes: evaluation (the monthly evaluation, its public notice,
the objections, the reward funds and the honour list), and the month the tests build.

The viewer of the route walk is the grid chief of 南门社区, a member of its review board;
the foreign rows are the outsider's village's (another town). A foreign evaluation,
selection, objection, board member or fund answers 404 and nothing changes; lists leave
them out. The public routes (PUBLIC) show only evaluations on notice or final, with
masked names.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from conftest import COUNTY, GRID, OTHER_UNIT, OTHER_VILLAGE, TOWN, UNIT, VILLAGE
from yiwang.accounts.models import User
from yiwang.core.reporting import add_months
from yiwang.points.models import (
    AwardKind,
    AwardSetting,
    BoardMember,
    DutyList,
    Entry,
    EntryStatus,
    Evaluation,
    Fund,
    FundMovement,
    ListItem,
    ListKind,
    Objection,
    Quota,
    Selection,
    TemplateItem,
)
from yiwang.registry.models import Household
from yiwang.registry.services import add_resident, create_household

JSON = "application/json"
GRID2_UNIT = VILLAGE + "002001"


# --- the month the tests build ---------------------------------------------------------


def last_month() -> datetime.date:
    return add_months(timezone.localdate().replace(day=1), -1)


def _items(village: str, actor) -> dict[str, ListItem]:
    """A party members' and a households' list adopted by the village, one item each."""
    items = {}
    for kind, article in ((ListKind.PARTY_MEMBER, "P1"), (ListKind.HOUSEHOLD, "H1")):
        template, _created = TemplateItem.objects.get_or_create(
            kind=kind, article=article, defaults={"text": f"{article} 条目", "points": 5}
        )
        duty_list = DutyList.objects.create(
            area_code=village,
            kind=kind,
            version=1,
            adopted_on=datetime.date(2020, 1, 1),
            adopted_by=actor,
        )
        items[kind] = ListItem.objects.create(
            duty_list=duty_list, template=template, article=article, text=template.text, points=5
        )
    return items


def entry(item, month, points, *, household=None, resident=None, status=EntryStatus.APPROVED):
    subject = household or resident.household
    return Entry.objects.create(
        item=item,
        household=household,
        resident=resident,
        area_code=subject.area_code,
        month=month,
        points=Decimal(points),
        status=status,
    )


def build_village(village: str, units: list[str], actor, month, *, tag: str = "") -> dict:
    """In each unit a household with a head; the first head a party member. Party points
    and household points approved in `month`: descending by unit order."""
    items = _items(village, actor)
    rows = {"items": items, "households": [], "members": []}
    names = ["张三丰", "李四光", "王小五", "赵六六"]
    for i, unit in enumerate(units):
        home = create_household(actor=None, unit_code=unit, number=f"{tag}{i + 1:03d}")
        head = add_resident(
            actor=None,
            household_id=home.pk,
            name=f"{tag}{names[i % len(names)]}",
            relation="head",
            is_party_member=(i == 0),
        )
        rows["households"].append(home)
        entry(items[ListKind.HOUSEHOLD], month, 10 - i, household=home)
        if i == 0:
            rows["members"].append(head)
            entry(items[ListKind.PARTY_MEMBER], month, 8, resident=head, household=home)
    return rows


def quotas(n: int = 1) -> None:
    for kind in AwardKind.values:
        Quota.objects.update_or_create(area_code=COUNTY, kind=kind, defaults={"per_village": n})


# --- the route walk's rows -------------------------------------------------------------


def _seed(w) -> dict:
    if "evaluation" in w:
        return w["evaluation"]
    from yiwang.points.services import decisions, funds
    from yiwang.points.services import evaluation as services

    chief = User.objects.get(username="chief")
    outsider = w["foreign_user"]
    month = last_month()
    quotas(2)
    AwardSetting.objects.update_or_create(kind=AwardKind.MODEL_VILLAGER, defaults={"amount": 100})
    rows = {}
    sides = (
        ("own", VILLAGE, [UNIT], chief, TOWN, "本"),
        ("foreign", OTHER_VILLAGE, [OTHER_UNIT], outsider, OTHER_VILLAGE[:9], "外"),
    )
    for side, village, units, member, town, tag in sides:
        built = build_village(village, units, chief, month, tag=tag)
        # The outsider holds no post on the village: a member made directly.
        rows[f"{side}_member"] = BoardMember.objects.create(
            area_code=village, user=member, is_chair=True, starts_on=datetime.date(2020, 1, 1)
        )
        evaluation = services.close_month(None, village, month)
        selection = decisions.select(
            actor=None,
            evaluation_id=evaluation.pk,
            kind=AwardKind.MODEL_VILLAGER,
            subject=built["households"][0].pk,
            reason="热心公益",
        )
        decisions.publish(actor=None, evaluation_id=evaluation.pk)
        objection = decisions.submit_objection(
            selection_id=selection.pk,
            reason="不属实",
            contact_name="路人",
            contact_phone="13812345678",
        )
        fund = funds.create_fund(actor=None, area_code=town, name=f"{tag}奖励基金")
        rows.update(
            {
                f"{side}_evaluation": evaluation,
                f"{side}_selection": selection,
                f"{side}_objection": objection,
                f"{side}_fund": fund,
                f"{side}_household": built["households"][0],
            }
        )
    w["evaluation"] = rows
    return rows


def _pk(side, kind):
    return lambda w: _seed(w)[f"{side}_{kind}"].pk


def _state():
    return (
        list(BoardMember.objects.order_by("id").values_list("id", "ends_on", "is_chair")),
        list(Evaluation.objects.order_by("id").values_list("id", "status", "minutes")),
        list(Selection.objects.order_by("id").values_list("id", "status")),
        list(Objection.objects.order_by("id").values_list("id", "answer", "upheld")),
        list(Fund.objects.order_by("id").values_list("id", "balance")),
        FundMovement.objects.count(),
        list(Quota.objects.order_by("id").values_list("id", "per_village")),
        list(AwardSetting.objects.order_by("id").values_list("id", "amount")),
    )


def _refused(w, url, data, *, status=404, content_type=None):
    before = _state()
    kwargs = {"content_type": content_type} if content_type else {}
    response = w["client"].post(url, data, **kwargs)
    assert response.status_code == status, (url, response.status_code, response.content[:300])
    assert _state() == before, f"{url} changed something"
    return response


def _no_foreign(body: str, name: str) -> None:
    for foreign in ("外张", "外奖励基金", OTHER_VILLAGE, "outsider"):
        assert foreign not in body, f"{name} shows the foreign {foreign!r}"


def _month_url(side):
    def url(w):
        evaluation = _seed(w)[f"{side}_evaluation"]
        base = reverse("points:evaluation-month", args=[evaluation.area_code])
        return f"{base}?month={evaluation.month:%Y-%m}"

    return url


def _page_list(name, must=None):
    def check(w):
        rows = _seed(w)
        response = w["client"].get(reverse(name))
        assert response.status_code == 200, (name, response.status_code)
        body = response.content.decode()
        if must:
            assert must(rows) in body, f"{name} misses the own row"
        _no_foreign(body, name)

    return check


def _month_page(w):
    """The own month opens; the foreign is not found, by GET nor by any action of the
    board aimed at it; an action on the own page naming a foreign row is not found."""
    c = w["client"]
    rows = _seed(w)
    assert c.get(_month_url("own")(w)).status_code == 200
    assert c.get(_month_url("foreign")(w)).status_code == 404
    foreign = {
        "close": {},
        "select": {
            "kind": "model_villager",
            "model_villager-subject": "1",
            "model_villager-reason": "x",
        },
        "minutes": {"minutes": "x"},
        "publish": {},
        "finalise": {},
        "pay": {},
        "remove": {"selection": rows["foreign_selection"].pk},
        "answer": {"objection": rows["foreign_objection"].pk},
    }
    for action, data in foreign.items():
        _refused(w, _month_url("foreign")(w), {"action": action, **data})
    bad = rows["foreign_objection"].pk
    _refused(
        w, _month_url("own")(w), {"action": "remove", "selection": rows["foreign_selection"].pk}
    )
    _refused(
        w,
        _month_url("own")(w),
        {"action": "answer", "objection": bad, f"o{bad}-answer": "x", f"o{bad}-upheld": "yes"},
    )
    # The own objection is answered by the chief, a member of the board.
    own = rows["own_objection"].pk
    response = c.post(
        _month_url("own")(w),
        {
            "action": "answer",
            "objection": own,
            f"o{own}-answer": "查无此事",
            f"o{own}-upheld": "no",
        },
    )
    assert response.status_code == 302
    assert Objection.objects.get(pk=own).upheld is False


def _board_page(w):
    rows = _seed(w)
    c = w["client"]
    name = "points:evaluation-board"
    assert c.get(reverse(name, args=[VILLAGE])).status_code == 200
    assert c.get(reverse(name, args=[OTHER_VILLAGE])).status_code == 404
    _refused(w, reverse(name, args=[OTHER_VILLAGE]), {"user": rows["foreign_member"].user_id})
    foreign = rows["foreign_member"].pk
    _refused(w, reverse(name, args=[OTHER_VILLAGE]), {"action": "end", "member": foreign})
    _refused(w, reverse(name, args=[VILLAGE]), {"action": "end", "member": foreign})


def _funds(w):
    """Funds are held by a town or the county: the chief of a village sees neither
    town's; one asked for by id is not found, and a budget posted to it changes
    nothing."""
    rows = _seed(w)
    c = w["client"]
    url = reverse("points:funds")
    body = c.get(url).content.decode()
    assert "本奖励基金" not in body and "外奖励基金" not in body
    for side in ("own", "foreign"):
        assert c.get(url, {"fund": rows[f"{side}_fund"].pk}).status_code == 404
        _refused(w, url, {"action": "budget", "fund": rows[f"{side}_fund"].pk, "amount": "10"})


def _settings_page(name):
    """The county admin's settings: the chief is refused (403), nothing changes."""

    def check(w):
        _seed(w)
        c = w["client"]
        assert c.get(reverse(name)).status_code in (200, 403)
        _refused(
            w,
            reverse(name),
            {"form": "quota", "area": OTHER_VILLAGE[:9], "kind": "red_pioneer", "per_village": 9},
            status=c.post(reverse(name), {}).status_code,
        )

    return check


def _results(response):
    data = response.json()
    return data["results"] if isinstance(data, dict) and "results" in data else data


def _api_list(name, kind, own_seen=True):
    def check(w):
        own, foreign = _pk("own", kind)(w), _pk("foreign", kind)(w)
        response = w["client"].get(reverse(name), {"limit": 500})
        assert response.status_code == 200
        ids = [row["id"] for row in _results(response)]
        assert (own in ids) == own_seen and foreign not in ids, (name, ids)
        _no_foreign(response.content.decode(), name)

    return check


def _api_detail(name, kind, own_status=200):
    def check(w):
        c = w["client"]
        assert c.get(reverse(name, args=[_pk("own", kind)(w)])).status_code == own_status
        assert c.get(reverse(name, args=[_pk("foreign", kind)(w)])).status_code == 404

    return check


def _api_answer(w):
    url = reverse("api:points-objection-answer", args=[_pk("foreign", "objection")(w)])
    _refused(w, url, {"answer": "查无此事", "upheld": False}, content_type=JSON)
    url = reverse("api:points-objection-answer", args=[_pk("own", "objection")(w)])
    response = w["client"].post(url, {"answer": "查无此事", "upheld": False}, content_type=JSON)
    assert response.status_code == 200, response.content[:300]


CHECKS: dict = {
    "points:evaluations": _page_list("points:evaluations"),
    "points:evaluation-month": _month_page,
    "points:evaluation-board": _board_page,
    "points:evaluation-settings": _settings_page("points:evaluation-settings"),
    "points:funds": _funds,
    "points:honours": _page_list("points:honours"),
    "api:points-evaluation-list GET": _api_list("api:points-evaluation-list", "evaluation"),
    "api:points-evaluation-detail GET": _api_detail("api:points-evaluation-detail", "evaluation"),
    "api:points-objection-list GET": _api_list("api:points-objection-list", "objection"),
    "api:points-objection-detail GET": _api_detail("api:points-objection-detail", "objection"),
    "api:points-objection-answer POST": _api_answer,
    "api:points-fund-list GET": _api_list("api:points-fund-list", "fund", own_seen=False),
    "api:points-fund-detail GET": _api_detail("api:points-fund-detail", "fund", own_status=404),
}
PUBLIC: set = {
    "points-public:notices",
    "points-public:notice",
    "points-public:honours",
}

__all__ = ["CHECKS", "GRID", "PUBLIC", "Household"]
