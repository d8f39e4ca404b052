"""A Kafka broker stopped and restarted twice while SMS flow: nothing is lost and nothing is sent twice."""

from __future__ import annotations

import signal
import subprocess
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from anju_common.events import NotificationSent, parse_event
from anju_common.kafka import Producer
from anju_common.testing import PrivateBroker, free_port, topic_records, wait_for
from anju_common.topics import ensure_topics

from tests.notifications.conftest import Stage
from tests.notifications.helpers import match_proposed
from tests.notifications.integration.test_crash_recovery import _start
from tests.notifications.peers import SmppPeer, WorkerDirectory

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.standalone]
StageFactory = Callable[..., Stage]
ROUNDS = 3
PER_ROUND = 30


def _records(bootstrap: str, topic: str) -> list[bytes]:
    return [r.value for r in topic_records(bootstrap, topic)]


def test_broker_restarts_lose_nothing_and_duplicate_nothing(
    stage_factory: StageFactory,
    smsc: SmppPeer,
    directory: WorkerDirectory,
    private_broker: PrivateBroker,
    tmp_path: Path,
) -> None:
    stage = stage_factory(
        smsc,
        ANJU_KAFKA_BOOTSTRAP=private_broker.bootstrap,
        NOTIFICATIONS_PORT=str(free_port()),
        NOTIFICATIONS_LIMIT_PER_MINUTE="0",
        NOTIFICATIONS_LIMIT_PER_HOUR="0",
        NOTIFICATIONS_LIMIT_PER_DAY="0",
    )
    ensure_topics(private_broker.bootstrap, stage.prefix, partitions=3)
    producer = Producer(private_broker.bootstrap, client_id="broker-restart-test")
    log = tmp_path / "service.log"
    service = _start(stage, log)
    workers = []
    try:
        for round_no in range(ROUNDS):
            batch = [directory.add() for _ in range(PER_ROUND)]
            workers += batch
            for worker in batch:
                producer.publish(match_proposed(worker), stage.prefix)
            # Stop the broker while this round is still being consumed, sent and reported.
            halfway = len(workers) - PER_ROUND // 2
            wait_for(lambda: len(smsc.entries()) >= halfway, timeout=60)  # noqa: B023
            if round_no < ROUNDS - 1:
                private_broker.stop()
                private_broker.start()
        phones = {w["phone"].lstrip("+") for w in workers}

        def all_sent() -> bool:
            got = Counter(e["dest"] for e in smsc.entries())
            return all(got[p] >= 1 for p in phones)

        assert wait_for(all_sent, timeout=120), log.read_text()[-3000:]
        worker_ids = {w["worker_id"] for w in workers}

        def sent_events() -> dict[str, set[str]]:
            by_worker: dict[str, set[str]] = {}
            for value in _records(private_broker.bootstrap, f"{stage.prefix}notifications.events"):
                ev = parse_event(value)
                if isinstance(ev, NotificationSent):
                    by_worker.setdefault(str(ev.data.worker_id), set()).add(str(ev.data.notification_id))
            return by_worker

        events = wait_for(lambda: (e := sent_events()) and worker_ids <= set(e) and e, timeout=150)
        assert events, "notification.sent was not published for every worker after the restarts"
    finally:
        producer.close()
        service.send_signal(signal.SIGTERM)
        try:
            service.wait(20)
        except subprocess.TimeoutExpired:
            service.kill()

    got = Counter(e["dest"] for e in smsc.entries())
    assert {p: n for p, n in got.items() if n != 1} == {}, "an SMS was duplicated across broker restarts"
    assert all(len(events[w]) == 1 for w in worker_ids), "one worker got two notifications"
    assert _records(private_broker.bootstrap, f"{stage.prefix}matching.events.dlq") == []
