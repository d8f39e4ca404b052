"""The offices' side and the notifications API: zero-employment alerts in the feed (cursor pages and
server-sent events), signed webhooks retried with backoff and disabled after repeated failure then re-enabled,
notifications filtered by worker/site/status, counts, resend, and office staff scoped to their sites."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from anju_common.principal import Principal, sign_principal
from anju_common.testing import free_port, wait_for
from fastapi import FastAPI, Request, Response
from fastapi.testclient import TestClient

from tests.notifications.conftest import Stage, engine_of
from tests.notifications.helpers import match_proposed, notifications_of, zero_alert
from tests.notifications.peers import WorkerDirectory

StageFactory = Callable[..., Stage]
AppRunner = Callable[[Stage], TestClient]
SECRET = "dev-internal-secret-change-me-please-32b"


class OfficeEndpoint:
    """A real HTTP endpoint an office would run: records calls, fails while told to."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.fail = False
        app = FastAPI()

        @app.post("/hook")
        async def hook(request: Request) -> Response:
            body = await request.body()
            self.calls.append({"headers": dict(request.headers), "body": body, "at": time.monotonic()})
            return Response(status_code=500 if self.fail else 204)

        self.port = free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        threading.Thread(target=self.server.run, daemon=True).start()
        wait_for(lambda: self.server.started)

    @property
    def url(self) -> str:
        """Where to point the webhook."""
        return f"http://127.0.0.1:{self.port}/hook"


@pytest.fixture
def office() -> Iterator[OfficeEndpoint]:
    """An office's webhook receiver."""
    endpoint = OfficeEndpoint()
    yield endpoint
    endpoint.server.should_exit = True


def _staff(*sites: uuid.UUID) -> dict[str, str]:
    token = sign_principal(Principal(sub="staff-1", role="office_staff", site_ids=list(sites)), SECRET)
    return {"X-Anju-Principal": token}


def test_alerts_reach_the_feed_pages_and_the_event_stream(
    stage_factory: StageFactory, run_app: AppRunner
) -> None:
    stage = stage_factory()
    client = run_app(stage)
    site = uuid.uuid4()
    alerts = [zero_alert(site, working_days=10 + i) for i in range(3)]
    for ev in alerts:
        stage.publish(ev)
    stage.publish(zero_alert(uuid.uuid4()))  # another site's
    url = f"/api/v1/offices/{site}/feed"
    assert wait_for(lambda: len(client.get(url).json()["items"]) == 3, timeout=20)

    page1 = client.get(url, params={"limit": 2}).json()
    page2 = client.get(url, params={"limit": 2, "cursor": page1["next_cursor"]}).json()
    items = page1["items"] + page2["items"]
    assert len(page1["items"]) == 2 and len(page2["items"]) == 1
    assert [i["id"] for i in items] == sorted(i["id"] for i in items)
    assert sorted(i["payload"]["working_days"] for i in items) == [10, 11, 12]
    assert {i["payload"]["household_id"] for i in items} == {str(a.data.household_id) for a in alerts}
    assert all(i["kind"] == "zero_employment_alert" for i in items)
    empty = client.get(url, params={"cursor": page2["next_cursor"]}).json()
    assert empty["items"] == [] and empty["next_cursor"] == page2["next_cursor"]
    assert client.get(url, params={"cursor": "garbage!"}).status_code == 400

    # The stream sends the same items as server-sent events; Last-Event-ID resumes after an id.
    with client.stream("GET", f"{url}/stream", params={"max_events": 3}) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        text = "".join(r.iter_text())
    events = [json.loads(line[5:]) for line in text.splitlines() if line.startswith("data:")]
    assert [e["id"] for e in events] == [i["id"] for i in items]
    assert "event: zero_employment_alert" in text
    first_id = page1["items"][0]["id"]
    with client.stream(
        "GET", f"{url}/stream", params={"max_events": 1}, headers={"Last-Event-ID": str(first_id)}
    ) as r:
        resumed = [
            json.loads(line[5:]) for line in "".join(r.iter_text()).splitlines() if line.startswith("data:")
        ]
    assert [e["id"] for e in resumed] == [page1["items"][1]["id"]]

    # Office staff see only their own sites: another site is a 404.
    assert client.get(url, headers=_staff(site)).status_code == 200
    assert client.get(url, headers=_staff(uuid.uuid4())).status_code == 404
    assert client.get(f"{url}/stream", headers=_staff(uuid.uuid4())).status_code == 404


