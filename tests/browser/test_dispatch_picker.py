"""Dispatch by name in Chromium, on 360×640 phones: the village's chief finds the grid with
the area picker (pinyin initials by keyboard, then a walk down the tree by touch), sends
the case to the grid's worker chosen by name, without typing a code; the worker sees the
badge and the case in their inbox. No console error, no CSP violation."""

import pytest
from playwright.sync_api import expect

from conftest import GRID, VILLAGE
from yiwang.cases import services

from .conftest import assert_clean, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 640}


def test_the_chief_dispatches_to_a_named_worker_who_sees_it_on_the_phone(
    live_server, open_page, console, chief, worker
):
    base = live_server.url
    case = services.record_hotline_call(
        actor=None, category="sanitation", text="村口垃圾桶满了，请清运", village_code=VILLAGE
    )
    services.accept(actor=None, case_id=case.pk)

    chief_page = open_page(viewport=PHONE, is_mobile=True, has_touch=True)
    log_in(chief_page, base, "chief")
    chief_page.goto(f"{base}/cases/{case.pk}/")
    chief_page.locator("#case-actions a", has_text="派遣").tap()
    expect(chief_page).to_have_url(f"{base}/cases/{case.pk}/dispatch/")
    search = chief_page.locator("#id_area_code")

    # By keyboard: the grid's pinyin initials (第一网格 → dywg) find only the chief's
    # village's grid, not the other village's of the same name; Enter goes to the result
    # and Enter again chooses it.
    expect(chief_page.locator("[data-area-picker][data-picker-ready]")).to_have_count(1)
    search.press_sequentially("dywg")
    choices = chief_page.locator("[data-picker-results] [data-picker-choose]")
    expect(choices).to_have_count(1)
    expect(choices.first).to_contain_text("第一网格")
    search.press("Enter")
    expect(choices.first).to_be_focused()
    chief_page.keyboard.press("Enter")
    expect(chief_page.locator("[data-picker-label]")).to_contain_text("第一网格")
    chief_page.locator("[data-picker-clear]").tap()
    expect(chief_page.locator("[data-picker-chosen]")).to_be_hidden()

    # By touch: walk the tree from the chief's village to its grids, the path above them.
    chief_page.locator("[data-picker-browse]").tap()
    chief_page.locator(f'[data-picker-open="{VILLAGE}"]').tap()
    expect(chief_page.locator("[data-picker-results] .breadcrumb")).to_contain_text("南门社区")
    chief_page.locator(f'[data-picker-choose="{GRID}"]').tap()
    expect(chief_page.locator("[data-picker-chosen]")).to_be_visible()
    expect(chief_page.locator("[data-picker-label]")).to_contain_text("第一网格")
    expect(chief_page.locator("[data-picker-label]")).to_contain_text("二级网格")
    assert chief_page.locator("input[name=area_code]").input_value() == GRID
    assert chief_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The worker by name, shown with their post.
    chief_page.locator("#id_worker").select_option(label="worker · 网格员 · 第1单元")
    chief_page.locator("#action-form button[type=submit]").tap()
    expect(chief_page).to_have_url(f"{base}/cases/{case.pk}/")
    expect(chief_page.locator("#case-status")).to_have_text("已派遣")
    expect(chief_page.locator("#case-assignee-user")).to_have_text("worker")
    expect(chief_page.locator("#case-assignee")).to_contain_text("第1单元")
    assert_clean(chief_page, console)

    phone = open_page(viewport=PHONE, is_mobile=True, has_touch=True)
    log_in(phone, base, "worker")
    # The phone's tab bar carries the badge; its inbox tab lists the dispatch.
    badge = phone.locator("#tab-bar [data-tab='notices.inbox'] [data-tab-badge]")
    expect(badge).to_be_visible()
    expect(badge).to_contain_text("1")
    phone.locator("#tab-bar [data-tab='notices.inbox']").tap()
    notice = phone.locator("#inbox-list li").first
    expect(notice).to_contain_text(case.number)
    expect(notice).to_contain_text("已派给您")
    # Nothing wider than the phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_clean(phone, console)
