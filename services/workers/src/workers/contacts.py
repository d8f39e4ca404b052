"""Contact details for other services (on /internal/v1): decrypted phone and consent, one or many at a time,
and lookup by phone."""

from __future__ import annotations

import uuid

from anju_common.errors import NotFoundError
from sqlmodel import Session

from workers import repository as repo
from workers.models import Worker
from workers.pii import decrypt_phone, phone_hash
from workers.schemas import ContactPublic, ContactsOut


def contact(session: Session, worker_id: uuid.UUID) -> ContactPublic:
    """Decrypted contact details for the notifications service."""
    worker = repo.get_worker(session, worker_id)
    if worker is None:
        raise NotFoundError("worker", worker_id)
    return _public(worker)


def contacts(session: Session, worker_ids: list[uuid.UUID]) -> ContactsOut:
    """Contact details of many workers in one query (a dispatcher batch); unknown ids come back missing."""
    found = repo.workers_by_ids(session, worker_ids)
    wanted = list(dict.fromkeys(worker_ids))
    return ContactsOut(
        contacts=[_public(found[i]) for i in wanted if i in found],
        missing=[i for i in wanted if i not in found],
    )


def _public(worker: Worker) -> ContactPublic:
    return ContactPublic(
        worker_id=worker.id,
        site_id=worker.site_id,
        household_id=worker.household_id,
        phone=decrypt_phone(worker),
        sms_consent=worker.sms_consent and worker.active,  # no SMS to someone who left the programme
        name=worker.name,
        active=worker.active,
    )


def lookup_by_phone(session: Session, e164: str) -> list[uuid.UUID]:
    """Active workers with this phone, through the keyed hash."""
    return repo.worker_ids_by_phone_hash(session, phone_hash(e164))
