"""The steps that explain a distribution are stored as language-neutral data and put into
words when read, in the reader's language: the run's page, the public notice (公示) and
the API show the same stored run in Chinese or in English. A run stored before, with its
steps as plain sentences, still shows them. And the member's statement as a PDF carries
the statutory comparison of a run "by shares" that its page shows."""

import json
import subprocess
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext
from rest_framework.test import APIClient

from yiwang.coops.distribution import Member, Mode, distribute, render_step, render_steps
from yiwang.coops.models import Distribution
from yiwang.coops.services import coops as coop_services
from yiwang.coops.services import distributions as services
from yiwang.coops.tests.builders import client_of
from yiwang.coops.tests.distribution_rows import SURPLUS, YEAR, cooperative

MEMBERS = [
    Member(key=1, shares=1, trading=D("100.00")),
    Member(key=2, shares=1, trading=D("200.00")),
    Member(key=3, shares=1, trading=D("400.00")),
    Member(key=4, shares=4, trading=D("0")),
]
OLD_STEP = "本年度盈余：1,180,000.00 元。（旧记录）"


def in_language(language: str, steps) -> list[str]:
    with translation.override(language):
        return render_steps(steps)


def api_of(user, language: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    client.credentials(HTTP_ACCEPT_LANGUAGE=language)
    return client


def pdf_text(content: bytes) -> str:
    return subprocess.run(
        ["/usr/bin/pdftotext", "-layout", "-", "-"],
        input=content,
        capture_output=True,
        check=True,
    ).stdout.decode()


# --- the pure engine: data out, words on reading ------------------------------------------


@pytest.mark.parametrize("mode", [Mode.STATUTORY, Mode.BY_SHARES])
def test_it_gives_steps_as_data_with_no_words_in_them(mode):
    with translation.override("zh-hans"):
        result = distribute(
            surplus=D("1160000.00"), reserve_rate=D("0.10"), mode=mode, members=MEMBERS
        )
    stored = json.loads(json.dumps(result.steps))  # what a JSONField keeps
    assert stored == list(result.steps)
    assert [step["step"] for step in stored][:3] == ["surplus", "reserve", "distributable"]
    assert stored[0]["params"] == {"surplus": "1,160,000.00"}
    assert stored[1]["params"] == {
        "rate": "10%",
        "surplus": "1,160,000.00",
        "reserve": "116,000.00",
    }
    assert stored[-1]["step"] == "check"
    # Whatever the language of the run, nothing in the data is a sentence.
    assert not any("元" in value for step in stored for value in map(str, step["params"].values()))


def test_it_renders_one_stored_run_in_each_language():
    result = distribute(
        surplus=D("1160000.00"), reserve_rate=D("0.10"), mode=Mode.STATUTORY, members=MEMBERS
    )
    english = in_language("en", result.steps)
    chinese = in_language("zh-hans", result.steps)
    assert english[0] == "Surplus of the year: 1,160,000.00 yuan."
    assert chinese[0] == "本年度盈余：1,160,000.00 元。"
    assert len(english) == len(chinese) == 8
    # Every sentence has its translation (the msgids are the ones the catalogue holds),
    # and the figures are the same in both.
    for en, zh in zip(english, chinese, strict=True):
        assert en != zh
        for figure in ("1,160,000.00", "116,000.00", "1,044,000.00"):
            assert (figure in en) == (figure in zh)
    # The rounding: 2 fen by trading to members 2 and 3, 1 fen by shares to member 1.
    assert english[-3].startswith("By trading:") and english[-3].endswith(": 2, 3.")
    assert english[-2].startswith("By shares:") and english[-2].endswith(": 1.")
    with translation.override("zh-hans"):
        assert chinese[-3].startswith(gettext("By trading"))
        assert chinese[-2].startswith(gettext("By shares"))
    assert chinese[-3].rstrip("。.").endswith("2, 3")


def test_it_renders_the_rounding_without_fen_left_over_and_the_plural():
    steps = [
        {"step": "rounding", "params": {"pool": "shares", "keys": []}},
        {"step": "rounding", "params": {"pool": "trading", "keys": [7]}},
        {"step": "rounding", "params": {"pool": "trading", "keys": [7, 9]}},
    ]
    none, one, two = in_language("en", steps)
    assert none == "By shares: every member's exact part came to whole fen; no fen were left over."
    assert "the 1 fen left over went to the member" in one and one.endswith(": 7.")
    assert "the 2 fen left over went one each" in two and two.endswith(": 7, 9.")
    chinese = in_language("zh-hans", steps)
    assert all(en != zh for en, zh in zip(chinese, (none, one, two), strict=True))


def test_it_shows_an_old_plain_string_step_as_it_is():
    assert render_steps([OLD_STEP, "Surplus of the year: 5.00 yuan."]) == [
        OLD_STEP,
        "Surplus of the year: 5.00 yuan.",
    ]
    assert render_steps(None) == [] and render_steps([]) == []


@pytest.mark.parametrize(
    "step",
    [
        {"step": "a step of a later version", "params": {}},
        {"step": "surplus", "params": {}},
        {"step": "surplus", "params": ["1.00"]},
        {"step": "rounding", "params": {"pool": "land", "keys": [1]}},
        {"params": {"surplus": "1.00"}},
        ["surplus"],
        7,
    ],
)
def test_it_shows_a_step_it_cannot_read_rather_than_failing(step):
    text = render_step(step)
    assert isinstance(text, str) and text


# --- a stored run, read in the reader's language ------------------------------------------


@pytest.fixture
def rows(tree):
    return cooperative()


def _english_run(rows):
    """The accountant runs the year's distribution browsing in English."""
    response = client_of(rows["accountant"], "en").post(
        reverse("coops:distribution-run", args=[rows["coop"].pk]),
        {"year": str(YEAR), "surplus": SURPLUS},
    )
    assert response.status_code == 302
    return Distribution.objects.get(cooperative=rows["coop"])


@pytest.mark.django_db
def test_a_run_made_in_english_reads_in_chinese_on_its_page(rows):
    run = _english_run(rows)
    assert all(isinstance(step, dict) for step in run.steps)
    url = reverse("coops:distribution", args=[run.pk])
    chinese = client_of(rows["chair"], "zh-hans").get(url).content.decode()
    english = client_of(rows["chair"], "en").get(url).content.decode()
    zh_steps, en_steps = in_language("zh-hans", run.steps), in_language("en", run.steps)
    assert zh_steps[0] == "本年度盈余：1,180,000.00 元。"
    for zh, en in zip(zh_steps, en_steps, strict=True):
        assert escape(zh) in chinese and escape(en) not in chinese
        assert escape(en) in english and escape(zh) not in english


@pytest.mark.django_db
def test_the_public_notice_reads_in_the_readers_language(rows):
    run = _english_run(rows)
    services.approve_distribution(actor=rows["chair"], distribution_id=run.pk)
    url = reverse("coops:published", args=[rows["coop"].pk])
    chinese = client_of(rows["accountant"], "zh-hans").get(url).content.decode()
    assert 'id="published-steps"' in chinese
    for zh, en in zip(in_language("zh-hans", run.steps), in_language("en", run.steps), strict=True):
        assert escape(zh) in chinese and escape(en) not in chinese


@pytest.mark.django_db
def test_an_old_run_with_plain_sentences_still_shows_them(rows):
    run = _english_run(rows)
    new_step = run.steps[1]
    Distribution.objects.filter(pk=run.pk).update(steps=[OLD_STEP, new_step])
    services.approve_distribution(actor=rows["chair"], distribution_id=run.pk)
    page = client_of(rows["chair"], "zh-hans").get(reverse("coops:distribution", args=[run.pk]))
    body = page.content.decode()
    steps = body.split('id="run-steps"')[1].split("</ol>")[0]
    assert steps.count("<li") == 2
    assert escape(OLD_STEP) in steps
    assert escape(in_language("zh-hans", [new_step])[0]) in steps
    notice = client_of(rows["accountant"], "zh-hans").get(
        reverse("coops:published", args=[rows["coop"].pk])
    )
    assert escape(OLD_STEP) in notice.content.decode()
    detail = api_of(rows["chair"], "en").get(f"/api/v1/coop-distributions/{run.pk}/").json()
    assert detail["steps"] == [OLD_STEP, in_language("en", [new_step])[0]]


@pytest.mark.django_db
def test_the_api_answers_the_steps_in_the_requests_language(rows):
    created = api_of(rows["accountant"], "en").post(
        f"/api/v1/coops/{rows['coop'].pk}/distributions/",
        {"year": YEAR, "surplus": SURPLUS},
        format="json",
    )
    assert created.status_code == 201, created.content
    run = Distribution.objects.get(pk=created.json()["id"])
    assert created.json()["steps"] == in_language("en", run.steps)
    url = f"/api/v1/coop-distributions/{run.pk}/"
    english = api_of(rows["chair"], "en").get(url).json()["steps"]
    chinese = api_of(rows["chair"], "zh-hans").get(url).json()["steps"]
    assert english == in_language("en", run.steps)
    assert chinese == in_language("zh-hans", run.steps)
    assert english[0] == "Surplus of the year: 1,180,000.00 yuan."
    assert chinese[0] == "本年度盈余：1,180,000.00 元。"
    assert all(isinstance(step, str) for step in chinese) and english != chinese


# --- the statement's PDF: the statutory comparison of a run "by shares" -------------------


def _by_shares_run(rows):
    coop_services.set_charter(actor=None, cooperative_id=rows["coop"].pk, mode="by_shares")
    return services.run_distribution(
        actor=rows["accountant"], cooperative_id=rows["coop"].pk, year=YEAR, surplus=SURPLUS
    )


def _statement_pdf(rows, run, member) -> str:
    response = client_of(rows["chair"], "en").get(
        reverse("coops:statement-pdf", args=[run.pk, member.pk])
    )
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    return pdf_text(response.content)


def _zh(message: str) -> str:
    with translation.override("zh-hans"):
        return gettext(message)


@pytest.mark.django_db
def test_the_statement_pdf_of_a_run_by_shares_has_the_statutory_comparison(rows):
    """The figures of test_pages_distributions' by-shares test: 王一 gets 106,200.00 by
    shares, 133,508.57 under the statutory split, +27,308.57; the collective 637,200.00,
    254,880.00, −382,320.00. The same figures as the statement's page."""
    run = _by_shares_run(rows)
    collective, a, *_others = rows["members"]
    text = _statement_pdf(rows, run, a)
    assert _zh("Departs from Art. 44") in text
    for label, figure in (
        ("total (yuan)", "106,200.00"),
        ("statutory (yuan)", "133,508.57"),
        ("difference (yuan)", "+27,308.57"),
    ):
        row = next(line for line in text.splitlines() if _zh(label) in line)
        assert figure in row, (label, row)
    page = client_of(rows["chair"], "en").get(reverse("coops:statement", args=[run.pk, a.pk]))
    assert page.context["comparison"]["statutory"] == "133,508.57"
    assert page.context["comparison"]["difference"] == "+27,308.57"

    text = _statement_pdf(rows, run, collective)
    row = next(line for line in text.splitlines() if _zh("difference (yuan)") in line)
    assert "−382,320.00" in row
    assert "254,880.00" in text


@pytest.mark.django_db
def test_the_statement_pdf_of_a_statutory_run_has_no_comparison(rows):
    run = services.run_distribution(
        actor=rows["accountant"], cooperative_id=rows["coop"].pk, year=YEAR, surplus=SURPLUS
    )
    text = _statement_pdf(rows, run, rows["members"][1])
    assert "133,508.57" in text  # the member's own total
    assert _zh("Departs from Art. 44") not in text
    assert _zh("statutory (yuan)") not in text


@pytest.mark.django_db
def test_the_statement_pdf_says_why_the_split_cannot_be_made_without_trading(tree):
    rows = cooperative(mode="by_shares", with_trading=False)
    run = services.run_distribution(
        actor=rows["accountant"], cooperative_id=rows["coop"].pk, year=YEAR, surplus=SURPLUS
    )
    text = "".join(_statement_pdf(rows, run, rows["members"][1]).split())
    message = _zh(
        "No trading was recorded for the year: the statutory split, which shares at least "
        "60% by trading, cannot be made without trading."
    )
    assert _zh("Departs from Art. 44") in text
    assert "".join(message.split()) in text
    assert _zh("statutory (yuan)") not in text
