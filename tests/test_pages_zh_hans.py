"""No English on a Chinese page: every page, rendered for every persona in zh-Hans (the
default language), is searched for strings of the English catalogue (the project's own
msgids and Django's) left untranslated in what a person reads: the text, and the
attributes a browser shows or speaks (placeholder, title, aria-label, alt).

The pages are walked as tests/test_routes_scope.py walks them (its world, its personas);
a page route whose address this test cannot build fails `test_every_page_route_is_walked`.
"""

import ast
import gettext
import re
from html.parser import HTMLParser
from pathlib import Path

import django
import pytest
from django.conf import settings
from django.test import Client
from django.urls import get_resolver, reverse

from conftest import UNIT, VILLAGE
from tests.test_routes_scope import routes, world  # noqa: F401  (the world fixture)
from yiwang.accounts.selectors import token_id
from yiwang.accounts.services import issue_token
from yiwang.cases.models import Category, Department
from yiwang.cases.tests.conftest import new_case
from yiwang.coops.tests.checks_alliances import page_arguments as coop_alliance_arguments
from yiwang.coops.tests.checks_coops import page_arguments as coops_arguments
from yiwang.coops.tests.checks_distributions import page_arguments as coop_distribution_arguments
from yiwang.coops.tests.checks_members import page_arguments as coops_member_arguments
from yiwang.duty.tests import checks_rosters
from yiwang.duty.tests.checks_emerg import page_arguments as emerg_arguments
from yiwang.duty.tests.checks_rosters import page_arguments as roster_arguments
from yiwang.duty.tests.checks_supplies import page_arguments as supplies_arguments
from yiwang.outreach.models import EventType, Programme, Routine, Trigger, VisitRule
from yiwang.outreach.tests.scope_checks import _seed
from yiwang.points.tests.checks_passes import page_arguments as pass_arguments
from yiwang.points.tests.checks_shop import page_arguments as shop_arguments
from yiwang.projects.tests.checks_battle_map import page_arguments as battle_map_arguments
from yiwang.projects.tests.checks_project_pages import page_arguments as project_arguments
from yiwang.projects.tests.checks_support import page_arguments as support_arguments
from yiwang.registry.models import Tag
from yiwang.services.tests.checks_pages import page_arguments as services_page_arguments
from yiwang.volunteering.tests.checks_certificates import page_arguments as certificate_arguments
from yiwang.volunteering.tests.checks_pages import page_arguments as volunteering_arguments
from yiwang.volunteering.tests.checks_wishes import page_arguments as wish_arguments

pytestmark = pytest.mark.django_db

# Answers that are not pages a person reads (files, GeoJSON, JSON, a script), and
# routes that take only POST: what they show is the page they redirect to.
NOT_PAGES = {
    "set_language",
    "logout",
    "areas:map",
    "core:service-worker",
    "core:import-errors",
    "registry:template",
    "public:villages",
    "open311:services",
    "open311:service",
    "open311:requests",
    "open311:request",
    "cases:public-photo",
    "outreach:visit-photo",
    "points:entry-photo",
    "volunteering:wish-photo",
    # An export is started by a form's POST and ends in a file.
    "core:export-start",
    "core:export-download",
    # A monthly report's PDF.
    "cockpit:report-download",
    # An hours certificate's PDF.
    "volunteering:certificate-pdf",
    # The battle map's site photos and its meeting pack (a PDF).
    "projects:photo",
    "projects:meeting-pack",
    # A catalogue item's one-time checklist as a PDF.
    "services:item-checklist-pdf",
    # Duty rosters: the calendar file and the forms' POSTs.
    *checks_rosters.NOT_PAGES,
    # A hand-out's signature (a PNG).
    "duty:move-signature",
    # A member's statement of a cooperative's distribution (a PDF).
    "coops:statement-pdf",
}
# Pages shown to a visitor who is not signed in.
ANONYMOUS = {
    "login",
    "public:request",
    "public:track",
    "notices:ack-link",
    "volunteering-public:certificate",
    "volunteering-public:certificate-check",
    "services-public:track",
}

