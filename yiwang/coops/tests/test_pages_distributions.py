"""The year's distribution pages: the accountant runs a draft (each step shown, the lines
and the reserve adding up to the surplus), the chair approves it behind a confirmation
and then it is final; the keeper reads; anyone else is refused (404 outside the scope,
403 without the seat). Each bad input gets its own message with the input kept, and
nothing changes. A member's statement as a page and as a PDF."""

import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from conftest import OTHER_VILLAGE, VILLAGE
from yiwang.coops import statement_pdf
from yiwang.coops.models import Distribution, DistributionStatus
from yiwang.coops.services import coops as coop_services
from yiwang.coops.services import distributions as services
from yiwang.coops.services import members as member_services
from yiwang.coops.tests.builders import client_of
from yiwang.coops.tests.distribution_rows import SURPLUS, YEAR, cooperative, state
from yiwang.core.audit import AuditEntry

pytestmark = pytest.mark.django_db


def zh(message: str, **values) -> str:
    """The message as the page shows it in Chinese (escaped as in HTML)."""
    with translation.override("zh-hans"):
        text = gettext(message)
    return escape(text % values if values else text)


@pytest.fixture
def rows(tree):
    return cooperative()


@pytest.fixture
def foreign(tree):
    return cooperative(OTHER_VILLAGE, name="外镇合作社", prefix="far")


def _run(rows, surplus=SURPLUS, year=YEAR):
    return services.run_distribution(
        actor=rows["accountant"], cooperative_id=rows["coop"].pk, year=year, surplus=surplus
    )


def test_the_accountant_runs_a_draft_and_sees_every_step(rows):
    coop = rows["coop"]
    client = client_of(rows["accountant"])
    listing = client.get(reverse("coops:distributions", args=[coop.pk]))
    assert listing.status_code == 200
    run_url = reverse("coops:distribution-run", args=[coop.pk])
    assert f'href="{run_url}"' in listing.content.decode()
    form = client.get(run_url)
    assert form.status_code == 200 and 'id="art44-warning"' not in form.content.decode()

    response = client.post(run_url, {"year": str(YEAR), "surplus": "1,180,000.00"})
    run = Distribution.objects.get(cooperative=coop)
    assert response.status_code == 302
    assert response["Location"] == reverse("coops:distribution", args=[run.pk])
    assert (run.status, run.surplus, run.created_by) == (
        DistributionStatus.DRAFT,
        Decimal(SURPLUS),
        rows["accountant"],
    )

    body = client.get(response["Location"]).content.decode()
    for figure in ("1,180,000.00", "118,000.00", "1,062,000.00", "637,200.00", "424,800.00"):
        assert figure in body, figure
    for step in run.step_texts:  # every stored step, the rounding's explanation among them
        assert escape(step) in body
    assert len(run.steps) == 8
    # The lines, then the lines and the reserve: the surplus, exactly.
    assert 'id="run-lines-total">1,062,000.00<' in body
    assert 'id="run-check-total">1,180,000.00<' in body and 'data-adds-up="1"' in body
    for name, total in (("王一", "133,508.57"), ("李二", "267,017.14"), ("赵三", "406,594.29")):
        assert name in body and total in body
    # The accountant does not approve; the draft awaits the chair.
    assert 'id="approve-form"' not in body and 'id="run-awaiting"' in body
    assert reverse("coops:distribution-approve", args=[run.pk]) not in body
    statement = reverse("coops:statement", args=[run.pk, rows["members"][1].pk])
    assert f'href="{statement}"' in body
    listing = client.get(reverse("coops:distributions", args=[coop.pk])).content.decode()
    assert f'id="distribution-{run.pk}" data-status="draft"' in listing


BAD = [
    ("negative", {"surplus": "-1.00"}, "surplus", "The number cannot be negative.", {}),
    ("not a number", {"surplus": "一百万"}, "surplus", "Enter a number.", {}),
    (
        "part of a fen",
        {"surplus": "1000.005"},
        "surplus",
        "The surplus must be given in yuan to the fen.",
        {},
    ),
    (
        "too large",
        {"surplus": "1000000000000"},
        "surplus",
        "The surplus is at most 999,999,999,999.99 yuan.",
        {},
    ),
    ("no year", {"year": "明年"}, "year", "Enter a year.", {}),
    (
        "no trading in the statutory mode",
        {"year": "2024"},
        None,
        "No trading with the cooperative is recorded for the year: the statutory mode "
        "shares at least 60% by trading. Record the year's trading first.",
        {},
    ),
]


