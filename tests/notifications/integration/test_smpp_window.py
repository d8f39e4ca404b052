"""The SMPP provider against the real node-smpp SMSC: several binds, a window of outstanding submit_sm per
bind, answers matched by sequence number when they come back out of order, receipts for every accepted
message, query_sm, and in-doubt outcomes when a link breaks with submits outstanding."""

from __future__ import annotations

import threading
import uuid
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
from anju_common.testing import wait_for
from notifications.config import NotificationsSettings
from notifications.providers.base import Inbound, OutgoingSms, Receipt, Rejected, Submitted
from notifications.providers.smpp import SmppProvider
from notifications.templates import render

from tests.notifications.peers import SmppPeer, random_phone


class Listener:
    """Collects what the provider pushes."""

    def __init__(self) -> None:
        self.receipts: list[Receipt] = []
        self.inbound: list[Inbound] = []
        self.lock = threading.Lock()

    def on_receipt(self, receipt: Receipt) -> None:
        with self.lock:
            self.receipts.append(receipt)

    def on_inbound(self, message: Inbound) -> None:
        with self.lock:
            self.inbound.append(message)


def _messages(count: int) -> list[OutgoingSms]:
    rendered = render("referral", {"job": "普工"})
    return [OutgoingSms(uuid.uuid4(), random_phone(), rendered) for _ in range(count)]


@pytest.fixture
def provider_factory(smsc: SmppPeer) -> Iterator[Any]:
    """Builds started providers bound to the test's SMSC; stops them after."""
    started: list[SmppProvider] = []

    def make(**over: Any) -> tuple[SmppProvider, Listener]:
        settings = NotificationsSettings(
            smpp_port=smsc.port, **{"smpp_response_timeout_seconds": 5.0, **over}
        )
        listener = Listener()
        provider = SmppProvider(settings, listener)
        provider.start()
        started.append(provider)
        assert provider.wait_bound(15, links=settings.smpp_binds)
        return provider, listener

    yield make
    for provider in started:
        provider.stop()


def _peak_outstanding(entries: list[dict[str, Any]]) -> dict[int, int]:
    """Per SMSC session, the most submit_sm received and not yet answered at any moment."""
    peaks: dict[int, int] = {}
    by_session: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for e in entries:
        by_session[e["session"]] += [(e["received_at"], 1), (e["at"], -1)]
    for session, marks in by_session.items():
        level = peak = 0
        for _, step in sorted(marks, key=lambda m: (m[0], m[1])):  # an answer before a new arrival
            level += step
            peak = max(peak, level)
        peaks[session] = peak
    return peaks


def test_submits_are_windowed_per_bind_over_several_binds(smsc: SmppPeer, provider_factory: Any) -> None:
    provider, _ = provider_factory(smpp_binds=2, smpp_window=4)
    smsc.configure(delay_ms=300)
    outcomes = provider.submit_many(_messages(24))

    assert all(isinstance(o, Submitted) for o in outcomes)
    entries = smsc.entries()
    assert len(entries) == 24
    peaks = _peak_outstanding(entries)
    assert len(peaks) == 2  # both binds carried messages
    assert all(peak <= 4 for peak in peaks.values())  # never more than the window outstanding on a bind
    assert max(peaks.values()) == 4  # and the window was used: answers were not awaited one by one
    assert smsc.bound_sessions() == 2


def test_answers_out_of_order_are_matched_by_sequence_number(smsc: SmppPeer, provider_factory: Any) -> None:
    provider, _ = provider_factory(smpp_binds=1, smpp_window=10)
    messages = _messages(6)
    # The first messages are answered last.
    smsc.configure(delays={m.phone.lstrip("+"): 600 - 100 * i for i, m in enumerate(messages)})
    seen: list[uuid.UUID] = []
    outcomes = provider.submit_many(messages, lambda msg, _: seen.append(msg.notification_id))

    by_dest = {e["dest"]: e for e in smsc.entries()}
    assert [e["sequence"] for e in sorted(by_dest.values(), key=lambda e: e["at"])] == sorted(
        (e["sequence"] for e in by_dest.values()), reverse=True
    )
    for msg, outcome in zip(messages, outcomes, strict=True):
        assert isinstance(outcome, Submitted)
        assert outcome.message_ids == [by_dest[msg.phone.lstrip("+")]["message_id"]]
    # on_result reports each message as its answer arrives: the last submitted first.
    assert seen == [m.notification_id for m in reversed(messages)]


def test_every_accepted_message_gets_its_own_receipt(smsc: SmppPeer, provider_factory: Any) -> None:
    provider, listener = provider_factory(smpp_binds=3, smpp_window=20)
    outcomes = provider.submit_many(_messages(90))
    ids = [mid for o in outcomes if isinstance(o, Submitted) for mid in o.message_ids]
    assert len(ids) == 90 and len(set(ids)) == 90

    assert wait_for(lambda: len(listener.receipts) >= 90, timeout=20)
    assert sorted(r.message_id for r in listener.receipts) == sorted(ids)
    assert all(r.delivered for r in listener.receipts)


def test_query_sm_reports_the_state_the_smsc_knows(smsc: SmppPeer, provider_factory: Any) -> None:
    provider, _ = provider_factory(smpp_binds=2)
    smsc.configure(receipts=False, query_state=5)  # UNDELIVERABLE
    [outcome] = provider.submit_many(_messages(1))
    assert isinstance(outcome, Submitted)
    known = outcome.message_ids[0]

    states = provider.query_states([known, "never-issued"])
    assert states[known].final and not states[known].delivered and states[known].code == "UNDELIVERABLE:000"
    assert not states["never-issued"].final and states["never-issued"].code == "smpp:0x00000067"
    assert sorted(e["message_id"] for e in smsc.entries("query_sm")) == sorted([known, "never-issued"])

    smsc.configure(query_state=1)  # ENROUTE: not final yet
    assert not provider.query_states([known])[known].final
    assert provider.supports_query()


def test_an_smsc_without_query_sm_is_remembered(smsc: SmppPeer, provider_factory: Any) -> None:
    provider, _ = provider_factory(smpp_binds=1)
    smsc.configure(query=False)
    [outcome] = provider.submit_many(_messages(1))
    assert isinstance(outcome, Submitted)

    assert provider.query_states(outcome.message_ids) == {}
    assert not provider.supports_query()


def test_a_link_cut_with_submits_outstanding_leaves_them_in_doubt(
    smsc: SmppPeer, provider_factory: Any
) -> None:
    provider, _ = provider_factory(smpp_binds=2, smpp_window=10)
    smsc.configure(delay_ms=2000)
    result: list[Any] = []
    worker = threading.Thread(target=lambda: result.extend(provider.submit_many(_messages(8))))
    worker.start()
    assert wait_for(lambda: len(smsc.entries()) == 0 and provider.links[0].outstanding > 0, timeout=5)
    smsc.drop_links()
    worker.join(10)

    assert len(result) == 8
    assert all(isinstance(o, Rejected) and o.maybe_sent and not o.permanent for o in result)
    assert {o.code for o in result if isinstance(o, Rejected)} == {"smpp:link_lost"}
    assert provider.wait_bound(15, links=2)  # both links come back
    smsc.configure(delay_ms=0)
    assert all(isinstance(o, Submitted) for o in provider.submit_many(_messages(4)))
