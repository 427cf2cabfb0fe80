"""The cases' gauge in Prometheus's scrape (yiwang.core.metrics): the open cases past the
due time of their current stage, counted when Prometheus asks."""

import datetime

import time_machine
from django.utils import timezone

from yiwang.cases.selectors import rates
from yiwang.cases.services import ACTIONS
from yiwang.core.tests.test_metrics import scrape

OVERDUE = ("yiwang_cases_overdue", ())


def test_the_gauge_counts_the_open_cases_past_due(make_case):
    start = timezone.now()
    before = scrape()[OVERDUE]
    late = make_case()  # reported now: to be accepted within hours
    parked = make_case(stage="accepted")
    with time_machine.travel(start + datetime.timedelta(days=3), tick=False):
        ACTIONS["park"](
            actor=None,
            case_id=parked.pk,
            review_on=timezone.localdate() + datetime.timedelta(days=30),
            reason="长期",
        )
        make_case()  # reported three days on: not due yet
        closed = make_case()
        ACTIONS["reject"](actor=None, case_id=closed.pk, reason="重复")
        found = scrape()[OVERDUE]
        assert found == before + 1 == rates.overdue_count()
        assert late.pk in set(rates.overdue_in(late.area_code[:6]).values_list("pk", flat=True))
