"""The dispatcher: claims due notifications, applies consent, opt-out, quiet hours and per-number limits,
marks them 'submitting' and commits BEFORE the provider sees them, submits, then records the outcome.

A crash between the two commits leaves rows in 'submitting'; when their lease runs out they are recorded as in
doubt and handled by policy (resend once, or hold for a person)."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta

from anju_common.db import session_scope
from anju_common.logs import get_logger
from sqlalchemy import Engine

from notifications import repository as repo
from notifications import service
from notifications.clock import CLOCK, Clock
from notifications.contacts import Contact, ContactClient, ContactUnavailable
from notifications.metrics import SMS_OUTCOMES, SUBMIT_LATENCY
from notifications.providers.base import OutgoingSms, Rejected, SmsProvider, SubmitOutcome, Submitted
from notifications.ratelimit import RateLimiter
from notifications.templates import render

log = get_logger(__name__)


class Dispatcher:
    """A background worker; several replicas may run (rows are claimed with SKIP LOCKED and leases)."""

    def __init__(
        self,
        engine: Engine,
        ctx: service.Context,
        provider: SmsProvider,
        contacts: ContactClient,
        limiter: RateLimiter,
        clock: Clock = CLOCK,
    ) -> None:
        self.engine = engine
        self.ctx = ctx
        self.provider = provider
        self.contacts = contacts
        self.limiter = limiter
        self.clock = clock
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_recovery = 0.0
        self._attempts: dict[uuid.UUID, int] = {}

    def _accepted(self, msg: OutgoingSms, outcome: SubmitOutcome) -> None:
        if isinstance(outcome, Submitted):
            service.remember_accepted(
                self.ctx, msg.notification_id, self._attempts[msg.notification_id], outcome
            )

    def wake(self) -> None:
        """Look for work now (a consumer just enqueued something)."""
        self._wake.set()

    def recover(self) -> int:
        """Record expired submits as in doubt."""
        with session_scope(self.engine) as session:
            return service.recover_in_doubt(session, self.ctx, self.clock.now())

    def run_once(self) -> int:
        """One claimed batch: returns how many notifications were looked at."""
        s = self.ctx.settings
        now = self.clock.now()
        outgoing: list[OutgoingSms] = []
        slots: dict[uuid.UUID, tuple[str, str]] = {}
        with session_scope(self.engine) as session:
            rows = repo.claim_due(session, now, s.dispatch_batch)
            if not rows:
                return 0
            quiet_end = service.quiet_until(s, now)
            if quiet_end is not None:
                for note in rows:
                    service.defer(note, quiet_end, "quiet_hours", now)
                return len(rows)
            opted = repo.opted_out_workers(session, [n.worker_id for n in rows])
            live = [n for n in rows if n.worker_id not in opted]
            for note in rows:
                if note.worker_id in opted:
                    service.skip(note, "opted_out", now)
            contacts = self.contacts.get_many([n.worker_id for n in live])
            phones = {
                n.id: c.phone
                for n in live
                if isinstance(c := contacts.get(n.worker_id), Contact) and c.phone and c.sms_consent
            }
            opted_phones = repo.opted_out_phones(session, [self.ctx.phone_hash(p) for p in phones.values()])
            for note in live:
                contact = contacts.get(note.worker_id)
                if isinstance(contact, ContactUnavailable):
                    service.defer(note, now + service.backoff(s, 3), "contact_unavailable", now)
                    continue
                if contact is None:
                    service.skip(note, "unknown_worker", now)
                    continue
                if not contact.phone:
                    service.skip(note, "no_phone", now)
                    continue
                if not contact.sms_consent:
                    service.skip(note, "no_consent", now)
                    continue
                phone_hash = self.ctx.phone_hash(contact.phone)
                if phone_hash in opted_phones:
                    service.skip(note, "opted_out", now)
                    continue
                if note.site_id is None:
                    note.site_id = contact.site_id
                slot = f"{note.id}:{note.attempts}"
                wait = self.limiter.reserve(phone_hash, slot, now)
                if wait > 0:
                    service.defer(note, now + timedelta(seconds=wait), "rate_limited", now)
                    continue
                service.mark_submitting(self.ctx, note, contact.phone, now)
                slots[note.id] = (phone_hash, slot)
                self._attempts[note.id] = note.attempts
                outgoing.append(
                    OutgoingSms(
                        notification_id=note.id,
                        phone=contact.phone,
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
        with session_scope(self.engine) as session, session.no_autoflush, self.ctx.buffered_events(session):
            rows_by_id = repo.lock_notifications(session, [m.notification_id for m in outgoing])
            for msg, outcome in zip(outgoing, outcomes, strict=True):
                if isinstance(outcome, Rejected) and not outcome.maybe_sent:
                    self.limiter.release(*slots[msg.notification_id])
                row = rows_by_id.get(msg.notification_id)
                if row is None:
                    continue
                service.record_outcome(session, self.ctx, row, outcome, self.provider.name, done)
                SMS_OUTCOMES.labels(self.provider.name, row.status.value).inc()
        self._attempts.clear()
        return len(rows)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if time.monotonic() - self._last_recovery > 1.0:
                    self._last_recovery = time.monotonic()
                    self.recover()
                if self.run_once():
                    continue
            except Exception as exc:
                log.warning("dispatcher.failed", error=f"{type(exc).__name__}: {exc}"[:300])
                self._stop.wait(1.0)
            self._wake.wait(self.ctx.settings.dispatch_poll_seconds)
            self._wake.clear()

    def start(self) -> None:
        """Start the provider and the loop."""
        self.provider.start()
        self._thread = threading.Thread(target=self._run, name="sms-dispatcher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the current batch, then stop the provider."""
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)
        self.provider.stop(timeout)
        self.contacts.close()
