"""Duty lists: the county's default templates, a village adopting a version with its own
changes, the history of versions, and entries citing the version in force."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from conftest import OTHER_VILLAGE, UNIT, VILLAGE
from yiwang.core.models import AuditEntry
from yiwang.points.models import Change, DutyList, ListItem, TemplateItem
from yiwang.points.selectors.lists import history
from yiwang.points.services import entries as entry_services
from yiwang.points.services import lists as services
from yiwang.registry.services import add_resident, create_household

pytestmark = pytest.mark.django_db


def adopt_defaults(actor, village=VILLAGE, on=None, kind=None):
    """The village adopts the county's template of each list (or of `kind`) as it is."""
    on = on or timezone.localdate().replace(day=1) - datetime.timedelta(days=400)
    made = {}
    for k in [kind] if kind else ["party_member", "household", "cadre"]:
        made[k] = services.adopt_list(
            actor, village, k, on, services.items_from("template", village, k)
        )
    return made


def make_household(actor, number="101", unit=UNIT, party_member=False):
    home = create_household(actor=actor, unit_code=unit, number=number)
    head = add_resident(
        actor=actor,
        household_id=home.pk,
        name=f"李{number}",
        relation="head",
        is_party_member=party_member,
    )
    return home, head


def test_the_default_templates_reward_deeds_only():
    rows = TemplateItem.objects.all()
    assert {r.kind for r in rows} == {"party_member", "household", "cadre"}
    texts = " ".join(r.text for r in rows)
    for word in ("上访", "登录", "签到", "在线", "打卡"):
        assert word not in texts
    visit = TemplateItem.objects.get(kind="party_member", article="2")
    assert visit.monthly_cap == Decimal("4") and visit.points == Decimal("1")
    labour = TemplateItem.objects.get(kind="household", article="2")
    assert labour.has_range and labour.allows(Decimal("3")) and not labour.allows(Decimal("4"))


def test_a_list_adopted_and_changed_keeps_its_history(chief, county_admin):
    on = timezone.localdate() - datetime.timedelta(days=60)
    first = adopt_defaults(chief, on=on, kind="household")["household"]
    assert first.version == 1 and first.superseded_on is None
    assert set(first.items.values_list("change", flat=True)) == {Change.AS_TEMPLATE}
    # Version 2: an item changed, one left out, one of the village's own added.
    items = services.items_from("current", VILLAGE, "household")
    items = [i for i in items if i["article"] != "7"]
    for item in items:
        if item["article"] == "1":
            item["points"] = Decimal("3")
    items.append({"article": "11", "text": "带头移栽行道树", "points": "2", "monthly_cap": "2"})
    later = on + datetime.timedelta(days=30)
    second = services.adopt_list(chief, VILLAGE, "household", later, items, note="村民代表会议")
    first.refresh_from_db()
    assert second.version == 2 and first.superseded_on == later
    changes = dict(second.items.values_list("article", "change"))
    assert changes["1"] == Change.CHANGED and changes["11"] == Change.ADDED
    assert changes["2"] == Change.AS_TEMPLATE and "7" not in changes
    assert services.in_force(VILLAGE, "household", later - datetime.timedelta(days=1)) == first
    assert services.in_force(VILLAGE, "household", later) == second
    newest = history(VILLAGE, "household")[0]
    assert [i.article for i in newest.added] == ["11"]
    assert [i.article for i in newest.removed] == ["7"]
    assert [i.article for i, _fields in newest.changed] == ["1"]
    assert AuditEntry.objects.filter(action="duty_list.adopt").count() == 2
    page = _client(chief).get(reverse("points:history", args=[VILLAGE, "household"]))
    assert page.status_code == 200 and "带头移栽行道树" in page.content.decode()


def test_an_entry_cites_the_version_in_force_and_a_later_adoption_leaves_it(chief, worker):
    today = timezone.localdate()
    on = today.replace(day=1) - datetime.timedelta(days=70)
    first = adopt_defaults(chief, on=on, kind="household")["household"]
    home, _head = make_household(worker)
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    item = first.items.get(article="1")
    entry, _created = entry_services.record_entry(
        actor=worker, household=home.pk, item=item.pk, month=last_month.strftime("%Y-%m")
    )
    items = services.items_from("current", VILLAGE, "household")
    for row in items:
        if row["article"] == "1":
            row["points"], row["monthly_cap"] = "4", "4"
    second = services.adopt_list(chief, VILLAGE, "household", today, items)
    entry.refresh_from_db()
    assert entry.item == item and entry.item.duty_list == first and entry.points == 2
    # Last month still cites version 1: version 2 was adopted today.
    with pytest.raises(ValidationError) as refused:
        entry_services.record_entry(
            actor=worker,
            household=home.pk,
            item=second.items.get(article="2").pk,
            month=last_month.strftime("%Y-%m"),
            points="1",
        )
    assert "item" in refused.value.message_dict
    # This month cites version 2.
    now_entry, _created = entry_services.record_entry(
        actor=worker,
        household=home.pk,
        item=second.items.get(article="1").pk,
        month=today.strftime("%Y-%m"),
    )
    assert now_entry.points == 4


