"""Event builders and small helpers shared by the notifications tests."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from anju_common.events import (
    MatchProposed,
    MatchProposedData,
    MatchStatus,
    MatchStatusChanged,
    MatchStatusChangedData,
    TrainingOffered,
    TrainingOfferedData,
    ZeroEmploymentAlerted,
    ZeroEmploymentAlertedData,
)
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from tests.notifications.conftest import CALLBACK_TOKEN


def match_proposed(contact: dict[str, Any], **over: Any) -> MatchProposed:
    """match.proposed for a worker of the contact stub."""
    data: dict[str, Any] = {
        "match_id": uuid.uuid4(),
        "job_id": uuid.uuid4(),
        "worker_id": uuid.UUID(contact["worker_id"]),
        "household_id": uuid.UUID(contact["household_id"]),
        "site_id": uuid.UUID(contact["site_id"]),
        "score": 0.87,
        "breakdown": {"skills": 0.9},
        "job_title": "缝纫工",
        "employer_name": "王家社区扶贫车间",
        "wage_min": 3000,
        "wage_max": 4500,
        "place": "惠水县王家社区",
    }
    data.update(over)
    return MatchProposed.build(MatchProposedData(**data), subject=data["match_id"])


def training_offered(contact: dict[str, Any], **over: Any) -> TrainingOffered:
    """training.offered for a worker of the contact stub."""
    data: dict[str, Any] = {
        "offer_id": uuid.uuid4(),
        "training_id": uuid.uuid4(),
        "worker_id": uuid.UUID(contact["worker_id"]),
        "household_id": uuid.UUID(contact["household_id"]),
        "site_id": uuid.UUID(contact["site_id"]),
        "title": "电焊工",
        "missing_skills": ["电焊"],
        "unlocks_job_ids": [uuid.uuid4()],
        "starts_on": date(2026, 3, 5),
        "subsidy_cny": 1200,
        "place": "县职业技术学校",
    }
    data.update(over)
    return TrainingOffered.build(TrainingOfferedData(**data), subject=data["offer_id"])


def status_changed(contact: dict[str, Any], to_status: MatchStatus, **over: Any) -> MatchStatusChanged:
    """match.status_changed for a worker of the contact stub."""
    data: dict[str, Any] = {
        "match_id": uuid.uuid4(),
        "job_id": uuid.uuid4(),
        "worker_id": uuid.UUID(contact["worker_id"]),
        "household_id": uuid.UUID(contact["household_id"]),
        "site_id": uuid.UUID(contact["site_id"]),
        "from_status": MatchStatus.interested,
        "to_status": to_status,
        "job_title": "包装工",
    }
    data.update(over)
    return MatchStatusChanged.build(MatchStatusChangedData(**data), subject=data["match_id"])


def zero_alert(site_id: uuid.UUID, **over: Any) -> ZeroEmploymentAlerted:
    """household.zero_employment_alerted for a site."""
    data: dict[str, Any] = {
        "household_id": uuid.uuid4(),
        "site_id": site_id,
        "zero_employment_since": date(2026, 1, 5),
        "working_days": 12,
    }
    data.update(over)
    return ZeroEmploymentAlerted.build(ZeroEmploymentAlertedData(**data), subject=data["household_id"])


def notifications_of(engine: Engine, worker_id: str | uuid.UUID) -> list[Any]:
    """A worker's notification rows."""
    from notifications.models import Notification

    with Session(engine) as session:
        stmt = select(Notification).where(col(Notification.worker_id) == uuid.UUID(str(worker_id)))
        return list(session.exec(stmt.order_by(col(Notification.created_at))))


def first_of(engine: Engine, worker_id: str | uuid.UUID) -> Any:
    """A worker's first notification, or None while there is none."""
    rows = notifications_of(engine, worker_id)
    return rows[0] if rows else None


def callback_headers() -> dict[str, str]:
    """Headers a provider callback carries."""
    return {"X-Anju-Callback-Token": CALLBACK_TOKEN}


def follow_up(contact: dict[str, Any], cls: type[Any], **over: Any) -> Any:
    """A follow-up event (FollowUpFellDue, FollowUpWentOverdue …) for a contact stub worker."""
    from anju_common.events import FollowUpData

    data: dict[str, Any] = {
        "follow_up_id": uuid.uuid4(),
        "placement_id": uuid.uuid4(),
        "worker_id": uuid.UUID(contact["worker_id"]),
        "household_id": uuid.UUID(contact["household_id"]),
        "site_id": uuid.UUID(contact["site_id"]),
        "due_on": date(2026, 12, 1),
        "month_offset": 1,
        "employer_name": "贵州惠水王家服装有限责任公司",
        "job_title": "缝纫工",
        "status": "due",
    }
    data.update(over)
    return cls.build(FollowUpData(**data), subject=data["follow_up_id"])


def departure(site_id: str, worker_ids: list[str], cls: type[Any], **over: Any) -> Any:
    """DepartureScheduled / DepartureCancelled for a roster of contact stub workers."""
    from anju_common.events import DepartureData

    data: dict[str, Any] = {
        "departure_id": uuid.uuid4(),
        "site_id": uuid.UUID(site_id),
        "employer_name": "东莞长安电子厂",
        "destination": "广东省东莞市长安镇",
        "departs_at": datetime(2026, 12, 20, 7, 30, tzinfo=ZoneInfo("Asia/Shanghai")),
        "arrives_on": date(2026, 12, 21),
        "meeting_point": "王家社区广场",
        "seats": 40,
        "worker_ids": [uuid.UUID(w) for w in worker_ids],
        "version": 1,
    }
    data.update(over)
    return cls.build(DepartureData(**data), subject=data["departure_id"])
