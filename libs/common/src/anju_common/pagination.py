"""Opaque cursors for keyset pagination."""

from __future__ import annotations

import base64
import json
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from anju_common.problems import Problem

T = TypeVar("T")
MAX_LIMIT = 200


class Page(BaseModel, Generic[T]):
    """A page of items and the cursor of the next page (null at the end)."""

    items: list[T]
    next_cursor: str | None = None


def encode_cursor(values: list[Any]) -> str:
    """Opaque cursor for the sort key of the last item."""
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, size: int) -> list[Any] | None:
    """Inverse of encode_cursor; a tampered cursor is a 400."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Problem(
            400, "cursor is not valid; use next_cursor from a previous page", code="bad-cursor"
        ) from exc
    if not isinstance(values, list) or len(values) != size:
        raise Problem(400, "cursor is not valid; use next_cursor from a previous page", code="bad-cursor")
    return values
