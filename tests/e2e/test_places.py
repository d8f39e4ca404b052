"""Issue 9 §4 on the real stack: a job at the site written with another spelling of its province is local.

Before places were codes, a job at the site's own coordinates with province "贵州" (not "贵州省") counted as
cross-province: the site's local workers were filtered out and migrants from anywhere were proposed.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.harness import Stack, expect
from tests.e2e.journey import World, poll

pytestmark = pytest.mark.e2e
# Far (>150 km) from every other test world and from the demo's site.
SITE_LAT, SITE_LON = 25.45, 108.35
AWAY_LAT, AWAY_LON = 27.95, 108.95


def _preview_has(world: World, worker_id: str, lat: float, lon: float) -> bool:
    body = {
        "title": "缝纫工",
        "skills": ["缝纫工"],
        "headcount": 1,
        "wage_min": 2800,
        "wage_max": 4200,
        "location": {"province": "贵州省", "lat": lat, "lon": lon},
    }
    ranked = expect(world.admin.post("/api/v1/match-preview", json=body), 200)["ranking"]
    return any(r["worker_id"] == worker_id for r in ranked)


def test_job_at_the_site_with_province_guizhou_keeps_locals_and_proposes_no_migrants(stack: Stack) -> None:
    stack.require("workers", "jobs", "matching")
    here = World(stack, "places")
    here.create_site(lat=SITE_LAT, lon=SITE_LON)
    here.create_staff()
    local = here.add_worker(here.add_household(), "杨秀兰", ["缝纫工"])
    away = World(stack, "places-away")
    away.create_site(lat=AWAY_LAT, lon=AWAY_LON)
    away.create_staff()
    # 280 km away and willing to commute 30 km: only a cross-province job reaches this migrant.
    migrant = away.add_worker(
        away.add_household(), "杨国强", ["缝纫工"], livelihood_type="migrant", max_commute_km=30
    )
    # Matching has both workers in its index before the job arrives (the topics are not ordered together).
    poll("matching indexed the migrant", lambda: _preview_has(away, migrant["id"], AWAY_LAT, AWAY_LON))
    poll("matching indexed the local worker", lambda: _preview_has(here, local["id"], SITE_LAT, SITE_LON))

    here.add_employer("杨家社区扶贫车间")
    assert here.employer_client is not None
    body: dict[str, Any] = {
        "employer_id": here.employer["id"],
        "title": "缝纫工",
        "skills": ["缝纫"],
        "headcount": 3,
        "wage_min": 2800,
        "wage_max": 4200,
        "location": {"site_id": here.site["id"], "province": "贵州", "lat": SITE_LAT, "lon": SITE_LON},
        "shift": "flexible",
    }
    job = expect(here.employer_client.post("/api/v1/jobs", json=body), 201, stack)
    assert (job["location"]["province"], job["location"]["province_code"]) == ("贵州省", "520000")

    def proposed() -> list[dict[str, Any]]:
        r = here.admin.get(f"/api/v1/jobs/{job['id']}/matches")
        return [] if r.status_code == 404 else list(expect(r, 200, stack)["matches"])

    matches = poll(
        "the local worker proposed", lambda: [m for m in proposed() if m["worker_id"] == local["id"]]
    )
    assert matches
    everyone = proposed()
    assert migrant["id"] not in {m["worker_id"] for m in everyone}
    codes = {r["code"] for m in everyone for r in m["reasons"]}
    assert "commute.cross_province" not in codes, codes
