"""SMPP 3.4 provider on smpplib: one transceiver bind, a window of outstanding submit_sm, UCS-2 concatenated
messages, delivery receipts and worker replies from deliver_sm, and reconnection when the link drops."""

from __future__ import annotations

import contextlib
import itertools
import logging
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
_RECEIPT_ID = re.compile(r"id:(\S+)")
_RECEIPT_STAT = re.compile(r"stat:(\w+)")
_RECEIPT_ERR = re.compile(r"err:(\w+)")
_DELIVERED_STATES = {2}  # message_state TLV: DELIVERED
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


@dataclass
class _Part:
    """One submit_sm waiting for its response."""

    done: threading.Event = field(default_factory=threading.Event)
    status: int | None = None
    message_id: str | None = None
    lost: bool = False
    released: bool = False


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1").rstrip("\x00")
    return "" if value is None else str(value)


class SmppProvider(BackgroundThread):
    """An ESME bound as transceiver to one SMSC; its thread connects, binds and reads every PDU."""

    name = "smpp"

    def __init__(self, settings: NotificationsSettings, listener: ProviderListener) -> None:
        super().__init__("smpp-link")
        self.settings = settings
        self.listener = listener
        self._window = threading.BoundedSemaphore(max(1, settings.smpp_window))
        self._pending: dict[int, _Part] = {}
        self._pending_lock = threading.Lock()
        self._client: _Client | None = None
        self._bound = threading.Event()
        self._refs = itertools.count(int(time.time()) & 0xFF)
        self.binds = 0

    # -- link ----------------------------------------------------------------------------------
    def stop(self, timeout: float = 5.0) -> None:
        """Unbind and close."""
        self.stopping.set()
        client = self._client
        if client is not None:
            try:
                client.unbind()
            except Exception as exc:
                log.debug("smpp.unbind_failed", error=str(exc))
            self._close(client)
        super().stop(timeout)

    def wait_bound(self, timeout: float) -> bool:
        """True once the link is bound (tests and readiness)."""
        return self._bound.wait(timeout)

    def _close(self, client: _Client) -> None:
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
            s = self.settings
            client = _Client(
                s.smpp_host,
                s.smpp_port,
                timeout=s.smpp_enquire_link_seconds,
                sequence_generator=_Sequence(),
                allow_unknown_opt_params=True,
            )
            client.set_message_sent_handler(self._on_submit_resp)
            client.set_message_received_handler(self._on_deliver)
            client.set_error_pdu_handler(lambda pdu: None)  # statuses are read in _on_submit_resp
            try:
                client.connect()
                client.bind_transceiver(
                    system_id=s.smpp_system_id, password=s.smpp_password, system_type=s.smpp_system_type
                )
                self._client = client
                self._bound.set()
                self.binds += 1
                backoff = 0.2
                log.info("smpp.bound", host=s.smpp_host, port=s.smpp_port)
                while not self.stopping.is_set():
                    client.read_once(auto_send_enquire_link=True)
            except Exception as exc:
                if not self.stopping.is_set():
                    log.warning("smpp.link_lost", error=f"{type(exc).__name__}: {exc}"[:300])
            finally:
                self._bound.clear()
                self._client = None
                self._fail_outstanding()
                self._close(client)
            self.stopping.wait(backoff)
            backoff = min(backoff * 2, 10.0)

    def _fail_outstanding(self) -> None:
        with self._pending_lock:
            parts = list(self._pending.values())
            self._pending.clear()
        for part in parts:
            part.lost = True
            self._release(part)
            part.done.set()

    def _release(self, part: _Part) -> None:
        if not part.released:
            part.released = True
            self._window.release()

    # -- inbound PDUs (reader thread) --------------------------------------------------------------
    def _on_submit_resp(self, pdu: Any, **_: Any) -> None:
        with self._pending_lock:
            part = self._pending.pop(pdu.sequence, None)
        if part is None:
            return
        part.status = int(pdu.status or 0)
        part.message_id = _text(getattr(pdu, "message_id", None)) or None
        self._release(part)
        part.done.set()

    def _on_deliver(self, pdu: Any, **_: Any) -> int:
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
    def submit_many(
        self, messages: list[OutgoingSms], on_result: ResultHook | None = None
    ) -> list[SubmitOutcome]:
        """Submit every part of every message through the window, then collect the answers."""
        s = self.settings
        if not self._bound.wait(min(5.0, s.smpp_response_timeout_seconds)):
            return [Rejected(code="smpp:not_bound", permanent=False) for _ in messages]
        client = self._client
        if client is None:
            return [Rejected(code="smpp:not_bound", permanent=False) for _ in messages]
        sent: list[tuple[OutgoingSms, list[_Part], int, bool]] = []  # parts, expected count, send error
        for msg in messages:
            payloads = split_ucs2(msg.rendered.smpp_text(s.sign_name))
            parts: list[_Part] = []
            error = False
            ref = next(self._refs) & 0xFF
            for index, payload in enumerate(payloads):
                if not self._window.acquire(timeout=s.smpp_response_timeout_seconds):
                    error = True
                    break
                multi = len(payloads) > 1
                pdu = smpplib.smpp.make_pdu(
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
                part = _Part()
                with self._pending_lock:
                    self._pending[pdu.sequence] = part
                parts.append(part)
                try:
                    client.send_pdu(pdu)
                except Exception:
                    # The bytes may have left: the reader thread fails this part as lost.
                    error = True
                    break
            sent.append((msg, parts, len(payloads), error))
        deadline = time.monotonic() + s.smpp_response_timeout_seconds
        out: list[SubmitOutcome] = []
        for msg, parts, expected, error in sent:
            outcome = self._outcome(parts, expected, error, deadline)
            if on_result is not None:
                on_result(msg, outcome)
            out.append(outcome)
        return out

    def _outcome(self, parts: list[_Part], expected: int, error: bool, deadline: float) -> SubmitOutcome:
        for part in parts:
            part.done.wait(max(0.0, deadline - time.monotonic()))
        for part in parts:
            if not part.done.is_set():
                with self._pending_lock:
                    for seq, pending in list(self._pending.items()):
                        if pending is part:
                            del self._pending[seq]
                self._release(part)
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
        return Rejected(code="smpp:send_failed", permanent=False, maybe_sent=bool(parts))
