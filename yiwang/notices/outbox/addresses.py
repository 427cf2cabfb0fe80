"""Which robot addresses are accepted: the robot service's own host for the channel, over
https, with its path and key; or a host listed in NOTICE_ROBOT_EXTRA_HOSTS (an intranet
gateway, the tests' server), where http is allowed too. Anything else is refused before it
is stored, so that the outbox never posts a notice (and a signature) to another server."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from yiwang.notices.models.outbox import Channel

# (host, path pattern, the query parameter that carries the key) of each robot service.
SERVICES = {
    Channel.WECOM: ("qyapi.weixin.qq.com", re.compile(r"/cgi-bin/webhook/send\Z"), "key"),
    Channel.DINGTALK: ("oapi.dingtalk.com", re.compile(r"/robot/send\Z"), "access_token"),
    Channel.FEISHU: (
        "open.feishu.cn",
        re.compile(r"/open-apis/bot/v2/hook/[A-Za-z0-9_-]{8,64}\Z"),
        "",
    ),
}
_KEY = re.compile(r"[A-Za-z0-9_-]{8,128}\Z")
MAX_LENGTH = 500


def extra_hosts() -> set[str]:
    return {h.lower() for h in settings.NOTICE_ROBOT_EXTRA_HOSTS}


def _refuse(host: str) -> ValidationError:
    return ValidationError(
        _(
            "This is not the address of a group robot of the chosen channel: paste the "
            "robot's webhook address as the group settings show it (https://%(host)s/…)."
        )
        % {"host": host},
        code="robot_url",
    )


def clean_robot_url(channel: str, url: str) -> str:
    """The robot address `url` for `channel`, stripped, or ValidationError (in the
    county's language) when it is not one. The address is never repeated in the
    message: it carries the robot's key."""
    if channel not in SERVICES:
        raise ValidationError(_("Choose WeCom, DingTalk or Feishu."), code="channel")
    host, path, key_name = SERVICES[channel]
    url = (url or "").strip()
    error = _refuse(host)
    if not url or len(url) > MAX_LENGTH or any(c.isspace() or ord(c) < 32 for c in url):
        raise error
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise error from None
    hostname = (parts.hostname or "").lower()
    netloc = f"{hostname}:{port}" if port else hostname
    if parts.username or parts.password or parts.fragment or "@" in parts.netloc:
        raise error
    if netloc in extra_hosts() or hostname in extra_hosts():
        if parts.scheme not in ("https", "http"):
            raise error
    elif parts.scheme != "https" or hostname != host or port not in (None, 443):
        raise error
    if not path.match(parts.path):
        raise error
    query = parse_qs(parts.query, keep_blank_values=True)
    if key_name:
        keys = query.get(key_name, [])
        if set(query) != {key_name} or len(keys) != 1 or not _KEY.match(keys[0]):
            raise error
    elif parts.query:
        raise error
    return url


def is_allowed(channel: str, url: str) -> bool:
    try:
        clean_robot_url(channel, url)
    except ValidationError:
        return False
    return True
