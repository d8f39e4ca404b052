"""Opaque cursors for keyset pagination."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel
from sqlalchemy import and_, or_
from sqlmodel import col
from sqlmodel.sql.expression import SelectOfScalar

from anju_common.problems import Problem

T = TypeVar("T")
SelectT = TypeVar("SelectT", bound=SelectOfScalar[Any])
MAX_LIMIT = 200
_BAD_CURSOR = "cursor is not valid; use next_cursor from a previous page"


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
        raise Problem(400, _BAD_CURSOR, code="bad-cursor")
    return values


class Keyed(Protocol):
    """A row that can be paged newest first: it has created_at and id."""

    created_at: datetime
    id: uuid.UUID


def keyset_after(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    """Decode a (created_at, id) cursor; a tampered one is a 400."""
    values = decode_cursor(cursor, 2)
    if values is None:
        return None
    try:
        return datetime.fromisoformat(values[0]), uuid.UUID(values[1])
    except (TypeError, ValueError, AttributeError) as exc:
        raise Problem(400, _BAD_CURSOR, code="bad-cursor") from exc


def next_keyset_cursor(rows: Sequence[Keyed], limit: int) -> str | None:
    """Cursor of the page after rows, or None when rows was the last page."""
    if len(rows) < limit:
        return None
    last = rows[-1]
    return encode_cursor([last.created_at.isoformat(), str(last.id)])


def newest_first(stmt: SelectT, model: Any, after: tuple[datetime, uuid.UUID] | None, limit: int) -> SelectT:
    """Order a select by (created_at, id) descending, starting after a cursor position."""
    created, ident = col(model.created_at), col(model.id)
    if after:
        stmt = stmt.where(or_(created < after[0], and_(created == after[0], ident < after[1])))
    return stmt.order_by(created.desc(), ident.desc()).limit(limit)
