"""Reading a worker's full phone or ID number: office staff of the worker's site, with a reason, audited."""

from __future__ import annotations

import uuid
from datetime import datetime

from anju_common.errors import ConflictError, ForbiddenError, NotFoundError
from anju_common.logs import get_logger
from anju_common.principal import Principal
from sqlmodel import Session

from workers import repository as repo
from workers.models import PiiReveal
from workers.pii import decrypt_id_number, decrypt_phone
from workers.schemas import RevealIn

log = get_logger(__name__)


def reveal(
    session: Session, worker_id: uuid.UUID, body: RevealIn, principal: Principal, request_id: str | None
) -> tuple[PiiReveal, str | None]:
    """The full value and its audit record (written in the same transaction as the answer)."""
    if principal.role != "office_staff":
        # Admins read the audit log; employers never see more than the shared view.
        raise ForbiddenError(
            "只有该安置点的工作人员可以查看完整信息 / only office staff of the worker's site may reveal it"
        )
    worker = repo.get_worker(session, worker_id, principal)
    if worker is None:
        raise NotFoundError("worker", worker_id)
    if worker.erased_at is not None:
        raise ConflictError("该人员的个人信息已删除 / the worker's personal data was erased")
    value = decrypt_phone(worker) if body.field == "phone" else decrypt_id_number(worker)
    record = PiiReveal(
        worker_id=worker.id,
        site_id=worker.site_id,
        field=body.field,
        reason=body.reason,
        actor=principal.sub,
        actor_role=principal.role,
        request_id=request_id,
    )
    session.add(record)
    session.flush()
    log.info("pii.revealed", worker_id=str(worker.id), field=body.field, audit_id=str(record.id))
    return record, value


def list_reveals(
    session: Session,
    principal: Principal,
    flt: repo.RevealFilter,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[PiiReveal]:
    """The audit log (administrators only)."""
    if principal.role != "admin":
        raise ForbiddenError("只有管理员可以查看审计记录 / only administrators read the audit log")
    return repo.list_reveals(session, flt, after, limit)
