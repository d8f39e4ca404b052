"""The Aliyun adapter through the official SDK (alibabacloud-dysmsapi20170525) against a local HTTP endpoint
that checks the request (action, version, SignName, TemplateCode, TemplateParam) and its ACS3-HMAC-SHA256
signature, computed here independently from the documented canonical-request rules."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl, quote

import pytest
import uvicorn
from anju_common.events import NotificationFailed
from anju_common.testing import free_port, wait_for
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from tests.notifications.conftest import Stage, engine_of
from tests.notifications.helpers import callback_headers, first_of, match_proposed, notifications_of
from tests.notifications.peers import WorkerDirectory

StageFactory = Callable[..., Stage]
AppRunner = Callable[[Stage], TestClient]
AK, SECRET = "LTAI-test-key", "test-secret-0123456789"


def _enc(value: str) -> str:
    return quote(value, safe="~")


def expected_signature(request: Request, body: bytes, secret: str) -> tuple[str, str]:
    """(signed headers, signature) per Aliyun's V3 request signing."""
    auth = request.headers["authorization"]
    algorithm, _, rest = auth.partition(" ")
    fields = dict(part.split("=", 1) for part in rest.split(","))
    signed = fields["SignedHeaders"].split(";")
    query = sorted(parse_qsl(request.url.query, keep_blank_values=True))
    canonical_query = "&".join(f"{_enc(k)}={_enc(v)}" for k, v in query)
    canonical_headers = "".join(f"{h}:{request.headers[h].strip()}\n" for h in signed)
    payload_hash = hashlib.sha256(body).hexdigest()
    canonical = "\n".join(
        [
            request.method,
            request.url.path or "/",
            canonical_query,
            canonical_headers,
            ";".join(signed),
            payload_hash,
        ]
    )
    to_sign = f"{algorithm}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    return fields["SignedHeaders"], hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


