"""Organised departures on the real stack: roster from accepted matches, seats, events, arrivals, no-shows."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from anju_common.clock import CLOCK
from anju_common.events import (
    MatchStatus,
    MatchStatusChanged,
    MatchStatusChangedData,
    ReplyKind,
    WorkerReplied,
    WorkerRepliedData,
)
from anju_common.kafka import Producer
from anju_common.testing import Infra, wait_for
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session, create_engine
from workers.departures import departure_id_for
from workers.models import AcceptedMatch

from tests.workers.helpers import headers, make_household, make_site, make_worker

pytestmark = pytest.mark.integration
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def producer(infra: Infra) -> Iterator[Producer]:
    p = Producer(infra.kafka_bootstrap)
    yield p
    p.close()


@pytest.fixture
def clock() -> Iterator[Any]:
    yield CLOCK
    CLOCK.set(None)


def _accepted(
    w: dict[str, Any], to: MatchStatus, job: uuid.UUID, employer: uuid.UUID
) -> tuple[MatchStatusChanged, uuid.UUID]:
    data = MatchStatusChangedData(
        match_id=uuid.uuid4(),
        job_id=job,
        worker_id=uuid.UUID(w["id"]),
        household_id=uuid.UUID(w["household_id"]),
        site_id=uuid.UUID(w["site_id"]),
        employer_id=employer,
        from_status=MatchStatus.notified,
        to_status=to,
        job_title="电子装配工",
    )
    return MatchStatusChanged.build(data, subject=data.match_id), data.match_id


def _departure_events(infra: Infra, dep_id: str, kind: str, count: int) -> list[dict[str, Any]]:
    def found() -> list[dict[str, Any]]:
        records = infra.read_topic("workers.events", min_count=1, timeout=2)
        events = [json.loads(r.value) for r in records if r.key == dep_id.encode()]
        return [e for e in events if e["type"] == f"anju.workers.departure.{kind}"]

    result: list[dict[str, Any]] = wait_for(lambda: len(got := found()) >= count and got, timeout=20) or []
    return result


def _join(client: TestClient, dep: str, worker: str, **extra: Any) -> Any:
    return client.post(f"/api/v1/departures/{dep}/workers", json={"worker_id": worker, **extra})


def _departure_body(
    site: str, employer: uuid.UUID, departs: datetime, arrives: date, seats: int
) -> dict[str, Any]:
    return {
        "site_id": site,
        "employer_id": str(employer),
        "employer_name": "东莞市粤黔电子厂",
        "destination": "广东省东莞市",
        "departs_at": departs.isoformat(),
        "arrives_on": arrives.isoformat(),
        "meeting_point": "安置点广场",
        "seats": seats,
        "escort": "就业专干 李明",
    }


def test_departure_roster_seats_arrival_no_show_and_no_reply(
    workers_client: TestClient, infra: Infra, workers_db: str, producer: Producer, clock: Any
) -> None:
    site = make_site(workers_client)
    hh = make_household(workers_client, site)
    w1, w2, w3, w4 = (
        make_worker(workers_client, hh["id"], name=n) for n in ("王秀英", "李大山", "张小芳", "赵四")
    )
    employer, other_employer, job = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    ev1, match1 = _accepted(w1, MatchStatus.interested, job, employer)
    ev2, _ = _accepted(w2, MatchStatus.referred, job, employer)
    ev3, _ = _accepted(w3, MatchStatus.hired, uuid.uuid4(), other_employer)
    ev4, match4 = _accepted(w4, MatchStatus.interested, job, employer)
    for ev in (ev1, ev2, ev3, ev4):
        producer.publish(ev, infra.topic_prefix)
    producer.flush()
    engine = create_engine(workers_db)

    def accepted(match_id: uuid.UUID) -> bool:
        with Session(engine) as s:
            return s.get(AcceptedMatch, match_id) is not None

    # A match that is declined afterwards is no longer accepted.
    assert wait_for(lambda: accepted(match4), timeout=30)
    declined = ev4.data.model_copy(
        update={"from_status": MatchStatus.interested, "to_status": MatchStatus.declined}
    )
    producer.publish(MatchStatusChanged.build(declined, subject=match4), infra.topic_prefix)
    producer.flush()
    assert wait_for(lambda: not accepted(match4), timeout=30)

    departs = datetime.combine(date(2027, 3, 1), time(7, 30), SHANGHAI)
    arrives = date(2027, 3, 2)
    r = workers_client.post("/api/v1/departures", json=_departure_body(site, employer, departs, arrives, 2))
    assert r.status_code == 201, r.text
    dep = r.json()
    dep_id = dep["id"]
    assert dep["status"] == "planned" and dep["seats_taken"] == 0 and r.headers["ETag"] == 'W/"1"'

    # w1 joins from the accepted match once workers has consumed it.
    joined = wait_for(
        lambda: (x := _join(workers_client, dep_id, w1["id"])).status_code == 200 and x, timeout=30
    )
    assert joined, "w1's accepted match never became joinable"
    assert joined.json()["worker_ids"] == [w1["id"]]
    # w3's accepted match is another employer's: only by hand, with a reason.
    r = _join(workers_client, dep_id, w3["id"])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.reason"
    r = _join(workers_client, dep_id, w4["id"])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.reason"
    assert wait_for(lambda: _join(workers_client, dep_id, w2["id"]).status_code == 200, timeout=30)
    # Seats are enforced: full at 2.
    r = _join(workers_client, dep_id, w3["id"], reason="同村亲属，经站长同意")
    assert r.status_code == 409 and r.json()["detail"] == "2 个座位已满" and r.json()["seats"] == 2
    assert _join(workers_client, dep_id, w1["id"]).status_code == 409  # already on it

    # PATCH with optimistic concurrency: stale If-Match 412, fewer seats than holders 409.
    url = f"/api/v1/departures/{dep_id}"
    current = workers_client.get(url).headers["ETag"]
    assert workers_client.patch(url, json={"seats": 3}, headers={"If-Match": 'W/"1"'}).status_code == 412
    assert workers_client.patch(url, json={"seats": 3}).status_code == 428
    assert workers_client.patch(url, json={"seats": 1}, headers={"If-Match": current}).status_code == 409
    r = workers_client.patch(
        url, json={"seats": 3, "meeting_point": "县客运站"}, headers={"If-Match": current}
    )
    assert r.status_code == 200 and r.json()["seats"] == 3 and r.json()["meeting_point"] == "县客运站"
    r = _join(workers_client, dep_id, w3["id"], reason="同村亲属，经站长同意")
    assert r.status_code == 200 and r.json()["seats_taken"] == 3

    scheduled = _departure_events(infra, dep_id, "scheduled", 5)
    last = max(scheduled, key=lambda e: e["data"]["version"])
    assert set(last["data"]["worker_ids"]) == {w1["id"], w2["id"], w3["id"]}
    assert last["data"]["meeting_point"] == "县客运站" and last["data"]["seats"] == 3

    # Staff mark w3 a no-show: off the seat holders (the event no longer names them).
    r = workers_client.post(
        f"/api/v1/departures/{dep_id}/workers/{w3['id']}/no-show", json={"note": "未到集合点"}
    )
    assert r.status_code == 200 and w3["id"] not in r.json()["worker_ids"]
    version = r.json()["version"]
    after = _departure_events(infra, dep_id, "scheduled", 6)
    assert w3["id"] not in next(e for e in after if e["data"]["version"] == version)["data"]["worker_ids"]

    # w1 answers the arrival check-in.
    reply = WorkerRepliedData(
        worker_id=uuid.UUID(w1["id"]), reply=ReplyKind.arrived, departure_id=uuid.UUID(dep_id)
    )
    producer.publish(WorkerReplied.build(reply, subject=w1["id"]), infra.topic_prefix)
    producer.flush()
    roster_url = f"/api/v1/departures/{dep_id}/roster"

    def status_of(worker: dict[str, Any]) -> str:
        items = workers_client.get(roster_url).json()["items"]
        return str(next(i["status"] for i in items if i["worker_id"] == worker["id"]))

    assert wait_for(lambda: status_of(w1) == "arrived", timeout=30)

    # On the arrival day w2 is still just joined; the day after, without a reply, w2 is listed as no reply.
    clock.set(datetime.combine(arrives, time(20, 0), SHANGHAI))
    assert status_of(w2) == "joined"
    clock.set(datetime.combine(arrives + timedelta(days=1), time(9, 0), SHANGHAI))
    roster = workers_client.get(roster_url).json()
    assert roster["counts"] == {"joined": 0, "arrived": 1, "no_reply": 1, "no_show": 1}
    by_worker = {i["worker_id"]: i for i in roster["items"]}
    assert by_worker[w2["id"]]["status"] == "no_reply"
    assert by_worker[w3["id"]]["status"] == "no_show" and by_worker[w3["id"]]["source"] == "manual"
    assert by_worker[w1["id"]]["source"] == "match" and by_worker[w1["id"]]["match_id"] == str(match1)

    # The roster as xlsx: Chinese headers first, one row per worker, phones masked.
    x = workers_client.get(f"{roster_url}.xlsx")
    assert x.status_code == 200
    wb = load_workbook(io.BytesIO(x.content), read_only=True)
    rows = list(wb["名单 roster"].iter_rows(values_only=True))
    assert rows[0][:4] == ("序号 no.", "姓名 name", "手机号（脱敏） phone (masked)", "状态 status")
    body = {row[8]: row for row in rows[1:]}
    assert set(body) == {w1["id"], w2["id"], w3["id"]}
    assert body[w1["id"]][1] == "王秀英" and body[w1["id"]][3] == "已到达 arrived"
    assert body[w2["id"]][3] == "未回复 no_reply" and body[w3["id"]][3] == "未出发 no_show"
    phone = str(body[w2["id"]][2])
    assert "*" in phone and w2["phone_masked"] == phone
    info = dict(list(wb["出行信息 departure"].iter_rows(values_only=True)))
    assert info["出发时间 departs at"] == "2027-03-01 07:30" and info["集合地点 meeting point"] == "县客运站"

    # The placement module links a hire to the departure the worker left with (not a no-show's).
    with Session(engine) as s:
        assert departure_id_for(s, uuid.UUID(w1["id"]), job, employer) == uuid.UUID(dep_id)
        assert departure_id_for(s, uuid.UUID(w2["id"]), uuid.uuid4(), employer) == uuid.UUID(dep_id)
        assert departure_id_for(s, uuid.UUID(w3["id"]), None, employer) is None
        assert departure_id_for(s, uuid.UUID(w4["id"]), job, employer) is None


def test_cancel_publishes_departure_cancelled_and_freezes_it(
    workers_client: TestClient, infra: Infra
) -> None:
    site = make_site(workers_client)
    hh = make_household(workers_client, site)
    w = make_worker(workers_client, hh["id"])
    departs = datetime.combine(date(2027, 4, 1), time(8, 0), SHANGHAI)
    body = _departure_body(site, uuid.uuid4(), departs, date(2027, 4, 2), 10)
    dep_id = workers_client.post("/api/v1/departures", json=body).json()["id"]
    assert _join(workers_client, dep_id, w["id"], reason="本人申请").status_code == 200
    r = workers_client.post(f"/api/v1/departures/{dep_id}/cancel", json={"reason": "用工单位推迟招工"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    cancelled = _departure_events(infra, dep_id, "cancelled", 1)
    assert len(cancelled) == 1
    assert cancelled[0]["data"]["status"] == "cancelled" and cancelled[0]["data"]["worker_ids"] == [w["id"]]
    url = f"/api/v1/departures/{dep_id}"
    etag = workers_client.get(url).headers["ETag"]
    assert workers_client.patch(url, json={"seats": 5}, headers={"If-Match": etag}).status_code == 409
    other = make_worker(workers_client, hh["id"], name="王二")
    assert _join(workers_client, dep_id, other["id"], reason="本人申请").status_code == 409
    # Cancelled departures are listed by site and status.
    listed = workers_client.get("/api/v1/departures", params={"site_id": site, "status": "cancelled"}).json()
    assert [d["id"] for d in listed["items"]] == [dep_id]


def test_departure_validation_and_scope(workers_client: TestClient) -> None:
    site = make_site(workers_client)
    other_site = make_site(workers_client, name="另一个安置点")
    departs = datetime.combine(date(2027, 5, 1), time(8, 0), SHANGHAI)
    body = _departure_body(site, uuid.uuid4(), departs, date(2027, 4, 30), 10)
    r = workers_client.post("/api/v1/departures", json=body, headers={"Accept-Language": "en"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.arrives_on"
    body = _departure_body(site, uuid.uuid4(), departs, date(2027, 5, 2), 10)
    r = workers_client.post("/api/v1/departures", json={**body, "departs_at": "2027-05-01T08:00:00"})
    assert r.status_code == 422  # a time without its offset is ambiguous
    dep_id = workers_client.post("/api/v1/departures", json=body).json()["id"]
    staff_elsewhere = headers("office_staff", [other_site])
    assert workers_client.get(f"/api/v1/departures/{dep_id}", headers=staff_elsewhere).status_code == 404
    staff_here = headers("office_staff", [site])
    assert workers_client.get(f"/api/v1/departures/{dep_id}", headers=staff_here).status_code == 200
    employer = headers("employer", employer_id=str(uuid.uuid4()))
    assert workers_client.get(f"/api/v1/departures/{dep_id}", headers=employer).status_code == 403
    # A worker of another site cannot join.
    stranger = make_worker(workers_client, make_household(workers_client, other_site)["id"])
    r = _join(workers_client, dep_id, stranger["id"], reason="本人申请")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.worker_id"
