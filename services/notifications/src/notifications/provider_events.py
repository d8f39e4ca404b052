"""What SMS providers push to us: workers' replies, handled at once, and delivery receipts, applied in
batches by a background thread."""

from __future__ import annotations

import threading
import time

from anju_common.background import BackgroundThread
from anju_common.clock import CLOCK
from anju_common.db import session_scope
from anju_common.logs import get_logger
from anju_common.outbox import buffered_events
from sqlalchemy import Engine

from notifications import inbound, sending
from notifications import repository as repo
from notifications.providers.base import Inbound, Receipt

log = get_logger(__name__)


class ProviderEvents(BackgroundThread):
    """What a provider pushes to us (SMPP deliver_sm). Replies are handled at once in their own transaction
    (an error makes the SMSC redeliver); delivery receipts are applied in batches by a background thread so
    the SMPP reader never waits on the database, and a receipt that beats our own 'sent' record is retried."""

    RETRIES = 40
    RETRY_SECONDS = 0.5

    def __init__(self, engine: Engine) -> None:
        super().__init__("sms-receipts")
        self.engine = engine
        self._receipts: list[tuple[Receipt, int, float]] = []
        self._lock = threading.Lock()

    def on_receipt(self, receipt: Receipt) -> None:
        """Queue a delivery report."""
        with self._lock:
            self._receipts.append((receipt, 0, 0.0))
        self.wake()

    def on_inbound(self, message: Inbound) -> None:
        """A worker's reply."""
        with session_scope(self.engine) as session:
            inbound.handle_inbound(session, message, CLOCK.now())

    def apply_receipts(self) -> int:
        """Apply the receipts that are due, in one transaction; returns how many were matched."""
        now = time.monotonic()
        with self._lock:
            due = [r for r in self._receipts if r[2] <= now]
            self._receipts = [r for r in self._receipts if r[2] > now]
        if not due:
            return 0
        unmatched: list[tuple[Receipt, int, float]] = []
        with session_scope(self.engine) as session, session.no_autoflush, buffered_events(session):
            notes = repo.notifications_for_messages(session, [r.message_id for r, _, _ in due])
            for receipt, tries, _ in due:
                note = notes.get(receipt.message_id)
                if note is not None:
                    sending.apply_receipt(session, receipt, CLOCK.now(), note)
                    continue
                if tries < self.RETRIES:
                    unmatched.append((receipt, tries + 1, now + self.RETRY_SECONDS))
                else:
                    log.warning("sms.receipt_unmatched", message_id=receipt.message_id)
        with self._lock:
            self._receipts.extend(unmatched)
        return len(due) - len(unmatched)

    def run(self) -> None:
        """Apply receipts as they come, until stopped."""
        while not self.stopping.is_set():
            try:
                self.apply_receipts()
            except Exception as exc:
                log.warning("sms.receipts_failed", error=f"{type(exc).__name__}: {exc}"[:300])
                self.stopping.wait(1.0)
            self.sleep(0.2)

    def stop(self, timeout: float = 10.0) -> None:
        """Apply what is due and stop."""
        super().stop(timeout)
        try:
            self.apply_receipts()
        except Exception as exc:
            log.warning("sms.receipts_failed", error=type(exc).__name__)
