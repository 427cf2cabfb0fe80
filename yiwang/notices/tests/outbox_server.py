"""A local stand-in for the robot services and the SMS gateway, for the outbox's tests.

An http.server in a thread on 127.0.0.1 that checks every request exactly as the vendors'
documentation describes it — the path and key, the JSON shape, the byte limits, the
signature recomputed here from the secret, the timestamp's freshness — and answers as the
vendor does: success, a documented error, a redirect, or no answer until the client's
timeout. It records each request with its arrival time and what it found wrong."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, quote_plus, urlsplit

import pytest

WECOM_KEY = "wecom-key-0123456789abcdef"
DINGTALK_TOKEN = "dingtalk-token-0123456789abcdef"
FEISHU_HOOK = "feishu-hook-0123456789"
DINGTALK_SECRET = "SECdingtalk-secret-0123456789abcdef"
FEISHU_SECRET = "feishu-secret-0123456789abcdef"
ALIYUN_KEY_ID = "LTAI-test-key-id"
ALIYUN_SECRET = "aliyun-secret-0123456789abcdef"
ONE_HOUR = 3600


@dataclass
class Record:
    channel: str
    arrived: float
    path: str
    query: str
    body: bytes
    data: dict | None
    problems: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The message's text as the group would see it."""
        data = self.data or {}
        if self.channel == "wecom":
            return data.get(data.get("msgtype", ""), {}).get("content", "")
        if self.channel == "dingtalk":
            return data.get("markdown", {}).get("text", "")
        if self.channel == "feishu":
            return data.get("content", {}).get("text", "")
        return json.dumps(data, ensure_ascii=False)


def _b64_hmac(key: bytes, msg: bytes, algorithm=hashlib.sha256) -> str:
    return base64.b64encode(hmac.new(key, msg, algorithm).digest()).decode()


def _aliyun_encode(value: str) -> str:
    return quote(value, safe="~")


class Vendor:
    """The server's state: what each channel answers (`modes`), the secrets it checks
    signatures with, and the requests it received."""

    def __init__(self):
        self.modes: dict[str, str] = {}
        self.secrets = {"dingtalk": DINGTALK_SECRET, "feishu": FEISHU_SECRET}
        self.feishu_old_answer = False
        self.hang_seconds = 3.0
        self.records: list[Record] = []
        self.nonces: set[str] = set()
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.vendor = self
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    def url(self, channel: str) -> str:
        base = f"http://{self.host}"
        return {
            "wecom": f"{base}/cgi-bin/webhook/send?key={WECOM_KEY}",
            "dingtalk": f"{base}/robot/send?access_token={DINGTALK_TOKEN}",
            "feishu": f"{base}/open-apis/bot/v2/hook/{FEISHU_HOOK}",
            "sms": f"{base}/",
        }[channel]

    def of(self, channel: str) -> list[Record]:
        with self.lock:
            return [r for r in self.records if r.channel == channel]

    @property
    def problems(self) -> list[str]:
        with self.lock:
            return [p for r in self.records for p in r.problems]

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


# --- the checks, as each vendor documents them ---------------------------------------------


def _check_wecom(query: dict, data: dict | None) -> list[str]:
    problems = []
    if set(query) != {"key"} or query["key"] != [WECOM_KEY]:
        problems.append("wecom: the key is not the robot's")
    if not isinstance(data, dict):
        return [*problems, "wecom: the body is not a JSON object"]
    kind = data.get("msgtype")
    limits = {"text": 2048, "markdown": 4096}
    if kind not in limits:
        return [*problems, f"wecom: msgtype {kind!r}"]
    content = data.get(kind, {}).get("content")
    if not isinstance(content, str) or not content:
        problems.append("wecom: no content")
    elif len(content.encode()) > limits[kind]:
        problems.append(f"wecom: {kind} content of {len(content.encode())} bytes")
    if kind == "text":
        mentioned = data["text"].get("mentioned_list", [])
        if not isinstance(mentioned, list):
            problems.append("wecom: mentioned_list is not a list")
    return problems


def _check_dingtalk(vendor: Vendor, raw_query: str, query: dict, data) -> list[str]:
    problems = []
    if query.get("access_token") != [DINGTALK_TOKEN]:
        problems.append("dingtalk: the access token is not the robot's")
    secret = vendor.secrets.get("dingtalk")
    if secret:
        timestamp = (query.get("timestamp") or [""])[0]
        if not timestamp.isdigit() or abs(time.time() * 1000 - int(timestamp)) > ONE_HOUR * 1000:
            problems.append(f"dingtalk: timestamp {timestamp!r} not within an hour (in ms)")
        expected = _b64_hmac(secret.encode(), f"{timestamp}\n{secret}".encode())
        # The sign arrives URL-encoded: decoded, it is the base64 of the HMAC; as sent,
        # it is that base64 URL-encoded (no bare + / =).
        raw = dict(p.split("=", 1) for p in raw_query.split("&") if "=" in p)
        if query.get("sign") != [expected] or raw.get("sign") != quote_plus(expected):
            problems.append("dingtalk: sign does not match")
    if not isinstance(data, dict) or data.get("msgtype") not in ("text", "markdown"):
        return [*problems, "dingtalk: msgtype"]
    if data["msgtype"] == "markdown":
        markdown = data.get("markdown", {})
        if not markdown.get("title") or not markdown.get("text"):
            problems.append("dingtalk: markdown needs a title and a text")
    if not isinstance(data.get("at", {}).get("isAtAll", False), bool):
        problems.append("dingtalk: at.isAtAll is not a boolean")
    return problems


