"""The jobs API against real PostgreSQL, Kafka and Redis."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from anju_common.principal import Principal, sign_principal
from anju_common.testing import Infra, wait_for
from cloudevents.core.bindings.kafka import KafkaMessage, from_structured_event
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.jobs.helpers import SITE, job_payload, make_employer

pytestmark = pytest.mark.integration


def _records_for(infra: Infra, subject: str, min_count: int = 1) -> list[Any]:
    def mine() -> list[Any]:
        return [r for r in infra.read_topic("jobs.events", timeout=2) if r.key == subject.encode()]

    found = wait_for(lambda: len(mine()) >= min_count, timeout=15)
    assert found, f"fewer than {min_count} events for {subject}"
    return mine()


def _events_for(infra: Infra, subject: str, min_count: int = 1) -> list[dict[str, Any]]:
    return [json.loads(r.value) for r in _records_for(infra, subject, min_count)]


def _outbox_count(client: TestClient) -> int:
    from jobs.models import event_tables

    engine = client.app.state.runtime.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(event_tables.outbox)).scalar_one())


def test_posted_job_appears_once_on_the_topic_as_a_cloudevent(jobs_client: TestClient, infra: Infra) -> None:
    employer_id = make_employer(jobs_client)
    r = jobs_client.post(
        "/api/v1/jobs", json=job_payload(employer_id), headers={"X-Request-ID": "req-post-1"}
    )
    assert r.status_code == 201, r.text
    job = r.json()
    assert r.headers["etag"] == 'W/"1"'

    records = _records_for(infra, job["id"])
    assert len(records) == 1
    rec = records[0]
    # The official CloudEvents SDK's Kafka binding reads the record as it is on the wire.
    ce = from_structured_event(KafkaMessage(headers=dict(rec.headers), key=rec.key, value=rec.value))
    attrs = ce.get_attributes()
    assert attrs["specversion"] == "1.0"
    assert attrs["type"] == "anju.jobs.job.posted"
    assert attrs["source"] == "/anju/jobs"
    assert attrs["subject"] == job["id"]
    assert attrs["requestid"] == "req-post-1"
    data = ce.get_data()
    assert isinstance(data, dict)
    assert data["title"] == "缝纫工"
    assert data["skills"] == ["缝纫", "车工"]
    assert data["location"]["lat"] == 26.13


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"wage_min": 5000, "wage_max": 4000}, "body"),
        ({"headcount": 0}, "body.headcount"),
        ({"min_age": 15}, "body.min_age"),
        ({"min_age": 50, "max_age": 30}, "body"),
        ({"max_age": 70}, "body.max_age"),
        ({"location": {"province": "贵州省", "lat": 91, "lon": 106.6}}, "body.location.lat"),
        ({"location": {"province": "贵州省", "lat": 26, "lon": 181}}, "body.location.lon"),
        ({"starts_on": "2030-02-01", "expires_on": "2030-01-01"}, "body"),
        ({"title": "工" * 101}, "body.title"),
        ({"skills": ["缝纫"] * 31}, "body.skills"),
        ({"shift": "graveyard"}, "body.shift"),
        ({"salary": 3000}, "body.salary"),
        ({"headcount": "many"}, "body.headcount"),
    ],
)
def test_bad_job_payloads_get_422_naming_the_field_and_store_nothing(
    jobs_client: TestClient, override: dict[str, Any], field: str
) -> None:
    employer_id = make_employer(jobs_client)
    before_jobs = len(jobs_client.get("/api/v1/jobs", params={"employer_id": employer_id}).json()["items"])
    before_outbox = _outbox_count(jobs_client)
    r = jobs_client.post("/api/v1/jobs", json=job_payload(employer_id, **override))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == 422
    assert any(e["field"] == field for e in body["errors"]), body
    assert field in body["detail"]
    assert (
        len(jobs_client.get("/api/v1/jobs", params={"employer_id": employer_id}).json()["items"])
        == before_jobs
    )
    assert _outbox_count(jobs_client) == before_outbox


def test_unknown_employer_is_a_422_on_employer_id(jobs_client: TestClient) -> None:
    r = jobs_client.post("/api/v1/jobs", json=job_payload(str(uuid.uuid4())))
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "body.employer_id"


def test_expiry_date_in_the_past_is_rejected(jobs_client: TestClient) -> None:
    employer_id = make_employer(jobs_client)
    yesterday = (date.today() - timedelta(days=2)).isoformat()
    r = jobs_client.post("/api/v1/jobs", json=job_payload(employer_id, expires_on=yesterday))
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "body.expires_on"


def test_update_uses_optimistic_concurrency(jobs_client: TestClient, infra: Infra) -> None:
    employer_id = make_employer(jobs_client)
    job = jobs_client.post("/api/v1/jobs", json=job_payload(employer_id)).json()
    url = f"/api/v1/jobs/{job['id']}"

    assert jobs_client.patch(url, json={"headcount": 3}).status_code == 428
    r = jobs_client.patch(url, json={"headcount": 3}, headers={"If-Match": 'W/"1"'})
    assert r.status_code == 200
    assert r.json()["version"] == 2 and r.json()["headcount"] == 3
    stale = jobs_client.patch(url, json={"headcount": 4}, headers={"If-Match": 'W/"1"'})
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2
    assert jobs_client.patch(url, json={"headcount": 4, "version": 1}).status_code == 409
    assert jobs_client.patch(url, json={"wage_min": 9000, "version": 2}).status_code == 422
    assert jobs_client.get(url).json()["headcount"] == 3

    events = _events_for(infra, job["id"], min_count=2)
    assert [e["type"] for e in events] == ["anju.jobs.job.posted", "anju.jobs.job.updated"]
    assert events[1]["data"]["headcount"] == 3 and events[1]["data"]["version"] == 2


def test_close_emits_job_closed_and_freezes_the_job(jobs_client: TestClient, infra: Infra) -> None:
    employer_id = make_employer(jobs_client)
    job = jobs_client.post("/api/v1/jobs", json=job_payload(employer_id)).json()
    r = jobs_client.post(f"/api/v1/jobs/{job['id']}/close", json={"reason": "closed"})
    assert r.status_code == 200 and r.json()["status"] == "closed"
    assert jobs_client.post(f"/api/v1/jobs/{job['id']}/close").status_code == 409
    assert (
        jobs_client.patch(f"/api/v1/jobs/{job['id']}", json={"headcount": 5, "version": 2}).status_code == 409
    )
    events = _events_for(infra, job["id"], min_count=2)
    closed = [e for e in events if e["type"] == "anju.jobs.job.closed"]
    assert len(closed) == 1 and closed[0]["data"]["reason"] == "closed"


def test_expired_jobs_close_themselves(jobs_client: TestClient, infra: Infra) -> None:
    from anju_common.db import session_scope
    from jobs import service

    employer_id = make_employer(jobs_client)
    soon = (date.today() + timedelta(days=1)).isoformat()
    job = jobs_client.post("/api/v1/jobs", json=job_payload(employer_id, expires_on=soon)).json()
    engine = jobs_client.app.state.runtime.engine  # type: ignore[attr-defined]
    with session_scope(engine) as session:
        assert service.expire_jobs(session, date.today() + timedelta(days=3)) >= 1
    got = jobs_client.get(f"/api/v1/jobs/{job['id']}").json()
    assert got["status"] == "closed" and got["closed_reason"] == "expired"
    events = _events_for(infra, job["id"], min_count=2)
    assert any(e["type"] == "anju.jobs.job.closed" and e["data"]["reason"] == "expired" for e in events)


def test_list_filters_and_cursor_pagination(jobs_client: TestClient) -> None:
    employer_id = make_employer(jobs_client)
    ids = [
        jobs_client.post(
            "/api/v1/jobs", json=job_payload(employer_id, title=f"包装工{i}", skills=["包装"])
        ).json()["id"]
        for i in range(5)
    ]
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"employer_id": employer_id, "limit": 2, "skill": "包装"}
        if cursor:
            params["cursor"] = cursor
        page = jobs_client.get("/api/v1/jobs", params=params).json()
        seen += [j["id"] for j in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(ids)
    assert len(seen) == len(set(seen))
    assert jobs_client.get("/api/v1/jobs", params={"cursor": "not-a-cursor"}).status_code == 400
    assert jobs_client.get("/api/v1/jobs", params={"limit": 0}).status_code == 422


def test_trainings_publish_and_update(jobs_client: TestClient, infra: Infra) -> None:
    body = {
        "provider": "惠水县人社局",
        "title": "电焊培训",
        "skills_taught": ["电焊"],
        "location": {"province": "贵州省", "county": "惠水县", "lat": 26.1, "lon": 106.6},
        "seats": 20,
        "subsidy_cny": 600,
        "starts_on": "2030-01-01",
        "ends_on": "2030-01-20",
    }
    r = jobs_client.post("/api/v1/trainings", json=body)
    assert r.status_code == 201, r.text
    course = r.json()
    r = jobs_client.patch(f"/api/v1/trainings/{course['id']}", json={"seats_taken": 20, "version": 1})
    assert r.status_code == 200 and r.json()["status"] == "full"
    bad = jobs_client.post("/api/v1/trainings", json={**body, "ends_on": "2029-01-01"})
    assert bad.status_code == 422
    records = infra.read_topic("jobs.events", min_count=1)
    published = [json.loads(x.value) for x in records if x.key == course["id"].encode()]
    assert [p["data"]["seats_left"] for p in published] == [20, 0]


def test_principals_are_scoped(jobs_client: TestClient) -> None:
    mine = make_employer(jobs_client)
    other = make_employer(jobs_client, name="别家企业")
    job = jobs_client.post("/api/v1/jobs", json=job_payload(other)).json()
    secret = jobs_client.app.state.runtime.settings.internal_token_secret  # type: ignore[attr-defined]

    def as_(p: Principal) -> dict[str, str]:
        return {"X-Anju-Principal": sign_principal(p, secret)}

    employer = as_(Principal(sub="emp", role="employer", employer_id=uuid.UUID(mine)))
    assert jobs_client.get(f"/api/v1/jobs/{job['id']}", headers=employer).status_code == 404
    assert jobs_client.post("/api/v1/jobs", json=job_payload(other), headers=employer).status_code == 403
    assert jobs_client.post("/api/v1/jobs", json=job_payload(mine), headers=employer).status_code == 201
    listed = jobs_client.get("/api/v1/jobs", headers=employer).json()["items"]
    assert listed and all(j["employer_id"] == mine for j in listed)

    elsewhere = as_(Principal(sub="staff", role="office_staff", site_ids=[uuid.uuid4()]))
    assert jobs_client.get(f"/api/v1/jobs/{job['id']}", headers=elsewhere).status_code == 404
    here = as_(Principal(sub="staff", role="office_staff", site_ids=[SITE]))
    assert jobs_client.get(f"/api/v1/jobs/{job['id']}", headers=here).status_code == 200
    forged = {"X-Anju-Principal": sign_principal(Principal(sub="x", role="admin"), "wrong-secret-" * 3)}
    assert jobs_client.get(f"/api/v1/jobs/{job['id']}", headers=forged).status_code == 401


def test_office_staff_manage_courses_only_at_their_sites(jobs_client: TestClient) -> None:
    secret = jobs_client.app.state.runtime.settings.internal_token_secret  # type: ignore[attr-defined]
    other_site = uuid.uuid4()
    staff = {
        "X-Anju-Principal": sign_principal(Principal(sub="s", role="office_staff", site_ids=[SITE]), secret)
    }
    location: dict[str, Any] = {"site_id": str(other_site), "province": "贵州省", "lat": 26.1, "lon": 106.6}
    body = {
        "provider": "人社局",
        "title": "家政培训",
        "skills_taught": ["家政"],
        "seats": 10,
        "location": location,
    }
    assert jobs_client.post("/api/v1/trainings", json=body, headers=staff).status_code == 403
    course = jobs_client.post("/api/v1/trainings", json=body).json()  # an admin's course at the other site
    r = jobs_client.patch(
        f"/api/v1/trainings/{course['id']}", json={"seats": 12, "version": 1}, headers=staff
    )
    assert r.status_code == 404
    assert jobs_client.post(f"/api/v1/trainings/{course['id']}/close", headers=staff).status_code == 404
    assert jobs_client.get(f"/api/v1/trainings/{course['id']}").json()["seats"] == 10
    own = {**body, "location": {**location, "site_id": str(SITE)}}
    assert jobs_client.post("/api/v1/trainings", json=own, headers=staff).status_code == 201
