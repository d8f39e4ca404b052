"""Payload builders and principals shared by the workers tests."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from anju_common.principal import Principal, sign_principal
from fastapi.testclient import TestClient
from stdnum.cn import ric

SECRET = "dev-internal-secret-change-me-please-32b"
SERVICE = {"X-Anju-Service-Token": "dev-service-token"}
_rng = random.Random()
# Random draws repeat: a thousand-row import drew the same ID twice about once in thirty runs.
_issued: set[str] = set()


def _fresh(draw: Callable[[], str]) -> str:
    """A value from draw that this process has not handed out before."""
    value = draw()
    while value in _issued:
        value = draw()
    _issued.add(value)
    return value


def new_phone() -> str:
    """A fresh valid mainland mobile number, national format."""
    return _fresh(lambda: f"139{_rng.randrange(10**8):08d}")


def new_id_number(birth_year: int = 1985) -> str:
    """A fresh resident ID with a correct checksum."""

    def draw() -> str:
        month, day, serial = _rng.randrange(1, 13), _rng.randrange(1, 29), _rng.randrange(1000)
        body = f"110105{birth_year}{month:02d}{day:02d}{serial:03d}"
        return body + ric.calc_check_digit(body + "0")

    return _fresh(draw)


def bad_checksum(id_number: str) -> str:
    """The same ID with a wrong check character."""
    wrong = "0" if id_number[-1] != "0" else "1"
    return id_number[:-1] + wrong


def headers(role: str, site_ids: list[str] | None = None, employer_id: str | None = None) -> dict[str, str]:
    """X-Anju-Principal for a role, as the gateway would sign it."""
    p = Principal(
        sub=f"test-{role}",
        role=role,  # type: ignore[arg-type]
        site_ids=[uuid.UUID(s) for s in site_ids or []],
        employer_id=uuid.UUID(employer_id) if employer_id else None,
    )
    return {"X-Anju-Principal": sign_principal(p, SECRET)}


def make_site(client: TestClient, **over: Any) -> str:
    """Create a site and return its id."""
    body = {"name": "王家社区安置点", "county": "惠水县", "province": "贵州省", "lat": 26.13, "lon": 106.66}
    body.update(over)
    r = client.post("/api/v1/sites", json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def make_household(client: TestClient, site_id: str, **over: Any) -> dict[str, Any]:
    """Create a household and return it."""
    body: dict[str, Any] = {"site_id": site_id, "household_ref": uuid.uuid4().hex[:12]}
    body.update(over)
    r = client.post("/api/v1/households", json=body)
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


def worker_payload(household_id: str, **over: Any) -> dict[str, Any]:
    """A valid worker with a fresh phone and ID number."""
    body: dict[str, Any] = {
        "household_id": household_id,
        "name": "王秀英",
        "gender": "female",
        "id_number": new_id_number(1985),
        "birth_year": 1985,
        "phone": new_phone(),
        "skills": [{"name": "缝纫工", "level": 3, "certified": True}],
        "livelihood_type": "local",
        "caregiver": True,
        "sms_consent": True,
        "share_consent": True,
    }
    body.update(over)
    if body.get("id_number") and "birth_year" not in over:
        del body["birth_year"]  # derived from the ID number
    return body


def make_worker(client: TestClient, household_id: str, **over: Any) -> dict[str, Any]:
    """Register a worker and return the response body."""
    r = client.post("/api/v1/workers", json=worker_payload(household_id, **over))
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


def office_today() -> str:
    """Today in the offices' time zone (the service's calendar), ISO."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
