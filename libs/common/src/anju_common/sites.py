"""Site ids in request bodies: they must be in the caller's scope and exist in the workers service."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import redis

from anju_common.errors import ForbiddenError, InvalidFieldError
from anju_common.logs import get_logger
from anju_common.principal import PRINCIPAL_HEADER, Principal, sign_principal
from anju_common.problems import Problem
from anju_common.settings import ServiceSettings

log = get_logger(__name__)
_SERVICE = Principal(sub="site-check", role="service")
_CACHE_SECONDS = 300


@dataclass
class SiteCheck:
    """Asks the workers service whether a site exists (cached in Redis); off unless settings turn it on."""

    settings: ServiceSettings
    redis: redis.Redis[bytes] | None
    lookup: Callable[[uuid.UUID], int] | None = None

    def _on(self) -> bool:
        on = self.settings.check_sites
        return self.settings.require_principal if on is None else on

    def _status(self, site_id: uuid.UUID) -> int:
        if self.lookup is not None:
            return self.lookup(site_id)
        token = sign_principal(_SERVICE, self.settings.internal_token_secret)
        url = f"{self.settings.workers_url.rstrip('/')}/api/v1/sites/{site_id}"
        try:
            return httpx.get(url, headers={PRINCIPAL_HEADER: token}, timeout=5).status_code
        except httpx.HTTPError as exc:
            raise _unavailable() from exc

    def exists(self, site_id: uuid.UUID) -> bool:
        """Whether the workers service knows the site (a yes is cached; a no is asked again)."""
        key = f"{self.settings.topic_prefix}anju:site:{site_id}"
        if self.redis is not None:
            try:
                if self.redis.exists(key):
                    return True
            except redis.RedisError:
                log.warning("sites.cache_unavailable")
        status = self._status(site_id)
        if status == 404:
            return False
        if status != 200:
            raise _unavailable()
        if self.redis is not None:
            try:
                self.redis.set(key, b"1", ex=_CACHE_SECONDS)
            except redis.RedisError:
                log.warning("sites.cache_unavailable")
        return True

    def require(self, principal: Principal, site_id: uuid.UUID | None, field: str) -> None:
        """403 for a site outside the caller's scope, 422 naming the field for one that does not exist."""
        if site_id is None:
            return
        if principal.role == "office_staff" and not principal.can_see_site(site_id):
            raise ForbiddenError(
                f"{field}: 安置点不在你的管辖范围内 / site {site_id} is not one of your sites"
            )
        if self._on() and principal.role != "office_staff" and not self.exists(site_id):
            raise InvalidFieldError(field, f"安置点不存在 / no site {site_id}")


def _unavailable() -> Problem:
    return Problem(
        503,
        "暂时无法确认安置点，请重试 / the workers service cannot confirm the site now; retry",
        code="upstream-unavailable",
        headers={"Retry-After": "3"},
    )
