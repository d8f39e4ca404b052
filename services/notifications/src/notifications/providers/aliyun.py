"""Aliyun SMS through its official SDK (dysmsapi 2017-05-25): SignName, TemplateCode, TemplateParam."""

from __future__ import annotations

import json
from typing import Any

from alibabacloud_dysmsapi20170525 import models as sms_models
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi import utils_models
from anju_common.logs import get_logger
from darabonba.runtime import RuntimeOptions  # type: ignore[import-untyped]

from notifications.config import NotificationsSettings
from notifications.providers.base import OutgoingSms, Rejected, ResultHook, SubmitOutcome, Submitted
from notifications.templates import segment_count

log = get_logger(__name__)

# Aliyun codes worth retrying: flow control, their transient faults, and credential problems (an operator
# fixes those; the message itself is fine). The rest are about the message and are permanent.
_TEMPORARY_PREFIXES = (
    "isp.",
    "Throttling",
    "isv.BUSINESS_LIMIT_CONTROL",
    "ServiceUnavailable",
    "InternalError",
    "SignatureDoesNotMatch",
    "InvalidAccessKeyId",
)


def is_temporary(code: str) -> bool:
    """Whether an Aliyun error code is worth a retry."""
    return code.startswith(_TEMPORARY_PREFIXES)


class AliyunProvider:
    """One SendSms call per message; Aliyun splits long texts itself and reports through its callbacks."""

    name = "aliyun"

    def __init__(self, settings: NotificationsSettings) -> None:
        self.settings = settings
        config = utils_models.Config(
            access_key_id=settings.aliyun_access_key_id,
            access_key_secret=settings.aliyun_access_key_secret,
            endpoint=settings.aliyun_endpoint,
            protocol=settings.aliyun_protocol,
        )
        self.client = Client(config)
        self.runtime = RuntimeOptions(
            autoretry=False,
            read_timeout=int(settings.smpp_response_timeout_seconds * 1000),
            connect_timeout=3000,
        )

    def start(self) -> None:
        """Nothing to connect: every call is an HTTPS request."""

    def stop(self, timeout: float = 5.0) -> None:
        """Nothing to release."""

    def submit_many(
        self, messages: list[OutgoingSms], on_result: ResultHook | None = None
    ) -> list[SubmitOutcome]:
        """Send each message with its template code and parameters."""
        out: list[SubmitOutcome] = []
        for msg in messages:
            outcome = self._send(msg)
            if on_result is not None:
                on_result(msg, outcome)
            out.append(outcome)
        return out

    def _send(self, msg: OutgoingSms) -> SubmitOutcome:
        phone = msg.phone.removeprefix("+86") if msg.phone.startswith("+86") else msg.phone.lstrip("+")
        request = sms_models.SendSmsRequest(
            phone_numbers=phone,
            sign_name=self.settings.sign_name,
            template_code=msg.rendered.template.code,
            template_param=json.dumps(msg.rendered.params, ensure_ascii=False),
            out_id=str(msg.notification_id),
        )
        try:
            response: Any = self.client.send_sms_with_options(request, self.runtime)
        except Exception as exc:
            code = str(getattr(exc, "code", "") or "")
            if code:
                return Rejected(
                    code=f"aliyun:{code}", permanent=not is_temporary(code), detail=str(exc)[:200]
                )
            # No answer from Aliyun: the request may have been accepted (in doubt).
            log.warning("aliyun.request_failed", error=type(exc).__name__)
            return Rejected(code="aliyun:network", permanent=False, maybe_sent=True)
        body = response.body
        if body is None or body.code != "OK":
            code = body.code if body is not None and body.code else "unknown"
            return Rejected(
                code=f"aliyun:{code}", permanent=not is_temporary(code), detail=str(body.message)[:200]
            )
        segments = segment_count(msg.rendered.smpp_text(self.settings.sign_name))
        return Submitted(message_ids=[str(body.biz_id)], segments=segments)
