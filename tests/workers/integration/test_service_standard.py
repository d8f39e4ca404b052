"""The yearly service standard on the real stack: a generated site's ledger agrees with a count made here."""

from __future__ import annotations

import io
import random
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from anju_common.events import MatchProposed, MatchProposedData, TrainingOffered, TrainingOfferedData
from anju_common.kafka import Producer
from anju_common.testing import Infra, wait_for
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.workers.helpers import headers, make_household, make_site, make_worker, office_today

pytestmark = pytest.mark.integration
STANDARD = {"recommendation": 3, "guidance": 1, "training_notice": 1}


@pytest.fixture
def producer(infra: Infra) -> Iterator[Producer]:
    p = Producer(infra.kafka_bootstrap)
    yield p
    p.close()


def _proposed(w: dict[str, Any], at: datetime | None = None) -> MatchProposed:
    data = MatchProposedData(
        match_id=uuid.uuid4(),
        job_id=uuid.uuid4(),
        worker_id=uuid.UUID(w["id"]),
        household_id=uuid.UUID(w["household_id"]),
        site_id=uuid.UUID(w["site_id"]),
        score=0.8,
        breakdown={"skill": 0.8},
        job_title="缝纫工",
        employer_name="惠水县扶贫车间",
        wage_min=3000,
        wage_max=4000,
        place="惠水县",
    )
    ev = MatchProposed.build(data, subject=data.match_id)
    return ev.model_copy(update={"time": at}) if at else ev


def _offered(w: dict[str, Any], at: datetime | None = None) -> TrainingOffered:
    data = TrainingOfferedData(
        offer_id=uuid.uuid4(),
        training_id=uuid.uuid4(),
        worker_id=uuid.UUID(w["id"]),
        household_id=uuid.UUID(w["household_id"]),
        site_id=uuid.UUID(w["site_id"]),
        title="电焊工培训班",
        missing_skills=["电焊工"],
        unlocks_job_ids=[],
        place="县职校",
    )
    ev = TrainingOffered.build(data, subject=data.offer_id)
    return ev.model_copy(update={"time": at}) if at else ev


