"""Is what an SMS refers to still live? A small local read model of matches, jobs, courses, placements,
follow-ups, departures and hires, fed by the events the service consumes, checked by the dispatcher right
before the provider sees a message and when a cancelling event arrives. Functions never commit."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session

from notifications import repository as repo
from notifications.models import Notification, NotificationStatus, ReferentState

# Match statuses in which each template still makes sense.
_OFFER_LIVE = {"proposed", "notified", "interested"}
_REFERRAL_LIVE = {"referred"}

# Why a message was not sent or waits: code -> (Chinese, English), shown beside status_reason in the API.
REASONS: dict[str, tuple[str, str]] = {
    "match_interested": ("村民已回复有意向", "the worker already answered"),
    "match_declined": ("村民已拒绝该岗位", "the worker declined the job"),
    "match_expired": ("推荐已过期", "the proposal expired"),
    "match_rejected": ("用人单位未录用", "the employer rejected the worker"),
    "match_hired": ("村民已被录用", "the worker was hired"),
    "match_left": ("村民已离职", "the worker left the job"),
    "match_referred": ("已推荐给用人单位", "the worker was already referred"),
    "match_proposed": ("推荐尚未进入转介阶段", "the match is not referred"),
    "match_notified": ("推荐尚未进入转介阶段", "the match is not referred"),
    "hired_elsewhere": ("村民已在别处就业", "the worker was hired elsewhere"),
    "job_closed": ("岗位已关闭", "the job was closed"),
    "job_filled": ("岗位已招满", "the job is filled"),
    "job_expired": ("岗位已过期", "the job expired"),
    "course_full": ("培训班已满员", "the course is full"),
    "course_closed": ("培训班已关闭", "the course was closed"),
    "placement_ended": ("该工作已结束", "the placement ended"),
    "follow_up_done": ("回访已完成", "the follow-up was already recorded"),
    "follow_up_cancelled": ("回访已取消", "the follow-up was cancelled"),
    "departure_cancelled": ("出行已取消", "the departure was cancelled"),
    "departure_passed": ("出发时间已过", "the departure time has passed"),
    "removed_from_departure": ("已不在出行名单上", "the worker is no longer on the departure roster"),
    "scheduled": ("按计划时间发送", "waits for its scheduled time"),
    "quiet_hours": ("夜间免打扰，早上8点后发送", "quiet hours: sent when they end"),
    "rate_limited": ("该号码发送次数已达上限，稍后发送", "the number's SMS limit is reached: waits"),
    "contact_unavailable": ("暂时无法获取联系方式，稍后重试", "the workers service did not answer: retries"),
    "opted_out": ("村民已退订短信", "the worker opted out (TD)"),
    "no_consent": ("村民未同意接收短信", "the worker did not consent to SMS"),
    "no_phone": ("没有手机号码", "no phone number"),
    "unknown_worker": ("找不到该村民", "unknown worker"),
}


def reason_text(reason: str | None) -> dict[str, str] | None:
    """The Chinese and English reading of a status_reason (codes, 'retry after …', 'in doubt: …')."""
    if not reason:
        return None
    if reason in REASONS:
        zh, en = REASONS[reason]
        return {"zh": zh, "en": en}
    if reason.startswith("retry after "):
        return {"zh": f"服务商暂时拒绝，稍后重试（{reason[12:]}）", "en": reason}
    if reason.startswith("in doubt"):
        return {"zh": f"发送结果不确定（{reason.partition(':')[2].strip()}）", "en": reason}
    return {"zh": reason, "en": reason}


# ------------------------------------------------------------------ the read model
def record(
    session: Session,
    kind: str,
    ref_id: uuid.UUID,
    status: str,
    now: datetime,
    *,
    version: int | None = None,
    detail: dict[str, Any] | None = None,
) -> ReferentState | None:
    """Upsert one referent's state; an event older than what is known (lower version) changes nothing."""
    state = repo.get_referent(session, kind, ref_id)
    if state is None:
        state = ReferentState(kind=kind, ref_id=ref_id, status=status, version=version or 0, updated_at=now)
        state.detail = dict(detail or {})
        session.add(state)
        session.flush()  # the consumer's batch may run without autoflush; the check below must see it
        return state
    if version is not None and version < state.version:
        return None
    state.status = status
    if version is not None:
        state.version = version
    if detail:
        state.detail = {**state.detail, **detail}
    state.updated_at = now
    return state