def _check_feishu(vendor: Vendor, path: str, body: bytes, data) -> list[str]:
    problems = []
    if path != f"/open-apis/bot/v2/hook/{FEISHU_HOOK}":
        problems.append("feishu: the hook is not the robot's")
    if len(body) > 20 * 1024:
        problems.append(f"feishu: a body of {len(body)} bytes")
    if not isinstance(data, dict):
        return [*problems, "feishu: the body is not a JSON object"]
    secret = vendor.secrets.get("feishu")
    if secret:
        timestamp = data.get("timestamp")
        if not isinstance(timestamp, str) or not timestamp.isdigit():
            problems.append(f"feishu: timestamp {timestamp!r} is not a string of seconds")
        elif abs(time.time() - int(timestamp)) > ONE_HOUR:
            problems.append("feishu: timestamp not within an hour")
        else:
            expected = _b64_hmac(f"{timestamp}\n{secret}".encode(), b"")
            if data.get("sign") != expected:
                problems.append("feishu: sign does not match")
    if data.get("msg_type") != "text" or not isinstance(data.get("content", {}).get("text"), str):
        problems.append("feishu: msg_type text with content.text")
    return problems


ALIYUN_REQUIRED = {
    "AccessKeyId",
    "Action",
    "Format",
    "RegionId",
    "SignatureMethod",
    "SignatureNonce",
    "SignatureVersion",
    "Timestamp",
    "Version",
    "PhoneNumbers",
    "SignName",
    "TemplateCode",
    "TemplateParam",
    "OutId",
    "Signature",
}