# The argument each page route is given, by the name of its parameter; a route whose
# `code` is not an area's names the row it edits.
CODES = {
    "registry:tag-edit": lambda: Tag.objects.order_by("pk").first().code,
    "cases:category-edit": lambda: Category.objects.order_by("pk").first().code,
    "cases:department-edit": lambda: Department.objects.order_by("pk").first().code,
    "outreach:rule-edit": lambda: VisitRule.objects.order_by("pk").first().code,
    "outreach:trigger-edit": lambda: Trigger.objects.order_by("pk").first().code,
    "outreach:programme-edit": lambda: Programme.objects.order_by("pk").first().code,
    "outreach:event-type-edit": lambda: EventType.objects.order_by("pk").first().code,
    "outreach:event-type-toggle": lambda: EventType.objects.order_by("pk").first().code,
    "outreach:routine-edit": lambda: Routine.objects.order_by("pk").first().code,
    "outreach:routine-toggle": lambda: Routine.objects.order_by("pk").first().code,
    "points:benefit-edit": lambda: "bus",
}

_ARGUMENT_NAMES = {
    "post_id",
    "user_id",
    "entry_id",
    "job_id",
    "household_id",
    "resident_id",
    "migrant_id",
    "case_id",
    "action",
    "visit_id",
    "enterprise_id",
    "scheduled_id",
    "pairing_id",
    "event_id",
    "meeting_id",
    "decision_id",
    "token_id",
    "announcement_id",
    "attachment_id",
    "notification_id",
    "token",
    "robot_id",
    "delivery_id",
    "shop_id",
    "goods_id",
    "redemption_id",
    # points: lists and entries
    "item_id",
    "kind",
    "account_id",
    "points_entry_id",
    "pass_id",
    "pass_uuid",
    "verifier_id",
    # volunteering: wishes and funds
    "wish_id",
    "fund_id",
    "donation_id",
    # volunteering: volunteers, teams, activities, hours and certificates
    "volunteer_id",
    "team_id",
    "activity_id",
    "membership_id",
    "record_id",
    "certificate_id",
    "check_code",
    # the battle map: a project, its milestone, its problem
    "pk",
    "milestone_id",
    "problem_id",
    # projects: enterprise support
    "enterprise_request_id",
    "step",
    "counsellor_team_id",
    # services: an item of the catalogue, a help request
    "service_item_id",
    "help_request_id",
    # duty rosters
    "roster_id",
    "member_id",
    "assignment_id",
    "swap_id",
    "decision",
    "feed_token",
    # duty: incidents and sweeps
    "incident_id",
    "sweep_id",
    "sweep_household_id",
    # duty: supplies
    "store_id",
    "good_id",
    "stock_move_id",
    # coops: a cooperative, its distribution, a member's statement
    "cooperative_id",
    "distribution_id",
    "coop_member_id",
    # cooperatives: a seat on a cooperative's board
    "seat_id",
    # cooperatives: a town's alliance
    "alliance_id",
}


def _arguments(w) -> dict:
    rows = _seed(w)
    case = new_case(unit=UNIT, stage="in_progress")
    return {
        "post_id": w["own_post"].pk,
        "user_id": w["own_user"].pk,
        "code": VILLAGE,
        "entry_id": w["own_entry"].pk,
        "job_id": w["own_job"].pk,
        "household_id": w["own_household"].pk,
        "resident_id": w["own_resident"].pk,
        "migrant_id": w["own_migrant"].pk,
        "case_id": case.pk,
        "action": "accept",
        "visit_id": rows["own_visit"].pk,
        "enterprise_id": rows["own_enterprise"].pk,
        "scheduled_id": rows["own_scheduled"].pk,
        "pairing_id": rows["own_pairing"].pk,
        "event_id": rows["own_event"].pk,
        "meeting_id": rows["own_meeting"].pk,
        "decision_id": rows["own_decision"].pk,
        "token_id": token_id(issue_token(user=w["own_user"])),
        **_notices(w),
        **shop_arguments(w),
        **pass_arguments(w),
        **_points(w),
        **wish_arguments(w),
        **certificate_arguments(w),
        **volunteering_arguments(w),
        **project_arguments(w),
        **battle_map_arguments(w),
        **support_arguments(w),
        **services_page_arguments(w),
        **roster_arguments(w),
        **emerg_arguments(w),
        **supplies_arguments(w),
        **coops_member_arguments(w),
        **coop_distribution_arguments(w),
        **coops_arguments(w),
        **coop_alliance_arguments(w),
    }


