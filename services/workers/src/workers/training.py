"""Completed courses: the skills a course taught and the certificate it gave join the worker's record."""

from __future__ import annotations

from typing import Any

from anju_common.events import TrainingEnrolmentData
from anju_common.logs import get_logger
from anju_common.versioning import bump
from sqlmodel import Session

from workers import repository as repo
from workers.registration import publish_worker, skills_text

log = get_logger(__name__)
MAX_SKILLS = 30  # as many as the API accepts for one worker


def learned(skills: list[dict[str, Any]], taught: list[str], certificate: str | None) -> list[dict[str, Any]]:
    """The worker's skills after a course: each taught skill added at level 1 (certified when the course
    gave a certificate) or, already held, certified; the certificate itself as a certified entry."""
    out = [dict(s) for s in skills]
    by_name = {str(s["name"]).strip().lower(): s for s in out}
    wanted = [(name, bool(certificate)) for name in taught]
    if certificate:
        wanted.append((certificate, True))
    for name, certified in wanted:
        key = name.strip().lower()
        held = by_name.get(key)
        if held is not None:
            held["certified"] = bool(held.get("certified")) or certified
        elif len(out) < MAX_SKILLS:
            entry: dict[str, Any] = {"name": name.strip(), "level": 1, "certified": certified}
            out.append(entry)
            by_name[key] = entry
    return out


def on_enrolment_changed(session: Session, data: TrainingEnrolmentData) -> None:
    """training.enrolment_changed(completed): add what the course taught; worker.updated follows, so
    matching re-matches the worker with the new skills."""
    if data.status != "completed":
        return
    worker = repo.get_worker(session, data.worker_id, for_update=True)
    if worker is None or worker.erased_at is not None or not worker.active:
        log.info("workers.training_completion_skipped", enrolment_id=str(data.enrolment_id))
        return
    skills = learned(list(worker.skills), data.skills_taught, data.certificate)
    if skills == worker.skills:
        return
    worker.skills = skills
    worker.skills_text = skills_text(skills)
    bump(session, worker)
    publish_worker(session, worker, None)