def _check_aliyun(vendor: Vendor, body: bytes) -> tuple[list[str], dict]:
    problems = []
    form = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
    missing = ALIYUN_REQUIRED - set(form)
    if missing:
        return [f"aliyun: missing {sorted(missing)}"], form
    if form["Action"] != "SendSms" or form["Version"] != "2017-05-25":
        problems.append("aliyun: not SendSms 2017-05-25")
    if form["SignatureMethod"] != "HMAC-SHA1" or form["SignatureVersion"] != "1.0":
        problems.append("aliyun: signature method")
    if form["AccessKeyId"] != ALIYUN_KEY_ID:
        problems.append("aliyun: access key id")
    try:
        sent_at = time.mktime(time.strptime(form["Timestamp"], "%Y-%m-%dT%H:%M:%SZ"))
        sent_at -= time.timezone  # the timestamp is UTC
        if abs(time.time() - sent_at) > 900:
            problems.append("aliyun: timestamp not within 15 minutes")
    except ValueError:
        problems.append("aliyun: timestamp format")
    with vendor.lock:
        if form["SignatureNonce"] in vendor.nonces:
            problems.append("aliyun: nonce used twice")
        vendor.nonces.add(form["SignatureNonce"])
    try:
        json.loads(form["TemplateParam"])
    except ValueError:
        problems.append("aliyun: TemplateParam is not JSON")
    params = {k: v for k, v in form.items() if k != "Signature"}
    query = "&".join(f"{_aliyun_encode(k)}={_aliyun_encode(v)}" for k, v in sorted(params.items()))
    to_sign = f"POST&{_aliyun_encode('/')}&{_aliyun_encode(query)}"
    expected = _b64_hmac(f"{ALIYUN_SECRET}&".encode(), to_sign.encode(), hashlib.sha1)
    if form["Signature"] != expected:
        problems.append("aliyun: signature does not match")
    return problems, form


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def _answer(self, status: int, payload: dict | None, headers: dict | None = None):
        body = json.dumps(payload, ensure_ascii=False).encode() if payload is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):  # noqa: N802 (http.server's name)
        arrived = time.time()
        vendor: Vendor = self.server.vendor
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        parts = urlsplit(self.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        if parts.path == "/cgi-bin/webhook/send":
            channel = "wecom"
        elif parts.path == "/robot/send":
            channel = "dingtalk"
        elif parts.path.startswith("/open-apis/bot/v2/hook/"):
            channel = "feishu"
        else:
            channel = "sms"
        data = None
        if channel != "sms":
            try:
                data = json.loads(body)
            except ValueError:
                data = None
            if "application/json" not in self.headers.get("Content-Type", ""):
                problems = [f"{channel}: not sent as JSON"]
            else:
                problems = []
        if channel == "wecom":
            problems += _check_wecom(query, data)
        elif channel == "dingtalk":
            problems += _check_dingtalk(vendor, parts.query, query, data)
        elif channel == "feishu":
            problems += _check_feishu(vendor, parts.path, body, data)
        else:
            problems, data = _check_aliyun(vendor, body)
        with vendor.lock:
            vendor.records.append(
                Record(channel, arrived, parts.path, parts.query, body, data, problems)
            )
        mode = vendor.modes.get(channel, "ok")
        if mode == "hang":
            time.sleep(vendor.hang_seconds)
        if mode == "redirect":
            return self._answer(302, None, {"Location": "https://example.com/elsewhere"})
        if mode == "http500":
            return self._answer(500, {"error": "internal"})
        failed = bool(problems) or mode == "error"
        if channel == "wecom" and mode == "echo":
            # An answer that repeats the key it was given.
            payload = {"errcode": 93000, "errmsg": f"invalid webhook url, key={query['key'][0]}"}
        elif channel == "wecom":
            payload = (
                {"errcode": 93000, "errmsg": "invalid webhook url"}
                if failed
                else {"errcode": 0, "errmsg": "ok"}
            )
        elif channel == "dingtalk":
            payload = (
                {"errcode": 310000, "errmsg": "sign not match"}
                if failed
                else {"errcode": 0, "errmsg": "ok"}
            )
        elif channel == "feishu":
            if failed:
                payload = {
                    "code": 19021,
                    "msg": "sign match fail or timestamp is not within one hour from current time",
                }
            elif vendor.feishu_old_answer:
                payload = {"Extra": None, "StatusCode": 0, "StatusMessage": "success"}
            else:
                payload = {"code": 0, "msg": "success", "data": {}}
        else:
            if failed:
                return self._answer(
                    400,
                    {
                        "Code": "SignatureDoesNotMatch"
                        if problems
                        else "isv.BUSINESS_LIMIT_CONTROL",
                        "Message": "; ".join(problems) or "limit",
                        "RequestId": uuid.uuid4().hex,
                    },
                )
            payload = {
                "Code": "OK",
                "Message": "OK",
                "BizId": uuid.uuid4().hex,
                "RequestId": uuid.uuid4().hex,
            }
        return self._answer(200, payload)


@pytest.fixture
def vendor(settings):
    """The local vendor server, listed in NOTICE_ROBOT_EXTRA_HOSTS, with a short timeout."""
    server = Vendor().start()
    settings.NOTICE_ROBOT_EXTRA_HOSTS = [server.host]
    settings.NOTICE_HTTP_TIMEOUT = 2
    settings.SMS_ALIYUN = {
        "endpoint": server.url("sms"),
        "access_key_id": ALIYUN_KEY_ID,
        "access_key_secret": ALIYUN_SECRET,
        "region": "cn-hangzhou",
        "sign_name": "一网",
        "template_code": "SMS_123456789",
        "template_params": ["title", "link"],
    }
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def outbox_settings(settings):
    """No quiet hours unless a test sets them (tests run at any hour). Each test keeps its
    rate windows under a prefix of its own in Redis (when the limits are kept there),
    removed after: tests never see each other's, nor a running platform's."""
    settings.NOTICE_QUIET_HOURS = ""
    settings.NOTICE_REDIS_PREFIX = f"yiwang-test:notices:{uuid.uuid4().hex}"
    yield
    if settings.NOTICE_REDIS_URL:
        import redis

        client = redis.Redis.from_url(settings.NOTICE_REDIS_URL, socket_connect_timeout=1)
        try:
            keys = list(client.scan_iter(match=settings.NOTICE_REDIS_PREFIX + ":*"))
            if keys:
                client.delete(*keys)
        except redis.ConnectionError:
            pass  # a test of a store that is down wrote nothing there
        finally:
            client.close()


# --- rows for the tests -------------------------------------------------------------------

GRID_CODE = "370830001001001"  # a grid of 南门社区 (conftest's tree)


def make_robot(
    vendor: Vendor, channel: str, *, area_code: str = GRID_CODE, secret=None, actor=None
):
    from yiwang.notices.outbox import register_robot

    if secret is None:
        secret = vendor.secrets.get(channel, "")
    return register_robot(
        actor=actor,
        area_code=area_code,
        channel=channel,
        name=f"{channel} 群",
        url=vendor.url(channel),
        secret=secret,
    )


def make_delivery(robot, title="停水通知", text="明天上午停水。", *, emergency=False, **values):
    from yiwang.notices.models import Delivery

    return Delivery.objects.create(
        channel=robot.channel,
        robot=robot,
        area_code=robot.area_code,
        title=title,
        text=text,
        link=values.pop("link", "http://127.0.0.1:8000/notices/announcements/1/"),
        emergency=emergency,
        **values,
    )
