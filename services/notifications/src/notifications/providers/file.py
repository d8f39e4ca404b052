"""The embedded default provider: appends each SMS to a JSONL file (phone masked) for local runs."""

from __future__ import annotations

import json
import threading
import uuid
from pathlib import Path

from anju_common.clock import utcnow
from anju_common.pii import mask_phone

from notifications.config import NotificationsSettings
from notifications.providers.base import OutgoingSms, ResultHook, SubmitOutcome, Submitted
from notifications.templates import segment_count


class FileProvider:
    """Writes var/sms-outbox.jsonl; every message is accepted."""

    name = "file"

    def __init__(self, settings: NotificationsSettings) -> None:
        self.path = Path(settings.outbox_file or settings.var_dir / "sms-outbox.jsonl")
        self.sign_name = settings.sign_name
        self._lock = threading.Lock()

    def start(self) -> None:
        """Make sure the directory exists."""
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def stop(self, timeout: float = 5.0) -> None:
        """Nothing to release."""

    def submit_many(
        self, messages: list[OutgoingSms], on_result: ResultHook | None = None
    ) -> list[SubmitOutcome]:
        """Append one line per message."""
        out: list[SubmitOutcome] = []
        lines = []
        for msg in messages:
            text = msg.rendered.smpp_text(self.sign_name)
            message_id = f"file-{uuid.uuid4().hex[:16]}"
            segments = segment_count(text)
            lines.append(
                json.dumps(
                    {
                        "at": utcnow().isoformat(),
                        "message_id": message_id,
                        "notification_id": str(msg.notification_id),
                        "to": mask_phone(msg.phone),
                        "template": msg.rendered.template.code,
                        "params": msg.rendered.params,
                        "text": text,
                        "segments": segments,
                    },
                    ensure_ascii=False,
                )
            )
            out.append(Submitted(message_ids=[message_id], segments=segments))
        with self._lock, self.path.open("a", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")
        if on_result is not None:
            for msg, outcome in zip(messages, out, strict=True):
                on_result(msg, outcome)
        return out
