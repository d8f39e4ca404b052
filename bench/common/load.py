"""The data of a whole-stack bench, all through the gateway: sites, workers by import, an employer and its
jobs (the chaos drill's, shared with bench/e2e)."""

from __future__ import annotations

import csv
import io
import math
import random
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
# The phone's last four digits identify a worker (the API shows 139****1234), so a run whose ids must be
# known (the drill's tally) has at most 10,000; a larger one gets longer indexes and no id listing.
MAX_LISTED_WORKERS = 10_000
# Matching ranks a job's best max(4 x quota, 50) candidates before it skips those at their weekly cap, so
# one crowd of alike workers gets at most ~60 of them proposed, whatever its size. Sites 0.4 degrees apart
# (more than the 30 km a local worker commutes) of 50 workers each give every job its own crowd.
WORKERS_PER_SITE = 50
GRID_COLUMNS = 10  # at least; a run of more than 100 sites lays them out on a square grid
# Rows per upload: the gateway gives an upstream 30 s to answer, which 4,000 rows miss on a loaded machine.
IMPORT_ROWS = 500


@dataclass
class Roster:
    """The workers the run loaded: index -> phone (digits), consent and site; ids filled after the import."""

    prefix: str
    consent: list[bool]
    digits: int = 4  # of the worker's index at the end of its number (prefix + index: 8 digits)
    sites: list[dict[str, Any]] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)

    def phone(self, index: int) -> str:
        """E.164 digits of worker `index`."""
        return f"86139{self.prefix}{index:0{self.digits}d}"

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


def make_roster(
    workers: int, no_consent_share: float, rng: random.Random, max_workers: int = MAX_LISTED_WORKERS
) -> Roster:
    """Workers with unique numbers, a share of them without SMS consent."""
    if workers > max_workers:
        raise ValueError(f"at most {max_workers} workers (the phone's last four digits identify one)")
    digits = max(4, len(str(workers - 1)))
    if digits > 7:
        raise ValueError("at most 10,000,000 workers (the numbers have 8 free digits)")
    consent = [rng.random() >= no_consent_share for _ in range(workers)]
    prefix = f"{rng.randrange(10 ** (8 - digits)):0{8 - digits}d}"
    return Roster(prefix=prefix, consent=consent, digits=digits)


def set_up(
    stack: Stack,
    roster: Roster,
    label: str = "chaos",
    import_rows: int = IMPORT_ROWS,
    list_ids: bool = True,
    upload_timeout: float = 300,
) -> World:
    """The sites, a county employer with its API key, the workers imported import_rows an upload (admin);
    with list_ids, roster.ids from the workers API."""
    if list_ids and roster.digits != 4:
        raise ValueError(f"at most {MAX_LISTED_WORKERS} workers when their ids are listed")
    world = World(stack, label)
    sites = math.ceil(len(roster.consent) / WORKERS_PER_SITE)
    columns = max(GRID_COLUMNS, math.ceil(math.sqrt(sites)))
    for n in range(sites):
        body = {
            "name": f"易地扶贫搬迁安置点 {n + 1:02d}",
            "county": "惠水县",
            "province": "贵州省",
            "lat": round(24.8 + 0.4 * (n // columns), 4),
            "lon": round(104.0 + 0.45 * (n % columns), 4),
        }
        roster.sites.append(expect(world.admin.post("/api/v1/sites", json=body), 201, stack))
    world.site = roster.sites[0]
    body = {"name": "惠水县锦绣服装有限公司", "kind": "enterprise", "county": "惠水县", "province": "贵州省"}
    world.employer = expect(world.admin.post("/api/v1/employers", json=body), 201, stack)
    key = expect(world.admin.post("/api/v1/api-keys", json={"employer_id": world.employer["id"]}), 201, stack)
    world.api_key = key["key"]
    with httpx.Client(
        base_url=stack.gateway, headers=dict(world.admin.headers), timeout=upload_timeout
    ) as client:
        for start in range(0, len(roster.consent), import_rows):
            upload(client, roster, start, min(start + import_rows, len(roster.consent)))
    if not list_ids:
        return world
    for site in roster.sites:
        for item in all_items(world.admin, "/api/v1/workers", {"site_id": site["id"]}):
            roster.ids[item["id"]] = int(item["phone_masked"][-4:])
    if len(roster.ids) != len(roster.consent):
        raise RuntimeError(f"the workers API lists {len(roster.ids)} of {len(roster.consent)} imported")
    return world


def upload(client: httpx.Client, roster: Roster, start: int, end: int) -> None:
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


def all_items(client: httpx.Client, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
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
