"""Settings shared by every service, read from the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from anju_common.crypto import DEV_HASH_KEY, DEV_KEYS, FieldCipher


def _shared(name: str, default: Any) -> Any:
    """Declare a field read from ANJU_<NAME> whatever the service prefix."""
    env = f"ANJU_{name.upper()}"
    return Field(default=default, validation_alias=AliasChoices(env, name))


class ServiceSettings(BaseSettings):
    """Base settings: infrastructure under ANJU_*, service fields under the subclass's env_prefix."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    service_name: str = "anju"
    host: str = _shared("host", "127.0.0.1")
    port: int = 8000
    db: Literal["sqlite", "postgres"] = _shared("db", "sqlite")
    pg_url: str = _shared("pg_url", "postgresql+psycopg://anju:anju@127.0.0.1:5432")
    database_url: str | None = None
    var_dir: Path = _shared("var_dir", Path("var"))
    kafka_bootstrap: str = _shared("kafka_bootstrap", "127.0.0.1:9092")
    kafka_replication_factor: int = _shared("kafka_replication_factor", 1)
    kafka_min_insync_replicas: int = _shared("kafka_min_insync_replicas", 1)
    topic_prefix: str = _shared("topic_prefix", "")
    consumer_group_suffix: str = _shared("consumer_group_suffix", "")
    redis_url: str = _shared("redis_url", "redis://127.0.0.1:6379/0")
    log_level: str = _shared("log_level", "INFO")
    log_json: bool = _shared("log_json", True)
    run_workers: bool = True
    outbox_poll_seconds: float = _shared("outbox_poll_seconds", 0.2)
    internal_token_secret: str = _shared("internal_token_secret", "dev-internal-secret-change-me-please-32b")
    service_token: str = _shared("service_token", "dev-service-token")
    require_principal: bool = _shared("require_principal", False)
    pii_keys: str = _shared("pii_keys", DEV_KEYS)
    pii_active_key: str | None = _shared("pii_active_key", None)
    pii_hash_key: str = _shared("pii_hash_key", DEV_HASH_KEY)

    def cipher(self) -> FieldCipher:
        """The field cipher built from the PII key settings."""
        return FieldCipher.from_config(self.pii_keys, self.pii_hash_key, self.pii_active_key)

    def sqlalchemy_url(self) -> str:
        """The database URL: explicit, else SQLite under var/, else anju_<service> on PostgreSQL."""
        if self.database_url:
            return self.database_url
        if self.db == "sqlite":
            self.var_dir.mkdir(parents=True, exist_ok=True)
            return f"sqlite:///{self.var_dir / (self.service_name + '.db')}"
        return f"{self.pg_url.rstrip('/')}/anju_{self.service_name}"

    def topic(self, name: str) -> str:
        """Physical topic name, with the test-run prefix when one is set."""
        return f"{self.topic_prefix}{name}"

    def group(self, name: str) -> str:
        """Consumer group id, with the test-run suffix when one is set."""
        return f"{self.topic_prefix}{name}{self.consumer_group_suffix}"
