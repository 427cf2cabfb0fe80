"""The group robots' channels, each exactly as its vendor documents it: the message body,
the signature, the address called, and what counts as success in the answer.

- WeCom: POST JSON to https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY; markdown
  (content ≤ 4,096 bytes), or text (≤ 2,048 bytes, which can @all) for an emergency;
  success is errcode 0.
- DingTalk: POST JSON to https://oapi.dingtalk.com/robot/send?access_token=TOKEN, with a
  secret `&timestamp=T&sign=S` (T in milliseconds, S the URL-encoded base64 of
  HMAC-SHA256 keyed by the secret over "T\\nsecret"); success is errcode 0.
- Feishu: POST JSON to https://open.feishu.cn/open-apis/bot/v2/hook/ID, with a secret
  "timestamp" (seconds, a string) and "sign" (base64 of HMAC-SHA256 keyed by
  "timestamp\\nsecret" over nothing) in the body; the body ≤ 20 KB; success is code 0
  (StatusCode 0 in older answers).

Every call: no redirects followed (a 3xx is a failure), a timeout (NOTICE_HTTP_TIMEOUT).
Neither the address (it carries the key) nor the secret ever goes into an answer, an
error, a log line or an exception kept.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote_plus, urlsplit

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

from yiwang.notices.models.outbox import Channel
from yiwang.notices.outbox import texts

ANSWER_LENGTH = 1000
ERROR_LENGTH = 500


@dataclass
class Answer:
    """What a call came to. `maybe_sent`: the request may have reached the service even
    though no success was seen (a timeout after sending): an SMS is then never repeated."""

    ok: bool
    status_code: int | None = None
    body: str = ""
    error: str = ""
    maybe_sent: bool = False


@dataclass(frozen=True)
class Item:
    """A notice to send: its title, text and the link to it."""

    title: str
    text: str
    link: str = ""


def redact(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def post(url: str, *, content: bytes | None = None, data: dict | None = None, secrets=()) -> Answer:
    """One POST; the answer's status and body (cut short, the secrets blanked), or the
    reason it failed, in words that never hold the address."""
    headers = {"Content-Type": "application/json; charset=utf-8"} if content is not None else {}
    timeout = settings.NOTICE_HTTP_TIMEOUT
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            response = client.post(url, content=content, data=data, headers=headers)
    except httpx.ConnectTimeout:
        return Answer(
            False,
            error=_("The service could not be reached within %(seconds)s seconds.")
            % {"seconds": timeout},
        )
    except httpx.TimeoutException:
        return Answer(
            False,
            error=_("No answer within %(seconds)s seconds.") % {"seconds": timeout},
            maybe_sent=True,
        )
    except httpx.ConnectError:
        return Answer(False, error=_("The service could not be reached."))
    except httpx.HTTPError as exc:
        # The exception's text may hold the address: only its kind is kept.
        return Answer(
            False,
            error=_("The call failed (%(kind)s).") % {"kind": type(exc).__name__},
            maybe_sent=True,
        )
    body = redact(response.text, (url, *secrets))[:ANSWER_LENGTH]
    answer = Answer(False, status_code=response.status_code, body=body, maybe_sent=True)
    if response.is_redirect or 300 <= response.status_code < 400:
        answer.error = _(
            "The service answered with a redirect (HTTP %(status)s), which is not followed."
        ) % {"status": response.status_code}
    elif response.status_code != 200:
        answer.error = _("The service answered HTTP %(status)s.") % {"status": response.status_code}
    else:
        answer.ok = True
    return answer


def _json(answer: Answer) -> dict | None:
    try:
        data = json.loads(answer.body)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _vendor_error(code, message) -> str:
    return (
        _("The service answered error %(code)s: %(message)s")
        % {"code": code, "message": str(message or "")[:200]}
    )[:ERROR_LENGTH]


def _dumps(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


class RobotChannel:
    """A robot service: `send(url, secret, items, emergency)` builds the body (one notice,
    or a digest of several, within the limits) and the signed address, posts it, and
    `judge` reads success out of the service's JSON answer."""

    channel: str = ""
    markdown = True
    # The most bytes the message's text may have.
    text_limit = 4096
    # The most bytes the whole body may have (None: no limit but the text's).
    body_limit: int | None = None
    success_keys: tuple[str, ...] = ("errcode",)
    message_keys: tuple[str, ...] = ("errmsg",)

    def text_limit_for(self, emergency: bool) -> int:
        return self.text_limit

    def uses_markdown(self, emergency: bool) -> bool:
        return self.markdown

    def content(self, items: list[Item], limit: int, emergency: bool) -> str:
        markdown = self.uses_markdown(emergency)
        if len(items) == 1:
            item = items[0]
            link = item.link
            if link and markdown:
                link = f"[{_('Read the full notice')}]({link})"
            return texts.fit(texts.message(item.title, item.text), limit, link)
        return texts.digest([(i.title, i.link) for i in items], limit, markdown=markdown)

    def title(self, items: list[Item]) -> str:
        if len(items) == 1:
            return texts.cut_bytes(items[0].title, 200)
        return _("%(count)d notices") % {"count": len(items)}

    def payload(self, items: list[Item], text: str, emergency: bool) -> dict:
        raise NotImplementedError

    def address(self, url: str, secret: str, now: float) -> str:
        return url

    def signed(self, payload: dict, secret: str, now: float) -> dict:
        return payload

    def body(self, items: list[Item], emergency: bool, secret: str, now: float) -> bytes:
        """The body, its text cut so that both the text and the body fit their limits."""
        limit = self.text_limit_for(emergency)
        while True:
            text = self.content(items, limit, emergency)
            encoded = _dumps(self.signed(self.payload(items, text, emergency), secret, now))
            over = len(encoded) - self.body_limit if self.body_limit else 0
            if over <= 0:
                return encoded
            limit -= over  # JSON escapes make the body longer than the text's bytes

    def send(self, url: str, secret: str, items: list[Item], emergency: bool) -> Answer:
        now = time.time()
        content = self.body(items, emergency, secret, now)
        answer = post(
            self.address(url, secret, now), content=content, secrets=key_parts(url, secret)
        )
        return self.judge(answer) if answer.ok else answer

    def judge(self, answer: Answer) -> Answer:
        data = _json(answer)
        if data is None:
            answer.ok = False
            answer.error = _("The service's answer is not what it documents.")
            return answer
        codes = [data[k] for k in self.success_keys if k in data]
        if not codes or any(code != 0 for code in codes):
            message = next((data[k] for k in self.message_keys if k in data), "")
            answer.ok = False
            answer.error = _vendor_error(codes[0] if codes else "?", message)
        return answer


