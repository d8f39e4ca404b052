"""SMPP 3.4 provider on smpplib: several transceiver binds, each with its own window of outstanding
submit_sm matched to their responses by sequence number, UCS-2 concatenated messages, delivery receipts and
worker replies from deliver_sm, query_sm for receipts that never came, and reconnection when a link drops."""

from __future__ import annotations

import contextlib
import itertools
import logging
import queue
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import smpplib.client
import smpplib.consts
import smpplib.smpp
from anju_common.background import BackgroundThread
from anju_common.logs import get_logger

from notifications.config import NotificationsSettings
from notifications.providers.base import (
    Inbound,
    MessageState,
    OutgoingSms,
    ProviderListener,
    Receipt,
    Rejected,
    ResultHook,
    SubmitOutcome,
    Submitted,
    to_e164,
)
from notifications.templates import concat_udh, split_ucs2

log = get_logger(__name__)
# smpplib dumps every PDU (numbers included) at DEBUG: never let that reach the logs.
logging.getLogger("smpp").setLevel(logging.INFO)

# Statuses worth retrying: the SMSC is busy or throttling us, not refusing the message itself.
TEMPORARY_STATUSES = frozenset(
    {
        smpplib.consts.SMPP_ESME_RSYSERR,
        smpplib.consts.SMPP_ESME_RMSGQFUL,
        smpplib.consts.SMPP_ESME_RTHROTTLED,
        smpplib.consts.SMPP_ESME_RX_T_APPN,
        smpplib.consts.SMPP_ESME_RSUBMITFAIL,
    }
)
# The SMSC does not know the command (answered with generic_nack): query_sm is not offered.
UNSUPPORTED_STATUSES = frozenset({smpplib.consts.SMPP_ESME_RINVCMDID})
_RECEIPT_ID = re.compile(r"id:(\S+)")
_RECEIPT_STAT = re.compile(r"stat:(\w+)")
_RECEIPT_ERR = re.compile(r"err:(\w+)")
_DELIVERED_STATES = {2}  # message_state TLV: DELIVERED
# SMPP 3.4 §5.2.28 message_state: which are final, and their names for the recorded reason.
MESSAGE_STATES = {
    1: "ENROUTE",
    2: "DELIVERED",
    3: "EXPIRED",
    4: "DELETED",
    5: "UNDELIVERABLE",
    6: "ACCEPTED",
    7: "UNKNOWN",
    8: "REJECTED",
}
FINAL_STATES = frozenset({2, 3, 4, 5, 8})
ROK = smpplib.consts.SMPP_ESME_ROK


class _Sequence(smpplib.client.SimpleSequenceGenerator):  # type: ignore[misc]
    """Sequence numbers shared by the submitting and the reading thread."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()

    def next_sequence(self) -> int:
        with self._lock:
            value: int = super().next_sequence()
            return value


class _Client(smpplib.client.Client):  # type: ignore[misc]
    """smpplib client whose writes never interleave (submits and deliver_sm_resp come from two threads)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._send_lock = threading.Lock()

    def send_pdu(self, p: Any) -> bool:
        with self._send_lock:
            result: bool = super().send_pdu(p)
            return result


class _Tracker:
    """One message of a submit_many call: done once every part it sent has an answer (or is lost)."""

    __slots__ = ("_lock", "error", "expected", "finished", "index", "parts", "results", "sealed")

    def __init__(self, index: int, expected: int, results: queue.SimpleQueue[int]) -> None:
        self.index = index
        self.parts: list[_Part] = []
        self.expected = expected
        self.error = False
        self.sealed = False
        self.finished = False
        self.results = results
        self._lock = threading.Lock()

    def check(self) -> None:
        """Report the message once it is sealed and every part is answered."""
        with self._lock:
            if self.finished or not self.sealed or not all(p.done.is_set() for p in self.parts):
                return
            self.finished = True
        self.results.put(self.index)


