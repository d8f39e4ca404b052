"""Two tenants (sites A and B, each with staff, a household, workers, an employer with a key, a job, matches,
SMS and a webhook) on the shared e2e stack; tests act as one tenant against the other's ids."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from anju_common.testing import Infra

from tests.e2e.conftest import shared_stack, stop_shared_stack
from tests.e2e.harness import Stack, admin_headers, expect
from tests.e2e.journey import World, poll

# Valid 18-digit resident IDs (Huishui county, Guizhou; checksums computed below) used to prove that logs
# never show them.


def resident_id(body17: str) -> str:
    """Append the GB 11643 checksum character."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(body17, weights, strict=True))
    return body17 + "10X98765432"[total % 11]


@pytest.fixture(scope="session")
def stack(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The same stack as tests/e2e (started once per session)."""
    yield shared_stack(infra, tmp_path_factory)
    stop_shared_stack()


@dataclass
class Tenant:
    """One site's world and the ids tests aim at."""

    world: World
    ids: dict[str, str]
    id_numbers: list[str]


def _tenant(stack: Stack, label: str, lat: float, lon: float, body17: str) -> Tenant:
    world = World(stack, label)
    site = world.create_site(lat=lat, lon=lon)
    staff = world.create_staff()
    household = world.add_household(labour=2)
    id_number = resident_id(body17)
    seamstress = world.add_worker(
        household, f"工人{label}一", ["缝纫工"], id_number=id_number, birth_year=None
    )
    welder = world.add_worker(household, f"工人{label}二", ["电焊"])
    employer = world.add_employer(f"扶贫车间{label}")
    job = world.post_job()
    hook = expect(
        staff.post(f"/api/v1/offices/{site['id']}/webhooks", json={"url": "http://127.0.0.2:9/hook"}), 201
    )
    training_body = {
        "provider": f"培训中心{label}",
        "title": "缝纫工培训班",
        "skills_taught": ["缝纫"],
        "location": {"site_id": site["id"], "county": "惠水县", "province": "贵州省", "lat": lat, "lon": lon},
        "seats": 20,
    }
    training = expect(staff.post("/api/v1/trainings", json=training_body), 201)
    key_id = expect(staff.get("/api/v1/api-keys"), 200)[0]["id"]
    ids = {
        "site_id": site["id"],
        "household_id": household["id"],
        "worker_id": seamstress["id"],
        "other_worker_id": welder["id"],
        "employer_id": employer["id"],
        "job_id": job["id"],
        "webhook_id": hook["id"],
        "training_id": training["id"],
        "key_id": key_id,
    }
    return Tenant(world=world, ids=ids, id_numbers=[id_number])


def _await_matches_and_sms(tenant: Tenant) -> None:
    world = tenant.world
    matches = poll("matches", lambda: world.matches_of(tenant.ids["job_id"]), timeout=60)
    tenant.ids["match_id"] = matches[0]["id"]
    assert world.staff is not None
    staff = world.staff

    def notification() -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = staff.get("/api/v1/notifications").json().get("items", [])
        return items

    tenant.ids["notification_id"] = poll("a notification", notification, timeout=60)[0]["id"]


@pytest.fixture(scope="session")
def tenants(stack: Stack) -> dict[str, Tenant]:
    """Tenants A and B, fully set up (matches proposed, SMS recorded)."""
    stack.require("jobs", "workers", "matching", "notifications")
    # Far from each other, the journey's worlds and the demo's site (see tests/e2e/test_journey.py).
    a = _tenant(stack, "A", 28.2, 103.9, "52273119860315123")
    b = _tenant(stack, "B", 28.9, 103.1, "52273119900712456")
    for t in (a, b):
        _await_matches_and_sms(t)
    return {"A": a, "B": b}


@pytest.fixture(scope="session")
def admin(stack: Stack) -> dict[str, str]:
    """Bearer headers of the administrator."""
    return admin_headers(stack)