class WeCom(RobotChannel):
    channel = Channel.WECOM
    text_limit = 4096
    emergency_limit = 2048

    def text_limit_for(self, emergency: bool) -> int:
        return self.emergency_limit if emergency else self.text_limit

    def uses_markdown(self, emergency):
        # An emergency goes as text, which can @all; text shows links as they are.
        return not emergency

    def payload(self, items, text, emergency):
        if emergency:
            return {"msgtype": "text", "text": {"content": text, "mentioned_list": ["@all"]}}
        return {"msgtype": "markdown", "markdown": {"content": text}}


class DingTalk(RobotChannel):
    channel = Channel.DINGTALK
    # DingTalk states no byte limit for a markdown message: WeCom's 4,096 bytes keeps one
    # readable in a group, and the full notice is a link away.
    text_limit = 4096

    def payload(self, items, text, emergency):
        return {
            "msgtype": "markdown",
            "markdown": {"title": self.title(items), "text": text},
            "at": {"isAtAll": bool(emergency)},
        }

    def address(self, url, secret, now):
        if not secret:
            return url
        timestamp = str(int(now * 1000))
        return f"{url}&timestamp={timestamp}&sign={dingtalk_sign(secret, timestamp)}"


class Feishu(RobotChannel):
    channel = Channel.FEISHU
    markdown = False
    text_limit = 20 * 1024
    body_limit = 20 * 1024
    success_keys = ("code", "StatusCode")
    message_keys = ("msg", "StatusMessage")

    def judge(self, answer):
        # A newer answer carries "code", an older one "StatusCode": either, when present, is 0.
        data = _json(answer)
        if data is not None and "code" not in data and "StatusCode" not in data:
            data = None
        if data is None:
            answer.ok = False
            answer.error = _("The service's answer is not what it documents.")
            return answer
        return super().judge(answer)

    def payload(self, items, text, emergency):
        if emergency:
            text = f'<at user_id="all">{_("Everyone")}</at> {text}'
        return {"msg_type": "text", "content": {"text": text}}

    def signed(self, payload, secret, now):
        if not secret:
            return payload
        timestamp = str(int(now))
        return {"timestamp": timestamp, "sign": feishu_sign(secret, timestamp), **payload}


def key_parts(url: str, secret: str) -> tuple[str, ...]:
    """What of a robot's address and secret must never be kept: the secret, the key in the
    query, the hook's id in the path; blanked in an answer that would echo one."""
    parts = urlsplit(url)
    keys = [value for _name, value in parse_qsl(parts.query) if len(value) >= 8]
    last = parts.path.rstrip("/").rsplit("/", 1)[-1]
    return tuple(k for k in (secret, *keys, last if len(last) >= 8 else "") if k)


def dingtalk_sign(secret: str, timestamp: str) -> str:
    """urlencode(base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")))."""
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode())


def feishu_sign(secret: str, timestamp: str) -> str:
    """base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b""))."""
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


CHANNELS: dict[str, type[RobotChannel]] = {
    Channel.WECOM: WeCom,
    Channel.DINGTALK: DingTalk,
    Channel.FEISHU: Feishu,
}


def for_channel(channel: str) -> RobotChannel:
    return CHANNELS[channel]()