def test_an_adoption_dated_before_the_version_in_force_is_refused(chief):
    on = timezone.localdate() - datetime.timedelta(days=10)
    adopt_defaults(chief, on=on, kind="cadre")
    before = list(DutyList.objects.values_list("id", "superseded_on"))
    items = services.items_from("current", VILLAGE, "cadre")
    with pytest.raises(ValidationError) as refused:
        services.adopt_list(chief, VILLAGE, "cadre", on - datetime.timedelta(days=1), items)
    assert "adopted_on" in refused.value.message_dict
    assert list(DutyList.objects.values_list("id", "superseded_on")) == before


@pytest.mark.parametrize(
    "change, field",
    [
        ({"points": "abc"}, "items"),
        ({"min_points": "5", "max_points": "1"}, "items"),
        ({"text": ""}, "items"),
        ({"monthly_cap": "-1"}, "items"),
    ],
)
def test_bad_items_are_refused_naming_the_item(chief, change, field):
    items = services.items_from("template", VILLAGE, "household")
    items[0].update(change)
    with pytest.raises(ValidationError) as refused:
        services.adopt_list(chief, VILLAGE, "household", timezone.localdate(), items)
    assert field in refused.value.message_dict
    assert refused.value.message_dict[field][0].startswith(("第1条", "Item 1"))
    assert not DutyList.objects.exists() and not ListItem.objects.exists()


def test_who_adopts(worker, outsider, town_admin):
    items = services.items_from("template", VILLAGE, "household")
    with pytest.raises(PermissionDenied):
        services.adopt_list(worker, VILLAGE, "household", timezone.localdate(), items)
    from django.http import Http404

    with pytest.raises(Http404):
        services.adopt_list(outsider, VILLAGE, "household", timezone.localdate(), items)
    assert services.adopt_list(town_admin, VILLAGE, "household", timezone.localdate(), items)
    assert not DutyList.objects.filter(area_code=OTHER_VILLAGE).exists()


def test_the_templates_are_the_county_admins(county_admin, chief):
    with pytest.raises(PermissionDenied):
        services.save_template_item(actor=chief, kind="household", article="99", text="x", points=1)
    item = services.save_template_item(
        actor=county_admin, kind="household", article="99", text="帮扶困难户", points="2"
    )
    services.set_template_item_active(actor=county_admin, item_id=item.pk, is_active=False)
    item.refresh_from_db()
    assert not item.is_active
    assert (
        AuditEntry.objects.filter(
            object_id=str(item.pk), action__startswith="points_template"
        ).count()
        == 2
    )
    with pytest.raises(ValidationError) as refused:
        services.save_template_item(
            actor=county_admin, kind="household", article="99", text="重复", points="1"
        )
    assert "article" in refused.value.message_dict


def test_the_adoption_page(chief):
    client = _client(chief)
    url = reverse("points:adopt", args=[VILLAGE, "party_member"])
    page = client.get(url + "?from=template")
    assert page.status_code == 200
    rows = len(services.items_from("template", VILLAGE, "party_member"))
    data = {"adopted_on": timezone.localdate().isoformat(), "rows": rows + 3, "note": ""}
    for n, item in enumerate(services.items_from("template", VILLAGE, "party_member")):
        if item["article"] == "9":
            continue  # left out
        data.update(
            {
                f"item-{n}-keep": "on",
                f"item-{n}-template": item["template"],
                f"item-{n}-article": item["article"],
                f"item-{n}-text": item["text"],
                f"item-{n}-points": str(item["points"]),
                f"item-{n}-monthly_cap": str(item["monthly_cap"] or ""),
            }
        )
    data.update(
        {f"item-{rows}-new": "1", f"item-{rows}-article": "10", f"item-{rows}-text": "带头捐资助学"}
    )
    data[f"item-{rows}-points"] = "三"
    refused = client.post(url, data)
    assert refused.status_code == 200 and not DutyList.objects.exists()
    assert refused.context["form"].non_field_errors()
    assert "带头捐资助学" in refused.content.decode()  # the items as they were sent
    data[f"item-{rows}-points"] = "3"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    duty_list = DutyList.objects.get(area_code=VILLAGE, kind="party_member")
    articles = set(duty_list.items.values_list("article", flat=True))
    assert "9" not in articles and "10" in articles
    assert duty_list.items.get(article="10").change == Change.ADDED


def _client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("route", ["api:points-list-list", "api:points-item-list"])
def test_a_bad_kind_is_answered_with_a_sentence_naming_the_lists(chief, route):
    answer = _client(chief).get(reverse(route), {"kind": "villager"})
    assert answer.status_code == 400, answer.content
    message = str(answer.json())
    for label in ("村干部履职清单", "党员红色积分", "群众文明指数", "household"):
        assert label in message
    assert " | " not in message
