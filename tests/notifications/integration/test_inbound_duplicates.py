"""One provider message delivered twice at the same moment is stored and handled once: the second delivery
waits for the first's commit on the unique index and is answered as a duplicate, never a server error."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from anju_common.db import make_engine
from notifications import inbound
from notifications.models import FeedItem, InboundMessage
from notifications.providers.base import Inbound
from sqlalchemy import func
from sqlmodel import Session, select

from tests.notifications.conftest import Stage

pytestmark = pytest.mark.integration


def test_a_callback_delivered_twice_at_once_is_handled_once(stage_factory: Callable[..., Stage]) -> None:
    engine = make_engine(stage_factory().db_url)
    message = Inbound(phone="+8613912345678", text="几点上班？", provider="http", provider_message_id="dup-1")
    now = datetime(2026, 12, 1, 10, tzinfo=UTC)
    second: list[InboundMessage | BaseException | None] = []

    def deliver_again() -> None:
        try:
            with Session(engine) as session:
                second.append(inbound.handle_inbound(session, message, now, lookup=lambda _h: []))
                session.commit()
        except BaseException as exc:  # the assertion below names it
            second.append(exc)

    with Session(engine) as first_session:
        first = inbound.handle_inbound(first_session, message, now, lookup=lambda _h: [])
        assert first is not None
        racer = threading.Thread(target=deliver_again)
        racer.start()
        racer.join(timeout=1.0)
        assert racer.is_alive(), "the second delivery must wait for the first one's transaction"
        first_session.commit()
    racer.join(timeout=30)
    assert second == [None], f"the second delivery: {second}"
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(InboundMessage)).one() == 1
        assert session.exec(select(func.count()).select_from(FeedItem)).one() == 1
    engine.dispose()
