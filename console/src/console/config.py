"""Console settings (env prefix CONSOLE_, bind address from ANJU_HOST)."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SESSION_SECRET = "dev-console-session-secret-change-me"  # noqa: S105 (public development default)


class ConsoleSettings(BaseSettings):
    """Where the gateway is, how the session cookie is signed, where to listen."""

    model_config = SettingsConfigDict(env_prefix="CONSOLE_", extra="ignore")

    service_name: str = "console"
    # Infrastructure settings shared with the services come from ANJU_*.
    host: str = Field(default_factory=lambda: os.environ.get("ANJU_HOST", "127.0.0.1"))
    port: int = 8005
    gateway_url: str = "http://127.0.0.1:8000"
    session_secret: str = DEV_SESSION_SECRET
    # Set true behind HTTPS so the session cookie is never sent in clear text.
    cookie_secure: bool = False
    session_max_age_seconds: int = 14 * 24 * 3600
    request_timeout_seconds: float = 30.0
    log_level: str = Field(default_factory=lambda: os.environ.get("ANJU_LOG_LEVEL", "INFO"))
    log_json: bool = Field(default_factory=lambda: os.environ.get("ANJU_LOG_JSON", "true").lower() != "false")


@lru_cache
def get_settings() -> ConsoleSettings:
    """The settings, read once."""
    return ConsoleSettings()
