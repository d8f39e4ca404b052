"""What workers send us: replies to offers, opt-outs, and messages a person must read."""

from __future__ import annotations

import uuid
from datetime import datetime

from anju_common.events import ReplyKind, WorkerOptedOut, WorkerOptedOutData, WorkerReplied, WorkerRepliedData
from anju_common.pii import mask_phone, redact_text
from sqlmodel import Session

from notifications import repository as repo
from notifications.feed import add_feed_item
from notifications.models import InboundMessage, OptOut, emit
from notifications.phones import hash_phone
from notifications.providers.base import Inbound
from notifications.replies import parse_reply


def opt_out(session: Session, *, worker_id: uuid.UUID | None, phone_hash: str | None, now: datetime) -> None:
    """For good: remember the number and the worker, cancel what waits, tell the workers service."""
    if phone_hash is not None:
        known = bool(repo.opted_out_phones(session, [phone_hash]))
    else:
        known = repo.is_opted_out(session, worker_id, None)
    if not known:
        session.add(OptOut(phone_hash=phone_hash, worker_id=worker_id, created_at=now))
    repo.cancel_pending(session, worker_id, phone_hash, "opted_out", now)
    if worker_id is not None:
        emit(session, WorkerOptedOut.build(WorkerOptedOutData(worker_id=worker_id), subject=worker_id))


def handle_inbound(session: Session, message: Inbound, now: datetime) -> InboundMessage | None:
    """A worker's SMS: opt-out, an answer to the latest offer, or something a person must read."""
    if repo.inbound_seen(session, message.provider, message.provider_message_id):
        return None
    phone_hash = hash_phone(message.phone)
    reply = parse_reply(message.text)
    offer = repo.latest_offer_for_phone(session, phone_hash)
    known = offer or repo.latest_for_phone(session, phone_hash)
    worker_id = known.worker_id if known else None
    site_id = known.site_id if known else None
    text = redact_text(message.text)[:1000]
    inbound = InboundMessage(
        provider=message.provider,
        provider_message_id=message.provider_message_id,
        phone_hash=phone_hash,
        phone_masked=mask_phone(message.phone),
        text=text,
        reply=reply.value,
        notification_id=offer.id if offer else None,
        worker_id=worker_id,
        site_id=site_id,
        received_at=now,
    )
    session.add(inbound)
    if reply == ReplyKind.opt_out:
        opt_out(session, worker_id=worker_id, phone_hash=phone_hash, now=now)
    elif reply != ReplyKind.unknown and offer is not None:
        offer.reply = reply.value
        offer.replied_at = now
        offer.updated_at = now
    else:
        reply = ReplyKind.unknown
        inbound.reply = reply.value
        if site_id is not None:
            add_feed_item(
                session,
                site_id=site_id,
                kind="unparsed_reply",
                title="村民回复无法识别，请人工查看 / A reply needs a person to read it",
                payload={
                    "worker_id": str(worker_id) if worker_id else None,
                    "notification_id": str(offer.id) if offer else None,
                    "text": text,
                    "from": mask_phone(message.phone),
                },
                now=now,
            )
    if worker_id is not None:
        emit(
            session,
            WorkerReplied.build(
                WorkerRepliedData(
                    worker_id=worker_id,
                    reply=reply,
                    match_id=offer.match_id if offer else None,
                    offer_id=offer.offer_id if offer else None,
                    notification_id=offer.id if offer else None,
                    site_id=site_id,
                ),
                subject=worker_id,
            ),
        )
    session.flush()
    return inbound
