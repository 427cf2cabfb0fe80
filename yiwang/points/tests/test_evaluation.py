"""The monthly evaluation: a month closed end to end through the public notice, the
objections and the rewards; the bulk close; the 2023 rule on standings; the scope."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import COUNTY, GRID, OTHER_UNIT, OTHER_VILLAGE, TOWN, UNIT, VILLAGE
from yiwang.core.models import AuditEntry
from yiwang.notices.models import Notification
from yiwang.points.models import (
    AwardKind,
    AwardSetting,
    EntryStatus,
    Evaluation,
    EvaluationStatus,
    Fund,
    FundMovement,
    ListKind,
    Objection,
    PointsSettings,
    SelectionStatus,
)
from yiwang.points.services import decisions, funds
from yiwang.points.services import evaluation as services
from yiwang.points.tests.checks_evaluation import (
    GRID2_UNIT,
    build_village,
    entry,
    last_month,
    quotas,
)

pytestmark = pytest.mark.django_db
GRID2 = GRID2_UNIT[:15]
UNIT2 = UNIT[:-3] + "002"


@pytest.fixture(autouse=True)
def _english(settings):
    """The messages in English, as matched below: the services' and the pages' (whose
    requests would otherwise switch the thread's language back to Chinese)."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def month(tree, chief):
    """Last month in 南门社区: three households (two grids), a party member."""
    first = last_month()
    rows = build_village(VILLAGE, [UNIT, UNIT2, GRID2_UNIT], chief, first)
    rows["month"] = first
    return rows


@pytest.fixture
def board(chief, town_admin):
    services.add_board_member(actor=None, village_code=VILLAGE, user_id=chief.pk, is_chair=True)
    services.add_board_member(actor=None, village_code=VILLAGE, user_id=town_admin.pk)


def month_url(first, code=VILLAGE):
    return f"{reverse('points:evaluation-month', args=[code])}?month={first:%Y-%m}"


def notice_url(evaluation):
    return f"{reverse('points-public:notice', args=[evaluation.area_code])}?month={evaluation.month:%Y-%m}"


def _later(days):
    return time_machine.travel(timezone.now() + datetime.timedelta(days=days), tick=False)


def test_a_month_closed_end_to_end(month, board, chief, town_admin, county_admin, worker):
    quotas(1)
    AwardSetting.objects.create(kind=AwardKind.MODEL_VILLAGER, amount=Decimal("200"))
    AwardSetting.objects.create(kind=AwardKind.RED_PIONEER, amount=Decimal("300"))
    town_fund = funds.create_fund(actor=town_admin, area_code=TOWN, name="镇奖励基金")
    funds.add_budget(actor=town_admin, fund_id=town_fund.pk, amount="250")

    evaluation = services.close_month(chief, VILLAGE, month["month"])
    standings = evaluation.standings
    homes = month["households"]
    assert [r["id"] for r in standings["households"]] == [h.pk for h in homes]
    assert standings["households"][0]["points"] == "10.0"
    assert [r["id"] for r in standings["party_members"]] == [month["members"][0].pk]
    # Grid 1: 10 + 9 household points and 8 red points over two households.
    assert standings["grids"][0] == {
        "code": GRID,
        "points": "13.5",
        "total": "27.0",
        "households": 2,
    }
    assert standings["grids"][1]["code"] == GRID2

    # Within the quota; a second model villager is over it and refused.
    chosen = decisions.select(
        actor=chief,
        evaluation_id=evaluation.pk,
        kind=AwardKind.MODEL_VILLAGER,
        subject=homes[0].pk,
        reason="孝老爱亲",
    )
    assert chosen.public_name == "张*丰"
    with pytest.raises(ValidationError, match="quota"):
        decisions.select(
            actor=chief,
            evaluation_id=evaluation.pk,
            kind=AwardKind.MODEL_VILLAGER,
            subject=homes[1].pk,
            reason="邻里和睦",
        )
    pioneer = decisions.select(
        actor=town_admin,
        evaluation_id=evaluation.pk,
        kind=AwardKind.RED_PIONEER,
        subject=month["members"][0].pk,
        reason="带头走访",
    )
    grid = decisions.select(
        actor=chief,
        evaluation_id=evaluation.pk,
        kind=AwardKind.RED_FLAG_GRID,
        subject=GRID,
        reason="全网格积分最高",
    )
    assert grid.public_name == "第一网格"
    # Someone not on the board selects nothing.
    with pytest.raises(PermissionDenied):
        decisions.select(
            actor=county_admin,
            evaluation_id=evaluation.pk,
            kind=AwardKind.MODEL_VILLAGER,
            subject=homes[2].pk,
            reason="x",
        )

    evaluation = decisions.publish(actor=chief, evaluation_id=evaluation.pk)
    assert evaluation.status == EvaluationStatus.NOTICE
    assert evaluation.notice_until - evaluation.notice_from == datetime.timedelta(days=7)
    assert "张三丰" in evaluation.minutes and "孝老爱亲" in evaluation.minutes

    # The public page: masked names, no standings, no login.
    public = Client()
    page = public.get(notice_url(evaluation))
    body = page.content.decode()
    assert page.status_code == 200
    assert "张*丰" in body and "张三丰" not in body and "李四光" not in body
    assert public.get(reverse("points-public:notices")).status_code == 200

    # An objection through the public form withdraws the pioneer once upheld.
    response = public.post(
        notice_url(evaluation),
        {
            "selection": pioneer.pk,
            "reason": "走访记录不实",
            "contact_name": "李某",
            "contact_phone": "138 1234 5678",
        },
    )
    assert response.status_code == 302
    objection = Objection.objects.get()
    assert objection.contact_phone == "13812345678"
    assert set(
        Notification.objects.filter(kind=services.NOTICE_OBJECTION).values_list(
            "recipient_id", flat=True
        )
    ) == {chief.pk, town_admin.pk}
    bad = public.post(
        notice_url(evaluation),
        {"selection": chosen.pk, "reason": "x", "contact_name": "李某", "contact_phone": "12345"},
    )
    assert bad.status_code == 200 and Objection.objects.count() == 1

    # Not final before the end, nor with an objection unanswered.
    with pytest.raises(ValidationError, match="until"):
        decisions.finalise(evaluation, actor=chief)
    with _later(8):
        with pytest.raises(ValidationError, match="not answered"):
            decisions.finalise(evaluation, actor=chief)
        # Once the notice ended, objections are refused and nothing is kept.
        with pytest.raises(ValidationError, match="ended"):
            decisions.submit_objection(
                selection_id=chosen.pk,
                reason="太晚了",
                contact_name="王某",
                contact_phone="13912345678",
            )
        late = public.post(
            notice_url(evaluation),
            {
                "selection": chosen.pk,
                "reason": "x",
                "contact_name": "王某",
                "contact_phone": "13912345678",
            },
        )
        assert late.status_code == 200 and Objection.objects.count() == 1
        decisions.answer_objection(
            actor=chief, objection_id=objection.pk, answer="经核实属实", upheld=True
        )
        pioneer.refresh_from_db()
        assert pioneer.status == SelectionStatus.WITHDRAWN
        with pytest.raises(ValidationError, match="already answered"):
            decisions.answer_objection(
                actor=chief, objection_id=objection.pk, answer="再答", upheld=False
            )
        result = decisions.finalise(evaluation, actor=chief)

    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.FINAL and evaluation.finalised_at
    # 200 paid from the town's fund; the withdrawn pioneer is not paid; the grid has no
    # reward set.
    assert result == {"paid": 1, "short": 0}
    town_fund.refresh_from_db()
    assert town_fund.balance == Decimal("50")
    assert FundMovement.objects.get(selection=chosen).amount == Decimal("200")
    assert not FundMovement.objects.filter(selection=pioneer).exists()
    assert Notification.objects.filter(kind=services.NOTICE_FINAL, recipient=chief).exists()
    for action in ("close", "publish", "finalise"):
        assert AuditEntry.objects.filter(action=f"points.evaluation.{action}").exists()

    # The honour list: full names in scope, masked on the public page.
    client = Client()
    client.force_login(worker)
    assert "张三丰" in client.get(reverse("points:honours")).content.decode()
    body = public.get(reverse("points-public:honours")).content.decode()
    assert "张*丰" in body and "张三丰" not in body


def test_a_fund_short_leaves_a_selection_unpaid(month, board, chief, town_admin, county_admin):
    quotas(2)
    AwardSetting.objects.create(kind=AwardKind.MODEL_VILLAGER, amount=Decimal("100"))
    town_fund = funds.create_fund(actor=town_admin, area_code=TOWN, name="镇基金")
    funds.add_budget(actor=town_admin, fund_id=town_fund.pk, amount="60")
    county_fund = funds.create_fund(actor=county_admin, area_code=COUNTY, name="县基金")
    funds.add_budget(actor=county_admin, fund_id=county_fund.pk, amount="150")
    evaluation = services.close_month(chief, VILLAGE, month["month"])
    for home in month["households"][:2]:
        decisions.select(
            actor=chief,
            evaluation_id=evaluation.pk,
            kind=AwardKind.MODEL_VILLAGER,
            subject=home.pk,
            reason="好",
        )
    decisions.publish(actor=chief, evaluation_id=evaluation.pk)
    with _later(8):
        result = decisions.finalise(evaluation)
    # The town's 60 covers neither: the county pays one, the second stays unpaid.
    assert result == {"paid": 1, "short": 1}
    town_fund.refresh_from_db()
    county_fund.refresh_from_db()
    assert (town_fund.balance, county_fund.balance) == (Decimal("60"), Decimal("50"))
    assert Fund.objects.filter(balance__lt=0).count() == 0
    client = Client()
    client.force_login(chief)
    url = month_url(month["month"])
    assert 'id="evaluation-unpaid"' in client.get(url).content.decode()
    # Budget added: paid later.
    funds.add_budget(actor=town_admin, fund_id=town_fund.pk, amount="100")
    response = client.post(url, {"action": "pay"})
    assert response.status_code == 302
    assert FundMovement.objects.filter(kind="payment").count() == 2
    town_fund.refresh_from_db()
    assert town_fund.balance == Decimal("60")
    assert decisions.pay_unpaid(actor=chief, evaluation_id=evaluation.pk) == {"paid": 0, "short": 0}


def test_closing_is_refused_with_pending_entries_twice_or_too_early(month, board, chief):
    item = month["items"][ListKind.HOUSEHOLD]
    entry(item, month["month"], 3, household=month["households"][0], status=EntryStatus.PENDING)
    with pytest.raises(ValidationError, match="1 entries") as refused:
        services.close_month(chief, VILLAGE, month["month"])
    assert "await approval" in str(refused.value) or "审核" in str(refused.value)
    assert not Evaluation.objects.exists()
    client = Client()
    client.force_login(chief)
    url = month_url(month["month"])
    assert 'id="evaluation-pending"' in client.get(url).content.decode()
    client.post(url, {"action": "close"})
    assert not Evaluation.objects.exists()

    from yiwang.points.models import Entry

    Entry.objects.filter(status=EntryStatus.PENDING).update(status=EntryStatus.REJECTED)
    services.close_month(chief, VILLAGE, month["month"])
    with pytest.raises(ValidationError, match="already closed"):
        services.close_month(chief, VILLAGE, month["month"])
    this_month = timezone.localdate().replace(day=1)
    with pytest.raises(ValidationError, match="not ended"):
        services.close_month(chief, VILLAGE, this_month)
    assert Evaluation.objects.count() == 1


def test_close_months_gives_the_standings_of_close_month(tree, chief, county_admin):
    first = last_month()
    build_village(VILLAGE, [UNIT, UNIT2, GRID2_UNIT], chief, first)
    build_village(OTHER_VILLAGE, [OTHER_UNIT], chief, first, tag="外")
    # Another month's and a rejected entry count for nothing.
    single = {}
    for code in (VILLAGE, OTHER_VILLAGE):
        single[code] = services.close_month(None, code, first).standings
    Evaluation.objects.all().delete()
    counts = services.close_months(first, COUNTY, actor=county_admin)
    villages = Evaluation.objects.filter(month=first)
    assert counts["closed"] == villages.count() and counts["closed"] > 2
    for code in (VILLAGE, OTHER_VILLAGE):
        assert villages.get(area_code=code).standings == single[code]
    # A village without entries has empty standings; a second run closes nothing.
    assert villages.exclude(area_code__in=[VILLAGE, OTHER_VILLAGE]).first().standings == {
        "party_members": [],
        "households": [],
        "grids": [],
    }
    assert services.close_months(first, COUNTY)["closed"] == 0
    assert AuditEntry.objects.filter(action="points.evaluation.close").count() >= counts["closed"]


def test_close_months_skips_villages_with_pending_entries(tree, chief):
    first = last_month()
    rows = build_village(VILLAGE, [UNIT], chief, first)
    entry(
        rows["items"][ListKind.HOUSEHOLD],
        first,
        2,
        household=rows["households"][0],
        status=EntryStatus.PENDING,
    )
    counts = services.close_months(first, TOWN)
    assert counts["pending"] == 1
    assert not Evaluation.objects.filter(area_code=VILLAGE).exists()
    assert Evaluation.objects.filter(month=first).count() == counts["closed"]


def test_standings_hidden_from_a_non_member(month, board, chief, worker, county_admin):
    evaluation = services.close_month(chief, VILLAGE, month["month"])
    url = month_url(month["month"])
    client = Client()
    client.force_login(county_admin)  # in scope, not on the board
    body = client.get(url).content.decode()
    assert 'id="standings-hidden"' in body and "李四光" not in body
    api = client.get(reverse("api:points-evaluation-detail", args=[evaluation.pk])).json()
    assert api["standings"] is None
    client.force_login(chief)
    body = client.get(url).content.decode()
    assert "李四光" in body
    api = client.get(reverse("api:points-evaluation-detail", args=[evaluation.pk])).json()
    assert api["standings"]["households"]
    # The county's switch shows them to those in scope.
    PointsSettings.objects.create(pk=1, show_rankings=True)
    client.force_login(county_admin)
    assert "李四光" in client.get(url).content.decode()
    # A worker of one unit does not see the village's evaluation at all.
    client.force_login(worker)
    assert client.get(url).status_code == 404
    # The public pages never show an open evaluation nor standings.
    assert Client().get(notice_url(evaluation)).status_code == 404


def test_board_quota_and_fund_keepers(tree, chief, worker, town_admin, county_admin, outsider):
    # The chief keeps the board of the village; a worker does not; the outsider is out.
    from django.http import Http404

    services.add_board_member(actor=chief, village_code=VILLAGE, user_id=town_admin.pk)
    # Members hold a post on the village or above: not a unit's worker, not an outsider.
    for person in (worker, outsider):
        with pytest.raises(ValidationError, match="post on this village"):
            services.add_board_member(actor=chief, village_code=VILLAGE, user_id=person.pk)
    for person in (worker, outsider):
        with pytest.raises(Http404):
            services.add_board_member(actor=person, village_code=VILLAGE, user_id=chief.pk)
    # Quotas: the town's applies before the county's.
    services.set_quota(
        actor=county_admin, area_code=COUNTY, kind=AwardKind.RED_PIONEER, per_village=3
    )
    assert services.quota_for(VILLAGE, AwardKind.RED_PIONEER) == 3
    services.set_quota(actor=town_admin, area_code=TOWN, kind=AwardKind.RED_PIONEER, per_village=1)
    assert services.quota_for(VILLAGE, AwardKind.RED_PIONEER) == 1
    assert services.quota_for(OTHER_VILLAGE, AwardKind.RED_PIONEER) == 3
    with pytest.raises(Http404):
        services.set_quota(actor=town_admin, area_code=COUNTY, kind="red_pioneer", per_village=9)
    with pytest.raises(PermissionDenied):
        services.set_award_amount(actor=town_admin, kind="red_pioneer", amount="10")
    with pytest.raises(ValidationError):
        services.set_award_amount(actor=county_admin, kind="red_pioneer", amount="-1")
    # Funds: a budget by the town admin; a bad amount changes nothing.
    fund = funds.create_fund(actor=town_admin, area_code=TOWN, name="镇基金")
    with pytest.raises(ValidationError):
        funds.add_budget(actor=town_admin, fund_id=fund.pk, amount="abc")
    with pytest.raises(Http404):
        funds.add_budget(actor=chief, fund_id=fund.pk, amount="5")
    assert Fund.objects.get().balance == 0


@pytest.mark.parametrize("persona", ["county", "town", "chief", "worker", "outsider"])
def test_every_persona_sees_only_its_scope(personas, persona, chief):
    """The own village's evaluation is seen by those over it; the pages answer."""
    first = last_month()
    build_village(VILLAGE, [UNIT], chief, first)
    evaluation = services.close_month(None, VILLAGE, first)
    client = Client()
    client.force_login(personas[persona])
    # The evaluation is the village's: seen from the village and above it.
    sees = persona in ("county", "town", "chief")
    page_url = month_url(first)
    assert client.get(page_url).status_code == (200 if sees else 404)
    detail = client.get(reverse("api:points-evaluation-detail", args=[evaluation.pk]))
    assert detail.status_code == (200 if sees else 404)
    ids = [r["id"] for r in client.get(reverse("api:points-evaluation-list")).json()["results"]]
    assert (evaluation.pk in ids) == sees
    for name in ("points:evaluations", "points:honours", "points:funds"):
        assert client.get(reverse(name)).status_code == 200
    settings_status = client.get(reverse("points:evaluation-settings")).status_code
    assert settings_status == (200 if persona in ("county", "town") else 403)
    board_status = client.get(reverse("points:evaluation-board", args=[VILLAGE])).status_code
    assert board_status == (200 if sees else 404)
    # Closing again is refused to all; closing is not for a worker off the board.
    response = client.post(page_url, {"action": "close"})
    assert response.status_code in (302, 404)
    assert Evaluation.objects.count() == 1


def test_the_hourly_sweep_finalises_due_evaluations_and_tells_the_chair(month, board, chief):
    quotas(2)
    evaluation = services.close_month(chief, VILLAGE, month["month"])
    homes = month["households"]
    chosen = [
        decisions.select(
            actor=chief,
            evaluation_id=evaluation.pk,
            kind=AwardKind.MODEL_VILLAGER,
            subject=home.pk,
            reason="好",
        )
        for home in homes[:2]
    ]
    decisions.publish(actor=chief, evaluation_id=evaluation.pk)
    objection = decisions.submit_objection(
        selection_id=chosen[0].pk, reason="不实", contact_name="李某", contact_phone="13812345678"
    )
    assert decisions.finalise_due() == {"final": 0, "waiting": 0}  # the notice runs
    with _later(8):
        # An objection waits: the chair is told once, nothing is final.
        assert decisions.finalise_due() == {"final": 0, "waiting": 1}
        assert decisions.finalise_due() == {"final": 0, "waiting": 1}
        told = Notification.objects.filter(kind=services.NOTICE_ENDED)
        assert list(told.values_list("recipient_id", flat=True)) == [chief.pk]
        decisions.answer_objection(
            actor=chief, objection_id=objection.pk, answer="不成立", upheld=False
        )
        assert decisions.finalise_due() == {"final": 1, "waiting": 0}
        assert decisions.finalise_due() == {"final": 0, "waiting": 0}
    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.FINAL


def test_the_first_of_the_month_closes_the_month_just_ended(month):
    from yiwang.points import tasks

    today = timezone.localdate()
    counts = services.close_ended_month(today)
    assert counts["closed"] > 0 and counts["pending"] == 0
    assert Evaluation.objects.get(area_code=VILLAGE).month == month["month"]
    assert services.close_ended_month(today)["closed"] == 0
    assert tasks.finalise_due_evaluations.call_local() == {"final": 0, "waiting": 0}


def test_the_public_objection_form_holds_back_robots_and_floods(month, board, chief, settings):
    quotas(1)
    evaluation = services.close_month(chief, VILLAGE, month["month"])
    chosen = decisions.select(
        actor=chief,
        evaluation_id=evaluation.pk,
        kind=AwardKind.MODEL_VILLAGER,
        subject=month["households"][0].pk,
        reason="好",
    )
    decisions.publish(actor=chief, evaluation_id=evaluation.pk)
    settings.POINTS_PUBLIC_OBJECTION_LIMIT = (2, 600)
    public = Client()
    data = {"selection": chosen.pk, "reason": "不实", "contact_name": "李某"}
    # A robot fills the hidden field: thanked, nothing kept.
    robot = public.post(
        notice_url(evaluation), {**data, "contact_phone": "13812345678", "website": "x"}
    )
    assert robot.status_code == 302 and not Objection.objects.exists()
    assert (
        public.post(notice_url(evaluation), {**data, "contact_phone": "13812345678"}).status_code
        == 302
    )
    # Past the limit: 429, nothing kept.
    flood = public.post(notice_url(evaluation), {**data, "contact_phone": "13912345678"})
    assert flood.status_code == 429 and Objection.objects.count() == 1


def test_the_api_answers_only_for_the_board(month, board, chief, county_admin):
    quotas(1)
    evaluation = services.close_month(chief, VILLAGE, month["month"])
    chosen = decisions.select(
        actor=chief,
        evaluation_id=evaluation.pk,
        kind=AwardKind.MODEL_VILLAGER,
        subject=month["households"][0].pk,
        reason="好",
    )
    decisions.publish(actor=chief, evaluation_id=evaluation.pk)
    objection = decisions.submit_objection(
        selection_id=chosen.pk, reason="不实", contact_name="李某", contact_phone="13812345678"
    )
    client = Client()
    client.force_login(county_admin)  # in scope, not on the board
    url = reverse("api:points-objection-answer", args=[objection.pk])
    body = {"answer": "属实", "upheld": True}
    assert client.post(url, body, content_type="application/json").status_code == 403
    listed = client.get(reverse("api:points-objection-list")).json()["results"]
    assert listed[0]["contact_phone"] is None  # who objected: the board's only
    assert client.post(url, {"answer": ""}, content_type="application/json").status_code == 400
    client.force_login(chief)
    answered = client.post(url, body, content_type="application/json")
    assert answered.status_code == 200 and answered.json()["upheld"] is True
    chosen.refresh_from_db()
    assert chosen.status == SelectionStatus.WITHDRAWN
    again = client.post(url, body, content_type="application/json")
    assert again.status_code == 400


@pytest.mark.django_db(transaction=True)
def test_two_payments_racing_never_take_a_fund_below_zero(tree, chief):
    """Two rewards of 100 paid at once from a fund of 150: one is paid, the other finds
    the fund short (the conditional UPDATE), and the balance stays at 50."""
    import threading

    from django.db import connection, transaction

    quotas(2)
    first = last_month()
    rows = build_village(VILLAGE, [UNIT, UNIT2], chief, first)
    AwardSetting.objects.create(kind=AwardKind.MODEL_VILLAGER, amount=Decimal("100"))
    fund = funds.create_fund(actor=None, area_code=TOWN, name="镇基金")
    funds.add_budget(actor=None, fund_id=fund.pk, amount="150")
    evaluation = services.close_month(None, VILLAGE, first)
    chosen = [
        decisions.select(
            actor=None,
            evaluation_id=evaluation.pk,
            kind=AwardKind.MODEL_VILLAGER,
            subject=home.pk,
            reason="好",
        )
        for home in rows["households"]
    ]
    outcomes = []

    def pay(selection, barrier=None):
        try:
            if barrier is not None:
                barrier.wait()
            with transaction.atomic():
                outcomes.append(funds.pay_selection(selection))
        finally:
            if barrier is not None:
                connection.close()

    if connection.vendor == "postgresql":
        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=pay, args=(s, barrier)) for s in chosen]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    else:  # SQLite takes one writer at a time: the same two payments, one after the other
        for selection in chosen:
            pay(selection)
    assert sorted(outcomes) == ["paid", "short"]
    fund.refresh_from_db()
    assert fund.balance == Decimal("50")
    assert FundMovement.objects.filter(kind="payment").count() == 1
