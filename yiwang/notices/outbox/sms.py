"""SMS gateways, chosen by the setting SMS_BACKEND: "log" (development: the masked number
and the text go to the log) and "aliyun" (Aliyun's SendSms, API version 2017-05-25, called
with httpx and signed as Aliyun's RPC API signs: HMAC-SHA1, signature version 1.0).

Aliyun's official SDK (alibabacloud-dysmsapi20170525) brings its own HTTP stack and half a
dozen packages for one signed POST, so the call is made here, to the endpoint of the
setting SMS_ALIYUN["endpoint"]. SendSms is not idempotent: the caller claims the delivery
before calling and never calls twice for one (outbox.sending)."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import logging
import uuid
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.utils.translation import gettext as _

from yiwang.core.masking import mask_phone
from yiwang.notices.outbox import texts
from yiwang.notices.outbox.channels import Answer, post

logger = logging.getLogger(__name__)

# The most bytes of the text an SMS carries (about 100 Chinese characters: two parts).
SMS_LIMIT = 300
# Aliyun refuses a template variable longer than this many characters (a link excepted).
VARIABLE_LENGTH = 35


@dataclass(frozen=True)
class Sms:
    phone: str
    title: str
    text: str
    link: str
    out_id: str

    def body(self) -> str:
        return texts.fit(texts.message(self.title, self.text), SMS_LIMIT, self.link)


class LogBackend:
    """Writes the SMS to the log, the number masked: for development and the demo."""

    def send(self, sms: Sms) -> Answer:
        # The title only: the body may carry a personal link, a credential of its own.
        logger.info("SMS %s to %s: %s", sms.out_id, mask_phone(sms.phone), sms.title)
        return Answer(True, body=f"logged: {mask_phone(sms.phone)} {sms.title}"[:1000])


def percent_encode(value: str) -> str:
    """Aliyun's percent-encoding: RFC 3986, everything but A-Z a-z 0-9 - _ . ~ encoded."""
    return quote(value, safe="~")


def aliyun_signature(params: dict[str, str], secret: str, method: str = "POST") -> str:
    """Signature version 1.0: base64(HMAC-SHA1(key=secret + "&", msg=method + "&" +
    encode("/") + "&" + encode(the sorted query, each key and value encoded)))."""
    query = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(query)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunBackend:
    """SendSms, one number at a time, OutId = the delivery's attempt key."""

    def __init__(self, config: dict | None = None):
        self.config = config or settings.SMS_ALIYUN

    def params(self, sms: Sms) -> dict[str, str]:
        config = self.config
        values = {
            "title": sms.title[:VARIABLE_LENGTH],
            "text": sms.text[:VARIABLE_LENGTH],
            "link": sms.link,
        }
        template = {name: values.get(name, "") for name in config["template_params"]}
        params = {
            "AccessKeyId": config["access_key_id"],
            "Action": "SendSms",
            "Format": "JSON",
            "RegionId": config.get("region") or "cn-hangzhou",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "Timestamp": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
            "PhoneNumbers": sms.phone,
            "SignName": config["sign_name"],
            "TemplateCode": config["template_code"],
            "TemplateParam": json.dumps(template, ensure_ascii=False, separators=(",", ":")),
            "OutId": sms.out_id,
        }
        params["Signature"] = aliyun_signature(params, config["access_key_secret"])
        return params

    def send(self, sms: Sms) -> Answer:
        secret = self.config["access_key_secret"]
        answer = post(self.config["endpoint"], data=self.params(sms), secrets=(secret,))
        if answer.status_code is None:
            return answer
        try:
            data = json.loads(answer.body)
        except ValueError:
            data = None
        if not isinstance(data, dict) or "Code" not in data:
            # No answer that says what happened: it may have gone.
            if answer.ok:
                answer.ok = False
                answer.error = _("The service's answer is not what it documents.")
            return answer
        if data["Code"] == "OK" and answer.ok:
            return answer
        # The gateway refused it (a signature, a template, a limit): nothing was sent.
        answer.ok = False
        answer.maybe_sent = False
        answer.error = _("The service answered error %(code)s: %(message)s") % {
            "code": str(data["Code"])[:100],
            "message": str(data.get("Message", ""))[:200],
        }
        return answer


def backend():
    return AliyunBackend() if settings.SMS_BACKEND == "aliyun" else LogBackend()
