"""The ledger in Chromium: import an XLSX through the page (preview, confirm), download
the rejected rows, search by pinyin initials, open a household."""

import io
import re

import openpyxl
import pytest
from playwright.sync_api import expect

from conftest import UNIT, VILLAGE
from yiwang.registry.tests.conftest import make_id

from .test_tree_browser import _assert_clean, _log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADERS = [
    "户编号",
    "单元网格编码",
    "姓名",
    "公民身份号码",
    "与户主关系",
    "性别",
    "出生日期",
    "联系电话",
    "现住址",
    "人员标签",
    "户类别",
]


def _workbook(path):
    valid = make_id("19800303", "035")
    rows = [
        [
            "201",
            UNIT,
            "周建华",
            make_id("19650505", "017"),
            "户主",
            "",
            "",
            "13905371234",
            "南门街12号",
            "独居老人",
            "",
        ],
        [
            "202",
            UNIT,
            "吴桂芳",
            make_id("19580808", "028"),
            "户主",
            "",
            "",
            "",
            "南门街14号",
            "低保",
            "",
        ],
        [
            "203",
            UNIT,
            "郑错号",
            valid[:-1] + ("1" if valid.endswith("0") else "0"),
            "户主",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
    ]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    for cell in sheet["D"]:
        cell.number_format = "@"
    book.save(path)


def test_a_chief_imports_searches_and_opens_a_household(
    live_server, page, console, chief, tmp_path
):
    workbook = tmp_path / "ledger.xlsx"
    _workbook(workbook)
    base = live_server.url

    _log_in(page, base, "chief")
    expect(page).to_have_url(f"{base}/areas/{VILLAGE}/")
    page.goto(f"{base}/ledger/")
    page.locator("a[href='/ledger/import/']").click()
    page.set_input_files("#id_file", str(workbook))
    page.locator("#ledger-import-form button[type=submit]").click()

    # The preview: two households would go in, one is rejected with its row.
    expect(page.locator("#import-state")).to_have_text(re.compile("部分"))
    expect(page.locator("#import-counts")).to_be_visible()
    expect(page.locator("#import-errors")).to_contain_text("第 4 行")
    with page.expect_download() as download:
        page.locator("#import-error-file").click()
    rejected = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    assert [c.value for c in rejected[2]][2] == "郑错号"

    page.locator("#import-commit button").click()
    expect(page.locator("#import-state")).to_have_text(re.compile("部分"))
    expect(page.locator("#import-progress")).to_have_count(0)  # finished: no progress bar left
    _assert_clean(page, console)

    page.goto(f"{base}/ledger/")
    page.fill("#id_search", "zjh")
    page.locator("#ledger-search button[type=submit]").click()
    rows = page.locator("#resident-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("周建华")
    expect(rows.first).not_to_contain_text("13905371234")

    rows.first.locator("a", has_text="201").click()
    expect(page.locator("#household-title")).to_contain_text("201")
    expect(page.locator("#members")).to_contain_text("周建华")
    _assert_clean(page, console)
