"""A reply is read against the SMS handed over last, even when the provider's answer for an older one came
later (both then carry the same sent time)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from anju_common.db import make_engine
from anju_common.events import ReplyKind
from notifications import inbound
from notifications.models import Notification, NotificationStatus
from notifications.phones import hash_phone
from notifications.providers.base import Inbound
from sqlmodel import Session

from tests.notifications.conftest import Stage

pytestmark = pytest.mark.integration
PHONE = "+8613912345670"
WORKER = uuid.uuid4()


def _sent(template: str, submitted_at: datetime, sent_at: datetime, created_at: datetime) -> Notification:
    return Notification(
        source_event_id=uuid.uuid4(),
        source_event_type="DepartureScheduled",
        worker_id=WORKER,
        template=template,
        status=NotificationStatus.sent,
        phone_hash=hash_phone(PHONE),
        submitted_at=submitted_at,
        sent_at=sent_at,
        created_at=created_at,
    )


def test_a_reply_answers_the_sms_submitted_last_when_an_older_ones_answer_came_late(
    stage_factory: Callable[..., Stage],
) -> None:
    engine = make_engine(stage_factory().db_url)
    planned = datetime(2026, 12, 10, 2, tzinfo=UTC)
    before, after = planned + timedelta(days=1), planned + timedelta(days=4)
    # the eve-of-departure SMS was submitted the day before, but its submit_resp was recorded only after the
    # arrival check went out; the arrival check was planned a moment earlier
    with Session(engine) as session:
        session.add(_sent("arrival_check", after, after, planned))
        session.add(_sent("pre_departure", before, after, planned + timedelta(seconds=1)))
        session.commit()
    with Session(engine) as session:
        message = Inbound(phone=PHONE, text="1", provider="http", provider_message_id="r-1")
        got = inbound.handle_inbound(session, message, after + timedelta(minutes=5), lookup=lambda _h: [])
        session.commit()
        assert got is not None
        assert got.reply == ReplyKind.arrived.value
    engine.dispose()
