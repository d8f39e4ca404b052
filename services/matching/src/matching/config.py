"""Settings of the matching service (env prefix MATCHING_, shared infrastructure under ANJU_)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from anju_common import clock
from anju_common.settings import ServiceSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from matching.engine.rules import Params

# The one source of the ranking defaults (weights, skill coverage, fuzzy cutoff, commute cap).
_ENGINE = Params()


class MatchingSettings(ServiceSettings):
    """What the matching service reads from the environment."""

    model_config = SettingsConfigDict(env_prefix="MATCHING_", extra="ignore", populate_by_name=True)

    service_name: str = "matching"
    port: int = 8003
    timezone: str = "Asia/Shanghai"
    # Score weights (relative; the score is normalised to 0..100); the defaults are the engine's.
    weight_skill: float = Field(default=_ENGINE.weights["skill"], ge=0)
    weight_commute: float = Field(default=_ENGINE.weights["commute"], ge=0)
    weight_wage: float = Field(default=_ENGINE.weights["wage"], ge=0)
    weight_schedule: float = Field(default=_ENGINE.weights["schedule"], ge=0)
    weight_household: float = Field(default=_ENGINE.weights["household"], ge=0)
    min_skill_coverage: float = Field(default=_ENGINE.min_skill_coverage, ge=0, le=1)
    fuzzy_cutoff: float = Field(default=_ENGINE.fuzzy_cutoff, ge=50, le=100)
    max_commute_cap_km: float = _ENGINE.max_commute_cap_km
    # Balancing: open proposals per worker per rolling week, proposals per open seat of a job.
    max_open_per_worker_week: int = Field(default=3, ge=1)
    proposals_per_seat: float = Field(default=3.0, gt=0)
    worker_jobs_limit: int = 20
    # Days after a match ended (declined, rejected, expired, left) before the same pair may be proposed again.
    repropose_cooldown_days: int = Field(default=30, ge=0)
    # Zero-employment households: working days before the office is alerted, and how often to check.
    zero_employment_deadline_days: int = Field(default=10, ge=1)
    zero_check_seconds: float = 3600.0
    # Replicas: how often each mirrors the rows the others wrote (0 = never, and proposals are made in the
    # consumer's transaction; SQLite never follows); how often each looks for pending proposals left
    # behind, and how old one must be before a replica takes it over from the one that asked for it.
    follow_interval_seconds: float = Field(default=0.2, ge=0)
    pending_sweep_seconds: float = Field(default=2.0, gt=0)
    pending_takeover_seconds: float = Field(default=5.0, ge=0)

    def params(self) -> Params:
        """The engine's parameters."""
        return Params(
            weights={
                "skill": self.weight_skill,
                "commute": self.weight_commute,
                "wage": self.weight_wage,
                "schedule": self.weight_schedule,
                "household": self.weight_household,
            },
            min_skill_coverage=self.min_skill_coverage,
            fuzzy_cutoff=self.fuzzy_cutoff,
            max_commute_cap_km=self.max_commute_cap_km,
        )


@lru_cache
def get_settings() -> MatchingSettings:
    """Cached settings; tests call get_settings.cache_clear() after changing the environment."""
    return MatchingSettings()


def today() -> date:
    """Today in the service's time zone, from the kit clock (tests may pin it)."""
    return clock.today(get_settings().timezone)
