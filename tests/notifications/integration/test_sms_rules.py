"""The SMS rules on real infrastructure and the real SMSC: replies (SMPP deliver_sm and the HTTP callback)
matched to the latest offer, TD stops everything for good, quiet hours make messages wait, per-number limits
make messages wait, and an invalid inbound payload gets a 4xx and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from anju_common.clock import CLOCK
from anju_common.events import ReplyKind, WorkerOptedOut, WorkerReplied
from anju_common.testing import wait_for
from fastapi.testclient import TestClient
from notifications.models import FeedItem, InboundMessage, Notification, NotificationStatus, OptOut
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from tests.notifications.conftest import Stage, engine_of
from tests.notifications.helpers import callback_headers, match_proposed, notifications_of, training_offered
from tests.notifications.peers import SmppPeer, WorkerDirectory

StageFactory = Callable[..., Stage]
AppRunner = Callable[[Stage], TestClient]
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _sent(engine: Engine, worker: dict[str, Any]) -> list[Notification]:
    return [n for n in notifications_of(engine, worker["worker_id"]) if n.status in ("sent", "delivered")]


def _counts(engine: Engine) -> tuple[int, ...]:
    with Session(engine) as s:
        return tuple(
            s.exec(select(func.count()).select_from(model)).one()
            for model in (InboundMessage, OptOut, FeedItem, Notification)
        )


def test_replies_over_smpp_and_http_are_matched_to_the_latest_offer(
    stage_factory: StageFactory, run_app: AppRunner, smsc: SmppPeer, directory: WorkerDirectory
) -> None:
    stage = stage_factory(smsc, NOTIFICATIONS_LIMIT_PER_MINUTE="0")
    client = run_app(stage)
    engine = engine_of(client)
    worker = directory.add()
    job = match_proposed(worker)
    stage.publish(job)
    assert wait_for(lambda: _sent(engine, worker), timeout=20)

    # "１" (full-width) from the handset, through the SMSC's deliver_sm.
    assert smsc.send_mo(worker["phone"], "１") == 1
    replies = wait_for(lambda: stage.events_of(WorkerReplied, min_count=1), timeout=15)
    assert [(r.data.reply, r.data.match_id) for r in replies] == [(ReplyKind.interested, job.data.match_id)]
    assert replies[0].data.worker_id == job.data.worker_id and replies[0].data.site_id == job.data.site_id

    # A later training offer is now the latest pending offer; "不要" through the HTTP callback answers it.
    course = training_offered(worker)
    stage.publish(course)
    assert wait_for(lambda: len(_sent(engine, worker)) == 2, timeout=20)
    local = worker["phone"].removeprefix("+86")
    r = client.post("/api/v1/sms/inbound", json={"phone": local, "text": "不要"}, headers=callback_headers())
    assert r.status_code == 200, r.text
    assert r.json()["reply"] == "not_interested"
    replies = wait_for(
        lambda: [e for e in stage.events(min_count=1) if isinstance(e, WorkerReplied)][1:], timeout=15
    )
    assert [(e.data.reply, e.data.offer_id) for e in replies] == [
        (ReplyKind.not_interested, course.data.offer_id)
    ]

    # What nobody can parse goes to the office feed for a person, with the number masked.
    r = client.post(
        "/api/v1/sms/inbound",
        json={
            "phone": worker["phone"],
            "text": "工资能高点吗？我电话13812345678",
            "provider_message_id": "mo-1",
        },
        headers=callback_headers(),
    )
    assert r.json()["reply"] == "unknown"
    feed = client.get(f"/api/v1/offices/{worker['site_id']}/feed").json()["items"]
    [item] = [i for i in feed if i["kind"] == "unparsed_reply"]
    assert "138****5678" in item["payload"]["text"] and "13812345678" not in str(item)
    assert item["payload"]["from"] == f"{local[:3]}****{local[-4:]}"
    # The same provider message again is a no-op.
    again = client.post(
        "/api/v1/sms/inbound",
        json={"phone": worker["phone"], "text": "工资能高点吗？", "provider_message_id": "mo-1"},
        headers=callback_headers(),
    )
    assert again.json()["duplicate"] is True


@pytest.mark.parametrize("how", ["smpp", "http"])
def test_td_stops_every_later_sms_for_that_number_for_good(
    how: str, stage_factory: StageFactory, run_app: AppRunner, smsc: SmppPeer, directory: WorkerDirectory
) -> None:
    stage = stage_factory(smsc)  # 1 SMS per minute: the second offer waits
    client = run_app(stage)
    engine = engine_of(client)
    worker = directory.add()
    stage.publish(match_proposed(worker))
    stage.publish(match_proposed(worker))
    assert wait_for(lambda: _sent(engine, worker), timeout=20)
    assert wait_for(
        lambda: (
            [n.status_reason for n in notifications_of(engine, worker["worker_id"])].count("rate_limited")
            == 1
        )
    )

    if how == "smpp":
        assert smsc.send_mo(worker["phone"], "T D") == 1
    else:
        r = client.post(
            "/api/v1/sms/inbound", json={"phone": worker["phone"], "text": "退订"}, headers=callback_headers()
        )
        assert r.status_code == 200 and r.json()["reply"] == "opt_out"
    opted = wait_for(lambda: stage.events_of(WorkerOptedOut, min_count=1), timeout=15)
    assert [e.data.worker_id for e in opted] == [notifications_of(engine, worker["worker_id"])[0].worker_id]
    replies = stage.events_of(WorkerReplied, min_count=1)
    assert [r.data.reply for r in replies] == [ReplyKind.opt_out]

    # The waiting message is cancelled, and later offers are never sent, even after the limit window passes.
    assert wait_for(
        lambda: (
            [n.status_reason for n in notifications_of(engine, worker["worker_id"])].count("opted_out") == 1
        )
    )
    CLOCK.set(datetime.now(SHANGHAI) + timedelta(minutes=5))
    stage.publish(match_proposed(worker))
    stage.publish(training_offered(worker))
    assert wait_for(lambda: len(notifications_of(engine, worker["worker_id"])) == 4, timeout=15)
    wait_for(lambda: all(n.status != "pending" for n in notifications_of(engine, worker["worker_id"])))
    assert [n.status for n in notifications_of(engine, worker["worker_id"])].count(
        NotificationStatus.skipped
    ) == 3
    assert len(smsc.submits_to(worker["phone"])) == 1
    resend = client.post(
        f"/api/v1/notifications/{notifications_of(engine, worker['worker_id'])[0].id}/resend"
    )
    assert resend.status_code == 409


def test_an_event_at_2130_waits_and_is_sent_at_0800(
    stage_factory: StageFactory, run_app: AppRunner, smsc: SmppPeer, directory: WorkerDirectory
) -> None:
    stage = stage_factory(smsc, NOTIFICATIONS_QUIET_START="21:00", NOTIFICATIONS_QUIET_END="08:00")
    evening = (datetime.now(SHANGHAI) + timedelta(days=1)).replace(
        hour=21, minute=30, second=0, microsecond=0
    )
    CLOCK.set(evening)
    client = run_app(stage)
    engine = engine_of(client)
    worker = directory.add()
    stage.publish(match_proposed(worker))
    assert wait_for(
        lambda: [n.status_reason for n in notifications_of(engine, worker["worker_id"])] == ["quiet_hours"]
    )
    [note] = notifications_of(engine, worker["worker_id"])
    morning = (evening + timedelta(days=1)).replace(hour=8, minute=0)
    assert note.status == NotificationStatus.pending and note.due_at == morning

    CLOCK.set(morning - timedelta(seconds=1))
    assert not wait_for(lambda: smsc.submits_to(worker["phone"]), timeout=1.5)
    CLOCK.set(morning)
    assert wait_for(lambda: smsc.submits_to(worker["phone"]), timeout=10)
    assert len(smsc.submits_to(worker["phone"])) == 1


def test_per_number_limits_make_messages_wait_not_drop(
    stage_factory: StageFactory, run_app: AppRunner, smsc: SmppPeer, directory: WorkerDirectory
) -> None:
    stage = stage_factory(smsc, NOTIFICATIONS_LIMIT_PER_MINUTE="1", NOTIFICATIONS_LIMIT_PER_HOUR="2")
    start = (datetime.now(SHANGHAI) + timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
    CLOCK.set(start)
    client = run_app(stage)
    engine = engine_of(client)
    worker = directory.add()
    for _ in range(3):
        stage.publish(match_proposed(worker))
    assert wait_for(lambda: len(smsc.submits_to(worker["phone"])) == 1, timeout=20)
    assert wait_for(
        lambda: (
            [n.status_reason for n in notifications_of(engine, worker["worker_id"])].count("rate_limited")
            == 2
        )
    )
    assert {n.due_at for n in notifications_of(engine, worker["worker_id"]) if n.status == "pending"} == {
        start + timedelta(minutes=1)
    }
    CLOCK.set(start + timedelta(seconds=61))
    assert wait_for(lambda: len(smsc.submits_to(worker["phone"])) == 2, timeout=10)
    CLOCK.set(start + timedelta(seconds=200))  # the hourly limit (2) holds the third
    assert not wait_for(lambda: len(smsc.submits_to(worker["phone"])) == 3, timeout=1.5)
    waiting = [n for n in notifications_of(engine, worker["worker_id"]) if n.status == "pending"]
    assert [n.due_at for n in waiting] == [start + timedelta(hours=1)]
    CLOCK.set(start + timedelta(hours=1, seconds=1))
    assert wait_for(lambda: len(smsc.submits_to(worker["phone"])) == 3, timeout=10)
    # Another number is not affected by this one's limits.
    other = directory.add()
    stage.publish(match_proposed(other))
    assert wait_for(lambda: smsc.submits_to(other["phone"]), timeout=10)


INVALID_INBOUND: list[tuple[Any, dict[str, str] | None, int, str | None]] = [
    ({"text": "1"}, None, 422, "body.phone"),
    ({"phone": "hello", "text": "1"}, None, 422, "body.phone"),
    ({"phone": "+8613900000001", "text": ""}, None, 422, "body.text"),
    ({"phone": "+8613900000001", "text": "1", "sender": "x"}, None, 422, "body.sender"),
    ({"phone": "+8613900000001", "text": "x" * 1001}, None, 422, "body.text"),
    ({"phone": "+8613900000001", "text": "1", "provider": "A B"}, None, 422, "body.provider"),
    ({"phone": "+8613900000001", "text": "TD"}, {"X-Anju-Callback-Token": "wrong"}, 401, None),
    ({"phone": "+8613900000001", "text": "TD"}, {}, 401, None),
    ("not json", None, 422, "body"),
    ([1, 2], None, 422, "body"),
]


def test_invalid_inbound_payload_gets_4xx_and_nothing_changes(
    stage_factory: StageFactory, run_app: AppRunner, directory: WorkerDirectory
) -> None:
    stage = stage_factory()
    client = run_app(stage)
    engine = engine_of(client)
    before = _counts(engine)
    for body, headers, status, field in INVALID_INBOUND:
        kwargs: dict[str, Any] = {"headers": callback_headers() if headers is None else headers}
        if isinstance(body, str):
            kwargs["content"] = body
            kwargs["headers"] = {**kwargs["headers"], "Content-Type": "application/json"}
        else:
            kwargs["json"] = body
        r = client.post("/api/v1/sms/inbound", **kwargs)
        assert r.status_code == status, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        if field:
            assert any(e["field"].startswith(field) for e in r.json()["errors"]), r.text
    bad_report = client.post(
        "/api/v1/sms/reports",
        json={"provider_message_id": "m1", "status": "lost"},
        headers=callback_headers(),
    )
    assert bad_report.status_code == 422 and "body.status" in bad_report.text
    unknown = client.post(
        "/api/v1/sms/reports",
        json={"provider_message_id": "nope", "status": "delivered"},
        headers=callback_headers(),
    )
    assert unknown.status_code == 404
    assert _counts(engine) == before
    assert stage.events() == []
    # The same endpoint takes a valid reply (control: the fixture is able to change things).
    ok = client.post(
        "/api/v1/sms/inbound", json={"phone": "+8613900000001", "text": "TD"}, headers=callback_headers()
    )
    assert ok.status_code == 200 and _counts(engine) != before