def _points(w) -> dict:
    """A template item, a list, a party member's account and an entry of the village."""
    from yiwang.points.models import TemplateItem
    from yiwang.points.tests.checks_lists import seed

    rows = seed(w)
    return {
        "item_id": TemplateItem.objects.order_by("pk").first().pk,
        "kind": "household",
        "account_id": rows["own_account"].pk,
        "points_entry_id": rows["own_entry"].pk,
    }


def _notices(w) -> dict:
    """An announcement of the village's chief to its grid workers, sent; a notification."""
    from yiwang.accounts.models import User
    from yiwang.notices.models import Notification, Receipt
    from yiwang.notices.services import announcements, receipts

    chief = User.objects.get(username="chief")
    announcement = announcements.create_announcement(
        actor=chief, title="通知", body="正文", areas=[VILLAGE], roles=["grid_worker"]
    )
    announcements.send_announcement(announcement.pk)
    receipt = Receipt.objects.get(announcement=announcement, user=w["own_user"])
    notification = Notification.objects.create(
        kind="notice.unacknowledged", recipient=w["own_user"], text="提醒"
    )
    from yiwang.notices.tests.outbox_scope_checks import _seed as outbox_rows

    own = outbox_rows(w)["own"]
    return {
        "robot_id": own["robot"].pk,
        "delivery_id": own["delivery"].pk,
        "announcement_id": announcement.pk,
        "attachment_id": 1,
        "notification_id": notification.pk,
        "token": receipts.link_token(receipt),
    }


def _pattern_names() -> dict[str, list[str]]:
    """Each page route's name and the names of its parameters."""
    found = {}

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                if pattern.namespace == "api":
                    continue
                ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, ns)
            elif pattern.name:
                found[f"{namespace}{pattern.name}"] = list(pattern.pattern.converters)

    walk(get_resolver().url_patterns)
    return found


def _url(name, params, arguments) -> str:
    kwargs = {}
    if name.startswith("cases:department") and not Department.objects.exists():
        Department.objects.create(code="water", name="水务站", area_code=VILLAGE)
    for param in params:
        if param == "code" and name in CODES:
            kwargs[param] = CODES[name]()
        else:
            kwargs[param] = arguments[param]
    return reverse(name, kwargs=kwargs)


# ---- the English catalogue -----------------------------------------------------------

PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|%[sdf]|\{\w*\}")
LATIN = re.compile(r"[A-Za-z]")
DASHES = re.compile(r"^-{3,}$")
# Shown in English on purpose: the language switcher names each language in itself.
ALLOWED = {"English"}


def _po_msgids(path: Path) -> list[str]:
    """Every msgid and msgid_plural of a .po file, translated or not (a .mo file leaves
    out the untranslated ones, which are the ones this test is for)."""
    msgids, current, key = [], [], None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith(('"',)) and key:
            current.append(ast.literal_eval(line))
            continue
        if key:
            msgids.append("".join(current))
            key, current = None, []
        if line.startswith(("msgid ", "msgid_plural ")):
            key = line.split(" ", 1)[0]
            current = [ast.literal_eval(line.split(" ", 1)[1])]
    return [m for m in msgids if m]