def test_site_ledger_agrees_with_a_count_made_in_the_test(
    workers_client: TestClient, infra: Infra, producer: Producer
) -> None:
    rng = random.Random(12)
    year = int(office_today()[:4])
    site = make_site(workers_client, name="生成的安置点")
    workers = [
        make_worker(workers_client, make_household(workers_client, site)["id"], name=f"测试{i}")
        for i in range(8)
    ]
    expected: dict[str, Counter[str]] = {w["id"]: Counter() for w in workers}
    # Last year's services do not count this year; 1 January 01:00 in Shanghai is still this year.
    last_year = datetime(year - 1, 12, 31, 15, 0, tzinfo=UTC)  # 23:00 on 31 December, Shanghai
    new_year = datetime(year - 1, 12, 31, 17, 0, tzinfo=UTC)  # 01:00 on 1 January, Shanghai
    events: list[MatchProposed | TrainingOffered] = []
    for w in workers:
        for _ in range(rng.randrange(0, 5)):
            events.append(_proposed(w))
            expected[w["id"]]["recommendation"] += 1
        for _ in range(rng.randrange(0, 3)):
            events.append(_offered(w))
            expected[w["id"]]["training_notice"] += 1
        for _ in range(rng.randrange(0, 3)):
            r = workers_client.post(
                f"/api/v1/workers/{w['id']}/service-contacts",
                json={"kind": "guidance", "channel": "visit", "note": "入户职业指导"},
            )
            assert r.status_code == 201, r.text
            expected[w["id"]]["guidance"] += 1
        events.append(_proposed(w, at=last_year))
    first, second = workers[0], workers[1]
    events.append(_offered(first, at=new_year))
    expected[first["id"]]["training_notice"] += 1
    # A redelivered proposal counts once; so does a second event about the same match.
    again = next(ev for ev in events if isinstance(ev, MatchProposed) and ev.time.year == year)
    events.append(again)
    events.append(MatchProposed.build(again.data, subject=again.data.match_id))
    # A recommendation staff made by phone counts too.
    r = workers_client.post(
        f"/api/v1/workers/{second['id']}/service-contacts",
        json={"kind": "recommendation", "channel": "phone"},
    )
    assert r.status_code == 201 and r.json()["source"] == "staff"
    expected[second["id"]]["recommendation"] += 1
    r = workers_client.post(
        f"/api/v1/workers/{second['id']}/service-contacts",
        json={"kind": "guidance", "channel": "phone", "occurred_at": last_year.isoformat()},
    )
    assert r.status_code == 201
    for ev in events:
        producer.publish(ev, infra.topic_prefix)
    producer.flush()

    wanted_rec = sum(c["recommendation"] for c in expected.values())
    wanted_train = sum(c["training_notice"] for c in expected.values())
    url = f"/api/v1/sites/{site}/service-standard"

    def caught_up() -> dict[str, Any] | None:
        body: dict[str, Any] = workers_client.get(url, params={"year": year, "include_met": True}).json()
        got_rec = sum(i["counts"]["recommendation"] for i in body["items"])
        got_train = sum(i["counts"]["training_notice"] for i in body["items"])
        return body if (got_rec, got_train) == (wanted_rec, wanted_train) else None

    report = wait_for(caught_up, timeout=40)
    assert report, "the ledger never caught up with the published events"
    assert report["standard"] == STANDARD and report["workers"] == len(workers)
    by_worker = {i["worker_id"]: i for i in report["items"]}
    short_of: Counter[str] = Counter()
    meeting = 0
    for w in workers:
        item = by_worker[w["id"]]
        counts = expected[w["id"]]
        assert item["counts"] == {k: counts[k] for k in STANDARD}, w["name"]
        missing = {k: max(STANDARD[k] - counts[k], 0) for k in STANDARD}
        assert item["shortfalls"] == missing
        assert item["met"] == (not any(missing.values()))
        meeting += item["met"]
        short_of.update(k for k, n in missing.items() if n)
        assert item["name_masked"] == w["name"][0] + "*" * (len(w["name"]) - 1)
    assert report["workers_meeting"] == meeting and report["workers_short"] == len(workers) - meeting
    assert report["short_of"] == {k: short_of[k] for k in STANDARD}

    # By default only the workers short of something are listed.
    short = workers_client.get(url, params={"year": year}).json()
    assert {i["worker_id"] for i in short["items"]} == {
        w["id"] for w in workers if not by_worker[w["id"]]["met"]
    }
    # Last year holds exactly the entries dated then.
    previous = workers_client.get(url, params={"year": year - 1, "include_met": True}).json()
    prev = {i["worker_id"]: i["counts"] for i in previous["items"]}
    assert all(prev[w["id"]]["recommendation"] == 1 for w in workers)
    assert prev[second["id"]]["guidance"] == 1 and prev[first["id"]]["training_notice"] == 0
    ledger = workers_client.get(f"/api/v1/workers/{first['id']}/service-contacts", params={"year": year})
    assert len(ledger.json()) == sum(expected[first["id"]].values())

    # The xlsx export: Chinese headers first, the short workers, masked names and phones only.
    x = workers_client.get(f"{url}.xlsx", params={"year": year})
    assert x.status_code == 200
    wb = load_workbook(io.BytesIO(x.content), read_only=True)
    rows = list(wb["未达标 short"].iter_rows(values_only=True))
    assert rows[0][:3] == (
        "姓名（脱敏） name (masked)",
        "手机号（脱敏） phone (masked)",
        "岗位推荐 recommendations",
    )
    exported = {row[9]: row for row in rows[1:]}
    assert set(exported) == {i["worker_id"] for i in short["items"]}
    for worker_id, row in exported.items():
        w = next(w for w in workers if w["id"] == worker_id)
        assert row[0] == by_worker[worker_id]["name_masked"] and row[0] != w["name"]
        assert row[1] == w["phone_masked"] and "*" in str(row[1])
        assert list(row[2:5]) == [expected[worker_id][k] for k in STANDARD]
    summary = dict(list(wb["概况 summary"].iter_rows(values_only=True)))
    assert summary["未达标 short of the standard"] == report["workers_short"]


def test_service_contact_validation_and_scope(workers_client: TestClient) -> None:
    site = make_site(workers_client)
    w = make_worker(workers_client, make_household(workers_client, site)["id"])
    url = f"/api/v1/workers/{w['id']}/service-contacts"
    r = workers_client.post(url, json={"kind": "lecture", "channel": "visit"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.kind"
    future = {"kind": "guidance", "channel": "visit", "occurred_at": "2999-01-01T00:00:00+08:00"}
    r = workers_client.post(url, json=future)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.occurred_at"
    r = workers_client.get(f"/api/v1/sites/{site}/service-standard", params={"year": 1990})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "query.year"
    other = make_site(workers_client, name="别的安置点")
    staff_elsewhere = headers("office_staff", [other])
    report = f"/api/v1/sites/{site}/service-standard"
    assert workers_client.get(report, headers=staff_elsewhere).status_code == 404
    r = workers_client.post(url, json={"kind": "guidance", "channel": "visit"}, headers=staff_elsewhere)
    assert r.status_code == 404
    employer = headers("employer", employer_id=str(uuid.uuid4()))
    assert workers_client.get(f"/api/v1/sites/{site}/service-standard", headers=employer).status_code == 403
