"""Reverse lookup of a phone number for other services (on /internal/v1, service token): which active workers
use it and at which site, keyed by the shared keyed hash or by the number itself. It answers ids only."""

from __future__ import annotations

import uuid
from typing import Annotated

from anju_common.deps import SessionDep
from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel
from sqlmodel import Session

from workers import repository as repo
from workers.pii import phone_hash as hash_phone
from workers.routes import require_service_token
from workers.schemas import LookupIn

router = APIRouter(prefix="/internal/v1", tags=["internal"], dependencies=[Depends(require_service_token)])
PhoneHash = Annotated[
    str, Path(pattern=r"^[0-9a-f]{64}$", description="keyed hash of the E.164 number (HMAC-SHA256, hex)")
]


class KnownWorker(BaseModel):
    """An active worker using the number (no personal data)."""

    worker_id: uuid.UUID
    site_id: uuid.UUID
    household_id: uuid.UUID


class PhoneOwners(BaseModel):
    """Active workers using one phone number (a family may share one); empty when nobody does."""

    workers: list[KnownWorker]


def owners(session: Session, hashed: str) -> PhoneOwners:
    """The active workers whose phone has this keyed hash, oldest registration first."""
    found = []
    for worker_id in repo.worker_ids_by_phone_hash(session, hashed):
        worker = repo.get_worker(session, worker_id)
        if worker is not None:
            found.append(
                KnownWorker(worker_id=worker.id, site_id=worker.site_id, household_id=worker.household_id)
            )
    return PhoneOwners(workers=found)


@router.get("/workers/by-phone-hash/{phone_hash}", response_model=PhoneOwners)
def by_phone_hash(phone_hash: PhoneHash, session: SessionDep) -> PhoneOwners:
    """Whose number this is, by its keyed hash (the notifications service never sends the number)."""
    return owners(session, phone_hash)


@router.post("/workers/by-phone", response_model=PhoneOwners)
def by_phone(body: LookupIn, session: SessionDep) -> PhoneOwners:
    """Whose number this is, by the number (any common Chinese form)."""
    return owners(session, hash_phone(body.phone))
