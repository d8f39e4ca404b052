"""Settings of the notifications service (env prefix NOTIFICATIONS_, shared infrastructure under ANJU_)."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from anju_common.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class NotificationsSettings(ServiceSettings):
    """What the notifications service reads from the environment."""

    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore", populate_by_name=True)

    service_name: str = "notifications"
    port: int = 8004
    workers_url: str = "http://127.0.0.1:8002"
    contact_timeout_seconds: float = 3.0
    # Provider: "file" writes var/sms-outbox.jsonl (the embedded default), "smpp" or "aliyun".
    provider: Literal["file", "smpp", "aliyun"] = "file"
    outbox_file: str | None = None
    smpp_host: str = "127.0.0.1"
    smpp_port: int = 2775
    smpp_system_id: str = "anju"
    smpp_password: str = "secret"  # noqa: S105 (development default)
    smpp_system_type: str = ""
    smpp_source_addr: str = "10690000"
    smpp_window: int = 50  # outstanding submit_sm per bind
    smpp_binds: int = 4  # transceiver binds to the SMSC; messages are spread over them
    smpp_query_sm: bool = True  # ask the SMSC (query_sm) about messages whose receipt never came
    smpp_response_timeout_seconds: float = 10.0
    smpp_enquire_link_seconds: float = 30.0
    aliyun_access_key_id: str = ""
    aliyun_access_key_secret: str = ""
    aliyun_endpoint: str = "dysmsapi.aliyuncs.com"
    aliyun_protocol: Literal["http", "https"] = "https"
    sign_name: str = "安居就业"
    # Quiet hours in local time: messages due inside them wait until the end.
    timezone: str = "Asia/Shanghai"
    quiet_start: str = "21:00"
    quiet_end: str = "08:00"
    # Scheduled messages (local time): the pre-departure SMS the day before the departure, the arrival
    # check-in the day after the arrival.
    pre_departure_time: str = "10:00"
    arrival_check_time: str = "10:00"
    # Per-number limits (sliding windows in Redis); over-limit messages wait.
    limit_per_minute: int = 1
    limit_per_hour: int = 5
    limit_per_day: int = 10
    # Dispatcher: claims due rows in batches; a claim is a lease, expired leases are in doubt.
    dispatch_batch: int = 50
    dispatch_poll_seconds: float = 0.2
    submit_lease_seconds: float = 30.0
    max_attempts: int = 6
    retry_base_seconds: float = 2.0
    retry_max_seconds: float = 600.0
    # What to do with an in-doubt submit (the process died between "submitting" and the provider's answer):
    # "resend" sends it once more (a duplicate is possible), "hold" leaves it for a person to resend.
    in_doubt_policy: Literal["resend", "hold"] = "resend"
    # Provider callbacks (inbound SMS, delivery reports) must carry this token; empty disables the check.
    callback_token: str = "dev-callback-token"  # noqa: S105 (development default)
    webhook_timeout_seconds: float = 5.0
    # Webhooks go only to public addresses unless listed here (CIDRs, addresses or host names, comma
    # separated) for deployments that deliver inside their own network; the ports below are always refused.
    webhook_allow: str = ""
    webhook_blocked_ports: str = "2775,5432,6379,8000,8001,8002,8003,8004,9092,9093"
    webhook_max_failures: int = 5
    webhook_retry_base_seconds: float = 5.0
    webhook_poll_seconds: float = 0.5
    feed_poll_seconds: float = 1.0
    # Delivery receipts lost (process down, link cut): a message still 'sent' this long after it was sent is
    # queried at the SMSC (SMPP query_sm) or, when the provider cannot be asked, marked 'unknown'; one still
    # on its way (or unanswered) after receipt_give_up_seconds is marked 'unknown' too. A late receipt still
    # applies.
    receipt_expiry_seconds: float = 3600.0
    receipt_give_up_seconds: float = 172800.0
    receipt_check_seconds: float = 60.0
    receipt_check_batch: int = 200


@lru_cache
def get_settings() -> NotificationsSettings:
    """Cached settings; tests call get_settings.cache_clear() after changing the environment."""
    return NotificationsSettings()
