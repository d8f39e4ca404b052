"""The provider interface and its vocabulary."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from notifications.templates import RenderedSms


@dataclass(frozen=True)
class OutgoingSms:
    """One SMS to submit: the phone is only in memory, never logged."""

    notification_id: uuid.UUID
    phone: str  # E.164
    rendered: RenderedSms


@dataclass(frozen=True)
class Submitted:
    """The provider accepted the message."""

    message_ids: list[str]
    segments: int


@dataclass(frozen=True)
class Rejected:
    """The provider did not accept the message: code is the provider's own."""

    code: str
    permanent: bool
    maybe_sent: bool = False  # the link broke after sending: the SMS may be out (in doubt)
    detail: str = ""


SubmitOutcome = Submitted | Rejected
ResultHook = Callable[[OutgoingSms, SubmitOutcome], None]


@dataclass(frozen=True)
class Receipt:
    """A delivery report."""

    message_id: str
    delivered: bool
    code: str = ""


@dataclass(frozen=True)
class MessageState:
    """What the SMSC says about a message it accepted earlier (SMPP query_sm)."""

    final: bool  # delivered or failed for good; otherwise still on its way, or unknown to the SMSC
    delivered: bool
    code: str


@dataclass(frozen=True)
class Inbound:
    """An SMS from a worker."""

    phone: str  # E.164
    text: str
    provider: str
    provider_message_id: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


class ProviderListener(Protocol):
    """Who handles what a provider pushes to us (SMPP deliver_sm); raising makes the SMSC redeliver."""

    def on_receipt(self, receipt: Receipt) -> None: ...
    def on_inbound(self, message: Inbound) -> None: ...


@runtime_checkable
class StateQuerying(Protocol):
    """A provider that can be asked about a message whose delivery report never came."""

    def supports_query(self) -> bool: ...
    def query_states(self, message_ids: list[str]) -> dict[str, MessageState]:
        """The SMSC's answer per message id; ids it did not answer are left out."""
        ...


class SmsProvider(Protocol):
    """Submits SMS; may push receipts and inbound messages to its listener."""

    name: str

    def start(self) -> None: ...
    def stop(self, timeout: float = ...) -> None: ...
    def submit_many(
        self, messages: list[OutgoingSms], on_result: ResultHook | None = None
    ) -> list[SubmitOutcome]:
        """Submit; on_result is called for each message as soon as its outcome is known."""
        ...


_DIGITS = re.compile(r"\D")


def to_e164(raw: str) -> str | None:
    """+8613812345678 from the forms Chinese numbers arrive in; None when it is not a phone number."""
    text = raw.strip()
    digits = _DIGITS.sub("", text)
    if text.startswith("+") and 7 <= len(digits) <= 15:
        return f"+{digits}"
    if text.startswith("00") and 9 <= len(digits) <= 17:
        return f"+{digits[2:]}"
    if len(digits) == 11 and digits.startswith("1"):
        return f"+86{digits}"
    if len(digits) == 13 and digits.startswith("861"):
        return f"+{digits}"
    return None