class FakeAliyun:
    """A local dysmsapi endpoint: verifies each SendSms and records it."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.rejects: dict[str, str] = {}
        app = FastAPI()

        @app.post("/")
        async def send_sms(request: Request) -> JSONResponse:
            body = await request.body()
            auth = request.headers.get("authorization", "")
            assert auth.startswith("ACS3-HMAC-SHA256 Credential=" + AK + ","), auth
            signed, signature = expected_signature(request, body, SECRET)
            assert "x-acs-action" in signed.split(";") and "host" in signed.split(";")
            if not auth.endswith(f"Signature={signature}"):
                return JSONResponse(
                    {"Code": "SignatureDoesNotMatch", "Message": "bad signature"}, status_code=400
                )
            assert request.headers["x-acs-content-sha256"] == hashlib.sha256(body).hexdigest()
            params = dict(parse_qsl(request.url.query))
            entry = {
                "action": request.headers["x-acs-action"],
                "version": request.headers["x-acs-version"],
                "params": params,
            }
            self.requests.append(entry)
            if params.get("PhoneNumbers") in self.rejects:
                return JSONResponse(
                    {"Code": self.rejects[params["PhoneNumbers"]], "Message": "no", "RequestId": "r"}
                )
            return JSONResponse(
                {"Code": "OK", "Message": "OK", "BizId": f"biz-{uuid.uuid4().hex[:12]}", "RequestId": "r"}
            )

        self.port = free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        threading.Thread(target=self.server.run, daemon=True).start()
        wait_for(lambda: self.server.started)


@pytest.fixture
def aliyun() -> Iterator[FakeAliyun]:
    """The local dysmsapi endpoint."""
    fake = FakeAliyun()
    yield fake
    fake.server.should_exit = True


def _stage(factory: StageFactory, fake: FakeAliyun, secret: str = SECRET) -> Stage:
    return factory(
        NOTIFICATIONS_PROVIDER="aliyun",
        NOTIFICATIONS_ALIYUN_ACCESS_KEY_ID=AK,
        NOTIFICATIONS_ALIYUN_ACCESS_KEY_SECRET=secret,
        NOTIFICATIONS_ALIYUN_ENDPOINT=f"127.0.0.1:{fake.port}",
        NOTIFICATIONS_ALIYUN_PROTOCOL="http",
        NOTIFICATIONS_MAX_ATTEMPTS="2",
    )


def test_sendsms_through_the_sdk_carries_sign_template_code_and_params_and_a_valid_signature(
    stage_factory: StageFactory, run_app: AppRunner, aliyun: FakeAliyun, directory: WorkerDirectory
) -> None:
    stage = _stage(stage_factory, aliyun)
    client = run_app(stage)
    engine = engine_of(client)
    worker = directory.add()
    stage.publish(match_proposed(worker))
    assert wait_for(lambda: aliyun.requests, timeout=20)
    [req] = aliyun.requests
    assert req["action"] == "SendSms" and req["version"] == "2017-05-25"
    p = req["params"]
    assert p["PhoneNumbers"] == worker["phone"].removeprefix("+86")
    assert p["SignName"] == "安居就业" and p["TemplateCode"] == "SMS_ANJU_JOB_OFFER"
    assert json.loads(p["TemplateParam"]) == {
        "employer": "王家社区扶贫车间",
        "job": "缝纫工",
        "wage": "3000-4500",
        "place": "惠水县王家社区",
    }
    assert wait_for(lambda: getattr(first_of(engine, worker["worker_id"]), "status", None) == "sent")
    note = notifications_of(engine, worker["worker_id"])[0]
    assert note.provider == "aliyun" and (note.provider_message_id or "").startswith("biz-")
    # Aliyun's delivery report arrives through the callback.
    r = client.post(
        "/api/v1/sms/reports",
        json={"provider_message_id": note.provider_message_id, "status": "delivered"},
        headers=callback_headers(),
    )
    assert r.status_code == 200 and r.json()["status"] == "delivered"


def test_aliyun_error_codes_are_recorded_permanent_or_retried(
    stage_factory: StageFactory, run_app: AppRunner, aliyun: FakeAliyun, directory: WorkerDirectory
) -> None:
    stage = _stage(stage_factory, aliyun)
    client = run_app(stage)
    engine = engine_of(client)
    bad = directory.add()
    aliyun.rejects[bad["phone"].removeprefix("+86")] = "isv.MOBILE_NUMBER_ILLEGAL"
    stage.publish(match_proposed(bad))
    assert wait_for(
        lambda: getattr(first_of(engine, bad["worker_id"]), "status", None) == "failed", timeout=20
    )
    assert notifications_of(engine, bad["worker_id"])[0].error_code == "aliyun:isv.MOBILE_NUMBER_ILLEGAL"
    failed = stage.events_of(NotificationFailed, min_count=1)
    assert [(e.data.error_code, e.data.permanent) for e in failed] == [
        ("aliyun:isv.MOBILE_NUMBER_ILLEGAL", True)
    ]


def test_a_wrong_secret_fails_the_signature_check_and_is_retried_not_sent(
    stage_factory: StageFactory, run_app: AppRunner, aliyun: FakeAliyun, directory: WorkerDirectory
) -> None:
    stage = _stage(stage_factory, aliyun, secret="not-the-secret")
    client = run_app(stage)
    engine = engine_of(client)
    worker = directory.add()
    stage.publish(match_proposed(worker))
    assert wait_for(lambda: getattr(first_of(engine, worker["worker_id"]), "attempts", 0) >= 1, timeout=20)
    assert aliyun.requests == []
    assert wait_for(
        lambda: getattr(first_of(engine, worker["worker_id"]), "status", None) == "failed", timeout=20
    )
    note = notifications_of(engine, worker["worker_id"])[0]
    assert note.error_code == "aliyun:SignatureDoesNotMatch" and note.attempts == 2
