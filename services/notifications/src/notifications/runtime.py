"""The notifications runtime: the shared Runtime plus the business context and the dispatcher."""

from __future__ import annotations

from dataclasses import dataclass

from anju_common.app import Runtime

from notifications.config import NotificationsSettings
from notifications.service import Context


@dataclass
class NotificationsRuntime(Runtime):
    """Runtime with what this service adds."""

    ctx: Context | None = None

    def context(self) -> Context:
        """The business context (settings, cipher, Redis)."""
        if self.ctx is None:
            assert isinstance(self.settings, NotificationsSettings)
            self.ctx = Context(settings=self.settings, cipher=self.settings.cipher(), redis=self.redis)
        return self.ctx
