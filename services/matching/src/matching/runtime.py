"""What a matching process holds: the kit's runtime plus the in-memory ranking state."""

from __future__ import annotations

from dataclasses import dataclass

from anju_common.app import Runtime

from matching.state import MatchingState


@dataclass
class MatchingRuntime(Runtime):
    """The shared runtime plus this process's in-memory ranking state."""

    matching: MatchingState | None = None