def _catalogue() -> tuple[set[str], list[str]]:
    """English strings that would show if left untranslated: whole strings (a text node
    equal to one of them is English) and phrases of three words or more (found inside
    longer text), cut at their placeholders."""
    msgids = _po_msgids(Path(settings.BASE_DIR) / "yiwang/locale/zh_Hans/LC_MESSAGES/django.po")
    django_mo = Path(django.__file__).parent / "conf/locale/zh_Hans/LC_MESSAGES/django.mo"
    with django_mo.open("rb") as mo:
        for key in gettext.GNUTranslations(mo)._catalog:
            msgids.append((key[0] if isinstance(key, tuple) else key).split("\x04")[-1])
    whole, phrases = set(), set()
    for msgid in msgids:
        for part in PLACEHOLDER.split(msgid):
            part = part.strip(" :：,.;")
            if not LATIN.search(part):
                continue
            if part == msgid.strip(" :：,.;"):
                whole.add(part)
            if len(part.split()) >= 3:
                phrases.add(part)
    return whole, sorted(phrases, key=len, reverse=True)


class _Visible(HTMLParser):
    """The text a person reads on the page: text nodes outside scripts and styles, and
    the attributes a browser shows or speaks."""

    SHOWN = {"placeholder", "title", "aria-label", "alt"}

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style", "template"}:
            self._hidden += 1
        for name, value in attrs:
            if name in self.SHOWN and value:
                self.texts.append(value.strip())

    def handle_endtag(self, tag):
        if tag in {"script", "style", "template"} and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.texts.append(" ".join(data.split()))


def english_in(html: str, whole: set[str], phrases: list[str]) -> list[str]:
    parser = _Visible()
    parser.feed(html)
    found = []
    for text in parser.texts:
        if DASHES.search(text):  # an empty choice with no words, first on a phone's screen
            found.append(text)
            continue
        if not LATIN.search(text):
            continue
        bare = text.strip(" :：,.;()（）")
        if bare in ALLOWED:
            continue
        if bare in whole:
            found.append(text)
            continue
        found.extend(phrase for phrase in phrases if phrase in text)
    return found


@pytest.fixture(scope="module")
def catalogue():
    return _catalogue()


def test_the_check_finds_english_left_on_a_page(catalogue):
    whole, phrases = catalogue
    page = (
        '<p class="Audit log" title="Audit log">审计日志</p>'
        "<span>An area code.</span><script>var x = 'Audit log';</script>"
    )
    assert english_in(page, whole, phrases) == ["Audit log", "An area code."]
    assert english_in('<a href="/audit/" class="Filter">筛选</a>', whole, phrases) == []
    assert english_in('<option value="">---------</option>', whole, phrases) == ["---------"]


def test_every_page_route_is_walked():
    page_routes = {name for name in routes() if " " not in name and not name.startswith("api:")}
    known = set(_pattern_names())
    assert page_routes <= known | NOT_PAGES
    for name, params in _pattern_names().items():
        if name in NOT_PAGES:
            continue
        missing = [p for p in params if p != "code" and p not in _ARGUMENT_NAMES]
        assert not missing, f"{name}: no argument for {missing}; add one to _arguments"


def test_no_page_shows_english_to_any_persona(world, personas, catalogue):  # noqa: F811
    whole, phrases = catalogue
    arguments = _arguments(world)
    assert set(arguments) == _ARGUMENT_NAMES | {"code"}
    problems: dict[str, list[str]] = {}
    rendered = 0
    for name, params in sorted(_pattern_names().items()):
        if name in NOT_PAGES:
            continue
        url = _url(name, params, arguments)
        viewers = {"anonymous": None} if name in ANONYMOUS else personas
        for who, user in viewers.items():
            client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
            if user is not None:
                client.force_login(user)
            response = client.get(url)
            if response.status_code != 200 or "text/html" not in response["Content-Type"]:
                continue
            rendered += 1
            english = english_in(response.content.decode(), whole, phrases)
            if english:
                problems[f"{name} as {who} ({url})"] = sorted(set(english))
    by_string: dict[str, list[str]] = {}
    for page, strings in problems.items():
        for string in strings:
            by_string.setdefault(string, []).append(page)
    assert by_string == {}
    # Most pages are seen by most personas: a broken walk would render few.
    assert rendered > 250  # 306 when written
