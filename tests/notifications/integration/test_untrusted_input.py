"""Untrusted input to the notifications service: webhook targets are refused at creation (422 naming url)
and again at delivery after DNS resolution (the call goes to the checked address, redirects are not
followed), and feed cursors are signed and range-checked (400, never 500)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import uvicorn
from anju_common.testing import free_port, wait_for
from fastapi import FastAPI, Request, Response
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from tests.notifications.conftest import Stage, engine_of
from tests.notifications.helpers import zero_alert

StageFactory = Callable[..., Stage]
AppRunner = Callable[[Stage], TestClient]
PUBLIC_IP = "93.184.215.14"  # a global unicast address; no test ever delivers to it


class Receiver:
    """An HTTP endpoint on loopback that records calls; /redirect answers 307 to /hook."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        app = FastAPI()

        @app.post("/hook")
        async def hook(request: Request) -> Response:
            self.calls.append(
                {"path": "/hook", "headers": dict(request.headers), "body": await request.body()}
            )
            return Response(status_code=204)

        @app.post("/redirect")
        async def redirect(request: Request) -> Response:
            self.calls.append({"path": "/redirect", "headers": dict(request.headers)})
            return Response(status_code=307, headers={"Location": f"http://127.0.0.1:{self.port}/hook"})

        self.port = free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        threading.Thread(target=self.server.run, daemon=True).start()
        wait_for(lambda: self.server.started)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A loopback receiver, stopped after the test."""
    r = Receiver()
    yield r
    r.server.should_exit = True


def _subscription(client: TestClient, hook_id: str) -> Any:
    from notifications.models import WebhookSubscription

    with Session(engine_of(client)) as session:
        return session.exec(
            select(WebhookSubscription).where(WebhookSubscription.id == uuid.UUID(hook_id))
        ).one()


BLOCKED = [
    "http://127.0.0.1:8080/hook",
    "http://localhost:8080/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.1.2.3/hook",
    "http://172.16.0.5/hook",
    "http://192.168.1.10/hook",
    "http://100.64.0.1/hook",
    "http://[::1]:8080/hook",
    "http://[fe80::1]/hook",
    "http://[fd00::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://0.0.0.0/hook",
    "http://224.0.0.1/hook",
    f"http://{PUBLIC_IP}:6379/hook",  # Redis's port, on any address
    f"http://{PUBLIC_IP}:5432/hook",
    f"http://{PUBLIC_IP}:8002/hook",  # a service's own port
]


def test_internal_webhook_targets_are_refused_at_creation(
    stage_factory: StageFactory, run_app: AppRunner
) -> None:
    client = run_app(stage_factory())
    site = uuid.uuid4()
    for url in BLOCKED:
        response = client.post(f"/api/v1/offices/{site}/webhooks", json={"url": url})
        assert response.status_code == 422, (url, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        body = response.json()
        assert [e["field"] for e in body["errors"]] == ["url"], body
        assert any("\u4e00" <= ch <= "\u9fff" for ch in body["errors"][0]["message"]), body  # Chinese first
    assert client.get(f"/api/v1/offices/{site}/webhooks").json() == []
    # A public address is fine (nothing is published here, so nothing is ever sent to it).
    created = client.post(f"/api/v1/offices/{site}/webhooks", json={"url": f"https://{PUBLIC_IP}/hook"})
    assert created.status_code == 201, created.text
    client.post(f"/api/v1/offices/{site}/webhooks/{created.json()['id']}/disable")


def test_the_allow_list_admits_an_internal_network_but_never_the_platform_ports(
    stage_factory: StageFactory, run_app: AppRunner
) -> None:
    client = run_app(stage_factory(NOTIFICATIONS_WEBHOOK_ALLOW="10.0.0.0/8, intranet.example"))
    site = uuid.uuid4()
    ok = client.post(f"/api/v1/offices/{site}/webhooks", json={"url": "http://10.1.2.3:8443/hook"})
    assert ok.status_code == 201, ok.text
    client.post(f"/api/v1/offices/{site}/webhooks/{ok.json()['id']}/disable")
    assert (
        client.post(f"/api/v1/offices/{site}/webhooks", json={"url": "http://192.168.1.1/h"}).status_code
        == 422
    )
    assert (
        client.post(f"/api/v1/offices/{site}/webhooks", json={"url": "http://10.1.2.3:6379/h"}).status_code
        == 422
    )


def test_delivery_checks_the_address_again_after_resolution(
    stage_factory: StageFactory, run_app: AppRunner, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: the name was public when the webhook was created and points at loopback later."""
    from notifications import webhooks

    answers = {"office.example": [PUBLIC_IP]}
    monkeypatch.setattr(webhooks, "resolve", lambda host, port: answers[host])
    stage = stage_factory(NOTIFICATIONS_WEBHOOK_RETRY_BASE_SECONDS="0.2")
    client = run_app(stage)
    site = uuid.uuid4()
    created = client.post(
        f"/api/v1/offices/{site}/webhooks", json={"url": f"http://office.example:{receiver.port}/hook"}
    )
    assert created.status_code == 201, created.text
    answers["office.example"] = ["127.0.0.1"]
    stage.publish(zero_alert(site))
    assert wait_for(lambda: _subscription(client, created.json()["id"]).consecutive_failures >= 1, timeout=20)
    assert _subscription(client, created.json()["id"]).last_error == "blocked target"
    time.sleep(0.5)
    assert receiver.calls == []


