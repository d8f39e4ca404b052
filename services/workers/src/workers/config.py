"""Settings of the workers service (env prefix WORKERS_, shared infrastructure under ANJU_)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from anju_common import clock
from anju_common.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class WorkersSettings(ServiceSettings):
    """What the workers service reads from the environment."""

    model_config = SettingsConfigDict(env_prefix="WORKERS_", extra="ignore", populate_by_name=True)

    service_name: str = "workers"
    port: int = 8002
    timezone: str = "Asia/Shanghai"
    phone_region: str = "CN"
    import_max_rows: int = 50_000
    import_max_bytes: int = 50 * 1024 * 1024
    import_chunk_rows: int = 2_000
    # .xlsx checks before reading (zip bombs): unpacked size of all parts, per-part compression ratio, cells.
    import_max_unpacked_bytes: int = 128 * 1024 * 1024
    import_max_compression_ratio: float = 100.0
    import_max_cells: int = 2_000_000
    # Helper processes that validate rows of big imports (0: validate in the request's process).
    import_processes: int = 1
    # The yearly service standard per worker: job recommendations, guidance contacts, course notices.
    standard_recommendations: int = 3
    standard_guidance_contacts: int = 1
    standard_training_notices: int = 1


@lru_cache
def get_settings() -> WorkersSettings:
    """Cached settings; tests call get_settings.cache_clear() after changing the environment."""
    return WorkersSettings()


def today() -> date:
    """Today in the service's time zone (the offices' calendar), from the kit clock (tests may pin it)."""
    return clock.today(get_settings().timezone)
