"""Opaque cursors for keyset pagination, signed (HMAC-SHA256) so a client can only hand back ours."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
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
from anju_common.settings import DEV_CURSOR_SECRET

T = TypeVar("T")
SelectT = TypeVar("SelectT", bound=SelectOfScalar[Any])
MAX_LIMIT = 200
MAX_INT_CURSOR = 2**63 - 1
_BAD_CURSOR = (
    "分页游标无效, 请使用上一页返回的 next_cursor (cursor is not valid; use next_cursor from a previous page)"
)
_MAC_BYTES = 16
_key = {"secret": DEV_CURSOR_SECRET.encode()}


def set_cursor_secret(secret: str) -> None:
    """Key the cursors of this process (create_app calls it with ANJU_CURSOR_SECRET)."""
    _key["secret"] = secret.encode()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(payload: bytes) -> bytes:
    return hmac.new(_key["secret"], b"anju-cursor|" + payload, hashlib.sha256).digest()[:_MAC_BYTES]


def bad_cursor() -> Problem:
    """The 400 for a cursor this service did not issue."""
    return Problem(
        400,
        _BAD_CURSOR,
        code="bad-cursor",
        errors=[{"field": "query.cursor", "message": _BAD_CURSOR, "type": "bad_cursor"}],
    )


class Page(BaseModel, Generic[T]):
    """A page of items and the cursor of the next page (null at the end)."""

    items: list[T]
    next_cursor: str | None = None


def encode_cursor(values: list[Any]) -> str:
    """Signed opaque cursor for the sort key of the last item: base64(json).base64(mac)."""
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return f"{_b64(raw)}.{_b64(_mac(raw))}"


def decode_cursor(cursor: str | None, size: int) -> list[Any] | None:
    """Inverse of encode_cursor; a cursor that is malformed, forged or altered is a 400."""
    if not cursor:
        return None
    payload, sep, mac = cursor.partition(".")
    try:
        raw, sig = _unb64(payload), _unb64(mac)
    except (ValueError, binascii.Error) as exc:
        raise bad_cursor() from exc
    if not sep or not hmac.compare_digest(sig, _mac(raw)):
        raise bad_cursor()
    try:
        values = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_cursor() from exc
    if not isinstance(values, list) or len(values) != size:
        raise bad_cursor()
    return values


def int_cursor(cursor: str | None) -> int | None:
    """Decode a one-integer cursor (e.g. a feed item id), checked to fit a BIGINT."""
    values = decode_cursor(cursor, 1)
    if values is None:
        return None
    value = values[0]
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_INT_CURSOR:
        raise bad_cursor()
    return value


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
        raise bad_cursor() from exc


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
