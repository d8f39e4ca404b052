"""The drill's data, all through the gateway: a site, its workers by import, an employer that posts jobs."""

from __future__ import annotations

import csv
import io
import math
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.e2e.harness import Stack, expect
from tests.e2e.journey import World

HEADER = [
    "安置点ID",
    "户编号",
    "姓名",
    "性别",
    "出生年份",
    "手机号",
    "就业类型",
    "技能",
    "同意接收短信",
    "同意向用人单位提供信息",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["秀英", "桂兰", "建国", "志强", "丽", "勇", "艳", "军", "芳", "明"]
LIVELIHOOD = ["就近就业", "亦工亦农"]
# Every worker can sew, so that every job finds candidates; levels and second skills vary the ranking.
SKILLS = ["缝纫工:3", "缝纫工:4:持证", "缝纫工:2;包装工", "平车工:3;普工", "缝纫工:3;保洁"]
WAGE_BASE = 3000  # job i offers WAGE_BASE + i: the SMS text names it, so a submit names its job
MAX_WORKERS = 10_000  # the phone's last four digits identify a worker (the API shows 139****1234)
# Matching ranks a job's best max(4 x quota, 50) candidates before it skips those at their weekly cap, so
# one crowd of alike workers gets at most ~60 of them proposed, whatever its size. Sites 0.4 degrees apart
# (more than the 30 km a local worker commutes) of 50 workers each give every job its own crowd.
WORKERS_PER_SITE = 50
JOBS_PER_SITE = 9  # 9 x 15 proposals of the 50 x 3 the weekly cap allows
GRID_COLUMNS = 10
# Rows per upload: the gateway gives an upstream 30 s to answer, which 4,000 rows miss on a loaded machine.
IMPORT_ROWS = 500


@dataclass
class Roster:
    """The workers the run loaded: index -> phone (digits), consent and site; ids filled after the import."""

    prefix: str
    consent: list[bool]
    sites: list[dict[str, Any]] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)

    def phone(self, index: int) -> str:
        """E.164 digits of worker `index`."""
        return f"86139{self.prefix}{index:04d}"

    def csv_bytes(self, start: int, end: int) -> bytes:
        """An upload of workers start..end: two workers a household, WORKERS_PER_SITE a site."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for i in range(start, end):
            consents = self.consent[i]
            writer.writerow(
                [
                    self.sites[i // WORKERS_PER_SITE]["id"],
                    f"C{i // 2:05d}",
                    SURNAMES[i % len(SURNAMES)] + GIVEN[(i // len(SURNAMES)) % len(GIVEN)],
                    "女" if i % 2 else "男",
                    1975 + i % 25,
                    self.phone(i)[2:],
                    LIVELIHOOD[i % len(LIVELIHOOD)],
                    SKILLS[i % len(SKILLS)],
                    "是" if consents else "否",
                    "是",
                ]
            )
        return out.getvalue().encode("utf-8")


def plan(jobs: int) -> tuple[int, int]:
    """Sites and workers for this many jobs."""
    sites = math.ceil(jobs / JOBS_PER_SITE)
    return sites, sites * WORKERS_PER_SITE


def make_roster(workers: int, no_consent_share: float, rng: random.Random) -> Roster:
    """Workers with unique numbers, a share of them without SMS consent."""
    if workers > MAX_WORKERS:
        raise ValueError(f"at most {MAX_WORKERS} workers (the phone's last four digits identify one)")
    consent = [rng.random() >= no_consent_share for _ in range(workers)]
    return Roster(prefix=f"{rng.randrange(10_000):04d}", consent=consent)


def set_up(stack: Stack, roster: Roster) -> World:
    """The sites, a county employer with its API key, the workers imported IMPORT_ROWS an upload (admin)."""
    world = World(stack, "chaos")
    for n in range(math.ceil(len(roster.consent) / WORKERS_PER_SITE)):
        body = {
            "name": f"易地扶贫搬迁安置点 {n + 1:02d}",
            "county": "惠水县",
            "province": "贵州省",
            "lat": round(24.8 + 0.4 * (n // GRID_COLUMNS), 4),
            "lon": round(104.0 + 0.45 * (n % GRID_COLUMNS), 4),
        }
        roster.sites.append(expect(world.admin.post("/api/v1/sites", json=body), 201, stack))
    world.site = roster.sites[0]
    body = {"name": "惠水县锦绣服装有限公司", "kind": "enterprise", "county": "惠水县", "province": "贵州省"}
    world.employer = expect(world.admin.post("/api/v1/employers", json=body), 201, stack)
    key = expect(world.admin.post("/api/v1/api-keys", json={"employer_id": world.employer["id"]}), 201, stack)
    world.api_key = key["key"]
    with httpx.Client(base_url=stack.gateway, headers=dict(world.admin.headers), timeout=300) as client:
        for start in range(0, len(roster.consent), IMPORT_ROWS):
            _upload(client, roster, start, min(start + IMPORT_ROWS, len(roster.consent)))
    for site in roster.sites:
        for item in _all(world.admin, "/api/v1/workers", {"site_id": site["id"]}):
            roster.ids[item["id"]] = int(item["phone_masked"][-4:])
    if len(roster.ids) != len(roster.consent):
        raise RuntimeError(f"the workers API lists {len(roster.ids)} of {len(roster.consent)} imported")
    return world


def _upload(client: httpx.Client, roster: Roster, start: int, end: int) -> None:
    """Import rows start..end in one upload; again after a failure (the import skips the rows a cut-off
    upload already stored, so created + existing is the whole file)."""
    for _attempt in range(5):
        try:
            response = client.post(
                "/api/v1/workers/import",
                files={"file": ("chaos.csv", roster.csv_bytes(start, end), "text/csv")},
            )
        except httpx.HTTPError:
            time.sleep(5)
            continue
        report = response.json()
        if response.status_code == 200 and report["created"] + report["existing"] == end - start:
            return
        if response.status_code < 500:
            raise RuntimeError(f"import refused ({response.status_code}): {str(report)[:2000]}")
        time.sleep(5)
    raise RuntimeError(f"rows {start}..{end} could not be imported")


def _all(client: httpx.Client, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every item of a paged list."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = {**params, "limit": 200, **({"cursor": cursor} if cursor else {})}
        response = client.get(path, params=query)
        response.raise_for_status()
        page = response.json()
        items += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return items


def job_body(world: World, sites: list[dict[str, Any]], index: int, headcount: int) -> dict[str, Any]:
    """Job `index` of the run, at a workshop of site index % sites: its own wage_min, so its SMS text says
    which job it is."""
    site = sites[index % len(sites)]
    return {
        "employer_id": world.employer["id"],
        "title": "缝纫工",
        "description": f"车间计件，可带孩子（批次 {index}）",
        "skills": ["缝纫"],
        "headcount": headcount,
        "wage_min": WAGE_BASE + index,
        "wage_max": WAGE_BASE + index + 1500,
        "location": {
            "county": "惠水县",
            "province": "贵州省",
            "lat": site["lat"],
            "lon": site["lon"],
            "name": f"{site['name']}就业帮扶车间",
        },
        "shift": "flexible",
        "caregiver_friendly": True,
        "min_age": 18,
        "max_age": 55,
    }


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
            jobs = _all(client, "/api/v1/jobs", {"employer_id": self.world.employer["id"]})
        except httpx.HTTPError:
            return False, None
        for job in jobs:
            if job["wage_min"] == wage_min:
                return True, str(job["id"])
        return True, None
