"""Delivery receipts that never came (the process was down, the link was cut): after a set time a message
still 'sent' is asked about at the SMSC (SMPP query_sm) or, when the provider cannot be asked, marked
'unknown' with the reason; one the SMSC still has on its way is asked again each expiry period and marked
'unknown' after the give-up time. A receipt that arrives later still applies."""

from __future__ import annotations

from datetime import datetime, timedelta

from anju_common.background import PeriodicTask
from anju_common.clock import CLOCK, Clock
from anju_common.db import session_scope
from anju_common.logs import get_logger
from anju_common.outbox import buffered_events
from sqlalchemy import Engine
from sqlmodel import Session

from notifications import repository as repo
from notifications import sending
from notifications.config import get_settings
from notifications.models import Notification, NotificationStatus
from notifications.providers.base import MessageState, Receipt, SmsProvider, StateQuerying

log = get_logger(__name__)


def mark_unknown(note: Notification, reason: str, now: datetime) -> None:
    """Nobody can tell whether the SMS arrived: say so, with why."""
    note.status = NotificationStatus.unknown
    note.status_reason = reason[:200]
    note.updated_at = now


def _can_ask(provider: SmsProvider) -> bool:
    return isinstance(provider, StateQuerying) and provider.supports_query()


def _settle(
    session: Session,
    note: Notification,
    state: MessageState | None,
    asked: bool,
    now: datetime,
) -> str:
    """Apply what is known about one overdue message; returns what was done."""
    s = get_settings()
    message_id = note.provider_message_id or ""
    if state is not None and state.final:
        sending.apply_receipt(session, Receipt(message_id, state.delivered, state.code), now, note)
        return "delivered" if state.delivered else "failed"
    if not asked:
        mark_unknown(
            note,
            f"no delivery receipt after {s.receipt_expiry_seconds:.0f} s; "
            f"provider {note.provider} cannot be asked",
            now,
        )
        return "unknown"
    given_up = note.sent_at is not None and note.sent_at <= now - timedelta(seconds=s.receipt_give_up_seconds)
    if given_up:
        answer = state.code if state is not None else "no answer to query_sm"
        mark_unknown(
            note, f"no delivery receipt after {s.receipt_give_up_seconds:.0f} s; SMSC: {answer}", now
        )
        return "unknown"
    note.updated_at = now  # asked now: the next question comes one expiry period later
    return "asked"


def reconcile(engine: Engine, provider: SmsProvider, now: datetime) -> dict[str, int]:
    """One round over the overdue 'sent' messages; returns counts by what was done."""
    s = get_settings()
    cutoff = now - timedelta(seconds=s.receipt_expiry_seconds)
    with session_scope(engine) as session:
        overdue = [
            (n.id, n.provider_message_id, n.provider)
            for n in repo.sent_awaiting_receipt(session, cutoff, s.receipt_check_batch)
        ]
    if not overdue:
        return {}
    ask = [mid for _, mid, name in overdue if mid and name == provider.name]
    states: dict[str, MessageState] = {}
    asked = False
    if ask and _can_ask(provider):
        assert isinstance(provider, StateQuerying)
        states = provider.query_states(ask)
        asked = provider.supports_query()  # an SMSC that refused the command was not asked
    done: dict[str, int] = {}
    with session_scope(engine) as session, session.no_autoflush, buffered_events(session):
        notes = repo.lock_notifications(session, [nid for nid, _, _ in overdue])
        for nid, mid, name in overdue:
            note = notes.get(nid)
            if note is None or note.status != NotificationStatus.sent:
                continue  # a receipt came in the meantime
            outcome = _settle(
                session, note, states.get(mid or ""), asked and bool(mid) and name == provider.name, now
            )
            done[outcome] = done.get(outcome, 0) + 1
    return done


class ReceiptReconciler(PeriodicTask):
    """Runs reconcile() every receipt_check_seconds."""

    def __init__(self, engine: Engine, provider: SmsProvider, clock: Clock = CLOCK) -> None:
        super().__init__(
            "sms-receipt-reconciler",
            get_settings().receipt_check_seconds,
            failed_event="sms.receipt_reconcile_failed",
        )
        self.engine = engine
        self.provider = provider
        self.clock = clock

    def tick(self) -> int:
        """One round."""
        done = reconcile(self.engine, self.provider, self.clock.now())
        if done:
            log.info("sms.receipts_reconciled", **done)
        return sum(done.values())