def test_delivery_goes_to_the_checked_address_and_does_not_follow_redirects(
    stage_factory: StageFactory, run_app: AppRunner, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    from notifications import webhooks

    monkeypatch.setattr(webhooks, "resolve", lambda host, port: ["127.0.0.1"])
    stage = stage_factory(NOTIFICATIONS_WEBHOOK_ALLOW="office.example,127.0.0.1/32")
    client = run_app(stage)
    site = uuid.uuid4()
    hook = client.post(
        f"/api/v1/offices/{site}/webhooks", json={"url": f"http://office.example:{receiver.port}/hook"}
    ).json()
    redirecting = client.post(
        f"/api/v1/offices/{site}/webhooks", json={"url": f"http://127.0.0.1:{receiver.port}/redirect"}
    ).json()
    stage.publish(zero_alert(site))
    # The name exists only in the (test) resolver: the call reached the resolved address, Host kept the name.
    assert wait_for(lambda: [c for c in receiver.calls if c["path"] == "/hook"], timeout=20)
    hook_calls = [c for c in receiver.calls if c["path"] == "/hook"]
    assert hook_calls[0]["headers"]["host"] == f"office.example:{receiver.port}"
    assert wait_for(lambda: _subscription(client, redirecting["id"]).consecutive_failures >= 1, timeout=20)
    assert _subscription(client, redirecting["id"]).last_error == "HTTP 307"
    assert _subscription(client, hook["id"]).last_error is None
    time.sleep(0.5)
    assert len([c for c in receiver.calls if c["path"] == "/hook"]) == 1  # the 307 was not followed


def _unsigned(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _signed_with(key: bytes, values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":")).encode()
    mac = hmac.new(key, b"anju-cursor|" + raw, hashlib.sha256).digest()[:16]
    b64 = base64.urlsafe_b64encode
    return f"{b64(raw).decode().rstrip('=')}.{b64(mac).decode().rstrip('=')}"


def test_feed_cursors_are_signed_and_bad_ones_are_400(
    stage_factory: StageFactory, run_app: AppRunner
) -> None:
    stage = stage_factory()
    client = run_app(stage)
    site = uuid.uuid4()
    url = f"/api/v1/offices/{site}/feed"
    stage.publish(zero_alert(site))
    stage.publish(zero_alert(site))
    assert wait_for(lambda: len(client.get(url).json()["items"]) == 2, timeout=20)
    page = client.get(url, params={"limit": 1}).json()
    assert client.get(url, params={"cursor": page["next_cursor"]}).json()["items"] != page["items"]
    bad = [
        _unsigned([10**20]),  # a huge integer (was a 500: bigint out of range)
        _unsigned([0]),  # well-formed but not issued by the service (forged)
        _signed_with(b"some-other-key", [0]),
        page["next_cursor"][:-2] + ("AA" if not page["next_cursor"].endswith("AA") else "BB"),
        "garbage!",
        "eyJ.",
    ]
    for cursor in bad:
        response = client.get(url, params={"cursor": cursor})
        assert response.status_code == 400, (cursor, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["type"].endswith("bad-cursor")
    for cursor in (_unsigned([10**20]), "garbage!"):
        assert client.get(f"{url}/stream", params={"cursor": cursor}).status_code == 400
    huge = client.get(f"{url}/stream", headers={"Last-Event-ID": "9" * 25})
    assert huge.status_code == 400, huge.text
    listed = client.get(
        "/api/v1/notifications", params={"cursor": _unsigned(["2026-01-01T00:00:00", str(site)])}
    )
    assert listed.status_code == 400, listed.text
