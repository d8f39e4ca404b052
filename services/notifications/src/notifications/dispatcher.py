"""The dispatcher: claims due notifications, applies consent, opt-out, quiet hours, per-number limits and the
liveness of what each refers to (a closed match or cancelled departure cancels it), marks them 'submitting'
and commits BEFORE the provider sees them, submits, then records the outcome.

A crash between the two commits leaves rows in 'submitting'; when their lease runs out they are recorded as in
doubt and handled by policy (resend once, or hold for a person)."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import redis
from anju_common.background import BackgroundThread
from anju_common.clock import CLOCK, Clock
from anju_common.db import session_scope
from anju_common.logs import get_logger
from anju_common.outbox import buffered_events
from sqlalchemy import Engine

from notifications import liveness, sending
from notifications import repository as repo
from notifications.config import get_settings
from notifications.contacts import Contact, ContactClient, ContactUnavailable
from notifications.metrics import SMS_OUTCOMES, SUBMIT_LATENCY
from notifications.models import Notification
from notifications.phones import hash_phone
from notifications.providers.base import OutgoingSms, Rejected, SmsProvider, SubmitOutcome, Submitted
from notifications.ratelimit import RateLimiter
from notifications.templates import render

log = get_logger(__name__)


class Dispatcher(BackgroundThread):
    """A background worker; several replicas may run (rows are claimed with SKIP LOCKED and leases)."""

    def __init__(
        self,
        engine: Engine,
        provider: SmsProvider,
        contacts: ContactClient,
        limiter: RateLimiter,
        client: redis.Redis[bytes],
        clock: Clock = CLOCK,
    ) -> None:
        super().__init__("sms-dispatcher")
        self.engine = engine
        self.provider = provider
        self.contacts = contacts
        self.limiter = limiter
        self.redis = client
        self.clock = clock
        self._last_recovery = 0.0
        self._attempts: dict[uuid.UUID, int] = {}

    def _accepted(self, msg: OutgoingSms, outcome: SubmitOutcome) -> None:
        if isinstance(outcome, Submitted):
            sending.remember_accepted(
                self.redis, msg.notification_id, self._attempts[msg.notification_id], outcome
            )

    def recover(self) -> int:
        """Record expired submits as in doubt."""
        with session_scope(self.engine) as session:
            return sending.recover_in_doubt(session, self.redis, self.clock.now())

    def run_once(self) -> int:
        """One claimed batch: returns how many notifications were looked at."""
        s = get_settings()
        now = self.clock.now()
        outgoing: list[OutgoingSms] = []
        slots: dict[uuid.UUID, tuple[str, str]] = {}
        with session_scope(self.engine) as session:
            rows = repo.claim_due(session, now, s.dispatch_batch)
            if not rows:
                return 0
            quiet_end = sending.quiet_until(now)
            if quiet_end is not None:
                for note in rows:
                    sending.defer(note, quiet_end, "quiet_hours", now)
                return len(rows)
            opted = repo.opted_out_workers(session, [n.worker_id for n in rows])
            live = [n for n in rows if n.worker_id not in opted]
            for note in rows:
                if note.worker_id in opted:
                    sending.skip(note, "opted_out", now)
            # Liveness, in the transaction that commits just before the provider sees the message.
            stale = liveness.stale_reasons(session, live)
            for note in live:
                if note.id in stale:
                    liveness.cancel(note, stale[note.id], now)
            live = [n for n in live if n.id not in stale]
            contacts = self.contacts.get_many([n.worker_id for n in live])
            phones = {
                n.id: c.phone
                for n in live
                if isinstance(c := contacts.get(n.worker_id), Contact) and c.phone and c.sms_consent
            }
            opted_phones = repo.opted_out_phones(session, [hash_phone(p) for p in phones.values()])
            ready: list[tuple[Notification, str, str, str]] = []  # note, phone, its hash, limiter slot
            for note in live:
                contact = contacts.get(note.worker_id)
                if isinstance(contact, ContactUnavailable):
                    sending.defer(note, now + sending.backoff(3), "contact_unavailable", now)
                    continue
                if contact is None:
                    sending.skip(note, "unknown_worker", now)
                    continue
                if not contact.phone:
                    sending.skip(note, "no_phone", now)
                    continue
                if not contact.sms_consent:
                    sending.skip(note, "no_consent", now)
                    continue
                phone_hash = hash_phone(contact.phone)
                if phone_hash in opted_phones:
                    sending.skip(note, "opted_out", now)
                    continue
                if note.site_id is None:
                    note.site_id = contact.site_id
                ready.append((note, contact.phone, phone_hash, f"{note.id}:{note.attempts}"))
            waits = self.limiter.reserve_many([(phone_hash, slot) for _, _, phone_hash, slot in ready], now)
            for (note, phone, phone_hash, slot), wait in zip(ready, waits, strict=True):
                if wait > 0:
                    sending.defer(note, now + timedelta(seconds=wait), "rate_limited", now)
                    continue
                sending.mark_submitting(note, phone, now)
                slots[note.id] = (phone_hash, slot)
                self._attempts[note.id] = note.attempts
                outgoing.append(
                    OutgoingSms(
                        notification_id=note.id,
                        phone=phone,
                        rendered=render(note.template, note.params),
                    )
                )
        if not outgoing:
            return len(rows)
        started = time.perf_counter()
        try:
            outcomes = self.provider.submit_many(outgoing, self._accepted)
        except Exception as exc:  # a provider bug must not strand rows: they become in doubt via their lease
            log.exception("dispatcher.provider_error", error=type(exc).__name__)
            outcomes = [Rejected(code="provider_error", permanent=False, maybe_sent=True) for _ in outgoing]
        SUBMIT_LATENCY.observe(time.perf_counter() - started)
        done = self.clock.now()
        with session_scope(self.engine) as session, session.no_autoflush, buffered_events(session):
            rows_by_id = repo.lock_notifications(session, [m.notification_id for m in outgoing])
            for msg, outcome in zip(outgoing, outcomes, strict=True):
                if isinstance(outcome, Rejected) and not outcome.maybe_sent:
                    self.limiter.release(*slots[msg.notification_id])
                row = rows_by_id.get(msg.notification_id)
                if row is None:
                    continue
                sending.record_outcome(session, row, outcome, self.provider.name, done)
                SMS_OUTCOMES.labels(self.provider.name, row.status.value).inc()
        self._attempts.clear()
        return len(rows)

    def run(self) -> None:
        """Recover expired submits now and then; dispatch until stopped."""
        while not self.stopping.is_set():
            try:
                if time.monotonic() - self._last_recovery > 1.0:
                    self._last_recovery = time.monotonic()
                    self.recover()
                if self.run_once():
                    continue
            except Exception as exc:
                log.warning("dispatcher.failed", error=f"{type(exc).__name__}: {exc}"[:300])
                self.stopping.wait(1.0)
            self.sleep(get_settings().dispatch_poll_seconds)

    def start(self) -> None:
        """Start the provider and the loop."""
        self.provider.start()
        super().start()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the current batch, then stop the provider."""
        super().stop(timeout)
        self.provider.stop(timeout)
        self.contacts.close()
