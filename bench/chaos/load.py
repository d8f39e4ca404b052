"""The drill's sizing and its poster: jobs posted at a steady rate through the gateway, riding out kills
(the data itself: bench/common/load.py)."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.common.load import WORKERS_PER_SITE, all_items, job_body
from tests.e2e.journey import World

JOBS_PER_SITE = 9  # 9 x 15 proposals of the 50 x 3 the weekly cap allows


def plan(jobs: int) -> tuple[int, int]:
    """Sites and workers for this many jobs."""
    sites = math.ceil(jobs / JOBS_PER_SITE)
    return sites, sites * WORKERS_PER_SITE


@dataclass
class Poster:
    """Posts the run's jobs at a steady rate through the gateway with the employer's key, riding out kills."""

    world: World
    sites: list[dict[str, Any]]
    jobs: int
    rate: float
    headcount: int
    posted: dict[int, str] = field(default_factory=dict)  # job index -> job id
    failures: int = 0
    recovered_by_lookup: int = 0
    done: threading.Event = field(default_factory=threading.Event)
    error: str | None = None

    def run(self) -> None:
        """Post every job once (a failed post is looked up before it is retried: POST /jobs has no
        idempotency key, and a post cut off by a kill may have been stored)."""
        stack = self.world.stack
        try:
            with httpx.Client(
                base_url=stack.gateway, headers={"X-API-Key": self.world.api_key}, timeout=15
            ) as client:
                next_at = time.monotonic()
                for index in range(self.jobs):
                    next_at += 1 / self.rate
                    self._post(client, index)
                    time.sleep(max(0.0, next_at - time.monotonic()))
        except Exception as exc:  # the drill reports it; the thread must not die silently
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.done.set()

    def _post(self, client: httpx.Client, index: int) -> None:
        body = job_body(self.world, self.sites, index, self.headcount)
        maybe_stored = False
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            if maybe_stored:
                reachable, found = self._lookup(client, body["wage_min"])
                if not reachable:
                    time.sleep(0.5)  # never post again before knowing the first post was not stored
                    continue
                if found is not None:
                    self.posted[index] = found
                    self.recovered_by_lookup += 1
                    return
                maybe_stored = False
            try:
                response = client.post("/api/v1/jobs", json=body)
            except httpx.ConnectError:
                self.failures += 1  # the gateway is down: nothing was sent
                time.sleep(0.5)
                continue
            except httpx.HTTPError:
                self.failures += 1
                maybe_stored = True
                time.sleep(0.5)
                continue
            if response.status_code == 201:
                self.posted[index] = response.json()["id"]
                return
            if response.status_code < 500 and response.status_code != 429:
                raise RuntimeError(f"job {index} refused: {response.status_code} {response.text[:500]}")
            self.failures += 1
            maybe_stored = True
            time.sleep(0.5)
        raise RuntimeError(f"job {index} could not be posted in 600 s")

    def _lookup(self, client: httpx.Client, wage_min: int) -> tuple[bool, str | None]:
        """Whether the jobs could be listed, and the id of the employer's job with this wage if the
        cut-off post was stored after all."""
        try:
            jobs = all_items(client, "/api/v1/jobs", {"employer_id": self.world.employer["id"]})
        except httpx.HTTPError:
            return False, None
        for job in jobs:
            if job["wage_min"] == wage_min:
                return True, str(job["id"])
        return True, None
