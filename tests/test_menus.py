"""The main menu as each persona sees it: every list page they may open is in it.

`test_the_menus_reach_every_list_page` follows the menu of each persona from their home
and checks that it reaches the list pages of their role, and that every link answers.
`test_no_page_is_reachable_only_by_its_address` walks the URL patterns that take no
argument, opens each as each persona, and fails on any page that answers 200 but that
no one could find: neither in the persona's menu nor linked from a page the menu opens
(a form or a download reached from its list, e.g. "new household" from the ledger).
EXCEPTIONS holds the few pages that are meant to be opened otherwise.
"""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

pytestmark = pytest.mark.django_db

# Pages answering 200 that no menu needs to link: the service worker's script (loaded
# by the pages' JavaScript), the area picker's answers (loaded into a form's area field),
# the pages without a login (the public request pages, linked from the login page), and
# the machine interfaces (the API with its docs, Open311, the health checks, the metrics).
EXCEPTIONS = {"core:service-worker", "areas:picker", "healthz", "readyz", "metrics"}
EXCEPTED_NAMESPACES = (
    "public:",
    "points-public:",
    "volunteering-public:",
    "services-public:",
    "api:",
    "open311:",
)

EVERYONE = {
    "accounts:home",
    "accounts:users",
    "accounts:password",
    "accounts:tokens",
    "areas:home",
    "core:audit",
    "registry:residents",
    "registry:migrants",
    "registry:duplicates",
    "cases:inbox",
    "cases:list",
    "cases:create",
    "cases:notices",
    "cases:overdue",
    "cases:rates",
    "outreach:today",
    "outreach:visits",
    "outreach:occurrences",
    "outreach:pairings",
    "outreach:coverage",
    "outreach:compliance",
    "outreach:events",
    "outreach:meetings",
    "outreach:routine-compliance",
    "outreach:enterprises",
    "cockpit:cockpit",
    "points:passes",
    "points:pass-settlement",
}
SETTINGS = {
    "accounts:tokens-all",
    "registry:tags",
    "cases:categories",
    "cases:departments",
    "outreach:programmes",
    "outreach:rules",
    "outreach:triggers",
    "outreach:event-types",
    "outreach:routines",
    "points:benefits",
    "points:signing-keys",
    "points:verifiers",
}
# The list pages each persona must reach from the menu, and those they must not see in it.
EXPECTED = {
    "county": (EVERYONE | SETTINGS | {"accounts:posts"}, set()),
    "town": (EVERYONE | {"accounts:posts"}, SETTINGS),
    "chief": (EVERYONE | {"accounts:posts"}, SETTINGS),
    "worker": (EVERYONE, SETTINGS | {"accounts:posts"}),
    "outsider": (EVERYONE, SETTINGS | {"accounts:posts"}),
}
# Cooperatives: read and kept from the county, the town and the village's chief; a grid
# worker has none.
for _key in ("county", "town", "chief"):
    EXPECTED[_key][0].update({"coops:index", "coops:coop-new"})
for _key in ("worker", "outsider"):
    EXPECTED[_key][1].update({"coops:index", "coops:coop-new"})


class _Links(HTMLParser):
    """The hrefs of a page; those inside the main menu and the tab bar apart."""

    def __init__(self):
        super().__init__()
        self.links: set[str] = set()
        self.menu: set[str] = set()
        self.tabs: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        href = attrs.get("href")
        if tag != "a" or not href or href.startswith(("#", "tel:", "mailto:")):
            return
        path = urlsplit(href).path
        self.links.add(path)
        if "data-menu-item" in attrs:
            self.menu.add(path)
        if "data-tab" in attrs:
            self.tabs.add(path)


def _links(response) -> _Links:
    parser = _Links()
    if response.get("Content-Type", "").startswith("text/html"):
        parser.feed(response.content.decode())
    return parser


def _no_argument_pages(patterns=None, namespace=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _no_argument_pages(pattern.url_patterns, inner)
        elif (
            isinstance(pattern, URLPattern)
            and pattern.name
            and not pattern.pattern.regex.groupindex
        ):
            yield namespace + pattern.name


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _reachable(client) -> tuple[set[str], set[str]]:
    """(the menu's paths, every path reached by following links from the home through
    the pages of no argument), each page opened once."""
    by_path = {reverse(n): n for n in _no_argument_pages()}
    home = client.get(reverse("accounts:home"))
    assert home.status_code == 200
    menu = _links(home)
    seen = {reverse("accounts:home")}
    queue = sorted(menu.menu | menu.tabs)
    while queue:
        path = queue.pop()
        if path in seen or path not in by_path:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code != 200:
            continue
        queue.extend(sorted(_links(response).links - seen))
    return menu.menu | menu.tabs, seen


@pytest.mark.parametrize("key", list(EXPECTED))
def test_the_menus_reach_every_list_page(personas, key):
    client = _client(personas[key])
    home = client.get(reverse("accounts:home"))
    menu = _links(home)
    must, must_not = EXPECTED[key]
    in_menu = menu.menu
    for name in must:
        assert reverse(name) in in_menu, f"{key}: {name} is missing from the menu"
    for name in must_not:
        assert reverse(name) not in in_menu, f"{key}: {name} is in the menu"
    # Every menu link answers, and every page it opens shows the same menu.
    for path in sorted(in_menu | menu.tabs):
        response = client.get(path, follow=True)
        assert response.status_code == 200, f"{key}: {path} answers {response.status_code}"
        if response.get("Content-Type", "").startswith("text/html"):
            assert _links(response).menu == in_menu, f"{key}: {path} has another menu"


@pytest.mark.parametrize("key", list(EXPECTED))
def test_no_page_is_reachable_only_by_its_address(personas, key):
    client = _client(personas[key])
    _menu, reached = _reachable(client)
    hidden = []
    for name in sorted(set(_no_argument_pages())):
        if name in EXCEPTIONS or name.startswith(EXCEPTED_NAMESPACES):
            continue
        path = reverse(name)
        if client.get(path).status_code == 200 and path not in reached:
            hidden.append(name)
    assert hidden == [], f"{key} opens these pages by address only: {hidden}"


def test_the_menu_follows_the_posts(client, worker, county_admin):
    """The worker's settings are not in their menu; the county admin's are."""
    client.force_login(worker)
    worker_menu = _links(client.get(reverse("accounts:home"))).menu
    client.force_login(county_admin)
    admin_menu = _links(client.get(reverse("accounts:home"))).menu
    assert reverse("cases:categories") in admin_menu - worker_menu
    assert worker_menu < admin_menu
