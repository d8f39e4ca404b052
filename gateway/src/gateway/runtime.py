"""What the gateway process holds: database engine, Redis, rate limiter, HTTP client and upstreams."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import httpx
import redis
from anju_common.db import make_engine
from anju_common.health import readiness_checks
from anju_common.serving import client_limits
from limits import RateLimitItem, parse
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import Engine

from gateway.config import GatewaySettings
from gateway.upstreams import Upstream


@dataclass
class OpenApiCache:
    """The last aggregated OpenAPI document and when it was built."""

    document: dict[str, Any] | None = None
    built_at: float = 0.0
    complete: bool = False


@dataclass
class GatewayRuntime:
    """Built once at startup, shared by every request."""

    settings: GatewaySettings
    engine: Engine
    redis: redis.Redis[bytes]
    limiter: MovingWindowRateLimiter
    limit_ip: RateLimitItem
    limit_principal: RateLimitItem
    limit_login: RateLimitItem
    http: httpx.AsyncClient
    upstreams: dict[str, Upstream]
    openapi: OpenApiCache = field(default_factory=OpenApiCache)
    dynamic_routes: dict[str, list[re.Pattern[str]]] = field(default_factory=dict)

    @classmethod
    def build(cls, settings: GatewaySettings) -> GatewayRuntime:
        """Create clients from settings."""
        client = redis.Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
        storage = RedisStorage(
            settings.redis_url,
            key_prefix=settings.rate_limit_prefix,
            socket_timeout=2,
            socket_connect_timeout=2,
        )
        timeout = httpx.Timeout(
            connect=settings.connect_timeout_seconds,
            read=settings.read_timeout_seconds,
            write=settings.read_timeout_seconds,
            pool=settings.connect_timeout_seconds,
        )
        http = httpx.AsyncClient(
            timeout=timeout,
            limits=client_limits(200, 50),
            follow_redirects=False,
            trust_env=False,
        )
        upstreams = {
            name: Upstream.of(urls, settings.breaker_failures, settings.breaker_open_seconds)
            for name, urls in settings.service_replicas().items()
        }
        return cls(
            settings=settings,
            engine=make_engine(settings.sqlalchemy_url()),
            redis=client,
            limiter=MovingWindowRateLimiter(storage),
            limit_ip=parse(settings.rate_limit_ip),
            limit_principal=parse(settings.rate_limit_principal),
            limit_login=parse(settings.rate_limit_login),
            http=http,
            upstreams=upstreams,
        )

    def key(self, *parts: str) -> str:
        """A Redis key in the gateway's namespace."""
        return ":".join((self.settings.rate_limit_prefix, *parts))

    def readiness(self) -> dict[str, str]:
        """Database and Redis (the gateway needs no Kafka); upstream circuits are reported too."""
        return readiness_checks(self.engine, self.redis)

    def circuits(self) -> dict[str, str]:
        """State of each upstream's circuits (closed while any replica takes calls)."""
        return {name: u.state for name, u in self.upstreams.items()}

    async def close(self) -> None:
        """Close clients."""
        await self.http.aclose()
        self.redis.close()
        self.engine.dispose()
