"""Recovery of submits whose process died: with the 'hold' policy an in-doubt message waits for a person
(and a resend sends it); a submit the provider is known (from Redis) to have accepted is recorded as sent,
not in doubt and not sent again."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from anju_common.testing import wait_for
from fastapi.testclient import TestClient
from notifications.models import Notification, NotificationStatus
from notifications.providers.base import Submitted
from notifications.sending import remember_accepted
from sqlmodel import Session

from tests.notifications.conftest import Stage, engine_of
from tests.notifications.helpers import first_of, notifications_of
from tests.notifications.peers import SmppPeer, WorkerDirectory

StageFactory = Callable[..., Stage]
AppRunner = Callable[[Stage], TestClient]


def _stuck(
    client: TestClient, worker: dict[str, str], before: Callable[[uuid.UUID], None] | None = None
) -> Notification:
    """A row as a killed process leaves it: 'submitting', lease run out (before: run with its id first, as the
    killed process did before the row's lease ran out)."""
    past = datetime.now(UTC) - timedelta(minutes=5)
    note = Notification(
        source_event_id=uuid.uuid4(),
        source_event_type="anju.matching.match.proposed",
        worker_id=uuid.UUID(worker["worker_id"]),
        site_id=uuid.UUID(worker["site_id"]),
        template="referral",
        params={"job": "普工"},
        status=NotificationStatus.submitting,
        attempts=1,
        provider="smpp",
        lease_until=past,
        due_at=past,
        created_at=past,
        updated_at=past,
    )
    if before is not None:
        before(note.id)
    with Session(engine_of(client), expire_on_commit=False) as s:
        s.add(note)
        s.commit()
    return note


def test_hold_policy_keeps_an_in_doubt_message_for_a_person_and_resend_sends_it(
    stage_factory: StageFactory, run_app: AppRunner, smsc: SmppPeer, directory: WorkerDirectory
) -> None:
    stage = stage_factory(smsc, NOTIFICATIONS_IN_DOUBT_POLICY="hold")
    client = run_app(stage)
    engine = engine_of(client)
    worker = directory.add()
    note = _stuck(client, worker)
    assert wait_for(lambda: getattr(first_of(engine, worker["worker_id"]), "status", None) == "in_doubt")
    held = first_of(engine, worker["worker_id"])
    assert held.in_doubt and held.in_doubt_at and "in doubt" in held.status_reason
    assert not wait_for(lambda: smsc.submits_to(worker["phone"]), timeout=1.0)
    listed = client.get("/api/v1/notifications", params={"in_doubt": "true"}).json()["items"]
    assert [n["id"] for n in listed] == [str(note.id)]
    assert client.get("/api/v1/notifications/counts").json()["counts"]["in_doubt"] == 1

    r = client.post(f"/api/v1/notifications/{note.id}/resend")
    assert r.status_code == 202
    assert wait_for(lambda: smsc.submits_to(worker["phone"]), timeout=15)
    assert len(smsc.submits_to(worker["phone"])) == 1
    assert {n.status for n in notifications_of(engine, worker["worker_id"])} >= {NotificationStatus.in_doubt}


def test_a_submit_redis_saw_accepted_is_recorded_sent_not_in_doubt(
    stage_factory: StageFactory, run_app: AppRunner, smsc: SmppPeer, directory: WorkerDirectory
) -> None:
    stage = stage_factory(smsc)
    client = run_app(stage)
    engine = engine_of(client)
    worker = directory.add()
    cache = client.app.state.runtime.redis  # type: ignore[attr-defined]
    # Redis saw the accept before the row could be recovered (the dispatcher looks every second).
    _stuck(
        client,
        worker,
        lambda i: remember_accepted(cache, i, 1, Submitted(message_ids=["m-accepted"], segments=1)),
    )
    assert wait_for(lambda: getattr(first_of(engine, worker["worker_id"]), "status", None) == "sent")
    row = first_of(engine, worker["worker_id"])
    assert not row.in_doubt and row.provider_message_id == "m-accepted"
    assert not wait_for(lambda: smsc.submits_to(worker["phone"]), timeout=1.0)


def test_an_in_doubt_row_keeps_its_in_doubt_reason_when_a_later_step_sets_status_reason(
    stage_factory: StageFactory, run_app: AppRunner, directory: WorkerDirectory
) -> None:
    stage = stage_factory()  # policy resend: the row goes back to pending and the dispatcher takes it again
    client = run_app(stage)
    engine = engine_of(client)
    gone = {
        "worker_id": str(uuid.uuid4()),
        "site_id": str(uuid.uuid4()),
    }  # the workers service does not know it
    note = _stuck(client, gone)
    assert wait_for(
        lambda: getattr(first_of(engine, gone["worker_id"]), "status_reason", None) == "unknown_worker"
    )
    body = client.get(f"/api/v1/notifications/{note.id}").json()
    assert body["in_doubt"] is True and body["status"] == "skipped"
    assert body["in_doubt_reason"] == "in doubt: submit interrupted (process stopped or link lost)"
    assert body["status_reason_text"] == {"zh": "找不到该村民", "en": "unknown worker"}
