"""Course enrolments and freed seats on real Kafka and PostgreSQL: a yes takes a seat or a place on the
waiting list, completion carries the skills and the certificate, a withdrawal moves the queue up; a hired
worker who left frees the seat and reopens a filled job; employers post their own courses."""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from anju_common.events import (
    MatchStatus,
    MatchStatusChanged,
    MatchStatusChangedData,
    TrainingOfferAccepted,
    TrainingOfferAcceptedData,
)
from anju_common.kafka import Producer
from anju_common.principal import Principal, sign_principal
from anju_common.testing import Infra, wait_for
from fastapi.testclient import TestClient

from tests.jobs.helpers import SITE, job_payload, make_employer

pytestmark = pytest.mark.integration
OTHER_SITE = uuid.UUID("0c0ffee0-0000-4000-8000-000000000b0b")


@pytest.fixture
def producer(infra: Infra) -> Iterator[Producer]:
    p = Producer(infra.kafka_bootstrap)
    yield p
    p.close()


def _as(client: TestClient, principal: Principal) -> dict[str, str]:
    secret = client.app.state.runtime.settings.internal_token_secret  # type: ignore[attr-defined]
    return {"X-Anju-Principal": sign_principal(principal, secret)}


def _course(client: TestClient, seats: int, **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "provider": "惠水县人社局",
        "title": "电焊工培训班",
        "skills_taught": ["电焊"],
        "location": {
            "site_id": str(SITE),
            "province": "贵州省",
            "county": "惠水县",
            "lat": 26.1,
            "lon": 106.6,
        },
        "seats": seats,
        "certificate": "焊工证",
    }
    body.update(over)
    r = client.post("/api/v1/trainings", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _accept(producer: Producer, infra: Infra, training_id: str, worker_id: uuid.UUID) -> None:
    data = TrainingOfferAcceptedData(
        offer_id=uuid.uuid4(),
        training_id=uuid.UUID(training_id),
        worker_id=worker_id,
        household_id=uuid.uuid4(),
        site_id=SITE,
    )
    producer.publish(TrainingOfferAccepted.build(data, subject=data.offer_id), infra.topic_prefix)


def _enrolments(client: TestClient, training_id: str) -> dict[str, str]:
    rows = client.get(f"/api/v1/trainings/{training_id}/enrolments").json()
    return {r["worker_id"]: r["status"] for r in rows}


def _jobs_events(infra: Infra, key: str, kind: str) -> list[dict[str, Any]]:
    return [
        json.loads(r.value)
        for r in infra.read_topic("jobs.events", timeout=3)
        if r.key == key.encode() and kind.encode() in r.value
    ]


def _enrolment_events(infra: Infra, worker_id: uuid.UUID) -> list[dict[str, Any]]:
    out = []
    for r in infra.read_topic("jobs.events", timeout=3):
        body = json.loads(r.value)
        if body["type"].endswith("enrolment_changed") and body["data"]["worker_id"] == str(worker_id):
            out.append(body["data"])
    return out


def test_a_yes_takes_a_seat_then_the_waiting_list_and_completion_carries_the_skills(
    jobs_client: TestClient, infra: Infra, producer: Producer
) -> None:
    course = _course(jobs_client, seats=1)
    first, second = uuid.uuid4(), uuid.uuid4()
    _accept(producer, infra, course["id"], first)
    assert wait_for(lambda: _enrolments(jobs_client, course["id"]) == {str(first): "enrolled"}, timeout=20)
    _accept(producer, infra, course["id"], second)
    want = {str(first): "enrolled", str(second): "waitlisted"}
    assert wait_for(lambda: _enrolments(jobs_client, course["id"]) == want, timeout=20)
    now = jobs_client.get(f"/api/v1/trainings/{course['id']}").json()
    assert (now["seats_taken"], now["status"]) == (1, "full")
    published = wait_for(
        lambda: len(e := _jobs_events(infra, course["id"], "training.published")) >= 2 and e, timeout=20
    )
    assert published and [e["data"]["seats_left"] for e in published] == [1, 0]
    # The same worker saying yes twice keeps one place.
    _accept(producer, infra, course["id"], first)

    staff = _as(jobs_client, Principal(sub="user:s", role="office_staff", site_ids=[SITE]))
    stranger = _as(jobs_client, Principal(sub="user:o", role="office_staff", site_ids=[OTHER_SITE]))
    url = f"/api/v1/trainings/{course['id']}/enrolments"
    assert jobs_client.post(f"{url}/{first}/complete", headers=stranger).status_code == 404
    assert jobs_client.post(f"{url}/{second}/complete", headers=staff).status_code == 409
    done = jobs_client.post(f"{url}/{first}/complete", headers=staff)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed" and done.json()["certificate"] == "焊工证"
    assert jobs_client.post(f"{url}/{first}/complete", headers=staff).status_code == 409
    changes = wait_for(lambda: len(c := _enrolment_events(infra, first)) >= 2 and c, timeout=20)
    assert changes and [c["status"] for c in changes] == ["enrolled", "completed"]
    assert changes[-1]["skills_taught"] == ["电焊"] and changes[-1]["certificate"] == "焊工证"
    assert changes[0]["skills_taught"] == [] and changes[0]["seats_left"] == 0
    assert _enrolments(jobs_client, course["id"])[str(first)] == "completed"


def test_a_withdrawal_frees_the_seat_for_the_first_worker_waiting(
    jobs_client: TestClient, infra: Infra, producer: Producer
) -> None:
    course = _course(jobs_client, seats=1, certificate=None)
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for w in (a, b, c):
        _accept(producer, infra, course["id"], w)
        seen = functools.partial(lambda wid: str(wid) in _enrolments(jobs_client, course["id"]), w)
        assert wait_for(seen, timeout=20)
    assert _enrolments(jobs_client, course["id"]) == {
        str(a): "enrolled",
        str(b): "waitlisted",
        str(c): "waitlisted",
    }
    r = jobs_client.post(f"/api/v1/trainings/{course['id']}/enrolments/{a}/withdraw")
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    assert _enrolments(jobs_client, course["id"]) == {
        str(a): "withdrawn",
        str(b): "enrolled",
        str(c): "waitlisted",
    }
    now = jobs_client.get(f"/api/v1/trainings/{course['id']}").json()
    assert (now["seats_taken"], now["status"]) == (1, "full")
    # A waiting worker who withdraws frees no seat.
    assert jobs_client.post(f"/api/v1/trainings/{course['id']}/enrolments/{c}/withdraw").status_code == 200
    assert jobs_client.get(f"/api/v1/trainings/{course['id']}").json()["seats_taken"] == 1
    assert jobs_client.post(f"/api/v1/trainings/{course['id']}/enrolments/{c}/withdraw").status_code == 409


def _changed(job_id: str, employer_id: str, frm: MatchStatus, to: MatchStatus, worker: uuid.UUID) -> Any:
    data = MatchStatusChangedData(
        match_id=uuid.uuid4(),
        job_id=uuid.UUID(job_id),
        worker_id=worker,
        household_id=uuid.uuid4(),
        site_id=SITE,
        employer_id=uuid.UUID(employer_id),
        from_status=frm,
        to_status=to,
        job_title="缝纫工",
    )
    return MatchStatusChanged.build(data, subject=data.match_id)


def test_a_hired_worker_who_left_frees_the_seat_and_reopens_a_filled_job(
    jobs_client: TestClient, infra: Infra, producer: Producer
) -> None:
    employer_id = make_employer(jobs_client)
    job = jobs_client.post("/api/v1/jobs", json=job_payload(employer_id, headcount=1)).json()
    w = uuid.uuid4()
    producer.publish(
        _changed(job["id"], employer_id, MatchStatus.referred, MatchStatus.hired, w), infra.topic_prefix
    )
    assert wait_for(
        lambda: jobs_client.get(f"/api/v1/jobs/{job['id']}").json()["status"] == "filled", timeout=20
    )
    producer.publish(
        _changed(job["id"], employer_id, MatchStatus.hired, MatchStatus.left, w), infra.topic_prefix
    )
    got = wait_for(
        lambda: (j := jobs_client.get(f"/api/v1/jobs/{job['id']}").json())["status"] == "open" and j,
        timeout=20,
    )
    assert got and got["hired_count"] == 0 and got["closed_reason"] is None
    updated = wait_for(lambda: _jobs_events(infra, job["id"], "job.updated"), timeout=20)
    assert updated and updated[-1]["data"]["status"] == "open" and updated[-1]["data"]["hired_count"] == 0

    # A job the employer closed by hand stays closed; the hire count still drops.
    other = jobs_client.post("/api/v1/jobs", json=job_payload(employer_id, headcount=2)).json()
    producer.publish(
        _changed(other["id"], employer_id, MatchStatus.referred, MatchStatus.hired, w), infra.topic_prefix
    )
    assert wait_for(
        lambda: jobs_client.get(f"/api/v1/jobs/{other['id']}").json()["hired_count"] == 1, timeout=20
    )
    assert jobs_client.post(f"/api/v1/jobs/{other['id']}/close", json={"reason": "closed"}).status_code == 200
    producer.publish(
        _changed(other["id"], employer_id, MatchStatus.hired, MatchStatus.left, w), infra.topic_prefix
    )
    assert wait_for(
        lambda: jobs_client.get(f"/api/v1/jobs/{other['id']}").json()["hired_count"] == 0, timeout=20
    )
    assert jobs_client.get(f"/api/v1/jobs/{other['id']}").json()["status"] == "closed"


def test_employers_post_and_manage_their_own_courses(jobs_client: TestClient) -> None:
    mine = make_employer(jobs_client)
    theirs = make_employer(jobs_client, name="另一家车间")
    key = _as(jobs_client, Principal(sub="apikey:k", role="employer", employer_id=uuid.UUID(mine)))
    other_key = _as(jobs_client, Principal(sub="apikey:o", role="employer", employer_id=uuid.UUID(theirs)))
    body = {
        "provider": "王家社区扶贫车间",
        "title": "缝纫岗前培训",
        "skills_taught": ["缝纫"],
        "location": {
            "site_id": str(SITE),
            "province": "贵州省",
            "county": "惠水县",
            "lat": 26.1,
            "lon": 106.6,
        },
        "seats": 10,
    }
    r = jobs_client.post("/api/v1/trainings", json=body, headers=key)
    assert r.status_code == 201, r.text
    course = r.json()
    assert course["employer_id"] == mine
    location: dict[str, Any] = dict(body["location"])  # type: ignore[call-overload]
    elsewhere = {**body, "location": {**location, "site_id": str(OTHER_SITE)}}
    assert jobs_client.post("/api/v1/trainings", json=elsewhere, headers=key).status_code == 403
    patch = {"seats": 12, "version": 1}
    assert (
        jobs_client.patch(f"/api/v1/trainings/{course['id']}", json=patch, headers=other_key).status_code
        == 403
    )
    ok = jobs_client.patch(f"/api/v1/trainings/{course['id']}", json=patch, headers=key)
    assert ok.status_code == 200 and ok.json()["seats"] == 12
    office = _course(jobs_client, seats=5)
    r = jobs_client.post(f"/api/v1/trainings/{office['id']}/close", headers=key)
    assert r.status_code == 403 and "用人单位" in r.json()["detail"]
    assert jobs_client.get(f"/api/v1/trainings/{office['id']}/enrolments", headers=key).status_code == 403
    assert jobs_client.get(f"/api/v1/trainings/{course['id']}/enrolments", headers=key).json() == []
