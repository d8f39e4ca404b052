"""Building blocks of the journey, all through the gateway's public API."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from tests.e2e.harness import Stack, admin_headers, expect, login
from tests.notifications.peers import random_phone

CJK = re.compile(r"[\u4e00-\u9fff]")
SITE_LAT, SITE_LON = 26.13, 106.66


def poll(what: str, fn: Callable[[], Any], timeout: float = 40.0, interval: float = 0.5) -> Any:
    """Call fn until it returns something truthy; fail naming what never happened."""
    deadline = time.monotonic() + timeout
    value = fn()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = fn()
    assert value, f"timed out after {timeout} s waiting for: {what}"
    return value


class World:
    """One office's world: its site, staff, a household, workers, an employer with its API key."""

    def __init__(self, stack: Stack, label: str) -> None:
        self.stack = stack
        self.label = label
        self.admin = stack.client(**admin_headers(stack))
        self.site: dict[str, Any] = {}
        self.staff: httpx.Client | None = None
        self.staff_username = ""
        self.employer: dict[str, Any] = {}
        self.api_key = ""
        self.employer_client: httpx.Client | None = None
        self.households: list[dict[str, Any]] = []
        self.workers: list[dict[str, Any]] = []
        self.phones: dict[str, str] = {}

    def create_site(self, lat: float = SITE_LAT, lon: float = SITE_LON) -> dict[str, Any]:
        """Admin creates the resettlement site."""
        body = {
            "name": f"王家社区安置点 {self.label}",
            "county": "惠水县",
            "province": "贵州省",
            "lat": lat,
            "lon": lon,
        }
        self.site = expect(self.admin.post("/api/v1/sites", json=body), 201, self.stack)
        return self.site

    def create_staff(self) -> httpx.Client:
        """Admin creates an office staff user for the site, who logs in."""
        self.staff_username = f"office-{self.label}-{uuid.uuid4().hex[:6]}"
        password = f"pw-{uuid.uuid4().hex}"
        body = {
            "username": self.staff_username,
            "password": password,
            "role": "office_staff",
            "site_ids": [self.site["id"]],
            "display_name": f"就业服务站 {self.label}",
        }
        expect(self.admin.post("/api/v1/users", json=body), 201, self.stack)
        self.staff = self.stack.client(**login(self.stack, self.staff_username, password))
        return self.staff

    def add_household(self, labour: int = 2) -> dict[str, Any]:
        """Staff register a household."""
        assert self.staff is not None
        body = {"site_id": self.site["id"], "labour_capable_count": labour, "monitoring_category": "unstable"}
        household: dict[str, Any] = expect(self.staff.post("/api/v1/households", json=body), 201, self.stack)
        self.households.append(household)
        return household

    def add_worker(
        self, household: dict[str, Any], name: str, skills: list[str], **extra: Any
    ) -> dict[str, Any]:
        """Staff register a worker with a fresh phone number."""
        assert self.staff is not None
        phone = random_phone()
        body = {
            "household_id": household["id"],
            "name": name,
            "birth_year": 1986,
            "phone": phone,
            "skills": [{"name": s, "level": 3} for s in skills],
            "livelihood_type": "local",
            "sms_consent": True,
            "share_consent": True,
            **extra,
        }
        worker: dict[str, Any] = expect(self.staff.post("/api/v1/workers", json=body), 201, self.stack)
        self.workers.append(worker)
        self.phones[worker["id"]] = phone
        return worker

    def add_employer(self, name: str = "王家社区扶贫车间（制衣）", kind: str = "workshop") -> dict[str, Any]:
        """Staff register the workshop and give it an API key."""
        assert self.staff is not None
        body = {
            "name": name,
            "kind": kind,
            "site_id": self.site["id"],
            "county": "惠水县",
            "province": "贵州省",
        }
        self.employer = expect(self.staff.post("/api/v1/employers", json=body), 201, self.stack)
        key = expect(
            self.staff.post("/api/v1/api-keys", json={"employer_id": self.employer["id"]}), 201, self.stack
        )
        self.api_key = key["key"]
        self.employer_client = self.stack.client(**{"X-API-Key": self.api_key})
        return self.employer

    def post_job(
        self, title: str = "缝纫工", skills: list[str] | None = None, headcount: int = 2, **extra: Any
    ) -> dict[str, Any]:
        """The workshop posts a job at the site with its API key."""
        assert self.employer_client is not None
        body = {
            "employer_id": self.employer["id"],
            "title": title,
            "description": "车间计件，可带孩子",
            "skills": skills if skills is not None else ["缝纫"],
            "headcount": headcount,
            "wage_min": 2800,
            "wage_max": 4200,
            "location": {
                "site_id": self.site["id"],
                "county": "惠水县",
                "province": "贵州省",
                "lat": self.site["lat"],
                "lon": self.site["lon"],
                "name": "王家社区扶贫车间",
            },
            "shift": "flexible",
            "caregiver_friendly": True,
            "min_age": 18,
            "max_age": 55,
            **extra,
        }
        created: dict[str, Any] = expect(
            self.employer_client.post("/api/v1/jobs", json=body), 201, self.stack
        )
        return created

    def matches_of(self, job_id: str) -> list[dict[str, Any]]:
        """Stored proposals of a job, best first, as the office sees them."""
        assert self.staff is not None
        response = self.staff.get(f"/api/v1/jobs/{job_id}/matches")
        if response.status_code == 404:
            return []  # matching has not seen the job yet
        matches: list[dict[str, Any]] = expect(response, 200, self.stack)["matches"]
        return matches

    def match(self, match_id: str) -> dict[str, Any]:
        """One match."""
        assert self.staff is not None
        found: dict[str, Any] = expect(self.staff.get(f"/api/v1/matches/{match_id}"), 200, self.stack)
        return found

    def feed(self) -> list[dict[str, Any]]:
        """The office feed of the site."""
        assert self.staff is not None
        items: list[dict[str, Any]] = expect(
            self.staff.get(f"/api/v1/offices/{self.site['id']}/feed", params={"limit": 200}), 200, self.stack
        )["items"]
        return items

    def messages_to(self, worker_id: str) -> list[str]:
        """Whole SMS the SMPP peer received for a worker."""
        assert self.stack.smsc is not None
        return self.stack.smsc.messages_to(self.phones[worker_id])

    def reply(self, worker_id: str, text: str) -> None:
        """The worker answers by SMS through the SMPP peer."""
        assert self.stack.smsc is not None
        sent = self.stack.smsc.send_mo(self.phones[worker_id], text)
        assert sent >= 1, "no ESME bound to the SMPP peer"
