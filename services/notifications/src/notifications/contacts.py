"""The workers service's internal contact endpoints: phone and SMS consent, fetched at send time."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import httpx
from anju_common.principal import SERVICE_TOKEN_HEADER
from anju_common.serving import client_limits

from notifications.config import get_settings

# The workers service's limit for one POST /internal/v1/workers/contacts.
BATCH_SIZE = 500


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
    """The workers service's /internal/v1 contact endpoints, with the service token: POST /workers/contacts
    for a batch, GET /workers/{id}/contact for one."""

    def __init__(self, base_url: str, token: str, timeout: float, concurrency: int = 8) -> None:
        self.http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={SERVICE_TOKEN_HEADER: token},
            timeout=timeout,
            limits=client_limits(concurrency),
        )
        self.pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="contacts")
        self.batch_endpoint = True

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
            return _contact(response.json())
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
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
        """Contacts of a batch, BATCH_SIZE per request; a failure is returned in place of its contacts."""
        unique = list(dict.fromkeys(worker_ids))
        found: dict[uuid.UUID, Contact | ContactUnavailable | None] = {}
        for start in range(0, len(unique), BATCH_SIZE):
            chunk = unique[start : start + BATCH_SIZE]
            try:
                found.update(self._batch(chunk) if self.batch_endpoint else self._one_by_one(chunk))
            except ContactUnavailable as exc:
                found.update(dict.fromkeys(chunk, exc))
        return found

    def _batch(self, chunk: list[uuid.UUID]) -> dict[uuid.UUID, Contact | ContactUnavailable | None]:
        try:
            response = self.http.post(
                "/internal/v1/workers/contacts", json={"worker_ids": [str(i) for i in chunk]}
            )
        except httpx.HTTPError as exc:
            raise ContactUnavailable(type(exc).__name__) from exc
        if response.status_code in (404, 405):
            # A workers service older than the batch endpoint (a rolling upgrade): ask one by one from now on.
            self.batch_endpoint = False
            return self._one_by_one(chunk)
        if response.status_code != 200:
            raise ContactUnavailable(f"status {response.status_code}")
        try:
            body = response.json()
            contacts = [_contact(c) for c in body["contacts"]]
            missing = {uuid.UUID(str(i)) for i in body["missing"]}
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            raise ContactUnavailable("malformed contacts") from exc
        answer: dict[uuid.UUID, Contact | ContactUnavailable | None] = {c.worker_id: c for c in contacts}
        answer.update(dict.fromkeys(missing))
        # An id the answer leaves out is not known to be missing: ask again later rather than skip it.
        return {i: answer[i] if i in answer else ContactUnavailable("incomplete contacts") for i in chunk}

    def _one_by_one(self, chunk: list[uuid.UUID]) -> dict[uuid.UUID, Contact | ContactUnavailable | None]:
        def one(worker_id: uuid.UUID) -> Contact | ContactUnavailable | None:
            try:
                return self.get(worker_id)
            except ContactUnavailable as exc:
                return exc

        return dict(zip(chunk, self.pool.map(one, chunk), strict=True))

    def close(self) -> None:
        """Release connections and threads."""
        self.http.close()
        self.pool.shutdown(wait=False)


def _contact(body: dict[str, Any]) -> Contact:
    return Contact(
        worker_id=uuid.UUID(str(body["worker_id"])),
        site_id=uuid.UUID(str(body["site_id"])) if body.get("site_id") else None,
        household_id=uuid.UUID(str(body["household_id"])) if body.get("household_id") else None,
        phone=body.get("phone") or None,
        sms_consent=bool(body.get("sms_consent", False)),
        name=body.get("name"),
    )


@lru_cache(maxsize=4)
def _client(base_url: str, token: str, timeout: float) -> ContactClient:
    return ContactClient(base_url, token, timeout, concurrency=2)


def lookup_client() -> ContactClient:
    """A shared client of the workers service for reverse lookups of inbound numbers."""
    s = get_settings()
    return _client(s.workers_url, s.service_token, s.contact_timeout_seconds)