@dataclass
class _Part:
    """One request (submit_sm or query_sm) waiting for its response on one link."""

    tracker: _Tracker | None = None
    done: threading.Event = field(default_factory=threading.Event)
    status: int | None = None
    message_id: str | None = None
    state: int | None = None
    error_code: int | None = None
    lost: bool = False
    released: bool = False


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1").rstrip("\x00")
    return "" if value is None else str(value)


class _Link(BackgroundThread):
    """One transceiver bind: its thread connects, binds and reads every PDU; its window bounds the requests
    outstanding on it; responses are matched to requests by sequence number."""

    def __init__(self, provider: SmppProvider, index: int) -> None:
        super().__init__(f"smpp-link-{index}")
        self.provider = provider
        self.index = index
        self.window_size = max(1, provider.settings.smpp_window)
        self._window = threading.BoundedSemaphore(self.window_size)
        self._pending: dict[int, _Part] = {}
        self._pending_lock = threading.Lock()
        self._release_lock = threading.Lock()
        self.client: _Client | None = None
        self.bound = threading.Event()
        self.binds = 0

    @property
    def outstanding(self) -> int:
        """Requests sent on this link and not answered yet."""
        return len(self._pending)

    def stop(self, timeout: float = 5.0) -> None:
        """Unbind (the reader thread takes the answer and ends), then close."""
        self.stopping.set()
        client = self.client
        if client is not None:
            try:
                client.send_pdu(smpplib.smpp.make_pdu("unbind", client=client))
            except Exception as exc:
                log.debug("smpp.unbind_failed", error=str(exc))
            if self._thread is not None:
                self._thread.join(min(timeout, 1.0))
            self._close(client)
        super().stop(timeout)

    @staticmethod
    def _close(client: _Client) -> None:
        sock = client._socket
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            try:
                client.disconnect()
            except Exception:  # smpplib may complain about the state; the socket is closed either way
                client._socket = None

    def run(self) -> None:
        """Connect, bind and read until stopped; reconnect with backoff when the link drops."""
        backoff = 0.2
        while not self.stopping.is_set():
            s = self.provider.settings
            client = _Client(
                s.smpp_host,
                s.smpp_port,
                timeout=s.smpp_enquire_link_seconds,
                sequence_generator=_Sequence(),
                allow_unknown_opt_params=True,
            )
            client.set_message_sent_handler(self._on_response)
            client.set_query_resp_handler(self._on_response)
            client.set_message_received_handler(self.provider.on_deliver)
            client.set_error_pdu_handler(self._on_error_pdu)
            try:
                client.connect()
                # Many small PDUs each way: without this, Nagle's algorithm holds a write back for the
                # peer's delayed ACK (tens of ms per batch).
                client._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                client.bind_transceiver(
                    system_id=s.smpp_system_id, password=s.smpp_password, system_type=s.smpp_system_type
                )
                self.client = client
                self.bound.set()
                self.binds += 1
                backoff = 0.2
                log.info("smpp.bound", host=s.smpp_host, port=s.smpp_port, link=self.index)
                while not self.stopping.is_set():
                    client.read_once(auto_send_enquire_link=True)
            except Exception as exc:
                if not self.stopping.is_set():
                    log.warning("smpp.link_lost", link=self.index, error=f"{type(exc).__name__}: {exc}"[:300])
            finally:
                self.bound.clear()
                self.client = None
                self._fail_outstanding()
                self._close(client)
            self.stopping.wait(backoff)
            backoff = min(backoff * 2, 10.0)

    # -- requests ----------------------------------------------------------------------------------
    def send(self, client: _Client, pdu: Any, part: _Part, timeout: float) -> bool:
        """Take a window slot and send the PDU built for this client; False when nothing was sent (no slot in
        time, or the link reconnected meanwhile), or when the write failed (then the part is lost: its bytes
        may have left)."""
        if not self._window.acquire(timeout=timeout):
            part.released = True  # no slot was taken
            part.done.set()
            return False
        with self._pending_lock:
            if self.client is not client:
                self._window.release()
                part.released = True
                part.done.set()
                return False
            self._pending[pdu.sequence] = part
        try:
            client.send_pdu(pdu)
        except Exception:
            self.forget(part)
            part.lost = True
            part.done.set()
            return False
        return True

    def forget(self, part: _Part) -> None:
        """Stop waiting for a request (its deadline passed): free its window slot."""
        with self._pending_lock:
            for seq, pending in list(self._pending.items()):
                if pending is part:
                    del self._pending[seq]
        self._release(part)

    def _complete(self, sequence: int, pdu: Any, status: int) -> None:
        with self._pending_lock:
            part = self._pending.pop(sequence, None)
        if part is None:
            return
        part.status = status
        part.message_id = _text(getattr(pdu, "message_id", None)) or None
        state = getattr(pdu, "message_state", None)
        part.state = int(state) if state is not None else None
        error_code = getattr(pdu, "error_code", None)
        part.error_code = int(error_code) if error_code is not None else None
        self._finish(part)

    def _finish(self, part: _Part) -> None:
        self._release(part)
        part.done.set()
        if part.tracker is not None:
            part.tracker.check()

    def _fail_outstanding(self) -> None:
        with self._pending_lock:
            parts = list(self._pending.values())
            self._pending.clear()
        for part in parts:
            part.lost = True
            self._finish(part)

    def _release(self, part: _Part) -> None:
        with self._release_lock:  # the reader and a submitter may both give a part up
            if part.released:
                return
            part.released = True
        self._window.release()

    # -- responses (reader thread) -----------------------------------------------------------------
    def _on_response(self, pdu: Any, **_: Any) -> None:
        self._complete(pdu.sequence, pdu, int(pdu.status or 0))

    def _on_error_pdu(self, pdu: Any) -> None:
        # submit_sm_resp and query_sm_resp carry their status to their own handlers; a generic_nack answers
        # the request with its sequence number and reaches only this one.
        if pdu.command == "generic_nack":
            self._complete(pdu.sequence, pdu, int(pdu.status or 0))


