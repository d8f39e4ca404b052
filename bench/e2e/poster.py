"""The open-loop poster: POST /api/v1/jobs on a fixed schedule, whatever the answers (httpx, asyncio)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.e2e.stats import schedule


@dataclass
class Post:
    """One POST /jobs: when it was due and sent (wall clock, s), what came back."""

    index: int
    due: float
    sent: float = 0.0
    answered: float = 0.0
    status: int | None = None  # None: no answer (connection error, timeout)
    job_id: str | None = None
    error: str | None = None


@dataclass
class OpenLoop:
    """Sends job `i` at start + i / rate over `clients` connections; a slow answer never delays the next
    send (each request is its own task), so the offered rate is the schedule's, not the system's."""

    base_url: str
    api_key: str
    body: Callable[[int], dict[str, Any]]
    rate: float
    duration: float
    clients: int = 8
    timeout: float = 30.0
    posts: list[Post] = field(default_factory=list)

    def run(self) -> list[Post]:
        """Post the whole schedule; returns every post (also in self.posts)."""
        asyncio.run(self._run())
        return self.posts

    async def _run(self) -> None:
        headers = {"X-API-Key": self.api_key}
        # One pool per client, each with a few connections: a stalled connection holds back only its own.
        pools = [
            httpx.AsyncClient(
                base_url=self.base_url,
                headers=headers,
                timeout=self.timeout,
                limits=httpx.Limits(max_connections=16, max_keepalive_connections=16),
            )
            for _ in range(self.clients)
        ]
        try:
            start = time.time() + 0.2
            tasks = []
            for index, offset in enumerate(schedule(self.rate, self.duration)):
                post = Post(index=index, due=start + offset)
                self.posts.append(post)
                delay = post.due - time.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(self._send(pools[index % len(pools)], post)))
            await asyncio.gather(*tasks)
        finally:
            for pool in pools:
                await pool.aclose()

    async def _send(self, client: httpx.AsyncClient, post: Post) -> None:
        body = self.body(post.index)
        post.sent = time.time()
        try:
            response = await client.post("/api/v1/jobs", json=body)
        except httpx.HTTPError as exc:
            post.error = type(exc).__name__
            post.answered = time.time()
            return
        post.answered = time.time()
        post.status = response.status_code
        if response.status_code == 201:
            post.job_id = str(response.json()["id"])
        else:
            post.error = response.text[:200]


def errors(posts: list[Post]) -> dict[str, int]:
    """Failed posts by status (or exception name)."""
    return dict(Counter(str(p.status or p.error) for p in posts if p.status != 201))
