"""How every Anju process serves HTTP and how its clients keep connections: uvicorn's options and the
idle expiry of client pools, in one place so the two sides always agree."""

from __future__ import annotations

import httpx
import uvicorn

# A client must drop an idle pooled connection before the server closes it. With both at uvicorn's and
# httpx's default of 5 s, a request sent on a connection the server was closing at that instant fails with
# "Server disconnected without sending a response" (the gateway answered such requests with a 503).
SERVER_KEEP_ALIVE_SECONDS = 75
CLIENT_KEEPALIVE_SECONDS = 20.0


def client_limits(max_connections: int, max_keepalive: int | None = None) -> httpx.Limits:
    """Pool limits for a client of an Anju service: idle connections expire before the server's do."""
    return httpx.Limits(
        max_connections=max_connections,
        max_keepalive_connections=max_keepalive if max_keepalive is not None else max_connections,
        keepalive_expiry=CLIENT_KEEPALIVE_SECONDS,
    )


def run_server(app_path: str, *, host: str, port: int, graceful_seconds: int = 10) -> None:
    """Serve an ASGI app with Anju's options: our JSON logs only, no server header, long keep-alive."""
    uvicorn.run(
        app_path,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        server_header=False,
        timeout_keep_alive=SERVER_KEEP_ALIVE_SECONDS,
        timeout_graceful_shutdown=graceful_seconds,
    )
