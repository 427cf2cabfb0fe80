"""The monthly evaluation keeps its people's data where it belongs: the minutes never hold
the standings and are the board's until the public notice; who objected is seen by the
board only; the public notice shows no free text. The overview's figures open exactly
their records; the honour list reads the heads' names in one query; a bulk close counts
only its own rows; the periodic tasks run at their Beijing times."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import COUNTY, OTHER_UNIT, OTHER_VILLAGE, TOWN, UNIT, VILLAGE
from yiwang.core.models import AuditEntry
from yiwang.points.models import (
    AwardKind,
    AwardSetting,
    Evaluation,
    EvaluationStatus,
    Selection,
    SelectionStatus,
)
from yiwang.points.services import decisions, funds
from yiwang.points.services import evaluation as services
from yiwang.points.tests.checks_evaluation import GRID2_UNIT, build_village, last_month, quotas

pytestmark = pytest.mark.django_db
UNIT2 = UNIT[:-3] + "002"


@pytest.fixture(autouse=True)
def _english(settings):
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def month(tree, chief):
    """Last month in 南门社区: three households (张三丰 a party member, 李四光, 王小五),
    closed, with chief as the board's chair."""
    quotas(2)
    services.add_board_member(actor=None, village_code=VILLAGE, user_id=chief.pk, is_chair=True)
    rows = build_village(VILLAGE, [UNIT, UNIT2, GRID2_UNIT], chief, last_month())
    rows["evaluation"] = services.close_month(chief, VILLAGE, last_month())
    return rows


def _select(evaluation, kind, subject, reason="孝老爱亲"):
    return decisions.select(
        actor=None, evaluation_id=evaluation.pk, kind=kind, subject=subject, reason=reason
    )


def _page(user, url):
    client = Client()
    client.force_login(user)
    return client.get(url)


def month_url(first):
    return f"{reverse('points:evaluation-month', args=[VILLAGE])}?month={first:%Y-%m}"


def test_the_minutes_name_the_selected_never_the_standings(month, chief, county_admin):
    evaluation = month["evaluation"]
    _select(evaluation, AwardKind.MODEL_VILLAGER, month["households"][0].pk)
    minutes = decisions.draft_minutes(evaluation)
    # The selected and why, the quotas; not the candidates left out nor anyone's points.
    assert "张三丰" in minutes and "孝老爱亲" in minutes
    assert "李四光" not in minutes and "王小五" not in minutes
    assert "10.0" not in minutes and "9.0" not in minutes

    # While the month is open the minutes are the board's: not on the page nor in the
    # API of an admin in scope who is not on the board.
    url = month_url(last_month())
    body = _page(county_admin, url).content.decode()
    assert 'id="minutes-hidden"' in body and 'id="evaluation-minutes"' not in body
    assert 'id="minutes-form"' not in body
    api = reverse("api:points-evaluation-detail", args=[evaluation.pk])
    assert _page(county_admin, api).json()["minutes"] is None
    assert 'id="minutes-form"' in _page(chief, url).content.decode()

    decisions.publish(actor=chief, evaluation_id=evaluation.pk)
    body = _page(county_admin, url).content.decode()
    assert 'id="evaluation-minutes"' in body and "李四光" not in body
    assert "张三丰" in _page(county_admin, api).json()["minutes"]


def test_who_objected_is_seen_by_the_board_only(month, chief, county_admin):
    evaluation = month["evaluation"]
    chosen = _select(evaluation, AwardKind.MODEL_VILLAGER, month["households"][0].pk)
    decisions.publish(actor=chief, evaluation_id=evaluation.pk)
    objection = decisions.submit_objection(
        selection_id=chosen.pk,
        reason="不实的记录",
        contact_name="钱多多",
        contact_phone="13812345678",
    )
    url = month_url(last_month())
    # An admin in scope, not on the board: the objection's text, not who sent it.
    body = _page(county_admin, url).content.decode()
    assert "不实的记录" in body
    assert "钱多多" not in body and "138****5678" not in body and "13812345678" not in body
    listed = _page(county_admin, reverse("api:points-objection-list")).json()["results"]
    assert listed[0]["reason"] == "不实的记录"
    assert listed[0]["contact_name"] is None and listed[0]["contact_phone"] is None
    # The board sees the name and the phone, masked.
    body = _page(chief, url).content.decode()
    assert "钱多多" in body and "138****5678" in body and "13812345678" not in body
    detail = _page(chief, reverse("api:points-objection-detail", args=[objection.pk])).json()
    assert (detail["contact_name"], detail["contact_phone"]) == ("钱多多", "138****5678")


def test_the_public_notice_shows_no_reason(month, chief):
    evaluation = month["evaluation"]
    _select(evaluation, AwardKind.MODEL_VILLAGER, month["households"][0].pk, "家中常有邻里矛盾调解")
    decisions.publish(actor=chief, evaluation_id=evaluation.pk)
    url = reverse("points-public:notice", args=[VILLAGE]) + f"?month={last_month():%Y-%m}"
    body = Client().get(url).content.decode()
    assert "张*丰" in body
    assert "家中常有邻里矛盾调解" not in body and "张三丰" not in body


