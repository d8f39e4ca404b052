"""The client pools of Anju's services expire idle connections before any Anju server closes them."""

from __future__ import annotations

from anju_common.serving import CLIENT_KEEPALIVE_SECONDS, SERVER_KEEP_ALIVE_SECONDS, client_limits


def test_client_pools_expire_before_the_server_closes() -> None:
    limits = client_limits(10)
    assert limits.keepalive_expiry == CLIENT_KEEPALIVE_SECONDS
    assert limits.max_keepalive_connections == 10
    assert CLIENT_KEEPALIVE_SECONDS < SERVER_KEEP_ALIVE_SECONDS / 2
    assert client_limits(200, 50).max_keepalive_connections == 50