class SmppProvider:
    """An ESME bound to one SMSC over several transceiver binds; messages are spread over the bound links
    and submitted without waiting for each answer (each link's window bounds what is outstanding)."""

    name = "smpp"

    def __init__(self, settings: NotificationsSettings, listener: ProviderListener) -> None:
        self.settings = settings
        self.listener = listener
        self.links = [_Link(self, i) for i in range(max(1, settings.smpp_binds))]
        self._refs = itertools.count(int(time.time()) & 0xFF)
        self._next = itertools.count()
        self.query_supported = settings.smpp_query_sm

    # -- link ----------------------------------------------------------------------------------
    def start(self) -> None:
        """Start every link's thread."""
        for link in self.links:
            link.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Unbind and close every link."""
        for link in self.links:
            link.stopping.set()
        for link in self.links:
            link.stop(timeout)

    def wait_bound(self, timeout: float, links: int = 1) -> bool:
        """True once at least `links` links are bound (tests and readiness)."""
        deadline = time.monotonic() + timeout
        while sum(1 for link in self.links if link.bound.is_set()) < links:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return True

    @property
    def binds(self) -> int:
        """Successful binds so far, over every link (reconnections included)."""
        return sum(link.binds for link in self.links)

    def _bound_links(self, wait: float) -> list[_Link]:
        bound = [link for link in self.links if link.bound.is_set()]
        if not bound and self.wait_bound(wait):
            bound = [link for link in self.links if link.bound.is_set()]
        return bound

    def _pick(self, bound: list[_Link]) -> _Link:
        """The bound link with the most free window, starting the search at a rotating offset."""
        start = next(self._next)
        ordered = [bound[(start + i) % len(bound)] for i in range(len(bound))]
        return min(ordered, key=lambda link: link.outstanding)

    # -- inbound PDUs (reader threads) -------------------------------------------------------------
    def on_deliver(self, pdu: Any, **_: Any) -> int:
        """A deliver_sm on any link (a delivery receipt or a worker's reply); returns the answer's status."""
        try:
            raw = pdu.short_message or b""
            if isinstance(raw, str):
                raw = raw.encode("latin-1")
            esm = int(pdu.esm_class or 0)
            if esm & 0x3C == 0x04:
                self.listener.on_receipt(self._receipt(pdu, raw))
                return int(ROK)
            if esm & 0x40 and raw:
                raw = raw[1 + raw[0] :]
            coding = int(pdu.data_coding or 0) & 0x0F
            text = raw.decode("utf-16-be", errors="replace") if coding == 8 else raw.decode("latin-1")
            phone = to_e164(_text(pdu.source_addr))
            if phone is None:
                log.warning("smpp.inbound_unknown_sender")
                return int(ROK)
            self.listener.on_inbound(Inbound(phone=phone, text=text, provider="smpp"))
            return int(ROK)
        except Exception as exc:
            # Answer with an error so the SMSC delivers the message again later.
            log.warning("smpp.deliver_failed", error=f"{type(exc).__name__}: {exc}"[:300])
            return int(smpplib.consts.SMPP_ESME_RSYSERR)

    @staticmethod
    def _receipt(pdu: Any, raw: bytes) -> Receipt:
        text = raw.decode("latin-1", errors="replace")
        message_id = _text(getattr(pdu, "receipted_message_id", None))
        if not message_id:
            found = _RECEIPT_ID.search(text)
            message_id = found.group(1) if found else ""
        stat = _RECEIPT_STAT.search(text)
        state = getattr(pdu, "message_state", None)
        if stat:
            delivered = stat.group(1).upper() == "DELIVRD"
            err = _RECEIPT_ERR.search(text)
            code = f"{stat.group(1).upper()}:{err.group(1) if err else '000'}"
        else:
            delivered = state in _DELIVERED_STATES
            code = f"state:{state}"
        return Receipt(message_id=message_id, delivered=delivered, code="" if delivered else code)

    # -- submitting ------------------------------------------------------------------------------
    def _plan(self, msg: OutgoingSms, client: _Client) -> list[Any]:
        s = self.settings
        payloads = split_ucs2(msg.rendered.smpp_text(s.sign_name))
        ref = next(self._refs) & 0xFF
        multi = len(payloads) > 1
        pdus = [
            smpplib.smpp.make_pdu(
                "submit_sm",
                client=client,
                source_addr_ton=smpplib.consts.SMPP_TON_UNK,
                source_addr_npi=smpplib.consts.SMPP_NPI_ISDN,
                source_addr=s.smpp_source_addr,
                dest_addr_ton=smpplib.consts.SMPP_TON_INTL,
                dest_addr_npi=smpplib.consts.SMPP_NPI_ISDN,
                destination_addr=msg.phone.lstrip("+"),
                short_message=(concat_udh(ref, len(payloads), index + 1) if multi else b"") + payload,
                data_coding=8,
                esm_class=0x40 if multi else 0x00,
                registered_delivery=1,
            )
            for index, payload in enumerate(payloads)
        ]
        return pdus

    def submit_many(
        self, messages: list[OutgoingSms], on_result: ResultHook | None = None
    ) -> list[SubmitOutcome]:
        """Submit every part of every message through the links' windows without waiting for answers in
        between; on_result is called for each message as its last answer arrives."""
        s = self.settings
        bound = self._bound_links(min(5.0, s.smpp_response_timeout_seconds))
        if not bound:
            return [Rejected(code="smpp:not_bound", permanent=False) for _ in messages]
        results: queue.SimpleQueue[int] = queue.SimpleQueue()
        trackers: list[_Tracker] = []
        links: list[_Link] = []
        for index, msg in enumerate(messages):
            link = self._pick(bound)
            client = link.client
            pdus = self._plan(msg, client) if client is not None else []
            tracker = _Tracker(index, max(1, len(pdus)), results)
            trackers.append(tracker)
            links.append(link)
            tracker.error = client is None
            for pdu in pdus:
                part = _Part(tracker=tracker)
                tracker.parts.append(part)
                if client is None or not link.send(client, pdu, part, s.smpp_response_timeout_seconds):
                    tracker.error = True
                    break
            tracker.sealed = True
            tracker.check()
        outcomes: list[SubmitOutcome | None] = [None] * len(messages)
        deadline = time.monotonic() + s.smpp_response_timeout_seconds
        remaining = len(messages)
        while remaining:
            try:
                index = results.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            remaining -= 1
            outcomes[index] = self._outcome(trackers[index])
            if on_result is not None:
                on_result(messages[index], outcomes[index])  # type: ignore[arg-type]
        for index, tracker in enumerate(trackers):
            if outcomes[index] is not None:
                continue
            for part in tracker.parts:
                if not part.done.is_set():
                    links[index].forget(part)
            outcome = self._outcome(tracker)
            outcomes[index] = outcome
            if on_result is not None:
                on_result(messages[index], outcome)
        return [o for o in outcomes if o is not None]

    @staticmethod
    def _outcome(tracker: _Tracker) -> SubmitOutcome:
        parts, expected, error = tracker.parts, tracker.expected, tracker.error
        accepted = [p for p in parts if p.done.is_set() and not p.lost and p.status == ROK]
        if len(accepted) == expected and not error:
            return Submitted(message_ids=[p.message_id or "" for p in accepted], segments=expected)
        lost = [p for p in parts if p.lost or not p.done.is_set()]
        if lost:
            code = "smpp:timeout" if any(not p.done.is_set() for p in lost) else "smpp:link_lost"
            return Rejected(code=code, permanent=False, maybe_sent=True)
        refused = [p for p in parts if p.status not in (None, ROK)]
        if refused:
            status = refused[0].status or 0
            return Rejected(
                code=f"smpp:0x{status:08X}",
                permanent=status not in TEMPORARY_STATUSES,
                maybe_sent=bool(accepted),
                detail=str(smpplib.consts.DESCRIPTIONS.get(status, "")),
            )
        return Rejected(code="smpp:send_failed", permanent=False, maybe_sent=bool(accepted))

    # -- asking the SMSC about a message -----------------------------------------------------------
    def supports_query(self) -> bool:
        """Whether the SMSC may be asked with query_sm (off by setting, or after it refused the command)."""
        return self.query_supported

    def query_states(self, message_ids: list[str]) -> dict[str, MessageState]:
        """query_sm for each id through the windows; ids the SMSC did not answer in time are left out."""
        s = self.settings
        bound = self._bound_links(min(5.0, s.smpp_response_timeout_seconds))
        if not bound or not self.query_supported:
            return {}
        asked: list[tuple[str, _Part, _Link]] = []
        for message_id in message_ids:
            link = self._pick(bound)
            client = link.client
            if client is None:
                continue
            pdu = smpplib.smpp.make_pdu(
                "query_sm",
                client=client,
                message_id=message_id,
                source_addr_ton=smpplib.consts.SMPP_TON_UNK,
                source_addr_npi=smpplib.consts.SMPP_NPI_ISDN,
                source_addr=s.smpp_source_addr,
            )
            part = _Part()
            if link.send(client, pdu, part, s.smpp_response_timeout_seconds):
                asked.append((message_id, part, link))
        deadline = time.monotonic() + s.smpp_response_timeout_seconds
        out: dict[str, MessageState] = {}
        for message_id, part, link in asked:
            if not part.done.wait(max(0.0, deadline - time.monotonic())):
                link.forget(part)
                continue
            if part.lost or part.status is None:
                continue
            if part.status in UNSUPPORTED_STATUSES:
                self.query_supported = False
                log.warning("smpp.query_sm_unsupported")
                return {}
            if part.status != ROK or part.state is None:
                # e.g. ESME_RQUERYFAIL: the SMSC no longer knows the message.
                out[message_id] = MessageState(final=False, delivered=False, code=f"smpp:0x{part.status:08X}")
                continue
            name = MESSAGE_STATES.get(part.state, str(part.state))
            out[message_id] = MessageState(
                final=part.state in FINAL_STATES,
                delivered=part.state == 2,
                code=f"{name}:{part.error_code or 0:03d}",
            )
        return out