def test_webhooks_are_signed_retried_disabled_after_failures_and_re_enabled(
    stage_factory: StageFactory, run_app: AppRunner, office: OfficeEndpoint
) -> None:
    stage = stage_factory(
        # Gaps of 1 s then 2 s: wide enough that the poll interval and a loaded machine cannot hide growth.
        NOTIFICATIONS_WEBHOOK_RETRY_BASE_SECONDS="1.0",
        NOTIFICATIONS_WEBHOOK_MAX_FAILURES="3",
        # The office's receiver runs on loopback: a deployment delivering inside its network lists it.
        NOTIFICATIONS_WEBHOOK_ALLOW="127.0.0.1/32",
    )
    client = run_app(stage)
    site = uuid.uuid4()
    created = client.post(f"/api/v1/offices/{site}/webhooks", json={"url": office.url, "description": "站长"})
    assert created.status_code == 201, created.text
    hook = created.json()
    secret = hook["secret"]
    assert secret and hook["active"]
    assert "secret" not in str(client.get(f"/api/v1/offices/{site}/webhooks").json()[0].get("secret") or "")
    assert client.post(f"/api/v1/offices/{site}/webhooks", json={"url": "not a url"}).status_code == 422
    assert (
        client.post(
            f"/api/v1/offices/{site}/webhooks", json={"url": office.url}, headers=_staff(uuid.uuid4())
        ).status_code
        == 404
    )

    stage.publish(zero_alert(site))
    assert wait_for(lambda: office.calls, timeout=20)
    call = office.calls[0]
    ts, sig = call["headers"]["x-anju-timestamp"], call["headers"]["x-anju-signature"]
    expected = hmac.new(secret.encode(), ts.encode() + b"." + call["body"], hashlib.sha256).hexdigest()
    assert sig == f"sha256={expected}"
    assert abs(int(ts) - time.time()) < 60
    assert json.loads(call["body"])["kind"] == "zero_employment_alert"

    # Failing endpoint: retried with growing gaps, then the subscription is disabled.
    office.fail = True
    office.calls.clear()
    stage.publish(zero_alert(site, working_days=20))
    assert wait_for(
        lambda: not client.get(f"/api/v1/offices/{site}/webhooks").json()[0]["active"], timeout=30
    )
    assert len(office.calls) == 3
    gaps = [b["at"] - a["at"] for a, b in zip(office.calls, office.calls[1:], strict=False)]
    assert gaps[0] >= 0.9 and gaps[1] > gaps[0] + 0.5, gaps
    listed = client.get(f"/api/v1/offices/{site}/webhooks").json()[0]
    assert listed["disabled_at"] and listed["last_error"] == "HTTP 500"
    time.sleep(1.0)
    assert len(office.calls) == 3  # nothing more while disabled

    # Re-enabled by the API: the waiting delivery goes out.
    office.fail = False
    enabled = client.post(f"/api/v1/offices/{site}/webhooks/{hook['id']}/enable")
    assert (
        enabled.status_code == 200
        and enabled.json()["active"]
        and enabled.json()["consecutive_failures"] == 0
    )
    assert wait_for(lambda: len(office.calls) == 4, timeout=20)
    assert json.loads(office.calls[-1]["body"])["payload"]["working_days"] == 20
    assert client.post(f"/api/v1/offices/{site}/webhooks/{uuid.uuid4()}/enable").status_code == 404


def test_notifications_list_filters_counts_resend_and_scoping(
    stage_factory: StageFactory, run_app: AppRunner, directory: WorkerDirectory
) -> None:
    stage = stage_factory(NOTIFICATIONS_LIMIT_PER_MINUTE="0")  # the file provider
    client = run_app(stage)
    site_a, site_b = uuid.uuid4(), uuid.uuid4()
    a = directory.add(site_id=site_a)
    b = directory.add(site_id=site_b)
    refused = directory.add(site_id=site_a, consent=False)
    for w in (a, a, b, refused):
        stage.publish(match_proposed(w))
    engine = engine_of(client)
    assert wait_for(
        lambda: client.get("/api/v1/notifications/counts").json()["counts"].get("sent") == 3, timeout=20
    )
    counts = client.get("/api/v1/notifications/counts").json()["counts"]
    assert counts["skipped"] == 1 and counts["in_doubt_recorded"] == 0

    by_worker = client.get("/api/v1/notifications", params={"worker_id": a["worker_id"]}).json()["items"]
    assert len(by_worker) == 2 and all(n["phone_masked"].count("*") == 4 for n in by_worker)
    assert a["phone"] not in json.dumps(by_worker)
    by_site = client.get("/api/v1/notifications", params={"site_id": str(site_a), "status": "skipped"}).json()
    assert [n["worker_id"] for n in by_site["items"]] == [refused["worker_id"]]
    page = client.get("/api/v1/notifications", params={"limit": 2}).json()
    rest = client.get("/api/v1/notifications", params={"limit": 2, "cursor": page["next_cursor"]}).json()
    assert len({n["id"] for n in page["items"] + rest["items"]}) == 4
    assert client.get("/api/v1/notifications", params={"status": "bogus"}).status_code == 422

    # Office staff of site A see only site A.
    staff = _staff(site_a)
    seen = client.get("/api/v1/notifications", headers=staff).json()["items"]
    assert {n["site_id"] for n in seen} == {str(site_a)}
    b_note = notifications_of(engine, b["worker_id"])[0]
    assert client.get(f"/api/v1/notifications/{b_note.id}", headers=staff).status_code == 404
    assert client.post(f"/api/v1/notifications/{b_note.id}/resend", headers=staff).status_code == 404
    assert (
        client.get("/api/v1/notifications/counts", params={"site_id": str(site_b)}, headers=staff).status_code
        == 404
    )

    # Resend: a new notification with the same content, sent once more.
    r = client.post(f"/api/v1/notifications/{b_note.id}/resend")
    assert r.status_code == 202 and r.json()["resend_of"] == str(b_note.id)
    assert wait_for(
        lambda: len([n for n in notifications_of(engine, b["worker_id"]) if n.status == "sent"]) == 2
    )
    assert client.post(f"/api/v1/notifications/{uuid.uuid4()}/resend").status_code == 404
    lines = Path(stage.env["NOTIFICATIONS_OUTBOX_FILE"]).read_text(encoding="utf-8")
    assert b["phone"] not in lines and "王家社区扶贫车间招缝纫工" in lines
