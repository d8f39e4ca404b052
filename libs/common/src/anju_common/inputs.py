"""Input guards every app gets: a NUL character anywhere in the path, the query or a body field is a 422."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from anju_common.problems import Problem, problem_response

NUL = "\x00"
NUL_MESSAGE = "不能包含 NUL 字符 \\u0000 (must not contain the NUL character \\u0000)"
_MAX_ERRORS = 20
_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _name(part: object) -> str:
    return str(part).replace(NUL, "\\u0000")


def nul_fields(value: Any, loc: tuple[str, ...], out: list[str]) -> list[str]:
    """Dotted locations of every string (key or value) holding a NUL inside a parsed JSON value."""
    if len(out) >= _MAX_ERRORS:
        return out
    if isinstance(value, str):
        if NUL in value:
            out.append(".".join(loc))
    elif isinstance(value, dict):
        for key, item in value.items():
            where = (*loc, _name(key))
            if NUL in key:
                out.append(".".join(where))
            nul_fields(item, where, out)
    elif isinstance(value, list):
        for idx, item in enumerate(value):
            nul_fields(item, (*loc, str(idx)), out)
    return out


def _pairs_with_nul(pairs: list[tuple[str, str]], prefix: str) -> list[str]:
    return [f"{prefix}.{_name(k)}" for k, v in pairs if NUL in k or NUL in v][:_MAX_ERRORS]


def nul_problem(fields: list[str]) -> Problem:
    """The 422 naming each field that holds a NUL."""
    errors = [{"field": f, "message": NUL_MESSAGE, "type": "string_nul"} for f in fields]
    detail = "; ".join(f"{f}: {NUL_MESSAGE}" for f in fields[:5])
    return Problem(422, detail, code="validation-error", errors=errors)


class NulGuardMiddleware:
    """PostgreSQL text cannot hold NUL: refuse it at the edge with a 422 naming the field, never a 500.

    Checks the path, every query parameter, and JSON, url-encoded and multipart bodies (form fields and
    file names; file contents are the handler's business). The body is read once and replayed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            fields = self._url_fields(scope)
            replay = receive
            if not fields and scope["method"] in _BODY_METHODS:
                kind = _body_kind(Headers(scope=scope).get("content-type", ""))
                if kind is not None:
                    body = await _read_body(receive)
                    fields = await _body_fields(kind, body, Headers(scope=scope))
                    replay = _replay(body, receive)
        except Problem as exc:  # e.g. the gateway's body limit, raised while reading
            await _send_problem(scope, send, exc)
            return
        if fields:
            await _send_problem(scope, send, nul_problem(fields))
            return
        await self.app(scope, replay, send)

    @staticmethod
    def _url_fields(scope: Scope) -> list[str]:
        if NUL in scope.get("path", ""):
            return ["path"]
        raw: bytes = scope.get("query_string", b"")
        if b"%00" not in raw and b"\x00" not in raw:
            return []
        pairs = parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)
        return _pairs_with_nul(pairs, "query")


def _body_kind(content_type: str) -> str | None:
    media = content_type.split(";", 1)[0].strip().lower()
    if not media or media == "application/json" or media.endswith("+json"):
        return "json"
    if media == "application/x-www-form-urlencoded":
        return "form"
    if media == "multipart/form-data":
        return "multipart"
    return None


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _body_fields(kind: str, body: bytes, headers: Headers) -> list[str]:
    if not body:
        return []
    if kind == "json":
        if b"\\u0000" not in body and b"\x00" not in body:
            return []
        try:
            parsed = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return []  # not JSON: the route's own validation answers
        return nul_fields(parsed, ("body",), [])
    if kind == "form":
        pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        return _pairs_with_nul(pairs, "body")
    return await _multipart_fields(body, headers)


async def _multipart_fields(body: bytes, headers: Headers) -> list[str]:
    async def stream() -> AsyncGenerator[bytes, None]:
        yield body

    try:
        form = await MultiPartParser(headers, stream()).parse()
    except MultiPartException:
        return []  # malformed: the route's own parsing answers
    out: list[str] = []
    try:
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                if NUL in key or NUL in (value.filename or ""):
                    out.append(f"body.{_name(key)}")
            elif NUL in key or NUL in value:
                out.append(f"body.{_name(key)}")
    finally:
        await form.close()
    return out[:_MAX_ERRORS]


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _send_problem(scope: Scope, send: Send, exc: Problem) -> None:
    response = problem_response(
        Request(scope),
        exc.status,
        exc.detail,
        title=exc.title,
        code=exc.code,
        headers=exc.headers,
        **exc.extra,
    )

    async def no_body() -> Message:
        return {"type": "http.disconnect"}

    await response(scope, no_body, send)
