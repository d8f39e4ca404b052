"""The worker-list filter built from query parameters, one way for the list and its xlsx export."""

from __future__ import annotations

import uuid

from anju_common.events import EmploymentStatus, LivelihoodType
from sqlmodel import Session

from workers import pii, skills
from workers import repository as repo


def worker_filter(
    session: Session,
    *,
    site_id: uuid.UUID | None,
    household_id: uuid.UUID | None,
    skill: str | None,
    employment_status: EmploymentStatus | None,
    livelihood_type: LivelihoodType | None,
    zero_employment: bool | None,
    active: bool,
    q: str | None,
    phone_last4: str | None,
    id_last4: str | None,
    ids: list[uuid.UUID] | None = None,
) -> repo.WorkerFilter:
    """The filter of GET /workers: the skill read through the vocabulary, name, last digits as hashes."""
    return repo.WorkerFilter(
        site_id=site_id,
        household_id=household_id,
        skill=skill,
        skill_ids=tuple(skills.query_ids(skill, skills.vocabulary(session))) if skill else (),
        employment_status=employment_status,
        livelihood_type=livelihood_type,
        zero_employment=zero_employment,
        active=active,
        name=q.strip() if q and q.strip() else None,
        phone_last4_hash=pii.phone_last4_hash(phone_last4) if phone_last4 else None,
        id_last4_hash=pii.id_last4_hash(id_last4) if id_last4 else None,
        ids=tuple(dict.fromkeys(ids or ())),
    )
