"""The texts sent outside: cut to a channel's byte limit on a character boundary, the
link to the full notice kept whole at the end, and the digest of several notices."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.utils.translation import gettext as _

ELLIPSIS = "…"


def size(text: str) -> int:
    return len(text.encode())


def cut_bytes(text: str, limit: int) -> str:
    """The longest start of `text` whose UTF-8 encoding fits in `limit` bytes: never half
    a character (a Chinese character is three bytes)."""
    if limit <= 0:
        return ""
    encoded = text.encode()
    if len(encoded) <= limit:
        return text
    # A UTF-8 sequence cut short is dropped whole by "ignore"; only the end can be cut.
    return encoded[:limit].decode("utf-8", "ignore")


def fit(text: str, limit: int, link: str = "", separator: str = "\n") -> str:
    """`text`, then `link` on its own line, in at most `limit` bytes: when it is too long
    the text is cut and ends with "…", and the link stays whole (it leads to the rest)."""
    tail = f"{separator}{link}" if link else ""
    if size(text) + size(tail) <= limit:
        return text + tail
    if size(tail) + size(ELLIPSIS) > limit:
        # Not even the link fits: the link itself, cut (a limit this small is a bug).
        return cut_bytes(text + tail, limit)
    kept = cut_bytes(text, limit - size(tail) - size(ELLIPSIS)).rstrip()
    return kept + ELLIPSIS + tail


def notice_link(announcement_id: int) -> str:
    return f"{settings.SITE_URL}/notices/announcements/{announcement_id}/"


def list_link() -> str:
    return f"{settings.SITE_URL}/notices/announcements/"


def message(title: str, text: str) -> str:
    """One notice as the body of a message: its title, then its text."""
    return f"【{title}】\n{text}" if text else f"【{title}】"


def digest(items: Sequence[tuple[str, str]], limit: int, markdown: bool = False) -> str:
    """Several notices as one message within `limit` bytes: a heading, then each title
    with its link on one line; the lines that do not fit are counted at the end, with
    the link to the list of notices."""
    heading = _("%(count)d notices:") % {"count": len(items)}
    lines = [heading]
    used = size(heading)
    for n, (title, link) in enumerate(items):
        if markdown and link:
            line = f"{n + 1}. [{title}]({link})"
        else:
            line = f"{n + 1}. {title} {link}".rstrip()
        rest = len(items) - n - 1
        # Room kept for the line that counts the ones left out, should the next not fit.
        more = _("… and %(count)d more: %(link)s") % {"count": rest + 1, "link": list_link()}
        if used + size("\n" + line) + (size("\n" + more) if rest else 0) > limit:
            lines.append(more)
            break
        lines.append(line)
        used += size("\n" + line)
    result = "\n".join(lines)
    return result if size(result) <= limit else cut_bytes(result, limit)
