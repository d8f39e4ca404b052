"""What workers send us: replies read in the context of the SMS they answer (offers, follow-up and arrival
check-ins), opt-outs, the refusal of automated matching, and messages a person must read."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from anju_common.events import ReplyKind, WorkerOptedOut, WorkerOptedOutData, WorkerReplied, WorkerRepliedData
from anju_common.logs import get_logger
from anju_common.pii import mask_phone, redact_text
from sqlmodel import Session

from notifications import repository as repo
from notifications.contacts import ContactUnavailable, KnownWorker, lookup_client
from notifications.feed import add_feed_item
from notifications.models import InboundMessage, Notification, OptOut, emit
from notifications.phones import hash_phone
from notifications.providers.base import Inbound
from notifications.replies import parse_reply
from notifications.templates import TEMPLATES

log = get_logger(__name__)
Lookup = Callable[[str], list[KnownWorker]]


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


def reply_context(session: Session, phone_hash: str) -> Notification | None:
    """The SMS a reply answers: the latest this number received; after an offer that was answered already,
    the latest unanswered offer (several offers may wait for an answer)."""
    latest = repo.latest_received_for_phone(session, phone_hash)
    if latest is not None and latest.template in repo.OFFER_TEMPLATES and latest.reply is not None:
        return repo.latest_offer_for_phone(session, phone_hash)
    return latest


def _reverse_lookup(phone_hash: str, lookup: Lookup | None) -> tuple[uuid.UUID | None, uuid.UUID | None, str]:
    """(worker, site, how) for a number we never texted, through the workers service."""
    try:
        found = (lookup or lookup_client().by_phone_hash)(phone_hash)
    except ContactUnavailable as exc:
        log.warning("inbound.lookup_unavailable", error=str(exc)[:100])
        return None, None, "lookup_unavailable"
    if len(found) == 1:
        return found[0].worker_id, found[0].site_id, "lookup"
    sites = {w.site_id for w in found}
    if len(sites) == 1:  # a family sharing one phone: the office knows them
        return None, sites.pop(), "lookup_shared"
    return None, None, "unknown_number" if not found else "lookup_ambiguous"


def handle_inbound(
    session: Session, message: Inbound, now: datetime, lookup: Lookup | None = None
) -> InboundMessage | None:
    """A worker's SMS: opt-out, refusal, an answer to the SMS it replies to, or something a person must read
    (on the office's feed, also from a number we never texted; from a number nobody knows, on the admins')."""
    if repo.inbound_seen(session, message.provider, message.provider_message_id):
        return None
    phone_hash = hash_phone(message.phone)
    context = reply_context(session, phone_hash)
    known = context or repo.latest_for_phone(session, phone_hash)
    worker_id = known.worker_id if known else None
    site_id = known.site_id if known else None
    how = "notification" if known else ""
    if known is None:
        worker_id, site_id, how = _reverse_lookup(phone_hash, lookup)
    asks = TEMPLATES[context.template].replies if context and context.template in TEMPLATES else ()
    reply = parse_reply(message.text, asks or None)
    refused = reply == ReplyKind.refuse_automation and worker_id is not None
    understood = reply not in (ReplyKind.unknown, ReplyKind.refuse_automation) and context is not None
    if reply != ReplyKind.opt_out and not refused and not understood:
        reply = ReplyKind.unknown
    text = redact_text(message.text)[:1000]
    inbound = InboundMessage(
        provider=message.provider,
        provider_message_id=message.provider_message_id,
        phone_hash=phone_hash,
        phone_masked=mask_phone(message.phone),
        text=text,
        reply=reply.value,
        notification_id=context.id if context else None,
        worker_id=worker_id,
        site_id=site_id,
        received_at=now,
    )
    if not repo.claim_inbound(session, inbound):
        return None
    answered = context if reply not in (ReplyKind.opt_out, ReplyKind.refuse_automation) else None
    if reply == ReplyKind.opt_out:
        understood = False
        opt_out(session, worker_id=worker_id, phone_hash=phone_hash, now=now)
    elif refused:
        if site_id is not None:
            add_feed_item(
                session,
                site_id=site_id,
                kind="automation_refused",
                title="村民短信拒绝自动推荐（JJ）/ A worker refused automated matching by SMS",
                payload={"worker_id": str(worker_id), "from": mask_phone(message.phone)},
                now=now,
            )
    elif understood and context is not None:
        context.reply = reply.value
        context.replied_at = now
        context.updated_at = now
    else:
        add_feed_item(
            session,
            site_id=site_id,
            kind="unparsed_reply",
            title=(
                "村民短信无法识别，请人工查看 / A message needs a person to read it"
                if site_id is not None
                else "未知号码的短信，请管理员查看 / A message from an unknown number"
            ),
            payload={
                "worker_id": str(worker_id) if worker_id else None,
                "notification_id": str(context.id) if context else None,
                "context": context.template if context else None,
                "text": text,
                "from": mask_phone(message.phone),
                "identified_by": how,
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
                    match_id=answered.match_id if answered else None,
                    offer_id=answered.offer_id if answered else None,
                    notification_id=answered.id if answered else None,
                    site_id=site_id,
                    # Only an understood answer carries these: the workers service records it as the outcome.
                    follow_up_id=answered.follow_up_id if answered and understood else None,
                    departure_id=answered.departure_id if answered and understood else None,
                ),
                subject=worker_id,
            ),
        )
    session.flush()
    return inbound