def _keys(note: Notification) -> list[tuple[str, uuid.UUID]]:
    keys: list[tuple[str, uuid.UUID]] = []
    for kind, ref in (
        ("match", note.match_id),
        ("job", note.job_id),
        ("training", note.training_id),
        ("placement", note.placement_id),
        ("follow_up", note.follow_up_id),
        ("departure", note.departure_id),
    ):
        if ref is not None:
            keys.append((kind, ref))
    if note.template == "job_offer":
        keys.append(("worker", note.worker_id))
    return keys


def stale_reason(note: Notification, states: dict[tuple[str, uuid.UUID], ReferentState]) -> str | None:
    """Why this SMS must not go out any more, or None while what it refers to is live (or unknown)."""

    def state(kind: str, ref: uuid.UUID | None) -> ReferentState | None:
        return states.get((kind, ref)) if ref is not None else None

    match = state("match", note.match_id)
    if note.template == "job_offer":
        if match is not None and match.status not in _OFFER_LIVE:
            return f"match_{match.status}"
        hire = state("worker", note.worker_id)
        if hire is not None and hire.status == "hired" and hire.detail.get("match_id") != str(note.match_id):
            return "hired_elsewhere"
    if note.template == "referral" and match is not None and match.status not in _REFERRAL_LIVE:
        return f"match_{match.status}"
    job = state("job", note.job_id)
    if note.template in ("job_offer", "referral") and job is not None and job.status != "open":
        return f"job_{job.status}" if job.status in ("closed", "filled", "expired") else "job_closed"
    course = state("training", note.training_id)
    if course is not None:
        if course.status == "closed":
            return "course_closed"
        if note.template == "training_offer" and (
            course.status == "full" or int(course.detail.get("seats_left", 1)) <= 0
        ):
            return "course_full"
    placement = state("placement", note.placement_id)
    if placement is not None and placement.status == "ended":
        return "placement_ended"
    follow_up = state("follow_up", note.follow_up_id)
    if follow_up is not None and follow_up.status in ("done", "cancelled"):
        return f"follow_up_{follow_up.status}"
    departure = state("departure", note.departure_id)
    if departure is not None and departure.status == "cancelled" and note.template != "departure_called_off":
        return "departure_cancelled"
    return None


def stale_reasons(session: Session, notes: Sequence[Notification]) -> dict[uuid.UUID, str]:
    """For a batch of notifications, those whose referent is gone, with the reason (two queries at most)."""
    keys = {k for note in notes for k in _keys(note)}
    if not keys:
        return {}
    states = repo.referents(session, keys)
    out: dict[uuid.UUID, str] = {}
    for note in notes:
        reason = stale_reason(note, states)
        if reason is not None:
            out[note.id] = reason
    return out


def cancel(note: Notification, reason: str, now: datetime) -> None:
    """Do not send: what it refers to is gone; the reason is recorded."""
    note.status = NotificationStatus.cancelled
    note.status_reason = reason
    note.lease_until = None
    note.updated_at = now


def cancel_stale(session: Session, notes: Iterable[Notification], now: datetime) -> int:
    """Cancel the waiting notifications among these whose referent is gone."""
    waiting = [n for n in notes if n.status in repo.CANCELLABLE]
    reasons = stale_reasons(session, waiting)
    for note in waiting:
        if note.id in reasons:
            cancel(note, reasons[note.id], now)
    return len(reasons)


def cancel_waiting_for(session: Session, column: str, ref_id: uuid.UUID, now: datetime) -> int:
    """A cancelling event arrived: re-check the messages waiting on this referent."""
    return cancel_stale(session, repo.waiting_referring_to(session, column, ref_id), now)
