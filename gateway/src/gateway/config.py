"""Settings of the gateway (env prefix GATEWAY_, shared infrastructure under ANJU_)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from anju_common.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class GatewaySettings(ServiceSettings):
    """What the gateway reads from the environment."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", populate_by_name=True)

    service_name: str = "gateway"
    port: int = 8000
    run_workers: bool = False

    # Each *_URL may list several replicas, comma-separated; the gateway spreads requests over them.
    jobs_url: str = "http://127.0.0.1:8001"
    workers_url: str = "http://127.0.0.1:8002"
    matching_url: str = "http://127.0.0.1:8003"
    notifications_url: str = "http://127.0.0.1:8004"

    # Staff tokens: HS256 signed with a secret of the gateway alone (never the internal secret).
    jwt_secret: str = "dev-gateway-jwt-secret-change-me-please-32b"  # noqa: S105 (dev default)
    # Rotation grace: tokens signed with the previous secret stay valid until this time (then it is ignored).
    jwt_previous_secret: str = ""
    jwt_previous_secret_until: datetime | None = None
    access_token_minutes: int = 15
    refresh_token_days: int = 14
    # API keys: HMAC-SHA256 of the secret part with this pepper; only the digest is stored.
    api_key_pepper: str = "dev-api-key-pepper-change-me"
    api_key_cache_seconds: int = 60
    # A user's sites and active flag are read from the database at most this often (admin changes clear it).
    user_cache_seconds: int = 30

    # Login lockout: after max_failures within the window the account (and the IP) waits lockout_seconds.
    login_max_failures: int = 5
    login_failure_window_seconds: int = 900
    login_lockout_seconds: int = 900

    # Rate limits in the `limits` notation, moving window, counted in Redis.
    rate_limit_ip: str = "600/minute"
    rate_limit_principal: str = "1200/minute"
    rate_limit_login: str = "20/minute"
    rate_limit_prefix: str = "anju-gw"

    max_body_bytes: int = 1024 * 1024
    max_import_bytes: int = 20 * 1024 * 1024

    connect_timeout_seconds: float = 2.0
    read_timeout_seconds: float = 30.0
    breaker_failures: int = 3
    breaker_open_seconds: float = 10.0

    # Check referenced sites and employers with the owning service before creating users and keys.
    validate_references: bool = True
    openapi_cache_seconds: float = 30.0

    def jwt_secrets(self, now: datetime | None = None) -> list[str]:
        """Secrets that verify staff tokens: the current one, and the previous one during its grace period."""
        out = [self.jwt_secret]
        until = self.jwt_previous_secret_until
        if until is not None and until.tzinfo is None:
            until = until.replace(tzinfo=UTC)
        if self.jwt_previous_secret and until is not None and (now or datetime.now(UTC)) < until:
            out.append(self.jwt_previous_secret)
        return out

    def service_replicas(self) -> dict[str, list[str]]:
        """Base URLs of every replica of every upstream service, by service name."""
        raw = {
            "jobs": self.jobs_url,
            "workers": self.workers_url,
            "matching": self.matching_url,
            "notifications": self.notifications_url,
        }
        return {name: [u.strip() for u in value.split(",") if u.strip()] for name, value in raw.items()}

    def service_urls(self) -> dict[str, str]:
        """One base URL per upstream service (the first replica), for calls that need any one of them."""
        return {name: urls[0] for name, urls in self.service_replicas().items()}


@lru_cache
def get_settings() -> GatewaySettings:
    """Cached settings; tests call get_settings.cache_clear() after changing the environment."""
    return GatewaySettings()
