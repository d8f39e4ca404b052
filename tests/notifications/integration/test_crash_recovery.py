"""The service as a real process (python -m notifications), killed with SIGKILL in the middle of a batch and
started again: every pending SMS reaches the real SMSC, a duplicate is possible only for a submit that was in
flight at the instant of the kill, and each such message is recorded as in doubt."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx
from anju_common.db import make_engine
from anju_common.testing import free_port, wait_for
from notifications.models import Notification, NotificationStatus
from sqlmodel import Session, select

from tests.notifications.conftest import Stage
from tests.notifications.helpers import match_proposed
from tests.notifications.peers import SmppPeer, WorkerDirectory

StageFactory = Callable[..., Stage]
ROOT = Path(__file__).resolve().parents[3]
WINDOW = 10


def _start(stage: Stage, log: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "notifications"],
        cwd=ROOT,
        env=stage.env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{stage.env['NOTIFICATIONS_PORT']}/healthz"

    def up() -> bool:
        try:
            return httpx.get(url, timeout=0.5).status_code == 200
        except httpx.HTTPError:
            return False

    if not wait_for(up, timeout=60):
        proc.kill()  # never leave a process behind that outlives its database
        proc.wait(10)
        raise AssertionError(f"notifications did not answer in 60 s:\n{log.read_text()[-3000:]}")
    return proc


def test_sigkill_mid_batch_then_restart_delivers_every_sms_with_duplicates_only_for_in_doubt_ones(
    stage_factory: StageFactory, smsc: SmppPeer, directory: WorkerDirectory, tmp_path: Path
) -> None:
    stage = stage_factory(
        smsc,
        NOTIFICATIONS_PORT=str(free_port()),
        NOTIFICATIONS_LIMIT_PER_MINUTE="0",
        NOTIFICATIONS_LIMIT_PER_HOUR="0",
        NOTIFICATIONS_LIMIT_PER_DAY="0",
        NOTIFICATIONS_DISPATCH_BATCH=str(WINDOW),
        NOTIFICATIONS_SMPP_WINDOW=str(WINDOW),
        NOTIFICATIONS_SUBMIT_LEASE_SECONDS="4",
        NOTIFICATIONS_SMPP_RESPONSE_TIMEOUT_SECONDS="3",
    )
    smsc.configure(delay_ms=60)  # a slow SMSC, so that submits are in flight when the kill comes
    workers = [directory.add() for _ in range(240)]
    for worker in workers:
        stage.publish(match_proposed(worker))
    log = tmp_path / "service.log"

    first = _start(stage, log)
    try:
        assert wait_for(lambda: len(smsc.entries()) >= 60, timeout=60), log.read_text()[-3000:]
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    time.sleep(0.3)  # let the SMSC answer what was in flight, as a real one would
    at_kill = len(smsc.entries())
    assert at_kill < len(workers), "the kill came after the whole batch; nothing was tested"

    second = _start(stage, log)
    try:
        phones = [w["phone"].lstrip("+") for w in workers]

        def everyone_got_one() -> bool:
            got = Counter(e["dest"] for e in smsc.entries())
            return all(got[p] >= 1 for p in phones)

        assert wait_for(everyone_got_one, timeout=120), log.read_text()[-3000:]
        engine = make_engine(stage.db_url)

        def settled() -> list[Notification]:
            with Session(engine) as s:
                rows = list(s.exec(select(Notification)))
            done = (NotificationStatus.sent, NotificationStatus.delivered)
            return rows if len(rows) == len(workers) and all(r.status in done for r in rows) else []

        rows = wait_for(settled, timeout=60)
        assert rows, "not every notification was recorded as sent"
        engine.dispose()
    finally:
        second.send_signal(signal.SIGTERM)
        try:
            second.wait(20)
        except subprocess.TimeoutExpired:
            second.kill()

    got = Counter(e["dest"] for e in smsc.entries())
    phone_of = {w["worker_id"]: w["phone"].lstrip("+") for w in workers}
    in_doubt = {phone_of[str(r.worker_id)] for r in rows if r.in_doubt}
    duplicated = {p for p, n in got.items() if n > 1}
    assert all(n <= 2 for n in got.values())
    assert duplicated <= in_doubt, "a duplicate that was not recorded as in doubt"
    assert len(in_doubt) <= WINDOW, "more messages in doubt than could be in flight"
    for r in rows:
        if r.in_doubt:
            assert r.in_doubt_at is not None and "in doubt" in (r.status_reason or "")
    # Logs never carry a raw number, in any of its forms.
    text = log.read_text(encoding="utf-8", errors="replace")
    for w in workers:
        local = w["phone"].removeprefix("+86")
        assert local not in text and w["phone"] not in text
    print(f"kill after {at_kill} submits; in doubt {len(in_doubt)}; duplicated {len(duplicated)}")
