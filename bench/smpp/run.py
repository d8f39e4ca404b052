"""SMPP provider benchmark (not part of the test suite).

    .venv/bin/python -m bench.smpp                                   # 20,000 messages, 4 binds, window 50
    .venv/bin/python -m bench.smpp --messages 5000 --binds 1 --batch 50 --delay-ms 20

The notifications service's SmppProvider in this process against the real node-smpp SMSC from
tests/notifications/smpp_peer (delivery receipts on). Messages are handed over in batches the size of the
dispatcher's (`--batch`, one submit_many call each) from `--callers` threads; the SMSC may answer each
submit_sm after `--delay-ms` (a remote SMSC's round trip), which is where windows and several binds matter.

Reports submits/s (messages accepted ÷ wall time from the first call to the last answer), this process's CPU
per message, and receipts matched (every receipt's message id is one the provider was given, and every
accepted message got its receipt).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from notifications.config import NotificationsSettings
from notifications.providers.base import Inbound, OutgoingSms, Receipt, Submitted
from notifications.providers.smpp import SmppProvider
from notifications.templates import render

from tests.notifications.peers import SmppPeer

ROOT = Path(__file__).resolve().parents[2]


class Counter:
    """The listener: counts receipts by message id."""

    def __init__(self) -> None:
        self.receipts: dict[str, int] = {}
        self.lock = threading.Lock()

    def on_receipt(self, receipt: Receipt) -> None:
        """A delivery report."""
        with self.lock:
            self.receipts[receipt.message_id] = self.receipts.get(receipt.message_id, 0) + 1

    def on_inbound(self, message: Inbound) -> None:
        """Not used here."""


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def run(args: argparse.Namespace) -> dict[str, object]:
    """One measurement."""
    with tempfile.TemporaryDirectory() as tmp:
        peer = SmppPeer(Path(tmp))
        if args.delay_ms:
            peer.configure(delay_ms=args.delay_ms)
        settings = NotificationsSettings(
            smpp_port=peer.port,
            smpp_binds=args.binds,
            smpp_window=args.window,
            smpp_response_timeout_seconds=30,
        )
        listener = Counter()
        provider = SmppProvider(settings, listener)
        provider.start()
        try:
            if not provider.wait_bound(15, links=args.binds):
                raise RuntimeError("the provider did not bind")
            rendered = render(
                "job_offer",
                {"employer": "王家社区扶贫车间", "job": "缝纫工", "wage": "3000-4500", "place": "惠水县"},
            )
            messages = [OutgoingSms(uuid.uuid4(), f"+86139{i:08d}", rendered) for i in range(args.messages)]
            batches = [messages[i : i + args.batch] for i in range(0, len(messages), args.batch)]
            provider.submit_many(messages[:100])  # warm-up
            accepted: list[str] = []
            lock = threading.Lock()

            def submit(batch: list[OutgoingSms]) -> None:
                ids = [
                    mid
                    for o in provider.submit_many(batch)
                    if isinstance(o, Submitted)
                    for mid in o.message_ids
                ]
                with lock:
                    accepted.extend(ids)

            cpu0, wall0 = time.process_time(), time.perf_counter()
            with ThreadPoolExecutor(args.callers) as pool:
                list(pool.map(submit, batches))
            wall = time.perf_counter() - wall0
            cpu = time.process_time() - cpu0
            deadline = time.monotonic() + 60
            wanted = set(accepted)
            while time.monotonic() < deadline and not wanted <= set(listener.receipts):
                time.sleep(0.2)
            with listener.lock:
                got = dict(listener.receipts)
            return {
                "date": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": f"{platform.machine()} {_cpu_model()} cpus={os.cpu_count()}",
                "load_average_1m": round(os.getloadavg()[0], 2),
                "messages": args.messages,
                "binds": args.binds,
                "window": args.window,
                "batch": args.batch,
                "callers": args.callers,
                "smsc_delay_ms": args.delay_ms,
                "accepted": len(accepted),
                "seconds": round(wall, 2),
                "submits_per_second": round(len(accepted) / wall, 1),
                "cpu_ms_per_sms": round(cpu * 1000 / max(1, len(accepted)), 3),
                "receipts_matched": len(wanted & set(got)),
                "receipts_missing": len(wanted - set(got)),
                "receipts_unexpected": len(set(got) - wanted - set(listener.receipts.keys() - wanted)),
                "bound_at_smsc": peer.bound_sessions(),
            }
        finally:
            provider.stop()
            peer.stop()


def main() -> None:
    """Parse options, run, print and append one JSON line."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--binds", type=int, default=4)
    parser.add_argument("--window", type=int, default=50)
    parser.add_argument("--batch", type=int, default=50, help="messages per submit_many call")
    parser.add_argument("--callers", type=int, default=1, help="threads calling submit_many")
    parser.add_argument("--delay-ms", type=int, default=0, help="the SMSC's answer delay")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "data" / "smpp-results.jsonl")
    args = parser.parse_args()
    result = run(args)
    print(json.dumps(result, ensure_ascii=False), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(result, ensure_ascii=False) + "\n")
