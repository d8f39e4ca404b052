"""The workers service's internal contact endpoint: phone and SMS consent, fetched at send time."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache

import httpx
from anju_common.principal import SERVICE_TOKEN_HEADER
from anju_common.serving import client_limits

from notifications.config import get_settings


class ContactUnavailable(Exception):
    """The workers service did not answer usefully; try again later."""


@dataclass(frozen=True)
class Contact:
    """What we need to text a worker (held in memory only)."""

    worker_id: uuid.UUID
    site_id: uuid.UUID | None
    household_id: uuid.UUID | None
    phone: str | None
    sms_consent: bool
    name: str | None = None


@dataclass(frozen=True)
class KnownWorker:
    """Whose number it is, as the workers service knows it (no personal data)."""

    worker_id: uuid.UUID
    site_id: uuid.UUID | None
    household_id: uuid.UUID | None


class ContactClient:
    """GET {workers_url}/internal/v1/workers/{id}/contact with the service token."""

    def __init__(self, base_url: str, token: str, timeout: float, concurrency: int = 8) -> None:
        self.http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={SERVICE_TOKEN_HEADER: token},
            timeout=timeout,
            limits=client_limits(concurrency),
        )
        self.pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="contacts")

    def get(self, worker_id: uuid.UUID) -> Contact | None:
        """The worker's contact; None when the worker does not exist."""
        try:
            response = self.http.get(f"/internal/v1/workers/{worker_id}/contact")
        except httpx.HTTPError as exc:
            raise ContactUnavailable(type(exc).__name__) from exc
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise ContactUnavailable(f"status {response.status_code}")
        try:
            body = response.json()
            return Contact(
                worker_id=uuid.UUID(str(body["worker_id"])),
                site_id=uuid.UUID(str(body["site_id"])) if body.get("site_id") else None,
                household_id=uuid.UUID(str(body["household_id"])) if body.get("household_id") else None,
                phone=body.get("phone") or None,
                sms_consent=bool(body.get("sms_consent", False)),
                name=body.get("name"),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise ContactUnavailable("malformed contact") from exc

    def by_phone_hash(self, phone_hash: str) -> list[KnownWorker]:
        """Active workers with this number (keyed hash), for an SMS from a number we never texted."""
        try:
            response = self.http.get(f"/internal/v1/workers/by-phone-hash/{phone_hash}")
        except httpx.HTTPError as exc:
            raise ContactUnavailable(type(exc).__name__) from exc
        if response.status_code == 404:
            return []
        if response.status_code != 200:
            raise ContactUnavailable(f"status {response.status_code}")
        try:
            return [
                KnownWorker(
                    worker_id=uuid.UUID(str(w["worker_id"])),
                    site_id=uuid.UUID(str(w["site_id"])) if w.get("site_id") else None,
                    household_id=uuid.UUID(str(w["household_id"])) if w.get("household_id") else None,
                )
                for w in response.json()["workers"]
            ]
        except (KeyError, ValueError, TypeError) as exc:
            raise ContactUnavailable("malformed lookup") from exc

    def get_many(self, worker_ids: list[uuid.UUID]) -> dict[uuid.UUID, Contact | ContactUnavailable | None]:
        """Contacts fetched concurrently; a failure is returned in place of its contact."""

        def one(worker_id: uuid.UUID) -> Contact | ContactUnavailable | None:
            try:
                return self.get(worker_id)
            except ContactUnavailable as exc:
                return exc

        unique = list(dict.fromkeys(worker_ids))
        return dict(zip(unique, self.pool.map(one, unique), strict=True))

    def close(self) -> None:
        """Release connections and threads."""
        self.http.close()
        self.pool.shutdown(wait=False)


@lru_cache(maxsize=4)
def _client(base_url: str, token: str, timeout: float) -> ContactClient:
    return ContactClient(base_url, token, timeout, concurrency=2)


def lookup_client() -> ContactClient:
    """A shared client of the workers service for reverse lookups of inbound numbers."""
    s = get_settings()
    return _client(s.workers_url, s.service_token, s.contact_timeout_seconds)
