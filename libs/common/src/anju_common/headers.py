"""Security headers on every response: no sniffing, no caching of personal data, no framing of pages."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Pages are served from our own origin only (Swagger UI's assets ship with the app; nothing from a CDN).
HTML_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
API_POLICY = "default-src 'none'; frame-ancestors 'none'"


class SecurityHeaders:
    """ASGI middleware that adds the headers a route did not set itself and drops the server banner."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                apply(headers)
            await send(message)

        await self.app(scope, receive, send_wrapper)


def apply(headers: MutableHeaders) -> None:
    """Set the defaults on one response's headers (what is already there wins)."""
    if "server" in headers:
        del headers["server"]
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "no-referrer")
    # API answers carry personal data; a route that serves something cacheable says so itself.
    headers.setdefault("Cache-Control", "no-store")
    is_html = headers.get("content-type", "").startswith("text/html")
    headers.setdefault("Content-Security-Policy", HTML_POLICY if is_html else API_POLICY)
