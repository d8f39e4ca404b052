"""End to end on real Kafka, PostgreSQL, Redis and the real node-smpp SMSC: one SMS per (event, worker), UCS-2
and concatenated submits, receipts, consent, retries on temporary errors, permanent failures with the
provider's code, and reconnection after the link drops."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from anju_common.events import (
    MatchStatus,
    NotificationDelivered,
    NotificationFailed,
    NotificationSent,
)
from anju_common.testing import wait_for
from fastapi.testclient import TestClient
from notifications.config import get_settings
from notifications.models import NotificationStatus

from tests.notifications.conftest import Stage, engine_of
from tests.notifications.helpers import (
    first_of,
    match_proposed,
    notifications_of,
    status_changed,
    training_offered,
)
from tests.notifications.peers import SmppPeer, WorkerDirectory

StageFactory = Callable[..., Stage]
AppRunner = Callable[[Stage], TestClient]


def test_match_proposed_sends_one_ucs2_sms_and_the_receipt_marks_it_delivered(
    stage_factory: StageFactory, run_app: AppRunner, smsc: SmppPeer, directory: WorkerDirectory
) -> None:
    stage = stage_factory(smsc)
    client = run_app(stage)
    worker = directory.add()
    ev = match_proposed(worker)
    stage.publish(ev)

    assert wait_for(lambda: smsc.submits_to(worker["phone"]), timeout=20)
    [submit] = smsc.submits_to(worker["phone"])
    assert submit["data_coding"] == 8
    assert submit["registered_delivery"] == 1
    assert submit["text"].startswith("【安居就业】王家社区扶贫车间招缝纫工，月薪3000-4500元")
    engine = engine_of(client)
    assert wait_for(
        lambda: [
            n
            for n in notifications_of(engine, worker["worker_id"])
            if n.status == NotificationStatus.delivered
        ],
        timeout=10,
    )
    [note] = notifications_of(engine, worker["worker_id"])
    assert note.provider == "smpp" and note.provider_message_id == submit["message_id"]
    assert (
        note.match_id == ev.data.match_id
        and note.phone_masked == f"{worker['phone'][3:6]}****{worker['phone'][-4:]}"
    )
    assert note.phone_enc and worker["phone"] not in note.phone_enc

    sent = stage.events_of(NotificationSent, min_count=2)
    assert [e.data.notification_id for e in sent] == [note.id]
    assert sent[0].data.source_event_id == ev.id and sent[0].data.match_id == ev.data.match_id
    delivered = [e for e in stage.events(min_count=2) if isinstance(e, NotificationDelivered)]
    assert [e.data.notification_id for e in delivered] == [note.id]


def test_a_redelivered_match_proposed_sends_exactly_one_sms(
    stage_factory: StageFactory, run_app: AppRunner, smsc: SmppPeer, directory: WorkerDirectory
) -> None:
    stage = stage_factory(smsc)
    client = run_app(stage)
    worker = directory.add()
    ev = match_proposed(worker)
    for _ in range(3):
        stage.publish(ev)  # the same event id three times, as a producer retry or a replay would
    assert wait_for(lambda: smsc.submits_to(worker["phone"]), timeout=20)
    engine = engine_of(client)
    wait_for(lambda: notifications_of(engine, worker["worker_id"])[0].status != NotificationStatus.pending)
    client.__exit__(None, None, None)

    # A new consumer group reads the whole topic again: every event is redelivered to the same database.
    stage.env["ANJU_CONSUMER_GROUP_SUFFIX"] = "-replay"
    client = run_app(stage)
    other = directory.add()
    stage.publish(match_proposed(other))
    assert wait_for(lambda: smsc.submits_to(other["phone"]), timeout=20)
    assert len(smsc.submits_to(worker["phone"])) == 1
    assert len(notifications_of(engine_of(client), worker["worker_id"])) == 1


def test_long_message_goes_as_concatenated_ucs2_parts(
    stage_factory: StageFactory, run_app: AppRunner, smsc: SmppPeer, directory: WorkerDirectory
) -> None:
    # Templates always fit one segment with a usual signature; an unusually long one still goes out whole.
    sign = "贵州省黔南州惠水县明田街道王家社区易地扶贫搬迁安置点就业服务站" * 2
    stage = stage_factory(smsc, NOTIFICATIONS_SIGN_NAME=sign)
    client = run_app(stage)
    worker = directory.add()
    stage.publish(match_proposed(worker, employer_name="王家社区扶贫车间", place="惠水县明田街道王家社区"))
    assert wait_for(lambda: len(smsc.submits_to(worker["phone"])) >= 2, timeout=20), [
        (n.status, n.status_reason, n.error_code)
        for n in notifications_of(engine_of(client), worker["worker_id"])
    ]
    parts = smsc.submits_to(worker["phone"])
    assert all(p["data_coding"] == 8 and p["esm_class"] & 0x40 for p in parts)
    udhs = [bytes.fromhex(p["udh"][0]) for p in parts]
    assert {u[3] for u in udhs} == {len(parts)} and sorted(u[4] for u in udhs) == list(
        range(1, len(parts) + 1)
    )
    assert len({u[2] for u in udhs}) == 1
    [whole] = smsc.messages_to(worker["phone"])
    assert whole.startswith(f"【{sign}】") and whole.endswith("退订回TD")
    wait_for(lambda: notifications_of(engine_of(client), worker["worker_id"])[0].segments == len(parts))
    assert notifications_of(engine_of(client), worker["worker_id"])[0].segments == len(parts)


def test_training_offer_and_referral_confirmation_are_sent_other_status_changes_are_not(
    stage_factory: StageFactory, run_app: AppRunner, smsc: SmppPeer, directory: WorkerDirectory
) -> None:
    stage = stage_factory(smsc, NOTIFICATIONS_LIMIT_PER_MINUTE="0")
    run_app(stage)
    worker = directory.add()
    stage.publish(training_offered(worker))
    stage.publish(status_changed(worker, MatchStatus.hired))
    stage.publish(status_changed(worker, MatchStatus.referred))
    assert wait_for(lambda: len(smsc.messages_to(worker["phone"])) >= 2, timeout=20)
    texts = smsc.messages_to(worker["phone"])
    assert any("电焊工培训班3月5日开课，补贴1200元" in t for t in texts)
    assert any("您已被推荐应聘包装工" in t for t in texts)
    assert len(texts) == 2


def test_no_consent_or_unknown_worker_means_no_sms(
    stage_factory: StageFactory, run_app: AppRunner, smsc: SmppPeer, directory: WorkerDirectory
) -> None:
    stage = stage_factory(smsc)
    client = run_app(stage)
    refused = directory.add(consent=False)
    stranger = {**directory.add(), "worker_id": str(uuid.uuid4())}
    stage.publish(match_proposed(refused))
    stage.publish(match_proposed(stranger))
    engine = engine_of(client)
    assert wait_for(
        lambda: [n.status_reason for n in notifications_of(engine, refused["worker_id"])] == ["no_consent"]
    )
    assert wait_for(
        lambda: (
            [n.status_reason for n in notifications_of(engine, stranger["worker_id"])] == ["unknown_worker"]
        )
    )
    assert smsc.submits_to(refused["phone"]) == []
    assert notifications_of(engine, refused["worker_id"])[0].status == NotificationStatus.skipped


def test_temporary_errors_are_retried_with_backoff_and_permanent_ones_recorded_with_the_code(
    stage_factory: StageFactory, run_app: AppRunner, smsc: SmppPeer, directory: WorkerDirectory
) -> None:
    stage = stage_factory(smsc)
    client = run_app(stage)
    busy = directory.add()
    bad = directory.add()
    smsc.configure(temporary={busy["phone"].lstrip("+"): 2}, permanent={bad["phone"].lstrip("+"): 0x0B})
    stage.publish(match_proposed(busy))
    stage.publish(match_proposed(bad))
    engine = engine_of(client)
    assert wait_for(lambda: smsc.submits_to(busy["phone"]), timeout=20)
    assert len(smsc.submits_to(busy["phone"])) == 1
    assert wait_for(lambda: notifications_of(engine, busy["worker_id"])[0].status in ("sent", "delivered"))
    assert notifications_of(engine, busy["worker_id"])[0].attempts == 3
    throttled = [e for e in smsc.entries("throttled") if e["dest"] == busy["phone"].lstrip("+")]
    assert len(throttled) == 2 and throttled[1]["at"] - throttled[0]["at"] >= 150  # backoff between tries

    assert wait_for(
        lambda: getattr(first_of(engine, bad["worker_id"]), "status", None) == NotificationStatus.failed
    )
    note = notifications_of(engine, bad["worker_id"])[0]
    assert note.error_code == "smpp:0x0000000B" and note.attempts == 1
    failed = [e for e in stage.events(min_count=2) if isinstance(e, NotificationFailed)]
    assert [(e.data.error_code, e.data.permanent) for e in failed] == [("smpp:0x0000000B", True)]


def test_link_loss_reconnects_and_sending_continues(
    stage_factory: StageFactory, run_app: AppRunner, smsc: SmppPeer, directory: WorkerDirectory
) -> None:
    stage = stage_factory(smsc)
    run_app(stage)
    first = directory.add()
    stage.publish(match_proposed(first))
    assert wait_for(lambda: smsc.submits_to(first["phone"]), timeout=20)
    smsc.drop_links()
    second = directory.add()
    stage.publish(match_proposed(second))
    assert wait_for(lambda: smsc.submits_to(second["phone"]), timeout=30)
    binds = get_settings().smpp_binds
    assert wait_for(lambda: smsc.bound_sessions() == binds, timeout=15)  # every bind came back


def test_contacts_come_in_one_request_per_batch_and_one_by_one_from_an_older_workers_service(
    stage_factory: StageFactory, run_app: AppRunner, smsc: SmppPeer, directory: WorkerDirectory
) -> None:
    stage = stage_factory(smsc)
    run_app(stage)
    workers = [directory.add() for _ in range(6)]
    singles, batches = directory.calls, directory.batch_calls
    for worker in workers[:4]:
        stage.publish(match_proposed(worker))
    assert wait_for(lambda: all(smsc.submits_to(w["phone"]) for w in workers[:4]), timeout=20)
    assert directory.calls == singles
    assert 1 <= directory.batch_calls - batches <= 4

    directory.batch_endpoint = False
    try:
        for worker in workers[4:]:
            stage.publish(match_proposed(worker))
        assert wait_for(lambda: all(smsc.submits_to(w["phone"]) for w in workers[4:]), timeout=20)
        assert directory.calls - singles >= 2
    finally:
        directory.batch_endpoint = True
    assert all(len(smsc.submits_to(w["phone"])) == 1 for w in workers)
