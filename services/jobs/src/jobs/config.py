"""Settings of the jobs service (env prefix JOBS_, shared infrastructure under ANJU_)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from anju_common import clock
from anju_common.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class JobsSettings(ServiceSettings):
    """What the jobs service reads from the environment."""

    model_config = SettingsConfigDict(env_prefix="JOBS_", extra="ignore", populate_by_name=True)

    service_name: str = "jobs"
    port: int = 8001
    expiry_check_seconds: float = 60.0
    timezone: str = "Asia/Shanghai"


@lru_cache
def get_settings() -> JobsSettings:
    """Cached settings; tests call get_settings.cache_clear() after changing the environment."""
    return JobsSettings()


def today() -> date:
    """Today in the service's time zone, from the kit clock (tests may pin it)."""
    return clock.today(get_settings().timezone)