def test_the_overview_figures_equal_the_records_their_links_open(tree, chief, county_admin):
    """Two model villagers and a red pioneer of 南门社区 made final and paid 100 each;
    one model villager in another town, paid too: the town's figures open just its own."""
    quotas(2)
    first = last_month()
    AwardSetting.objects.create(kind=AwardKind.MODEL_VILLAGER, amount=Decimal("100"))
    AwardSetting.objects.create(kind=AwardKind.RED_PIONEER, amount=Decimal("100"))
    fund = funds.create_fund(actor=None, area_code=COUNTY, name="县奖励基金")
    funds.add_budget(actor=None, fund_id=fund.pk, amount="1000")
    own = build_village(VILLAGE, [UNIT, UNIT2], chief, first)
    other = build_village(OTHER_VILLAGE, [OTHER_UNIT], chief, first, tag="外")
    chosen = []
    for code, built in ((VILLAGE, own), (OTHER_VILLAGE, other)):
        evaluation = services.close_month(None, code, first)
        for home in built["households"]:
            chosen.append(_select(evaluation, AwardKind.MODEL_VILLAGER, home.pk))
        if code == VILLAGE:
            member = built["members"][0].pk
            chosen.append(_select(evaluation, AwardKind.RED_PIONEER, member))
        evaluation.status = EvaluationStatus.FINAL
        evaluation.save(update_fields=["status"])
    for selection in chosen:
        assert funds.pay_selection(selection) == "paid"

    client = Client()
    client.force_login(county_admin)
    overview = client.get(reverse("points:overview"), {"area": COUNTY})
    row = next(r for r in overview.context["rows"] if r["row"].code == TOWN)
    assert row["f"].awards[AwardKind.MODEL_VILLAGER] == 2
    assert row["f"].paid == Decimal("300")

    honours = client.get(row["links"][AwardKind.MODEL_VILLAGER])
    assert honours.status_code == 200
    assert honours.context["page_obj"].paginator.count == 2
    assert {s.kind for s in honours.context["page_obj"]} == {AwardKind.MODEL_VILLAGER}

    paid = client.get(row["links"]["paid"])
    assert paid.status_code == 200
    assert paid.context["paid"]["total"] == row["f"].paid
    assert sum(m.amount for m in paid.context["page_obj"]) == Decimal("300")
    assert 'id="fund-paid-total">300' in paid.content.decode()
    # The fund above the town is listed with it.
    assert [f.pk for f in paid.context["rows"]] == [fund.pk]
    # The county's total matches the whole list and the whole ledger.
    links = overview.context["total_links"]
    assert client.get(links[AwardKind.MODEL_VILLAGER]).context["page_obj"].paginator.count == 3
    assert client.get(links["paid"]).context["paid"]["total"] == Decimal("400")


def test_the_honour_list_reads_the_heads_in_one_query(month, worker, county_admin):
    evaluation = month["evaluation"]
    chosen = [
        _select(evaluation, AwardKind.MODEL_VILLAGER, home.pk) for home in month["households"][:2]
    ]
    Evaluation.objects.filter(pk=evaluation.pk).update(status=EvaluationStatus.FINAL)
    client = Client()
    client.force_login(county_admin)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("points:honours"))
        assert response.status_code == 200
        return len(captured), response.content.decode()

    Selection.objects.filter(pk=chosen[1].pk).update(status=SelectionStatus.WITHDRAWN)
    one, body = queries()
    assert "张三丰" in body and "李四光" not in body
    Selection.objects.filter(pk=chosen[1].pk).update(status=SelectionStatus.SELECTED)
    two, body = queries()
    assert "张三丰" in body and "李四光" in body
    assert two == one


def test_the_month_page_reads_the_heads_in_one_query(month, chief):
    evaluation = month["evaluation"]
    chosen = [
        _select(evaluation, AwardKind.MODEL_VILLAGER, home.pk) for home in month["households"][:2]
    ]
    client = Client()
    client.force_login(chief)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(month_url(last_month())).status_code == 200
        return len(captured)

    Selection.objects.filter(pk=chosen[1].pk).delete()
    one = queries()
    _select(evaluation, AwardKind.MODEL_VILLAGER, month["households"][1].pk)
    assert queries() == one


def test_a_bulk_close_counts_only_the_rows_it_wrote(tree, chief, monkeypatch):
    """A concurrent close of 南门社区 lands between the read of what is done and the bulk
    insert: that village is not counted nor audited as this run's."""
    first = last_month()
    build_village(VILLAGE, [UNIT], chief, first)
    original = services.compute_standings

    def with_a_concurrent_close(prefix, month):
        found = original(prefix, month)
        Evaluation.objects.create(
            area_code=VILLAGE, month=month, standings={}, computed_at=timezone.now()
        )
        return found

    monkeypatch.setattr(services, "compute_standings", with_a_concurrent_close)
    counts = services.close_months(first, TOWN)
    written = Evaluation.objects.filter(month=first).exclude(area_code=VILLAGE).count()
    assert written > 0
    assert counts["closed"] == written and counts["already"] == 1
    audited = AuditEntry.objects.filter(action="points.evaluation.close")
    assert audited.count() == written
    assert not audited.filter(area_code=VILLAGE).exists()
    assert all(entry.object_id for entry in audited)


@pytest.mark.parametrize(
    ("utc", "task", "runs"),
    [
        # 02:10 in Beijing is 18:10 UTC the day before.
        (datetime.datetime(2026, 3, 14, 18, 10), "propose_time", True),
        (datetime.datetime(2026, 3, 15, 2, 10), "propose_time", False),
        # 02:20 on the 1st in Beijing is 18:20 UTC on the last day of the month before.
        (datetime.datetime(2026, 2, 28, 18, 20), "close_time", True),
        (datetime.datetime(2026, 3, 1, 2, 20), "close_time", False),
        (datetime.datetime(2026, 3, 14, 18, 20), "close_time", False),
    ],
)
def test_the_tasks_run_at_their_beijing_times(utc, task, runs):
    from yiwang.points import tasks

    assert getattr(tasks, task)(utc) is runs
    # Proposals come before the close of the month.
    if task == "close_time" and runs:
        assert tasks.propose_time(utc - datetime.timedelta(minutes=10))
