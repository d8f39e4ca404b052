"""Settings shared by every service, read from the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from anju_common.clock import CLOCK
from anju_common.crypto import DEV_HASH_KEY, DEV_KEYS, FieldCipher, cipher_from_config

DEV_INTERNAL_SECRET = "dev-internal-secret-change-me-please-32b"  # noqa: S105 (public development default)
DEV_SERVICE_TOKEN = "dev-service-token"  # noqa: S105 (public development default)
DEV_CURSOR_SECRET = "dev-cursor-secret-change-me"  # noqa: S105 (public development default)
# Settings that protect something: outside development/test mode none may keep a public default or be empty.
SECRET_FIELDS = (
    "internal_token_secret",
    "service_token",
    "pii_keys",
    "pii_hash_key",
    "cursor_secret",
    "jwt_secret",
    "api_key_pepper",
    "callback_token",
)
DEVELOPMENT_MODES = ("development", "test")


class InsecureSettingsError(SystemExit):
    """The process would run with public development secrets outside development/test mode."""


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
    # development and test accept the public development secrets; anything else (the default) refuses them.
    env: Literal["development", "test", "production"] = _shared("env", "production")
    internal_token_secret: str = _shared("internal_token_secret", DEV_INTERNAL_SECRET)
    service_token: str = _shared("service_token", DEV_SERVICE_TOKEN)
    cursor_secret: str = _shared("cursor_secret", DEV_CURSOR_SECRET)
    require_principal: bool = _shared("require_principal", False)
    # Site ids in bodies are confirmed with the workers service; unset means "when behind the gateway".
    workers_url: str = _shared("workers_url", "http://127.0.0.1:8002")
    check_sites: bool | None = _shared("check_sites", None)
    pii_keys: str = _shared("pii_keys", DEV_KEYS)
    pii_active_key: str | None = _shared("pii_active_key", None)
    pii_hash_key: str = _shared("pii_hash_key", DEV_HASH_KEY)
    # A file holding seconds to add to the wall clock, so an end-to-end test moves a whole stack months on.
    clock_file: Path | None = _shared("clock_file", None)

    def env_name(self, field: str) -> str:
        """The environment variable that sets a field (ANJU_* for shared ones, else the service prefix)."""
        alias = type(self).model_fields[field].validation_alias
        if isinstance(alias, AliasChoices) and isinstance(alias.choices[0], str):
            return alias.choices[0]
        return f"{self.model_config.get('env_prefix', '')}{field}".upper()

    def insecure_secrets(self) -> list[str]:
        """Environment variables of secrets that are empty or still a public development default."""
        public = {DEV_KEYS, DEV_HASH_KEY, DEV_INTERNAL_SECRET, DEV_SERVICE_TOKEN, DEV_CURSOR_SECRET}
        bad = []
        for name in SECRET_FIELDS:
            info = type(self).model_fields.get(name)
            if info is None:
                continue
            value = str(getattr(self, name) or "")
            if not value.strip() or value == info.default or value in public:
                bad.append(self.env_name(name))
        return bad

    def refuse_insecure_defaults(self) -> None:
        """Exit (naming the variables to set) when secrets are public defaults outside development/test."""
        if self.env in DEVELOPMENT_MODES:
            return
        bad = self.insecure_secrets()
        if bad:
            raise InsecureSettingsError(
                f"{self.service_name}: 拒绝使用公开的开发密钥启动 (refusing to start with public development "
                f"secrets): set {', '.join(bad)} (make up generates them into var/secrets.env), "
                "or set ANJU_ENV=development for a local trial"
            )

    def follow_test_clock(self) -> None:
        """Follow ANJU_CLOCK_FILE's offset (development and test only: a production clock is the wall's)."""
        if self.clock_file is None:
            return
        if self.env not in DEVELOPMENT_MODES:
            raise InsecureSettingsError(
                f"{self.service_name}: 生产环境不能使用测试时钟 (a test clock is refused outside "
                "development/test): unset ANJU_CLOCK_FILE"
            )
        CLOCK.follow(self.clock_file)

    def cipher(self) -> FieldCipher:
        """The field cipher built from the PII key settings."""
        return cipher_from_config(self.pii_keys, self.pii_hash_key, self.pii_active_key)

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
