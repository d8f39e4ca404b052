"""Delivery receipts that never came: after the expiry a 'sent' message is asked about at the real SMSC with
query_sm and settled by its answer, asked again later while it is on its way and marked unknown after the
give-up time, and marked unknown at once when the provider cannot be asked; the clock is moved, not waited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from anju_common.clock import CLOCK
from anju_common.events import NotificationDelivered, NotificationFailed
from anju_common.testing import wait_for
from fastapi.testclient import TestClient
from notifications.models import NotificationStatus
from notifications.provider_events import ProviderEvents
from notifications.providers.base import OutgoingSms, Receipt, ResultHook, SubmitOutcome
from notifications.receipts import ReceiptReconciler

from tests.notifications.conftest import Stage, engine_of
from tests.notifications.helpers import first_of, match_proposed
from tests.notifications.peers import SmppPeer, WorkerDirectory

StageFactory = Callable[..., Stage]
AppRunner = Callable[[Stage], TestClient]
EXPIRY = 600
GIVE_UP = 7200


def _start(stage_factory: StageFactory, run_app: AppRunner, smsc: SmppPeer) -> tuple[TestClient, Stage]:
    stage = stage_factory(
        smsc,
        NOTIFICATIONS_RECEIPT_EXPIRY_SECONDS=str(EXPIRY),
        NOTIFICATIONS_RECEIPT_GIVE_UP_SECONDS=str(GIVE_UP),
        NOTIFICATIONS_RECEIPT_CHECK_SECONDS="100000",  # the test ticks the reconciler itself
    )
    smsc.configure(receipts=False)  # the receipts are "lost"
    return run_app(stage), stage


def _reconciler(client: TestClient) -> ReceiptReconciler:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    [found] = [w for w in runtime.workers if isinstance(w, ReceiptReconciler)]
    return found


def _sent(client: TestClient, stage: Stage, directory: WorkerDirectory) -> dict[str, str]:
    worker = directory.add()
    stage.publish(match_proposed(worker))
    engine = engine_of(client)
    assert wait_for(
        lambda: (n := first_of(engine, worker["worker_id"])) and n.status == NotificationStatus.sent,
        timeout=30,
    )
    return worker


def test_a_lost_receipt_is_asked_for_with_query_sm_after_the_expiry(
    stage_factory: StageFactory, run_app: AppRunner, smsc: SmppPeer, directory: WorkerDirectory
) -> None:
    client, stage = _start(stage_factory, run_app, smsc)
    worker = _sent(client, stage, directory)
    engine = engine_of(client)
    reconciler = _reconciler(client)
    note = first_of(engine, worker["worker_id"])

    CLOCK.set(note.sent_at + timedelta(seconds=EXPIRY - 5))
    assert reconciler.tick() == 0  # not overdue yet: nobody is asked
    assert smsc.entries("query_sm") == []

    CLOCK.set(note.sent_at + timedelta(seconds=EXPIRY + 5))
    assert reconciler.tick() == 1
    assert [e["message_id"] for e in smsc.entries("query_sm")] == [note.provider_message_id]
    after = first_of(engine, worker["worker_id"])
    assert after.status == NotificationStatus.delivered
    delivered = stage.events_of(NotificationDelivered, min_count=2)
    assert [e.data.notification_id for e in delivered] == [note.id]


def test_an_undeliverable_answer_fails_the_message(
    stage_factory: StageFactory, run_app: AppRunner, smsc: SmppPeer, directory: WorkerDirectory
) -> None:
    client, stage = _start(stage_factory, run_app, smsc)
    smsc.configure(query_state=5)  # UNDELIVERABLE
    worker = _sent(client, stage, directory)
    engine = engine_of(client)
    note = first_of(engine, worker["worker_id"])

    CLOCK.set(note.sent_at + timedelta(seconds=EXPIRY + 5))
    assert _reconciler(client).tick() == 1
    after = first_of(engine, worker["worker_id"])
    assert after.status == NotificationStatus.failed and after.error_code == "UNDELIVERABLE:000"
    failed = stage.events_of(NotificationFailed, min_count=2)
    assert [e.data.notification_id for e in failed] == [note.id]


def test_a_message_still_on_its_way_is_asked_again_then_marked_unknown(
    stage_factory: StageFactory, run_app: AppRunner, smsc: SmppPeer, directory: WorkerDirectory
) -> None:
    client, stage = _start(stage_factory, run_app, smsc)
    smsc.configure(query_state=1)  # ENROUTE
    worker = _sent(client, stage, directory)
    engine = engine_of(client)
    reconciler = _reconciler(client)
    note = first_of(engine, worker["worker_id"])

    CLOCK.set(note.sent_at + timedelta(seconds=EXPIRY + 5))
    assert reconciler.tick() == 1
    assert first_of(engine, worker["worker_id"]).status == NotificationStatus.sent
    assert reconciler.tick() == 0  # asked already: not again within the expiry period
    assert len(smsc.entries("query_sm")) == 1

    CLOCK.set(note.sent_at + timedelta(seconds=2 * EXPIRY + 10))
    assert reconciler.tick() == 1
    assert len(smsc.entries("query_sm")) == 2
    assert first_of(engine, worker["worker_id"]).status == NotificationStatus.sent

    CLOCK.set(note.sent_at + timedelta(seconds=GIVE_UP + 5))
    assert reconciler.tick() == 1
    after = first_of(engine, worker["worker_id"])
    assert after.status == NotificationStatus.unknown
    assert after.status_reason == f"no delivery receipt after {GIVE_UP} s; SMSC: ENROUTE:000"


def test_without_query_sm_an_overdue_message_is_unknown_and_a_late_receipt_still_applies(
    stage_factory: StageFactory, run_app: AppRunner, smsc: SmppPeer, directory: WorkerDirectory
) -> None:
    client, stage = _start(stage_factory, run_app, smsc)
    smsc.configure(query=False)  # the SMSC answers query_sm with generic_nack
    worker = _sent(client, stage, directory)
    engine = engine_of(client)
    note = first_of(engine, worker["worker_id"])

    CLOCK.set(note.sent_at + timedelta(seconds=EXPIRY + 5))
    assert _reconciler(client).tick() == 1
    after = first_of(engine, worker["worker_id"])
    assert after.status == NotificationStatus.unknown
    assert after.status_reason == f"no delivery receipt after {EXPIRY} s; provider smpp cannot be asked"

    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    [receipts] = [w for w in runtime.workers if isinstance(w, ProviderEvents)]
    receipts.on_receipt(Receipt(message_id=note.provider_message_id, delivered=True))
    assert wait_for(
        lambda: first_of(engine, worker["worker_id"]).status == NotificationStatus.delivered, timeout=10
    )


class _CannotAsk:
    """A provider with no way to ask about a message (as Aliyun here)."""

    name = "smpp"

    def start(self) -> None: ...
    def stop(self, timeout: float = 5.0) -> None: ...
    def submit_many(
        self, messages: list[OutgoingSms], on_result: ResultHook | None = None
    ) -> list[SubmitOutcome]:
        return []


def test_a_provider_that_cannot_be_asked_marks_overdue_messages_unknown(
    stage_factory: StageFactory, run_app: AppRunner, smsc: SmppPeer, directory: WorkerDirectory
) -> None:
    client, stage = _start(stage_factory, run_app, smsc)
    worker = _sent(client, stage, directory)
    engine = engine_of(client)
    note = first_of(engine, worker["worker_id"])

    CLOCK.set(note.sent_at + timedelta(seconds=EXPIRY + 5))
    assert ReceiptReconciler(engine, _CannotAsk()).tick() == 1
    assert first_of(engine, worker["worker_id"]).status == NotificationStatus.unknown
    assert smsc.entries("query_sm") == []
