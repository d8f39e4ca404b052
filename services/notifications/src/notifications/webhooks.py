"""Office webhooks: each feed item POSTed to the site's subscriptions, signed (HMAC-SHA256 over timestamp and
body), retried with backoff, the subscription disabled after repeated failure.

Targets are checked at creation and again before every delivery, after DNS resolution: loopback, private,
link-local (cloud metadata), unspecified, multicast and other non-global addresses, and the stack's own
ports, are refused unless an address or host is on NOTIFICATIONS_WEBHOOK_ALLOW (ports never); the call goes
to the checked address itself and redirects are not followed."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

import httpx
from anju_common.background import BackgroundThread
from anju_common.clock import CLOCK, Clock
from anju_common.db import session_scope
from anju_common.errors import InvalidFieldError
from anju_common.logs import get_logger
from sqlalchemy import Engine

from notifications import repository as repo
from notifications.config import NotificationsSettings, get_settings
from notifications.feed import SECRET_CONTEXT
from notifications.metrics import WEBHOOK_OUTCOMES
from notifications.models import DeliveryStatus, FeedItem

log = get_logger(__name__)
SIGNATURE_HEADER = "X-Anju-Signature"
TIMESTAMP_HEADER = "X-Anju-Timestamp"


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]


class BlockedTarget(Exception):
    """A webhook URL points where the service must not send requests."""


def system_resolve(host: str, port: int) -> list[str]:
    """Every address the host name resolves to (the operating system's resolver)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


# Indirection so tests can play a DNS server whose answers change (rebinding).
resolve: Resolver = system_resolve


@dataclass(frozen=True)
class TargetPolicy:
    """Where webhooks may go: global unicast addresses, plus the allow-list; never the blocked ports."""

    allow_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    allow_hosts: frozenset[str]
    blocked_ports: frozenset[int]

    @classmethod
    def from_settings(cls, settings: NotificationsSettings) -> TargetPolicy:
        """Parse NOTIFICATIONS_WEBHOOK_ALLOW (CIDRs, addresses, host names) and the blocked ports."""
        networks, hosts = [], set()
        for item in filter(None, (p.strip().lower() for p in settings.webhook_allow.split(","))):
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                hosts.add(item.rstrip("."))
        ports = {int(p) for p in settings.webhook_blocked_ports.split(",") if p.strip()}
        return cls(tuple(networks), frozenset(hosts), frozenset(ports))

    def check_address(self, ip: IPAddress) -> None:
        """Raise BlockedTarget for an address outside the public internet that the allow-list omits."""
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if any(ip in net for net in self.allow_networks):
            return
        if not ip.is_global or ip.is_multicast:
            raise BlockedTarget(
                f"地址 {ip} 属于本机、内网、链路本地或组播地址 (address {ip} is loopback, private, "
                "link-local, multicast or otherwise not public; add it to NOTIFICATIONS_WEBHOOK_ALLOW "
                "to deliver inside your network)"
            )

    @staticmethod
    def _addresses(host: str, port: int, resolver: Resolver) -> list[IPAddress]:
        try:
            return [ipaddress.ip_address(host)]
        except ValueError:
            pass
        try:
            found = [ipaddress.ip_address(a.split("%")[0]) for a in resolver(host, port)]
        except (OSError, UnicodeError, ValueError) as exc:
            raise BlockedTarget(f"无法解析主机 {host} (host {host} does not resolve)") from exc
        if not found:
            raise BlockedTarget(f"无法解析主机 {host} (host {host} does not resolve)")
        return found

    def pin(self, url: str, resolver: Resolver | None = None) -> tuple[str, str, str]:
        """Check a URL and its resolved addresses; returns (URL with the checked address, Host, host name)."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().rstrip(".")
        if parts.scheme not in ("http", "https") or not host:
            raise BlockedTarget("只接受 http/https 地址 (only http and https URLs with a host)")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:
            raise BlockedTarget("端口无效 (the port is not valid)") from exc
        if port in self.blocked_ports:
            raise BlockedTarget(f"端口 {port} 不允许 (port {port} belongs to the platform's own services)")
        addresses = self._addresses(host, port, resolver or resolve)
        if host not in self.allow_hosts:
            for ip in addresses:  # every answer, so a mixed reply cannot slip a private one through
                self.check_address(ip)
        ip = addresses[0]
        netloc = f"[{ip}]:{port}" if ip.version == 6 else f"{ip}:{port}"
        pinned = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
        host_header = host if parts.port is None else f"{host}:{parts.port}"
        if ":" in host and parts.port is None:
            host_header = f"[{host}]"
        elif ":" in host:
            host_header = f"[{host}]:{parts.port}"
        return pinned, host_header, host


def check_webhook_url(url: str, settings: NotificationsSettings) -> None:
    """422 naming the url field when a new webhook would point somewhere it must not."""
    try:
        TargetPolicy.from_settings(settings).pin(url)
    except BlockedTarget as exc:
        raise InvalidFieldError("url", str(exc)) from exc


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """'sha256=' + hex HMAC-SHA256 of '<timestamp>.<body>'."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={mac}"


def feed_payload(item: FeedItem) -> dict[str, object]:
    """The JSON form of a feed item (same in the feed, the stream and webhooks)."""
    return {
        "id": item.id,
        "site_id": str(item.site_id) if item.site_id else None,
        "kind": item.kind,
        "title": item.title,
        "payload": item.payload,
        "created_at": item.created_at.isoformat(),
    }


class WebhookSender(BackgroundThread):
    """Background worker delivering due webhook calls."""

    def __init__(self, engine: Engine, clock: Clock = CLOCK) -> None:
        super().__init__("office-webhooks")
        self.engine = engine
        self.clock = clock
        settings = get_settings()
        self.policy = TargetPolicy.from_settings(settings)
        # Redirects are never followed: a 3xx is a failed delivery, not a hop to an unchecked address.
        self.http = httpx.Client(timeout=settings.webhook_timeout_seconds, follow_redirects=False)

    def _backoff(self, attempts: int) -> timedelta:
        seconds = get_settings().webhook_retry_base_seconds * 2 ** max(0, attempts - 1)
        return timedelta(seconds=min(seconds, 3600.0))

    def run_once(self) -> int:
        """Deliver one batch; returns how many calls were made."""
        s = get_settings()
        now = self.clock.now()
        with session_scope(self.engine) as session:
            claimed = repo.claim_deliveries(session, now, 20)
            for delivery, sub, item in claimed:
                if not sub.active:
                    continue
                body = json.dumps(feed_payload(item), ensure_ascii=False, separators=(",", ":")).encode()
                timestamp = str(int(time.time()))
                secret = s.cipher().decrypt(sub.secret_enc, context=SECRET_CONTEXT)
                headers = {
                    "Content-Type": "application/json",
                    TIMESTAMP_HEADER: timestamp,
                    SIGNATURE_HEADER: sign(secret, timestamp, body),
                    "X-Anju-Delivery": str(delivery.id),
                    "X-Anju-Event": item.kind,
                }
                error = self._post(sub.url, body, headers, str(sub.id))
                delivery.attempts += 1
                if error is None:
                    delivery.status = DeliveryStatus.delivered
                    delivery.delivered_at = now
                    sub.consecutive_failures = 0
                    sub.last_error = None
                    WEBHOOK_OUTCOMES.labels("delivered").inc()
                    continue
                WEBHOOK_OUTCOMES.labels("failed").inc()
                delivery.last_error = error
                delivery.next_attempt_at = now + self._backoff(delivery.attempts)
                sub.consecutive_failures += 1
                sub.last_error = error
                sub.updated_at = now
                if sub.consecutive_failures >= s.webhook_max_failures and sub.active:
                    sub.active = False
                    sub.disabled_at = now
                    log.warning(
                        "webhook.disabled", subscription_id=str(sub.id), failures=sub.consecutive_failures
                    )
            return len(claimed)

    def _post(self, url: str, body: bytes, headers: dict[str, str], sub_id: str) -> str | None:
        """POST to the re-checked, resolved address; None on a 2xx, else the error."""
        try:
            target, host_header, host = self.policy.pin(url)
        except BlockedTarget:
            log.warning("webhook.blocked_target", subscription_id=sub_id)
            return "blocked target"
        extensions = {"sni_hostname": host} if target.startswith("https:") else {}
        try:
            response = self.http.post(
                target, content=body, headers={**headers, "Host": host_header}, extensions=extensions
            )
        except httpx.HTTPError as exc:
            return type(exc).__name__
        return None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"

    def run(self) -> None:
        """Deliver until stopped."""
        while not self.stopping.is_set():
            try:
                if self.run_once():
                    continue
            except Exception as exc:
                log.warning("webhook.loop_failed", error=f"{type(exc).__name__}: {exc}"[:300])
            self.stopping.wait(get_settings().webhook_poll_seconds)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the loop."""
        super().stop(timeout)
        self.http.close()
