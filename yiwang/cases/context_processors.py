"""What every page's template may show of cases: the count of the user's unread notices (the
notifications of the one inbox, notices.Notification, of every kind), for the badge on the
main menu's "Cases" link and on the notices tab."""

import functools

from yiwang.cases import home


def unread_notices(request) -> dict:
    """`unread_notice_count`: a callable, which the template calls where it uses it. So the
    notices are counted (one COUNT query) only on pages that show the count, once however
    often they show it, and the template gets a plain int; nothing is read, not even the
    user, on a page that does not show it. 0, without a query, for an anonymous visitor."""

    @functools.cache
    def count() -> int:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return 0
        # The main menu's badge counts them too: one count a request, kept on it.
        return home.unread_count(request)

    return {"unread_notice_count": count}
