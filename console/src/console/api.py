"""The console's one way to Anju: the gateway's public API, with the signed-in staff member's own tokens."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.requests import Request

from console.config import get_settings

SESSION_TOKENS = "tokens"


class NotSignedIn(Exception):
    """The session holds no usable token: the user must log in (again)."""


@dataclass
class ApiError(Exception):
    """A problem+json answer of the API, kept whole so pages can show its detail and field errors."""

    status: int
    problem: dict[str, Any]

    @property
    def detail(self) -> str:
        """The problem's detail (already in the user's language: the console forwards Accept-Language)."""
        return str(self.problem.get("detail") or self.problem.get("title") or self.status)

    @property
    def errors(self) -> list[dict[str, Any]]:
        """Field errors of a 422."""
        errors = self.problem.get("errors")
        return errors if isinstance(errors, list) else []


def _problem(response: httpx.Response) -> ApiError:
    try:
        body = response.json()
    except ValueError:
        body = {"detail": response.text[:500]}
    if not isinstance(body, dict):
        body = {"detail": str(body)[:500]}
    return ApiError(response.status_code, body)


class Gateway:
    """Calls the public API for one request of one signed-in user; refreshes the access token once on 401."""

    def __init__(self, request: Request, http: httpx.AsyncClient, lang: str) -> None:
        self.request = request
        self.http = http
        self.lang = lang
        # A page's calls run concurrently: the first 401 refreshes, the others wait and use its token
        # (refresh tokens rotate, so a second refresh with the old one would sign the user out).
        self._refreshing = asyncio.Lock()

    def _headers(self, token: str | None) -> dict[str, str]:
        headers = {"Accept-Language": "zh-CN" if self.lang == "zh" else "en"}
        request_id = getattr(self.request.state, "request_id", None)
        if request_id:
            headers["X-Request-ID"] = str(request_id)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    def _tokens(self) -> dict[str, str]:
        tokens = self.request.session.get(SESSION_TOKENS)
        if not isinstance(tokens, dict) or not tokens.get("access_token"):
            raise NotSignedIn
        return tokens

    async def _refresh(self) -> str:
        tokens = self._tokens()
        response = await self.http.post(
            "/api/v1/auth/refresh",
            json={"refresh_token": tokens.get("refresh_token", "")},
            headers=self._headers(None),
        )
        if response.status_code != 200:
            self.request.session.pop(SESSION_TOKENS, None)
            raise NotSignedIn
        fresh = response.json()
        self.request.session[SESSION_TOKENS] = {
            "access_token": fresh["access_token"],
            "refresh_token": fresh["refresh_token"],
        }
        return str(fresh["access_token"])

    async def send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One API call as the signed-in user; problem answers raise ApiError."""
        token = self._tokens()["access_token"]
        response = await self.http.request(method, path, headers=self._headers(token), **kwargs)
        if response.status_code == 401:
            async with self._refreshing:
                current = self._tokens()["access_token"]
                token = current if current != token else await self._refresh()
            response = await self.http.request(method, path, headers=self._headers(token), **kwargs)
            if response.status_code == 401:
                self.request.session.pop(SESSION_TOKENS, None)
                raise NotSignedIn
        if response.status_code >= 400:
            raise _problem(response)
        return response

    async def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET and decode JSON."""
        clean = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        return (await self.send("GET", path, params=clean)).json()

    async def post(self, path: str, **kwargs: Any) -> Any:
        """POST and decode JSON (None for an empty answer)."""
        response = await self.send("POST", path, **kwargs)
        return response.json() if response.content else None

    @asynccontextmanager
    async def stream(
        self, path: str, headers: Mapping[str, str] | None = None
    ) -> AsyncIterator[httpx.Response]:
        """A streamed GET (server-sent events) with no read timeout."""
        token = self._tokens()["access_token"]
        timeout = httpx.Timeout(get_settings().request_timeout_seconds, read=None)
        request = self.http.build_request(
            "GET", path, headers={**self._headers(token), **(headers or {})}, timeout=timeout
        )
        response = await self.http.send(request, stream=True)
        try:
            if response.status_code >= 400:
                await response.aread()
                raise _problem(response)
            yield response
        finally:
            await response.aclose()


async def login(http: httpx.AsyncClient, username: str, password: str, lang: str) -> dict[str, str]:
    """Exchange a username and password for tokens at the gateway (the staff's own login)."""
    response = await http.post(
        "/api/v1/auth/token",
        data={"username": username, "password": password},
        headers={"Accept-Language": "zh-CN" if lang == "zh" else "en"},
    )
    if response.status_code != 200:
        raise _problem(response)
    body = response.json()
    return {"access_token": body["access_token"], "refresh_token": body["refresh_token"]}


async def logout(http: httpx.AsyncClient, tokens: Mapping[str, str]) -> None:
    """Revoke the refresh token at the gateway (best effort)."""
    try:
        await http.post(
            "/api/v1/auth/logout",
            json={"refresh_token": tokens.get("refresh_token", "")},
            headers={"Authorization": f"Bearer {tokens.get('access_token', '')}"},
        )
    except httpx.HTTPError:
        return
