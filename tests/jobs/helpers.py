"""Payload builders shared by the jobs tests."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient

SITE = uuid.UUID("5f0c6f5e-2a8e-4a59-9c55-0a2c1f6e8c11")


def employer_payload(**over: Any) -> dict[str, Any]:
    """A valid workshop employer."""
    body = {
        "name": "王家社区扶贫车间（制衣）",
        "kind": "workshop",
        "site_id": str(SITE),
        "county": "惠水县",
        "province": "贵州省",
    }
    body.update(over)
    return body


def job_payload(employer_id: str, **over: Any) -> dict[str, Any]:
    """A valid sewing job at the site."""
    body: dict[str, Any] = {
        "employer_id": employer_id,
        "title": "缝纫工",
        "description": "计件工资，可带孩子",
        "skills": ["缝纫", "车工"],
        "headcount": 2,
        "wage_min": 2800,
        "wage_max": 4200,
        "location": {
            "site_id": str(SITE),
            "county": "惠水县",
            "province": "贵州省",
            "lat": 26.13,
            "lon": 106.66,
            "name": "王家社区扶贫车间",
        },
        "shift": "flexible",
        "caregiver_friendly": True,
        "min_age": 18,
        "max_age": 55,
    }
    body.update(over)
    return body


def make_employer(client: TestClient, **over: Any) -> str:
    """Create an employer and return its id."""
    r = client.post("/api/v1/employers", json=employer_payload(**over))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])