@pytest.mark.parametrize("data,field,message,values", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_each_bad_input_has_its_message_and_nothing_changes(rows, data, field, message, values):
    coop = rows["coop"]
    before = state(coop)
    audit = AuditEntry.objects.count()
    sent = {"year": str(YEAR), "surplus": "1000.00", **data}
    response = client_of(rows["accountant"]).post(
        reverse("coops:distribution-run", args=[coop.pk]), sent
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert zh(message, **values) in body
    if field:
        assert f'id="id_{field}_errors"' in body
    else:
        assert 'class="alert alert-danger"' in body
    for value in sent.values():  # the input is kept
        assert f'value="{escape(value)}"' in body
    assert state(coop) == before and AuditEntry.objects.count() == audit


def test_the_chair_approves_behind_a_confirmation_then_it_is_unchangeable(rows):
    coop, chair = rows["coop"], rows["chair"]
    run = _run(rows)
    client = client_of(chair)
    url = reverse("coops:distribution", args=[run.pk])
    body = client.get(url).content.decode()
    approve = reverse("coops:distribution-approve", args=[run.pk])
    # The button opens the confirmation; the form's button confirms.
    assert '<details class="card card-body mb-3" id="approve">' in body
    assert f'action="{approve}"' in body and 'id="approve-confirm"' in body
    assert client.get(approve).status_code == 405  # approving is a POST

    response = client.post(approve)
    assert response.status_code == 302 and response["Location"] == url
    run.refresh_from_db()
    assert (run.status, run.approved_by) == (DistributionStatus.FINAL, chair)
    body = client.get(url).content.decode()
    assert 'data-status="final"' in body and 'id="approve-form"' not in body
    assert chair.username in body  # approved by, and when
    assert run.approved_at.astimezone().strftime("%Y-%m-%d %H:%M") in body

    before = state(coop)
    again = client.post(approve)
    assert again.status_code == 400
    assert zh("This distribution is already approved.") in again.content.decode()
    rerun = client_of(rows["accountant"]).post(
        reverse("coops:distribution-run", args=[coop.pk]),
        {"year": str(YEAR), "surplus": "5.00"},
    )
    assert rerun.status_code == 400
    assert zh("The distribution of %(year)d is final and cannot be changed.", year=YEAR) in (
        rerun.content.decode()
    )
    assert state(coop) == before


def test_a_second_final_for_a_year_is_refused(rows):
    """Two drafts of one year cannot both be approved (the second refused, nothing
    changed); the page says why."""
    coop, chair = rows["coop"], rows["chair"]
    first = _run(rows)
    coop_services.set_charter(actor=None, cooperative_id=coop.pk, mode="by_shares")
    other = _run(rows, year=2024, surplus="10.00")
    Distribution.objects.filter(pk=other.pk).update(year=YEAR)  # as if run in a race
    client = client_of(chair)
    assert client.post(reverse("coops:distribution-approve", args=[first.pk])).status_code == 302
    before = state(coop)
    response = client.post(reverse("coops:distribution-approve", args=[other.pk]))
    assert response.status_code == 400
    assert zh("The distribution of %(year)d is already final.", year=YEAR) in (
        response.content.decode()
    )
    assert state(coop) == before


def test_the_accountant_may_not_approve_nor_the_chair_run(rows):
    coop = rows["coop"]
    run = _run(rows)
    before = state(coop)
    accountant, chair = client_of(rows["accountant"]), client_of(rows["chair"])
    assert accountant.post(reverse("coops:distribution-approve", args=[run.pk])).status_code == 403
    run_url = reverse("coops:distribution-run", args=[coop.pk])
    assert chair.get(run_url).status_code == 403
    assert chair.post(run_url, {"year": str(YEAR), "surplus": "1.00"}).status_code == 403
    listing = chair.get(reverse("coops:distributions", args=[coop.pk])).content.decode()
    assert f'href="{run_url}"' not in listing
    assert state(coop) == before


def test_a_newer_draft_replaces_the_older(rows):
    first, second = _run(rows, surplus="1000.00"), _run(rows, surplus="2000.00")
    client = client_of(rows["chair"])
    assert client.get(reverse("coops:distribution", args=[first.pk])).status_code == 404
    assert client.get(reverse("coops:distribution", args=[second.pk])).status_code == 200
    listing = client.get(reverse("coops:distributions", args=[rows["coop"].pk])).content.decode()
    assert f'id="distribution-{second.pk}"' in listing
    assert f'id="distribution-{first.pk}"' not in listing


def test_the_keeper_reads_and_neither_runs_nor_approves(rows, chief, town_admin):
    coop = rows["coop"]
    run = _run(rows)
    member = rows["members"][1]
    before = state(coop)
    for keeper in (chief, town_admin):
        client = client_of(keeper)
        for url in (
            reverse("coops:distributions", args=[coop.pk]),
            reverse("coops:distribution", args=[run.pk]),
            reverse("coops:statement", args=[run.pk, member.pk]),
        ):
            response = client.get(url)
            assert response.status_code == 200, url
            assert 'id="approve-form"' not in response.content.decode()
        run_url = reverse("coops:distribution-run", args=[coop.pk])
        assert client.get(run_url).status_code == 403
        assert client.post(run_url, {"year": str(YEAR), "surplus": "1.00"}).status_code == 403
        assert client.post(reverse("coops:distribution-approve", args=[run.pk])).status_code == 403
    assert state(coop) == before


def test_those_who_do_not_read_the_cooperative_are_not_told_it_exists(
    rows, foreign, outsider, worker
):
    coop = rows["coop"]
    run = _run(rows)
    member = rows["members"][1]
    before = state(coop)
    urls = [
        reverse("coops:distributions", args=[coop.pk]),
        reverse("coops:distribution-run", args=[coop.pk]),
        reverse("coops:distribution", args=[run.pk]),
        reverse("coops:statement", args=[run.pk, member.pk]),
        reverse("coops:statement-pdf", args=[run.pk, member.pk]),
    ]
    # The other village's accountant and chair sit on another board.
    for user in (outsider, worker, foreign["accountant"], foreign["chair"]):
        client = client_of(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
        assert client.post(urls[1], {"year": str(YEAR), "surplus": "1.00"}).status_code == 404
        approve = reverse("coops:distribution-approve", args=[run.pk])
        assert client.post(approve).status_code == 404
    assert state(coop) == before


def test_by_shares_the_form_and_the_run_warn_of_art44(rows):
    coop = rows["coop"]
    coop_services.set_charter(actor=None, cooperative_id=coop.pk, mode="by_shares")
    client = client_of(rows["accountant"])
    run_url = reverse("coops:distribution-run", args=[coop.pk])
    assert 'id="art44-warning"' in client.get(run_url).content.decode()
    response = client.post(run_url, {"year": "2024", "surplus": "1000.01"})  # no trading needed
    assert response.status_code == 302
    run = Distribution.objects.get(cooperative=coop, year=2024)
    body = client.get(response["Location"]).content.decode()
    assert 'id="art44-warning"' in body and 'id="run-trading-pool"' not in body
    assert 'id="run-shares-pool">900.01<' in body
    assert 'id="run-check-total">1,000.01<' in body and 'data-adds-up="1"' in body
    assert run.mode == "by_shares"
    listing = client.get(reverse("coops:distributions", args=[coop.pk])).content.decode()
    assert 'id="art44-warning"' in listing


def test_a_members_statement_page_and_pdf(rows, chief):
    run = _run(rows)
    member = rows["members"][1]  # 王一: 10,000 shares, 100 yuan of 700 traded
    client = client_of(chief)
    response = client.get(reverse("coops:statement", args=[run.pk, member.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    for shown in (
        rows["coop"].name,
        str(YEAR),
        "王一",
        "10,000",
        "100,000",
        "10.00%",
        "100.00",
        "700.00",
        "14.29%",
        "91,028.57",
        "42,480.00",
        "133,508.57",
    ):
        assert shown in body, shown
    assert 'id="statement-draft"' in body
    pdf_url = reverse("coops:statement-pdf", args=[run.pk, member.pk])
    assert f'href="{pdf_url}"' in body

    pdf = client.get(pdf_url)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and "no-store" in pdf["Cache-Control"]
    text = subprocess.run(
        ["/usr/bin/pdftotext", "-layout", "-", "-"],
        input=pdf.content,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for shown in ("王一", rows["coop"].name, "133,508.57", "91,028.57", "14.29%"):
        assert shown in text, shown

    # A member with no line in the run has no statement of it.
    late = member_services.add_member(
        actor=None,
        cooperative_id=rows["coop"].pk,
        kind="other",
        name="新社员",
        joined_on=run.created_at.date(),
    )
    assert client.get(reverse("coops:statement", args=[run.pk, late.pk])).status_code == 404
    assert client.get(reverse("coops:statement-pdf", args=[run.pk, late.pk])).status_code == 404


def test_a_board_member_has_the_shortcut_and_others_not(rows, chief):
    accountant = client_of(rows["accountant"])
    mine = reverse("coops:my-coops")
    home = accountant.get(reverse("accounts:home"), follow=True).content.decode()
    assert f'href="{mine}" data-menu-item="coops.mine"' in home
    body = accountant.get(mine).content.decode()
    coop = rows["coop"]
    assert coop.name in body
    assert reverse("coops:distributions", args=[coop.pk]) in body
    assert reverse("coops:distribution-run", args=[coop.pk]) in body
    chair_page = client_of(rows["chair"]).get(mine).content.decode()
    assert reverse("coops:distribution-run", args=[coop.pk]) not in chair_page

    keeper = client_of(chief)
    home = keeper.get(reverse("accounts:home"), follow=True).content.decode()
    assert 'data-menu-item="coops.mine"' not in home
    assert keeper.get(mine).status_code == 403


def test_the_boards_pages_are_in_chinese(rows):
    """The pages only the board sees (tests/test_pages_zh_hans.py walks the personas',
    who hold no seat): no English left on them, the inbox's notice included."""
    from tests.test_pages_zh_hans import _catalogue, english_in

    whole, phrases = _catalogue()
    coop = rows["coop"]
    bad = client_of(rows["accountant"]).post(
        reverse("coops:distribution-run", args=[coop.pk]), {"year": "2024", "surplus": "x"}
    )
    run = _run(rows)
    member = rows["members"][1]
    coop_services.set_charter(actor=None, cooperative_id=coop.pk, mode="by_shares")
    pages = {"run refused": bad}
    for who in ("accountant", "chair"):
        client = client_of(rows[who])
        for name, args in (
            ("coops:my-coops", []),
            ("coops:distributions", [coop.pk]),
            ("coops:distribution-run", [coop.pk]),
            ("coops:distribution", [run.pk]),
            ("coops:statement", [run.pk, member.pk]),
            ("notices:inbox", []),
        ):
            pages[f"{name} as {who}"] = client.get(reverse(name, args=args))
    shown = {key: r for key, r in pages.items() if r.status_code in (200, 400)}
    assert len(shown) == 12  # all but the chair's run form (403)
    found = {key: english_in(r.content.decode(), whole, phrases) for key, r in shown.items()}
    assert {key: strings for key, strings in found.items() if strings} == {}


# --- a run "by shares" beside the statutory split -----------------------------------------


def _by_shares_run(rows):
    coop_services.set_charter(actor=None, cooperative_id=rows["coop"].pk, mode="by_shares")
    return _run(rows)


def _cell(body: str, element_id: str) -> str:
    start = body.index(f'id="{element_id}"')
    return body[body.index(">", start) + 1 : body.index("<", start)]


def test_a_run_by_shares_shows_the_statutory_split_and_the_difference(rows, chief):
    """1,180,000.00 less the reserve (10%) leaves 1,062,000.00, all by shares (60 : 10 :
    20 : 10): 637,200.00 / 106,200.00 / 212,400.00 / 106,200.00. The statutory split: by
    trading 60% = 637,200.00 in 1 : 2 : 4 (91,028.57 / 182,057.14 / 364,114.29, the fen
    left over to 赵三's .57), by shares 424,800.00 (254,880.00 / 42,480.00 / 84,960.00 /
    42,480.00). Statutory − this run: −382,320.00, +27,308.57, +54,617.14, +300,394.29;
    382,320.00 yuan move from the collective to three members."""
    run = _by_shares_run(rows)
    before = state(rows["coop"])
    collective, a, b, c = rows["members"]
    body = client_of(chief).get(reverse("coops:distribution", args=[run.pk])).content.decode()
    expected = {
        collective: ("637,200.00", "254,880.00", "−382,320.00"),
        a: ("106,200.00", "133,508.57", "+27,308.57"),
        b: ("212,400.00", "267,017.14", "+54,617.14"),
        c: ("106,200.00", "406,594.29", "+300,394.29"),
    }
    for member, (actual, statutory, difference) in expected.items():
        assert f">{actual}<" in body.split(f'id="line-{member.pk}"')[1].split("</tr>")[0]
        assert _cell(body, f"statutory-{member.pk}") == statutory, member
        assert _cell(body, f"difference-{member.pk}") == difference, member
    assert _cell(body, "run-statutory-total") == "1,062,000.00"
    assert 'data-moved="382,320.00" data-gain="3" data-lose="1"' in body
    summary = zh(
        "Beside the total of each member, what the statutory mode (60%% by trading, the rest by "
        "shares) would pay from the same surplus and reserve, and the difference (statutory "
        "− this run). Under the statutory mode %(moved)s yuan would move between members: "
        "%(gain)s would receive more, %(lose)s less.",
        moved="382,320.00",
        gain=3,
        lose=1,
    )
    assert summary in body
    # The statement of 王一, compact.
    page = client_of(chief).get(reverse("coops:statement", args=[run.pk, a.pk])).content.decode()
    assert _cell(page, "statement-statutory-amount") == "133,508.57"
    assert _cell(page, "statement-statutory-difference") == "+27,308.57"
    page = client_of(chief).get(reverse("coops:statement", args=[run.pk, collective.pk]))
    assert _cell(page.content.decode(), "statement-statutory-difference") == "−382,320.00"
    assert state(rows["coop"]) == before  # a pure computation: nothing written


def test_a_statutory_run_has_no_comparison(rows):
    run = _run(rows)
    client = client_of(rows["chair"])
    body = client.get(reverse("coops:distribution", args=[run.pk])).content.decode()
    assert 'id="run-statutory"' not in body and 'id="statutory-' not in body
    member = rows["members"][1]
    page = client.get(reverse("coops:statement", args=[run.pk, member.pk])).content.decode()
    assert 'id="statement-statutory"' not in page


def test_without_trading_the_statutory_split_cannot_be_made(tree):
    rows = cooperative(mode="by_shares", with_trading=False)
    run = _run(rows)
    message = zh(
        "No trading was recorded for the year: the statutory split, which shares at least "
        "60% by trading, cannot be made without trading."
    )
    client = client_of(rows["chair"])
    body = client.get(reverse("coops:distribution", args=[run.pk])).content.decode()
    assert 'id="run-statutory-error"' in body and message in body
    assert 'id="statutory-' not in body
    member = rows["members"][1]
    page = client.get(reverse("coops:statement", args=[run.pk, member.pk])).content.decode()
    assert 'id="statement-statutory-error"' in page and message in page


def test_the_statutory_split_of_5000_lines_is_one_engine_call():
    """Pure: 5,000 lines, half trading; the split pays out the distributable exactly, and
    every member's amount is within a fen of its exact part."""
    run = Distribution(
        year=YEAR,
        surplus=Decimal("12345678.91"),
        reserve_rate=Decimal("0.100"),
        mode="by_shares",
        trading_share=Decimal("0.600"),
    )
    rows = [(pk, 10 + pk % 7, Decimal(pk % 2 * pk) / 10) for pk in range(1, 5001)]
    split = statement_pdf.statutory_split(run, rows)
    amounts = split["amounts"]
    assert len(amounts) == 5000
    reserve = Decimal("1234567.89")  # 12,345,678.91 × 10%, half up
    assert sum(amounts.values()) == Decimal("12345678.91") - reserve
    all_trading = sum(t for _pk, _s, t in rows)
    all_shares = sum(s for _pk, s, _t in rows)
    pool = Decimal("11111111.02")
    by_trading = (pool * Decimal("0.6")).quantize(Decimal("0.01"), rounding="ROUND_UP")
    for pk, shares, trading in rows[:50]:
        exact = by_trading * trading / all_trading + (pool - by_trading) * shares / all_shares
        assert abs(amounts[pk] - exact) <= Decimal("0.02"), pk


# --- a draft replaced by a newer one --------------------------------------------------------


def test_approving_a_replaced_draft_says_so_and_links_to_the_distributions(rows):
    coop = rows["coop"]
    first = _run(rows, surplus="1000.00")
    client = client_of(rows["chair"])
    page = client.get(reverse("coops:distribution", args=[first.pk])).content.decode()
    assert 'name="cooperative"' in page and 'name="year"' in page
    second = _run(rows, surplus="2000.00")  # the accountant runs it again meanwhile
    before = state(coop)

    response = client.post(
        reverse("coops:distribution-approve", args=[first.pk]),
        {"cooperative": str(coop.pk), "year": str(YEAR)},
    )

    assert response.status_code == 404
    body = response.content.decode()
    assert 'id="replaced-message"' in body
    assert zh("Replaced by a newer draft") in body
    assert f'href="{reverse("coops:distributions", args=[coop.pk])}"' in body
    assert f'href="{reverse("coops:distribution", args=[second.pk])}"' in body
    assert state(coop) == before
    # A cooperative the chair does not read, named in the form, is not linked.
    gone = client.post(
        reverse("coops:distribution-approve", args=[first.pk]),
        {"cooperative": "999999", "year": str(YEAR)},
    ).content.decode()
    assert 'id="replaced-message"' in gone and "/distributions/" not in gone.split("<main")[-1]


# --- names: one rule ------------------------------------------------------------------------


def _cadre():
    from conftest import VILLAGE
    from yiwang.accounts.services import create_user, grant_post

    user = create_user(
        actor=None, username="coop-cadre", password="Yiwang-test-2026", full_name="coop-cadre"
    )
    grant_post(actor=None, user=user, role="cadre", area_code=VILLAGE)
    return user


def test_names_in_full_for_keepers_and_board_masked_for_other_readers(rows, chief):
    run = _run(rows)
    member = rows["members"][1]  # 王一
    for user, name in (
        (chief, "王一"),
        (rows["chair"], "王一"),
        (rows["accountant"], "王一"),
        (_cadre(), "王*"),
    ):
        client = client_of(user)
        body = client.get(reverse("coops:distribution", args=[run.pk])).content.decode()
        row = body.split(f'id="line-{member.pk}"')[1].split("</tr>")[0]
        assert f">{name}<" in row, user
        page = client.get(reverse("coops:statement", args=[run.pk, member.pk])).content.decode()
        assert f'id="statement-member">{name} ·' in page, user
        if name == "王*":
            assert "王一" not in body and "王一" not in page


def test_a_grid_worker_who_keeps_the_accounts_finds_the_cooperative_on_the_home(tree, worker):
    """A village's grid worker is often its cooperative's accountant. Their menu asks no
    seat (no page of theirs pays that query); their home shows the cooperative, with the
    year's distribution to run, and the page of all their seats. Without a seat, no panel."""
    from yiwang.coops.services.coops import appoint
    from yiwang.coops.tests import builders

    home = reverse("accounts:home")
    client = client_of(worker)
    assert 'id="home-coops-card"' not in client.get(home).content.decode()

    coop = builders.cooperative(VILLAGE, "南门社区党支部领办合作社")
    appoint(
        actor=None,
        cooperative_id=coop.pk,
        role="accountant",
        name="网格员",
        user_id=worker.pk,
        on=builders.DAY,
    )
    body = client.get(home).content.decode()
    run_url = reverse("coops:distribution-run", args=[coop.pk])
    assert 'id="home-coops-card"' in body and f'id="home-coop-{coop.pk}"' in body
    assert f'href="{run_url}"' in body and coop.name in body
    assert f'href="{reverse("coops:my-coops")}"' in body
    assert 'data-menu-item="coops.mine"' not in body
    assert client.get(run_url).status_code == 200
    assert f'id="my-coop-{coop.pk}"' in client.get(reverse("coops:my-coops")).content.decode()
